"""Digests and signatures at their known places, which are not secrets either: values of
``sha256``, ``sha256_reviewed``, ``public_key`` and ``signature.value``, and the hex digests of
sha256sum manifest lines.
"""

from __future__ import annotations

import re
from typing import Any

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_SHA256SUM_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *]\S")
_DIGEST_KEYS = frozenset({"sha256", "sha256_reviewed"})
_HEX40 = re.compile(r"[0-9a-f]{40}")


_PLACES = (*_DIGEST_KEYS, "public_key", "hashed_secret", "signature")
_KEY_END = re.compile(r"[\"']?\s*:")


def may_hold_digests(text: str) -> bool:
    """Whether a JSON or YAML text could have a value at one of the places ``known_digests``
    reads: one of them is written as a key (``sha256:``, ``"signature": {``; a key spelled with
    escapes, or an alias of one, could be any)."""
    if "\\" in text or "*" in text:
        return True
    for place in _PLACES:
        at = text.find(place)
        while at >= 0:
            if _KEY_END.match(text, at + len(place)):
                return True
            at = text.find(place, at + 1)
    return False


def known_digests(data: Any) -> set[str]:
    """The values at the places SPEC section 5 names: ``sha256``, ``sha256_reviewed`` (64 hex
    digits), ``public_key`` and ``signature.value`` (base64); and a detect-secrets baseline's
    ``hashed_secret`` (40 hex digits, the SHA-1 of a value, not the value), so that the baseline
    itself is scanned like every other file."""
    found: set[str] = set()
    pending = [data]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    if (
                        (key in _DIGEST_KEYS and _HEX64.fullmatch(value))
                        or (key == "public_key" and _BASE64_TEXT.fullmatch(value))
                        or (key == "hashed_secret" and _HEX40.fullmatch(value))
                    ):
                        found.add(value)
                elif key == "signature" and isinstance(value, dict):
                    signature = value.get("value")
                    if isinstance(signature, str) and _BASE64_TEXT.fullmatch(signature):
                        found.add(signature)
                if isinstance(value, dict | list):
                    pending.append(value)
        elif isinstance(node, list):
            pending.extend(node)
    return found


def sha256sum_digest(line: str) -> str | None:
    """The digest of a sha256sum manifest line (``<64 hex>  <path>``), or None."""
    match = _SHA256SUM_LINE.match(line)
    return match.group(1) if match else None
