"""Reading the pull-request tree without ever leaving it.

Everything in a PR tree is untrusted, including its file names and symbolic links. Files are
opened component by component relative to the migration directory with ``O_NOFOLLOW``, so a
link anywhere on the way, ``..``, an absolute path or a device file is refused before a byte is
read; sizes are capped before reading.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK keeps a FIFO planted in the tree from hanging the open.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


class UnsafePath(Exception):
    """A path that must not be read: it escapes the directory, is a link, or is not a plain file."""


class TooLarge(Exception):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"file is {size} bytes, over the limit of {limit} bytes")
        self.size = size
        self.limit = limit


def check_relative(rel: str) -> list[str]:
    """Split a PR-relative POSIX path into its parts, refusing anything that could leave the tree."""
    if not rel:
        raise UnsafePath("empty path")
    if "\x00" in rel:
        raise UnsafePath("path contains a NUL byte")
    if "\\" in rel:
        raise UnsafePath("path contains a backslash; use forward slashes")
    if rel.startswith("/"):
        raise UnsafePath(
            "absolute paths are refused; give a path relative to the migration directory"
        )
    if ":" in rel.split("/", 1)[0]:
        raise UnsafePath(
            "URLs and drive letters are refused; give a path relative to the migration directory"
        )
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise UnsafePath('".." is refused: paths must stay inside the migration directory')
    if not parts:
        raise UnsafePath("path names the migration directory itself")
    return parts


def _open_parent(root: Path, parts: list[str]) -> int:
    fd = os.open(root, _DIR_FLAGS)
    try:
        for part in parts[:-1]:
            try:
                next_fd = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise UnsafePath(
                        f'"{part}" is a symbolic link or not a directory; links are refused'
                    ) from None
                raise
            os.close(fd)
            fd = next_fd
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_contained(root: Path, rel: str) -> int:
    parts = check_relative(rel)
    parent = _open_parent(root, parts)
    try:
        try:
            fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=parent)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise UnsafePath("is a symbolic link; links are refused") from None
            if exc.errno == errno.EISDIR:
                raise UnsafePath("is a directory, not a file") from None
            if exc.errno == errno.ENXIO:
                raise UnsafePath("is not a regular file") from None
            raise
    finally:
        os.close(parent)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise UnsafePath(
            "is a directory, not a file" if stat.S_ISDIR(mode) else "is not a regular file"
        )
    return fd


def sha256_contained(root: Path, rel: str) -> str:
    """The SHA-256 (hex) of a regular file inside ``root``, streamed, under the same rules."""
    fd = _open_contained(root, rel)
    digest = hashlib.sha256()
    try:
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
    finally:
        os.close(fd)
    return digest.hexdigest()


def read_head_contained(root: Path, rel: str, size: int) -> bytes:
    """The first ``size`` bytes of ``rel`` below ``root``, under the same rules, whatever the
    file's length (to tell a binary file without reading it whole)."""
    fd = _open_contained(root, rel)
    try:
        return os.read(fd, size)
    finally:
        os.close(fd)


def read_contained(root: Path, rel: str, max_bytes: int) -> bytes:
    """Read ``rel`` below ``root`` if it is a regular file inside it, at most ``max_bytes`` long.

    Raises ``FileNotFoundError`` when absent, ``UnsafePath`` when it must not be read and
    ``TooLarge`` over the cap.
    """
    fd = _open_contained(root, rel)
    try:
        info = os.fstat(fd)
        if info.st_size > max_bytes:
            raise TooLarge(info.st_size, max_bytes)
        chunks = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > max_bytes:
            raise TooLarge(len(data), max_bytes)
        return data
    finally:
        os.close(fd)


@dataclass(slots=True)
class TreeListing:
    """What a migration directory holds, listed once without following links."""

    files: dict[str, int] = field(default_factory=dict)  # POSIX relative path -> size
    symlinks: list[str] = field(default_factory=list)
    special: list[str] = field(default_factory=list)  # FIFOs, sockets, devices
    truncated_at: int | None = None  # set when the listing stopped at the file limit

    def glob(self, directory: str, prefix: str = "", suffix: str = "") -> list[str]:
        """Files directly inside ``directory`` whose names start and end as given, sorted."""
        base = f"{directory}/" if directory else ""
        return sorted(
            p
            for p in self.files
            if p.startswith(base)
            and "/" not in p[len(base) :]
            and p[len(base) :].startswith(prefix)
            and p.endswith(suffix)
        )

    def is_link(self, rel: str) -> bool:
        return rel in self.symlinks or any(rel.startswith(f"{link}/") for link in self.symlinks)


def list_tree(root: Path, max_files: int) -> TreeListing:
    listing = TreeListing()
    pending = [("", root)]
    while pending:
        prefix, directory = pending.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            rel = f"{prefix}{entry.name}"
            if entry.is_symlink():
                listing.symlinks.append(rel)
            elif entry.is_dir(follow_symlinks=False):
                pending.append((f"{rel}/", Path(entry.path)))
            elif entry.is_file(follow_symlinks=False):
                if len(listing.files) >= max_files:
                    listing.truncated_at = max_files
                    return listing
                listing.files[rel] = entry.stat(follow_symlinks=False).st_size
            else:
                listing.special.append(rel)
    return listing
