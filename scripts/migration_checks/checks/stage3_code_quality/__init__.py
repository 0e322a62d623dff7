"""Stage 3: code quality of what code/ holds (Python, SQL, YAML, unit tests, types), with external tools.

The stage runs the pull request's own code (tests, ``conftest.py``, plugins), so it declares to the
runner when it must not run at all (``refuses``: a secret in the environment) and what surrounds
it (``confined``: whatever its tools leave behind is killed when it ends); see ``_isolation``.
The runner runs it after every other stage.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager

from migration_checks.checks.stage3_code_quality import _isolation


def refuses() -> str | None:
    """Why the stage must not run in this process (the finding's text), or None."""
    return _isolation.refusal(os.environ)


def confined() -> AbstractContextManager[list[str]]:
    """The context the stage runs in; it yields what it had to undo when the stage ended."""
    return _isolation.pr_code_stage()
