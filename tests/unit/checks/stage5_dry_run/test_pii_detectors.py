"""The value detectors extract_sample runs on sampled text (migration_checks.pii)."""

from __future__ import annotations

import ipaddress
import time

import pytest

from migration_checks import pii


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("mail me at a.b+shop@example.co.uk!", {"email"}),
        ("MARY.SMITH@sakilacustomer.org", {"email"}),
        ("x@y", set()),
        ("@handle on social media", set()),
        ("+55 (12) 3923-5555", {"phone"}),
        ("+49 0711 2842222", {"phone"}),
        ("+420 2 4172 5555", {"phone"}),
        ("(555) 123-4567", {"phone"}),
        ("555-123-4567", {"phone"}),
        ("020 7946 0958", {"phone"}),
        ("+4915112345678", {"phone"}),
        ("order 12345 67890", set()),
        ("2024-01-02 10:00:00", set()),
        ("12/31/2024", set()),
        ("v1.2.3", set()),
        ("14033335568", set()),  # bare digits: a name heuristic's job, not a value detector's
        ("ssn 123-45-6789", {"ssn"}),
        ("ssn 000-12-3456", set()),
        ("ssn 666-12-3456", set()),
        ("ssn 923-12-3456", set()),
        ("card 4111 1111 1111 1111", {"credit_card"}),
        ("card 5500-0000-0000-0004", {"credit_card"}),
        ("amex 378282246310005", {"credit_card"}),
        ("id 4111111111111112", set()),  # fails the Luhn checksum
        ("1234567812345678", set()),  # passes Luhn, but no issuer starts with 1
        ("from 10.1.2.3 at noon", {"ip_address"}),
        ("host 10.0.0.300", set()),
        ("fe80::1%eth0", {"ip_address"}),
        ("2001:db8::ff00:42:8329", {"ip_address"}),
        ("12:30:45", set()),
        ("a::b", set()),
        ("", set()),
        ("plain words only", set()),
    ],
)
def test_detect(text: str, found: set[str]) -> None:
    assert pii.detect(text) == found


def test_luhn() -> None:
    assert pii.luhn_valid("79927398713")
    assert not pii.luhn_valid("79927398710")


def test_values_of_every_shape() -> None:
    assert pii.categories_in(ipaddress.ip_address("192.0.2.1")) == {"ip_address"}
    assert pii.categories_in(ipaddress.ip_interface("192.0.2.1/24")) == {"ip_address"}
    assert pii.categories_in(["ok", {"contact": "a@example.com"}]) == {"email"}
    assert pii.categories_in(4111111111111111) == set()  # numbers are never examined
    assert pii.categories_in(b"a@example.com") == set()
    assert pii.categories_in(None) == set()


def test_hostile_text_is_fast() -> None:
    hostile = [
        "1 " * 50_000,
        "a@" * 50_000,
        "+1 (" * 20_000,
        ":" * 100_000,
        "1." * 50_000,
        "1-" * 50_000,
    ]
    started = time.perf_counter()
    for text in hostile:
        pii.detect(text)
    assert time.perf_counter() - started < 1.0
