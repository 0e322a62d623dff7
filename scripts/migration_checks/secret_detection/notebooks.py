"""Jupyter notebooks' cells read as the code they hold.

A notebook is JSON: a cell's line ``password = "x"`` is stored as the string
``"password = \\"x\\"\\n",``, whose escaped quotes hide the assignment from every rule that reads
quotes (found scanning real data repositories: a notebook cell with a Snowflake password was not
reported). Each line of a ``.ipynb`` file that is one JSON string (nbformat writes a cell's
source and a stream's text one string a line) is decoded, and the scan reads the decoding at that
line as it reads other escaped lines (``decoding.unescaped_lines``), each character mapped back
to its column in the file.
"""

from __future__ import annotations

import re

from migration_checks.secret_detection.decoding import Unescaped

# One JSON string alone on its line, an item of a list (a trailing comma) or the last one.
_STRING_LINE = re.compile(r'[ \t]*+"(?P<body>(?:[^"\\]|\\.)*+)"[ \t]*+,?[ \t]*+')
_SIMPLE = {'"': '"', "\\": "\\", "/": "/", "b": " ", "f": " ", "n": " ", "r": " ", "t": "\t"}
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")


def is_notebook(path: str) -> bool:
    return path.lower().endswith(".ipynb")


def notebook_sources(lines: list[str]) -> dict[int, Unescaped]:
    """The 1-based numbers of a notebook's lines that are one JSON string holding an escape,
    each with the string's decoding (line breaks read as spaces, as in ``decoding``)."""
    found: dict[int, Unescaped] = {}
    for number, line in enumerate(lines, 1):
        if "\\" not in line:
            continue  # nothing hidden: the line reads as it is written
        string = _STRING_LINE.fullmatch(line)
        if string is not None:
            found[number] = _decode(line, string.start("body"), string.end("body"))
    return found


def _decode(line: str, start: int, end: int) -> Unescaped:
    """The JSON string body ``line[start:end]`` decoded, in one pass."""
    parts: list[str] = []
    columns: list[int] = []
    at = start
    while at < end:
        char = line[at]
        if char != "\\":
            parts.append(char)
            columns.append(at)
            at += 1
            continue
        kind = line[at + 1] if at + 1 < end else ""
        if kind in _SIMPLE:
            parts.append(_SIMPLE[kind])
            columns.append(at)
            at += 2
        elif kind == "u" and _HEX4.fullmatch(line, at + 2, at + 6):
            code = int(line[at + 2 : at + 6], 16)
            decoded = chr(code) if not 0xD800 <= code < 0xE000 else "\ufffd"
            parts.append(decoded if decoded not in "\n\r" else " ")
            columns.append(at)
            at += 6
        else:  # not JSON: kept as written
            parts.append(char)
            columns.append(at)
            at += 1
    columns.append(end)
    return Unescaped("".join(parts), tuple(columns))
