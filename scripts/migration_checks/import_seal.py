"""Once the pull request's code has run, this process imports nothing more.

Stage 3 runs the pull request's tests and plugins as the same user as the check, so they can
write to every file that user can: the suite's own sources (``$GITHUB_ACTION_PATH/scripts``), its
venv, the interpreter's library. A module the check imported *after* that would run whatever the
tests wrote there, inside the process that is about to write the verdict. So ``check`` imports
what it needs for its reports before the stages run, runs inside ``guarded()``, and stage 3 calls
``seal()`` when its code has run: from then on, an import of a module not yet loaded is refused
with ``ImportError`` (the run fails; it never runs code it did not load before). Modules compiled
into the interpreter are still allowed: there is no file to change.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType


class _Seal(importlib.abc.MetaPathFinder):
    def __init__(self) -> None:
        self.sealed = False

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if not self.sealed or fullname in sys.builtin_module_names:
            return None
        raise ImportError(
            f'migration-checks does not import "{fullname}" after stage 3 ran the pull '
            "request's code, which could have rewritten it"
        )


_SEAL = _Seal()


def seal() -> None:
    """From now on, within ``guarded()``, no new module is imported."""
    _SEAL.sealed = True


def is_sealed() -> bool:
    return _SEAL.sealed and _SEAL in sys.meta_path


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """A stretch of the run in which ``seal()`` takes effect; left unsealed (for the next
    command of the same process, as in tests)."""
    sys.meta_path.insert(0, _SEAL)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(_SEAL)
        _SEAL.sealed = False
