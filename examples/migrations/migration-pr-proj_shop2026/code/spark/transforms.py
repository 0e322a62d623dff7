"""The column transforms of plan_shop2026's mapping, as plain functions the Spark job applies."""

from __future__ import annotations

import hashlib


def sha256_email(email: str) -> str:
    """email -> email_hash: the hex SHA-256 of the trimmed, lower-cased address."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def mask_last4(phone: str | None) -> str | None:
    """phone -> phone_masked: every character but the last four replaced by "*"."""
    if phone is None:
        return None
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


def mask_address(address: str | None) -> str | None:
    """shipping_address -> shipping_address_masked: digits replaced by "#"."""
    if address is None:
        return None
    return "".join("#" if ch.isdigit() else ch for ch in address)
