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


def known_digests(data: Any) -> dict[str, list[tuple[str | int, ...]]]:
    """The values at the places SPEC section 5 names, each with the paths it is at:
    ``sha256``, ``sha256_reviewed`` (64 hex digits), ``public_key`` and ``signature.value``
    (base64); and a detect-secrets baseline's ``hashed_secret`` (40 hex digits, the SHA-1 of a
    value, not the value), so that the baseline itself is scanned like every other file. A value
    is a digest only where it is at such a place: the same text under ``password`` elsewhere in
    the file is judged like any other (a hostile author could copy a password under
    ``public_key`` to excuse it)."""
    found: dict[str, list[tuple[str | int, ...]]] = {}
    pending: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while pending:
        path, node = pending.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    if (
                        (key in _DIGEST_KEYS and _HEX64.fullmatch(value))
                        or (key == "public_key" and _BASE64_TEXT.fullmatch(value))
                        or (key == "hashed_secret" and _HEX40.fullmatch(value))
                    ):
                        found.setdefault(value, []).append((*path, key))
                elif key == "signature" and isinstance(value, dict):
                    signature = value.get("value")
                    if isinstance(signature, str) and _BASE64_TEXT.fullmatch(signature):
                        found.setdefault(signature, []).append((*path, key, "value"))
                if isinstance(value, dict | list):
                    pending.append(((*path, key), value))
        elif isinstance(node, list):
            pending.extend(((*path, i), item) for i, item in enumerate(node))
    return found


def sha256sum_digest(line: str) -> str | None:
    """The digest of a sha256sum manifest line (``<64 hex>  <path>``), or None."""
    match = _SHA256SUM_LINE.match(line)
    return match.group(1) if match else None
