"""YAML values, as detect-secrets' YAML transformer reads them, from libyaml's events.

*YAML positions.* detect-secrets parses YAML in pure Python (17 s for a 3.4 MB mapping) and
numbers its value lines by the parser's read-ahead, so values in flow mappings drift by many
lines. Here the same values come from libyaml's events with the same YAML 1.1 typing, and a
secret is on the line of the file where its text is (a private key in a block scalar: the
line of ``-----BEGIN``), or where its value starts when its text is not there verbatim
(escapes, folded lines, an alias); a YAML file is parsed only when its text holds an anchor.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no types; detect-secrets needs it


@dataclass(frozen=True, slots=True)
class _YamlNode:
    tag: str
    value: str | None  # a scalar's text; None for a mapping or a sequence
    index: int  # character offset where it starts (an alias: where the alias is)
    end: int  # and where it ends (an alias: where the alias ends)


@dataclass(slots=True)
class _YamlFrame:
    is_mapping: bool
    reads_values: bool  # a mapping whose string values the transformer reads (tag ":map")
    key: _YamlNode | None = None
    expecting_key: bool = True
    values: dict[tuple[str, str], tuple[int, int, str, str] | None] | None = None


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


def string_values(text: str) -> list[YamlValue] | None:
    """(line, key, value) of every string value of a mapping, as detect-secrets' YAML transformer
    reads them with PyYAML's safe loader (YAML 1.1 types; ``!!binary`` values base64 again), at
    the line where each value starts; None where that transformer fails."""
    try:
        found = _walk_yaml(yaml.parse(text, Loader=yaml.CSafeLoader))
    except (yaml.YAMLError, _Unreadable, RecursionError):
        return None
    lines = line_numbers_in_order(text, [start for start, _, _, _ in found])
    return [
        YamlValue(line, key, value, start, end)
        for line, (start, end, key, value) in zip(lines, found, strict=True)
    ]


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
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _walk_yaml(events: Iterable[Any]) -> list[tuple[int, int, str, str]]:
    """The work of PyYAML's composer and safe constructor that the values need, on libyaml's
    events (hundreds of thousands in a large mapping: the common cases go first)."""
    found: list[tuple[int, int, str, str]] = []
    anchors: dict[str, _YamlNode] = {}
    stack: list[_YamlFrame] = []
    documents = 0
    plain_tags: dict[str, str] = {}  # a plain scalar's tag depends on its text alone
    for event in events:
        kind = type(event)
        node: _YamlNode
        if kind is _SCALAR:
            value = event.value
            if event.tag is not None:
                tag = _resolved(event, yaml.ScalarNode)
            elif not event.implicit[0]:
                tag = _STR  # quoted, or a block scalar: the resolver's default, a string
            else:
                cached = plain_tags.get(value)
                tag = cached if cached is not None else _resolved(event, yaml.ScalarNode)
                plain_tags[value] = tag
            if tag == _BINARY:
                try:
                    value = base64.b64encode(base64.decodebytes(value.encode("ascii"))).decode()
                except (binascii.Error, UnicodeEncodeError):
                    raise _Unreadable from None
            node = _YamlNode(tag, value, event.start_mark.index, event.end_mark.index)
        elif kind in _ENDS:
            frame = stack.pop()
            if frame.values:
                found.extend(value for value in frame.values.values() if value is not None)
            continue
        elif kind is _MAPPING_START or kind is _SEQUENCE_START:
            is_mapping = kind is _MAPPING_START
            tag = _resolved(event, yaml.MappingNode if is_mapping else yaml.SequenceNode)
            node = _YamlNode(tag, None, event.start_mark.index, event.end_mark.index)
        elif kind is _ALIAS:
            target = anchors.get(event.anchor)
            if target is None:
                raise _Unreadable  # "found undefined alias"
            node = _YamlNode(target.tag, target.value, event.start_mark.index, event.end_mark.index)
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Unreadable  # "expected a single document in the stream"
            continue
        else:
            continue
        if kind is not _ALIAS and event.anchor:
            anchors[event.anchor] = node
        if stack:
            _place(stack[-1], node)
        if kind is _MAPPING_START or kind is _SEQUENCE_START:
            is_mapping = kind is _MAPPING_START
            stack.append(
                _YamlFrame(
                    is_mapping=is_mapping,
                    reads_values=is_mapping and node.tag.endswith(":map"),
                    values={} if is_mapping else None,
                )
            )
    return found


def _place(frame: _YamlFrame, node: _YamlNode) -> None:
    if not frame.is_mapping:
        return
    if frame.expecting_key:
        if node.value is None:
            raise _Unreadable  # a mapping or sequence as a key: "found unhashable key"
        frame.key = node
        frame.expecting_key = False
        return
    key = frame.key
    frame.expecting_key = True
    assert key is not None and key.value is not None and frame.values is not None
    # A later duplicate key replaces the earlier value, as in the constructed dict.
    identity = (key.tag, key.value)
    if frame.reads_values and node.value is not None and node.tag in (_STR, _BINARY):
        frame.values[identity] = (node.index, node.end, key.value, node.value)
    else:
        frame.values[identity] = None
