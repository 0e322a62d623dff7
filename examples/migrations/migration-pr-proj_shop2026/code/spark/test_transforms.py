"""Unit tests of the mapping's transforms (run by unit_tests in stage 3)."""

from __future__ import annotations

from transforms import mask_address, mask_last4, sha256_email


def test_email_hash_ignores_case_and_spaces() -> None:
    assert sha256_email(" Ana.Okafor1@Example.com ") == sha256_email("ana.okafor1@example.com")
    assert len(sha256_email("a@example.com")) == 64


def test_phone_keeps_last_four_digits() -> None:
    assert mask_last4("+351 211234567") == "**********4567"
    assert mask_last4("123") == "123"
    assert mask_last4(None) is None


def test_address_hides_numbers() -> None:
    assert mask_address("12 Rua Moreau, Lisbon") == "## Rua Moreau, Lisbon"
