"""Line and column of any JSON pointer in a JSON or YAML text, computed only when asked.

The data of a document comes from a fast parser that keeps no positions. When a finding needs a
line, the text is parsed once more with rapidyaml, which keeps every scalar as a view into the
source buffer: the view's address minus the buffer's address is the scalar's byte offset. JSON is
read the same way, since rapidyaml parses JSON as YAML flow style.
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ryml

from migration_checks.pointers import split_pointer

_NONE = ryml.NONE if hasattr(ryml, "NONE") else -1


class _PyBuffer(ctypes.Structure):
    _fields_ = (
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.py_object),
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p),
        ("shape", ctypes.c_void_p),
        ("strides", ctypes.c_void_p),
        ("suboffsets", ctypes.c_void_p),
        ("internal", ctypes.c_void_p),
    )


_get_buffer = ctypes.pythonapi.PyObject_GetBuffer
_get_buffer.argtypes = (ctypes.py_object, ctypes.POINTER(_PyBuffer), ctypes.c_int)
_release_buffer = ctypes.pythonapi.PyBuffer_Release
_release_buffer.argtypes = (ctypes.POINTER(_PyBuffer),)


def _address(view: Any) -> int:
    buffer = _PyBuffer()
    _get_buffer(view, ctypes.byref(buffer), 0)
    try:
        return int(buffer.buf or 0)
    finally:
        _release_buffer(ctypes.byref(buffer))


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """rapidyaml prints its parse errors to file descriptor 2 before raising; the error is ours
    to report, at the right place, so its own print is dropped."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with Path(os.devnull).open("wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _bytes(view: Any) -> bytes:
    """rapidyaml hands back None for an empty key or value (say, a bare tag)."""
    return b"" if view is None else bytes(view)


