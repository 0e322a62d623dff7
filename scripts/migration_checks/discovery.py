"""Finding the migration PR directories (``migration-pr-*``) under the paths a run is given."""

from __future__ import annotations

import os
from pathlib import Path

from migration_checks.artifacts import MIGRATION_DIR_PREFIX

_SKIPPED_DIRS = frozenset({".git", "node_modules", ".venv", "__pycache__"})


def is_migration_dir(path: Path) -> bool:
    return path.name.startswith(MIGRATION_DIR_PREFIX) and path.is_dir() and not path.is_symlink()


def discover(root: Path) -> list[Path]:
    """``root`` itself when it is a migration directory, else every one below it, sorted.

    Symbolic links are not followed and a migration directory is not searched for others.
    """
    if is_migration_dir(root):
        return [root]
    found: list[Path] = []
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            if not entry.is_dir(follow_symlinks=False) or entry.name in _SKIPPED_DIRS:
                continue
            if entry.name.startswith(MIGRATION_DIR_PREFIX):
                found.append(Path(entry.path))
            else:
                pending.append(Path(entry.path))
    return sorted(found)
