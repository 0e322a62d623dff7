"""TLS versions as plans and policies write them: ``TLS1.2``, ``TLSv1.3``, ``TLS 1.2``, ``1.2``.

A version is read as a pair of numbers, so that ``TLSv1.3`` compares above ``TLS1.2`` whatever
the spelling. Anything else (``SSL3``, ``TLS1.2+``, ``latest``) does not parse: the policy
refuses such a ``min_tls`` at load time, and ``encryption_compliance`` reports it in a plan.
"""

from __future__ import annotations

import re

_VERSION = re.compile(r"^(?:tls[ _-]?v?[ ]?)?(\d{1,2})(?:[._](\d{1,2}))?$", re.IGNORECASE)


def parse_tls_version(text: str) -> tuple[int, int] | None:
    """``(major, minor)`` of a TLS version such as ``TLS1.2``, ``TLSv1.3`` or ``1.2``; else None."""
    match = _VERSION.match(text.strip())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def format_tls_version(version: tuple[int, int]) -> str:
    return f"TLS {version[0]}.{version[1]}"
