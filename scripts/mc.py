"""Run migration-checks from this checkout: ``python -I scripts/mc.py check ...``.

The actions call this with ``-I`` (isolated mode), so neither the working directory (the pull
request under test) nor PYTHON* variables nor the user site can put a module on ``sys.path``;
this file adds its own directory, where the ``migration_checks`` package lives, and nothing else.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from migration_checks.cli import main

if __name__ == "__main__":
    main(prog_name="migration-checks")
