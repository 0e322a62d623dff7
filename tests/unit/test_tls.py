"""TLS versions in the spellings plans and policies use, compared as numbers."""

from __future__ import annotations

import pytest

from migration_checks.tls import format_tls_version, parse_tls_version


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TLS1.2", (1, 2)),
        ("TLSv1.3", (1, 3)),
        ("tlsv1.2", (1, 2)),
        ("TLS 1.2", (1, 2)),
        ("TLS-1.3", (1, 3)),
        ("TLS_1_2", (1, 2)),
        ("1.2", (1, 2)),
        (" 1.3 ", (1, 3)),
        ("TLSv1", (1, 0)),
        ("1", (1, 0)),
        ("1.10", (1, 10)),
    ],
)
def test_parses(text: str, expected: tuple[int, int]) -> None:
    assert parse_tls_version(text) == expected


@pytest.mark.parametrize(
    "text", ["", "SSL3", "SSLv3.0", "TLS1.2+", ">=1.2", "latest", "TLS", "1.2.3", "v1.2", "TLS1,2"]
)
def test_refuses(text: str) -> None:
    assert parse_tls_version(text) is None


def test_compares_numerically_whatever_the_spelling() -> None:
    assert parse_tls_version("TLSv1.10") > parse_tls_version("TLS1.3")  # type: ignore[operator]
    assert parse_tls_version("1.2") == parse_tls_version("TLSv1.2")
    assert format_tls_version((1, 2)) == "TLS 1.2"