class PositionIndex:
    """Maps JSON pointers to 1-based (line, column) in one text."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._buffer = bytearray(data)
        with _quiet_stderr():
            self._tree = ryml.parse_in_place(self._buffer)
        self._base = _address(self._buffer)
        self._line_starts: list[int] | None = None

    # offsets -------------------------------------------------------------------------------
    def _offset(self, view: Any) -> int | None:
        if view is None or len(view) == 0:
            return None
        offset = _address(view) - self._base
        return offset if 0 <= offset <= len(self._data) else None

    def line_column(self, offset: int) -> tuple[int, int]:
        if self._line_starts is None:
            starts = [0]
            find = self._data.find
            position = find(b"\n")
            while position != -1:
                starts.append(position + 1)
                position = find(b"\n", position + 1)
            self._line_starts = starts
        index = bisect.bisect_right(self._line_starts, offset) - 1
        start = self._line_starts[index]
        column = len(self._data[start:offset].decode("utf-8", "replace")) + 1
        return index + 1, column

    # tree navigation ----------------------------------------------------------------------
    @property
    def root(self) -> int:
        root = int(self._tree.root_id())
        if self._tree.is_stream(root) and self._tree.num_children(root) > 0:
            root = int(self._tree.first_child(root))
        return root

    def children(self, node: int) -> Iterator[int]:
        child = self._tree.first_child(node)
        while child != _NONE and child is not None and child >= 0:
            yield int(child)
            child = self._tree.next_sibling(child)

    def key_text(self, node: int) -> str | None:
        if not self._tree.has_key(node):
            return None
        return _bytes(self._tree.key(node)).decode("utf-8", "replace")

    def _key_offset(self, node: int) -> int | None:
        offset = self._offset(self._tree.key(node))
        # Point at the opening quote of a quoted scalar, where the token starts.
        return offset - 1 if offset and self._tree.is_key_quoted(node) else offset

    def _val_offset(self, node: int) -> int | None:
        offset = self._offset(self._tree.val(node))
        return offset - 1 if offset and self._tree.is_val_quoted(node) else offset

    def _is_node(self, node: int | None) -> bool:
        """Whether ``node`` is a node of the tree: rapidyaml does not check, it crashes."""
        return node is not None and node != _NONE and 0 <= node < self._tree.size()

    def node_offset(self, node: int) -> int | None:
        """Where a node starts: its key in a mapping, its value for a scalar, else its first child."""
        tree = self._tree
        while True:
            if not self._is_node(node):
                return None
            if tree.has_key(node):
                offset = self._key_offset(node)
                if offset is not None:
                    return offset
            if tree.has_val(node):
                offset = self._val_offset(node)
                if offset is not None:
                    return offset
            child = tree.first_child(node)
            if child == _NONE or child is None or child < 0:
                return None
            node = int(child)

    def value_offset(self, node: int) -> int | None:
        """Where a node's value starts (for a key/value pair, the value rather than the key)."""
        if self._tree.has_val(node):
            offset = self._val_offset(node)
            if offset is not None:
                return offset
        return self.node_offset(node)

    def find(self, pointer: str) -> tuple[int, bool]:
        """The node at ``pointer``, or its deepest existing ancestor (and False). In a stream of
        several documents (parsed as a list of them), the first part is the document's index."""
        node = self.root
        parts = split_pointer(pointer)
        stream = int(self._tree.root_id())
        if self._tree.is_stream(stream) and self._tree.num_children(stream) > 1 and parts:
            if not parts[0].isdigit() or int(parts[0]) >= self._tree.num_children(stream):
                return stream, False
            node = int(self._tree.child(stream, int(parts[0])))
            parts = parts[1:]
        for part in parts:
            tree = self._tree
            found = None
            if tree.is_map(node):
                for child in self.children(node):
                    if self.key_text(child) == part:
                        found = child
                        break
            elif tree.is_seq(node) and part.isdigit():
                index = int(part)
                if index < tree.num_children(node):
                    found = int(tree.child(node, index))
            if found is None:
                return node, False
            node = found
        return node, True

    def locate(self, pointer: str) -> tuple[int, int]:
        """The value at ``pointer``; for a missing or empty one, the nearest ancestor that has text."""
        node, exact = self.find(pointer)
        offset = self.value_offset(node) if exact else self.node_offset(node)
        while offset is None and node != self.root:
            parent = self._tree.parent(node)
            if not self._is_node(parent):
                break  # the tree's own root has no parent: rapidyaml crashes on NONE
            node = int(parent)
            offset = self.node_offset(node)
        return self.line_column(offset) if offset is not None else (1, 1)

    # whole-tree searches, used only on the error path -------------------------------------
    def walk(self) -> Iterator[tuple[int, str, int]]:
        """Every node with its JSON pointer and depth (the root is at depth 0)."""
        stack = [(self.root, "", 0)]
        tree = self._tree
        while stack:
            node, pointer, depth = stack.pop()
            yield node, pointer, depth
            is_map = tree.is_map(node)
            kids = list(self.children(node))
            for index in range(len(kids) - 1, -1, -1):
                child = kids[index]
                if is_map:
                    part = (self.key_text(child) or "").replace("~", "~0").replace("/", "~1")
                else:
                    part = str(index)
                stack.append((child, f"{pointer}/{part}", depth + 1))

    def duplicate_keys(self) -> Iterator[tuple[str, str, int, int]]:
        """(pointer of the mapping, key, offset of first, offset of repeat) for each repeated key."""
        tree = self._tree
        for node, pointer, _ in self.walk():
            if not tree.is_map(node):
                continue
            seen: dict[str, int] = {}
            for child in self.children(node):
                key = self.key_text(child)
                if key is None:
                    continue
                offset = self._key_offset(child) or 0
                if key in seen:
                    yield pointer, key, seen[key], offset
                else:
                    seen[key] = offset

    def first_node(self, predicate: Callable[[int, int], bool]) -> tuple[str, int | None] | None:
        """The first node (pointer, offset of its value) for which ``predicate(node, depth)`` holds."""
        for node, pointer, depth in self.walk():
            if predicate(node, depth):
                return pointer, self.value_offset(node)
        return None

    def tags(self) -> Iterator[tuple[str, int | None]]:
        tree = self._tree
        for node, _, _ in self.walk():
            for has, get in ((tree.has_key_tag, tree.key_tag), (tree.has_val_tag, tree.val_tag)):
                if has(node):
                    yield _bytes(get(node)).decode("utf-8", "replace"), self.node_offset(node)

    def document_count(self) -> int:
        root = int(self._tree.root_id())
        if self._tree.is_stream(root):
            return int(self._tree.num_children(root))
        return 1

    def is_plain_scalar(self, node: int) -> bool:
        return bool(self._tree.has_val(node) and self._tree.is_val_plain(node))

    def value_bytes(self, node: int) -> bytes | None:
        if not self._tree.has_val(node):
            return None
        return _bytes(self._tree.val(node))

    def is_alias(self, node: int) -> bool:
        return bool(self._tree.is_val_ref(node) or self._tree.is_key_ref(node))
