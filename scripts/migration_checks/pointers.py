"""JSON pointers (RFC 6901): how findings name a place in a document, before it has a line."""

from __future__ import annotations


def escape_pointer_part(part: str | int) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def pointer(*parts: str | int) -> str:
    return "".join(f"/{escape_pointer_part(p)}" for p in parts)


def unescape_pointer_part(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def split_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [unescape_pointer_part(p) for p in pointer[1:].split("/")]
