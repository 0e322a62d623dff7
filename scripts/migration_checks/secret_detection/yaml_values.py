"""YAML values, as detect-secrets' YAML transformer reads them, from libyaml's events.

*YAML positions.* detect-secrets parses YAML in pure Python (17 s for a 3.4 MB mapping) and
numbers its value lines by the parser's read-ahead, so values in flow mappings drift by many
lines. Here the same values come from libyaml's events with the same YAML 1.1 typing, and a
secret is on the line of the file where its text is (a private key in a block scalar: the
line of ``-----BEGIN``), or where its value starts when its text is not there verbatim
(escapes, folded lines, an alias). A YAML file is parsed only when its text holds an anchor of
the prefilter, and values are made only where one is (``string_values``).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no types; detect-secrets needs it


@dataclass(frozen=True, slots=True)
class YamlValue:
    """A string value of a mapping: the line where it starts, its key, its text, and its span in
    the file's text (where a secret found in it is looked for, to tell its own line)."""

    line: int
    key: str
    value: str
    start: int
    end: int


_STR = "tag:yaml.org,2002:str"
_BINARY = "tag:yaml.org,2002:binary"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_RESOLVER = yaml.resolver.Resolver()
_SAFE_TAGS = frozenset(yaml.constructor.SafeConstructor.yaml_constructors) - {None}


class _Unreadable(Exception):
    """What detect-secrets' YAML transformer would fail on (it then reads the file line by line)."""


# A node as the walk keeps it: its tag, its text (None: a mapping or a sequence), its span, and
# the span where its text is written (an alias: its anchor's node).
_Node = tuple[str, str | None, int, int, int, int]
Spans = Sequence[tuple[int, int]]


class _Frame:
    __slots__ = ("is_mapping", "key", "reads_values", "values")

    def __init__(self, is_mapping: bool, reads_values: bool) -> None:
        self.is_mapping = is_mapping
        self.reads_values = reads_values  # a mapping whose string values are read (tag ":map")
        self.key: _Node | None = None  # the key whose value comes next
        # By key: the value's span, key and text; True: a string value not wanted; False: none.
        self.values: dict[tuple[str, str], tuple[int, int, str, str] | bool] = {}


def string_values(text: str, spans: Spans | None = None) -> list[YamlValue] | None:
    """(line, key, value) of every string value of a mapping, as detect-secrets' YAML transformer
    reads them with PyYAML's safe loader (YAML 1.1 types; ``!!binary`` values base64 again), at
    the line where each value starts; None where that transformer fails or finds no string
    value (detect-secrets then reads the file line by line).

    With ``spans`` (sorted, disjoint ``(start, end)`` offsets of the text), only the values whose
    key, value or aliased node overlaps one of them: the text is parsed from the entry of its
    root mapping where the first span is, when the entries before it can be skipped
    (``_skippable``), else whole (what makes the transformer fail may be anywhere), and nothing
    more is made of the other values.
    """
    skip = _skippable(text, spans[0][0]) if spans else 0
    shifted = None if spans is None else [(a - skip, b - skip) for a, b in spans]
    found = _walk_text(text[skip:] if skip else text, shifted)
    if skip and not found:  # nothing after the skipped entries: any string value before them?
        skip, found = 0, _walk_text(text, spans)
    if found is None:
        return None
    found = [(start + skip, end + skip, key, value) for start, end, key, value in found]
    lines = line_numbers_in_order(text, [start for start, _, _, _ in found])
    return [
        YamlValue(line, key, value, start, end)
        for line, (start, end, key, value) in zip(lines, found, strict=True)
    ]


def _walk_text(text: str, spans: Spans | None) -> list[tuple[int, int, str, str]] | None:
    loader = yaml.CSafeLoader(text)
    try:
        return _walk_yaml(loader.get_event, spans)
    except (yaml.YAMLError, _Unreadable, RecursionError):
        return None
    finally:
        loader.dispose()


# A line that starts a simple key of a block mapping at the left margin.
_ROOT_KEY = re.compile(r"[A-Za-z0-9_][^\n]*?:(?:[ \t]|$)", re.MULTILINE)
_COMMENTS = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\n)*")
_DOCUMENT_MARKER = re.compile(r"^(?:---|\.\.\.)(?:[ \t]|$)", re.MULTILINE)
# What the values of the skipped entries could make the transformer fail on, or need from them:
# anchors, aliases, tags, complex keys (a collection as a key); each looked for on its own (an
# alternation of them is tried at every position).
_NEEDS_ALL = "&*!?"
_COLLECTION_KEY = re.compile(r"[\]}][ \t]*:")


def _skippable(text: str, first: int) -> int:
    """How much of a YAML text can go unread before offset ``first``, where the first value
    wanted is: 0, or the start of a line that starts an entry of the text's root mapping (a
    block mapping at the left margin), every entry before it being one that nothing after it
    needs and that parses by itself, and the text being one document.

    The entries before such a line end with it (a line at the left margin ends any block
    collection or scalar of theirs), so the text from it is read as it is in the whole text:
    its values, and whether it fails, are the same, which the tests check."""
    line = text.rfind("\n", 0, first) + 1
    while line > 0 and _ROOT_KEY.match(text, line) is None:
        line = text.rfind("\n", 0, line - 1) + 1
    comments = _COMMENTS.match(text)
    if line == 0 or _ROOT_KEY.match(text, comments.end() if comments else 0) is None:
        return 0
    if any(text.find(char, 0, line) >= 0 for char in _NEEDS_ALL):
        return 0
    if _COLLECTION_KEY.search(text, 0, line) or _DOCUMENT_MARKER.search(text):
        return 0
    loader = yaml.CSafeLoader(text[:line])
    try:
        loader.raw_parse()  # the entries before parse by themselves (libyaml, no objects made)
    except yaml.YAMLError:
        return 0
    finally:
        loader.dispose()
    return line


