"""Nothing outside the migration directory is read: links, "..", absolute paths, devices."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from migration_checks.fs import (
    TooLarge,
    UnsafePath,
    check_relative,
    list_tree,
    read_contained,
    read_head_contained,
    sha256_contained,
)

_opened: list[str] = []
_recording = threading.Event()


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if _recording.is_set() and event == "open" and isinstance(args[0], str | bytes):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_hook)


@pytest.fixture
def recorded_opens() -> Iterator[list[str]]:
    _opened.clear()
    _recording.set()
    try:
        yield _opened
    finally:
        _recording.clear()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "pr" / "evidence").mkdir(parents=True)
    (tmp_path / "pr" / "evidence" / "ok.json").write_text("{}")
    (tmp_path / "outside.txt").write_text("secret outside")
    return tmp_path / "pr"


@pytest.mark.parametrize(
    ("rel", "reason"),
    [
        ("../outside.txt", '".." is refused'),
        ("evidence/../../outside.txt", '".." is refused'),
        ("/etc/passwd", "absolute paths are refused"),
        ("file:///etc/passwd", "URLs"),
        ("http://169.254.169.254/latest", "URLs"),
        ("C:/Windows/win.ini", "drive letters"),
        ("evidence\\..\\..\\x", "backslash"),
        ("evidence/a\x00b", "NUL"),
        ("", "empty path"),
        (".", "names the migration directory itself"),
    ],
)
def test_paths_that_could_leave_the_tree_are_refused(root: Path, rel: str, reason: str) -> None:
    with pytest.raises(UnsafePath, match=reason):
        read_contained(root, rel, 1024)


def test_symlinks_are_refused_at_every_component(root: Path) -> None:
    (root / "evidence" / "link.json").symlink_to(root.parent / "outside.txt")
    (root / "dirlink").symlink_to(root.parent)
    (root / "loop_a").symlink_to("loop_b")
    (root / "loop_b").symlink_to("loop_a")
    (root / "zero").symlink_to("/dev/zero")
    for rel in ("evidence/link.json", "dirlink/outside.txt", "loop_a", "zero"):
        with pytest.raises(UnsafePath, match="symbolic link"):
            read_contained(root, rel, 1024)
        with pytest.raises(UnsafePath, match="symbolic link"):
            sha256_contained(root, rel)
        with pytest.raises(UnsafePath, match="symbolic link"):
            read_head_contained(root, rel, 16)


def test_devices_fifos_and_directories_are_not_read(root: Path) -> None:
    os.mkfifo(root / "fifo")
    with pytest.raises(UnsafePath, match="not a regular file"):
        read_contained(root, "fifo", 1024)  # would block forever if opened for reading
    with pytest.raises(UnsafePath, match="directory"):
        read_contained(root, "evidence", 1024)


def test_size_cap_is_checked_before_reading(root: Path) -> None:
    (root / "big.json").write_bytes(b" " * 5000)
    with pytest.raises(TooLarge, match="5000 bytes, over the limit of 4096"):
        read_contained(root, "big.json", 4096)
    assert read_contained(root, "evidence/ok.json", 1024) == b"{}"
    # The head of a file over any cap, without reading the rest.
    assert read_head_contained(root, "big.json", 8) == b" " * 8


def test_listing_does_not_follow_links(root: Path) -> None:
    (root / "dirlink").symlink_to("/")
    (root / "evidence" / "link.json").symlink_to("/etc/passwd")
    listing = list_tree(root, 100)
    assert set(listing.files) == {"evidence/ok.json"}
    assert sorted(listing.symlinks) == ["dirlink", "evidence/link.json"]
    assert listing.is_link("dirlink/etc/passwd")


def test_listing_stops_at_the_file_limit(root: Path) -> None:
    for i in range(10):
        (root / f"f{i}.md").write_text("x")
    listing = list_tree(root, 5)
    assert len(listing.files) == 5
    assert listing.truncated_at == 5


@pytest.mark.parametrize("check_relative_input", ["a/./b", "./a"])
def test_dot_components_are_harmless(check_relative_input: str) -> None:
    assert check_relative(check_relative_input)[-1] in ("b", "a")


def test_a_hostile_tree_opens_nothing_outside(
    make_tree: Callable[..., Any], recorded_opens: list[str], tmp_path: Path
) -> None:
    canary = tmp_path / "canary.txt"
    canary.write_text("canary-outside-the-tree")
    tree = make_tree(
        "shop",
        [
            {"remove": "evidence/audit_log_excerpt.json"},
            {"symlink": {"file": "evidence/audit_log_excerpt.json", "target": str(canary)}},
            {
                "symlink": {
                    "file": "contracts/manual_decisions.json.bak",
                    "target": "/proc/self/environ",
                }
            },
            {"remove": "code"},  # the example's own code/, replaced by a link to /
            {"symlink": {"file": "code", "target": "/"}},
            {
                "set": {
                    "file": "evidence/evidence_links.json",
                    "pointer": "/artifacts/0/path",
                    "value": "../../canary.txt",
                }
            },
            {
                "set": {
                    "file": "evidence/evidence_links.json",
                    "pointer": "/artifacts/2/path",
                    "value": str(canary),
                }
            },
        ],
        rehash=False,
    )
    _recording.clear()  # building the tree is not under test
    _opened.clear()
    _recording.set()
    result = tree.result()
    _recording.clear()
    assert result["blocked"]
    migration = tree.migration.resolve()
    allowed = [
        migration,
        tree.policy.resolve(),
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
    ]
    allowed.append(Path(__file__).resolve().parents[2])  # the package's own schemas and data
    allowed.append(Path(os.devnull))  # where rapidyaml's own error print is sent
    for path in recorded_opens:
        if not os.path.isabs(path):
            # Relative opens are components under a directory descriptor inside the tree.
            assert ".." not in Path(path).parts and "/" not in path, path
            continue
        resolved = Path(path).resolve()
        assert any(resolved.is_relative_to(a) for a in allowed), f"opened {path}"
        assert resolved != canary.resolve()