def line_numbers_in_order(text: str, offsets: list[int]) -> list[int]:
    order = sorted(range(len(offsets)), key=offsets.__getitem__)
    lines = [0] * len(offsets)
    line, position = 1, 0
    for i in order:
        line += text.count("\n", position, offsets[i])
        position = offsets[i]
        lines[i] = line
    return lines


def _resolved(event: Any, kind: type[yaml.Node]) -> str:
    tag: str | None = event.tag
    if tag is None or tag == "!":
        value = event.value if kind is yaml.ScalarNode else None
        resolved: str = _RESOLVER.resolve(kind, value, event.implicit)
        return resolved
    if tag not in _SAFE_TAGS:
        raise _Unreadable  # PyYAML's safe constructor has nothing for it
    return tag


_SCALAR = yaml.ScalarEvent
_ALIAS = yaml.AliasEvent
_MAPPING_START = yaml.MappingStartEvent
_SEQUENCE_START = yaml.SequenceStartEvent
_MAPPING_END = yaml.MappingEndEvent
_SEQUENCE_END = yaml.SequenceEndEvent
_DOCUMENT_START = yaml.DocumentStartEvent
_KEPT = (_STR, _BINARY)


def _walk_yaml(
    next_event: Callable[[], Any], spans: Spans | None
) -> list[tuple[int, int, str, str]] | None:
    """The work of PyYAML's composer and safe constructor that the values need, on libyaml's
    events (hundreds of thousands in a large mapping: one loop, the common cases first): the
    wanted values (each with its span, key and text), or None when there is no string value."""
    found: list[tuple[int, int, str, str]] = []
    others = False  # whether there is a string value not wanted
    anchors: dict[str, _Node] = {}
    stack: list[_Frame] = []
    documents = 0
    plain_tags: dict[str, str] = {}  # a plain scalar's tag depends on its text alone
    # The spans, and the first that does not end before the current pair's key (pairs come in
    # the order of the text).
    starts = [start for start, _ in spans or ()]
    ends = [end for _, end in spans or ()]
    after = 0

    def overlaps(start: int, end: int) -> bool:
        k = bisect.bisect_left(starts, end) - 1
        return k >= 0 and ends[k] >= start

    scalar, plain_tag = _SCALAR, plain_tags.get  # (looked up once: hundreds of thousands of events)
    while (event := next_event()) is not None:
        kind = type(event)
        node: _Node
        if kind is scalar:
            value = event.value
            if event.tag is not None:
                tag = _resolved(event, yaml.ScalarNode)
            elif not event.implicit[0]:
                tag = _STR  # quoted, or a block scalar: the resolver's default, a string
            elif (cached := plain_tag(value)) is not None:
                tag = cached
            else:
                tag = plain_tags[value] = _resolved(event, yaml.ScalarNode)
            if tag == _BINARY:
                try:
                    value = base64.b64encode(base64.decodebytes(value.encode("ascii"))).decode()
                except (binascii.Error, UnicodeEncodeError):
                    raise _Unreadable from None
            start, end = event.start_mark.index, event.end_mark.index
            node = (tag, value, start, end, start, end)
        elif kind is _MAPPING_END or kind is _SEQUENCE_END:
            for placed in stack.pop().values.values():
                if placed is True:
                    others = True
                elif placed is not False:
                    found.append(placed)
            continue
        elif kind is _MAPPING_START or kind is _SEQUENCE_START:
            is_mapping = kind is _MAPPING_START
            if event.tag is None:
                tag = _MAP if is_mapping else _SEQ  # what the resolver gives any collection
            else:
                tag = _resolved(event, yaml.MappingNode if is_mapping else yaml.SequenceNode)
            start, end = event.start_mark.index, event.end_mark.index
            node = (tag, None, start, end, start, end)
        elif kind is _ALIAS:
            target = anchors.get(event.anchor)
            if target is None:
                raise _Unreadable  # "found undefined alias"
            start, end = event.start_mark.index, event.end_mark.index
            node = (target[0], target[1], start, end, target[4], target[5])
        elif kind is _DOCUMENT_START:
            documents += 1
            if documents > 1:
                raise _Unreadable  # "expected a single document in the stream"
            continue
        else:
            continue
        if kind is not _ALIAS and event.anchor:
            anchors[event.anchor] = node
        if stack:
            frame = stack[-1]
            if frame.is_mapping:
                key = frame.key
                if key is None:
                    if node[1] is None:
                        raise _Unreadable  # a mapping or sequence as a key: "unhashable key"
                    frame.key = node
                else:
                    frame.key = None
                    text, key_text = node[1], key[1]
                    if frame.reads_values and key_text is not None:
                        kept: tuple[int, int, str, str] | bool = False
                        if text is not None and node[0] in _KEPT:
                            kept = True
                            if spans is None:
                                kept = (node[2], node[3], key_text, text)
                            else:
                                while after < len(ends) and ends[after] < key[2]:
                                    after += 1
                                if (
                                    (after < len(ends) and starts[after] < node[3])
                                    or (key[4] != key[2] and overlaps(key[4], key[5]))
                                    or (node[4] != node[2] and overlaps(node[4], node[5]))
                                ):
                                    kept = (node[2], node[3], key_text, text)
                        # A later duplicate key replaces the earlier value, as in the dict.
                        frame.values[(key[0], key_text)] = kept
        if kind is _MAPPING_START:
            stack.append(_Frame(is_mapping=True, reads_values=node[0].endswith(":map")))
        elif kind is _SEQUENCE_START:
            stack.append(_Frame(is_mapping=False, reads_values=False))
    return found if found or others else None
