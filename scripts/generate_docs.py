"""Regenerate the README's tables of checks and blockers from the registry.

    python scripts/generate_docs.py          # rewrite README.md
    python scripts/generate_docs.py --check  # exit 1 if README.md is out of date

The registry is the one source: each check's id, stage, blocking flag, blockers and docstring.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from migration_checks.blockers import BLOCKERS, BlockerId
from migration_checks.catalogue import SPEC_CHECKS
from migration_checks.registry import ALL_CHECKS, BY_ID

README = Path(__file__).resolve().parents[1] / "README.md"


def checks_table() -> str:
    rows = ["| stage | check | blocking | raises | what it verifies |", "|---|---|---|---|---|"]
    for check_id, (stage, blocking) in SPEC_CHECKS.items():
        check = BY_ID.get(check_id)
        raises = ", ".join(f"`{b}`" for b in check.raises) if check else ""
        summary = check.summary if check else "*later version*"
        rows.append(
            f"| {int(stage)} {stage.title} | `{check_id}` | {'yes' if blocking else 'no'} | {raises} | {summary} |"
        )
    return "\n".join(rows)


def blockers_table() -> str:
    rows = ["| blocker | condition (seed 6.2) | resolution | raised by |", "|---|---|---|---|"]
    for blocker in BLOCKERS.values():
        raisers = (
            ", ".join(f"`{c.id}`" for c in ALL_CHECKS if blocker.id in c.raises) or "*later stages*"
        )
        if blocker.id is BlockerId.CI_FAILURE:
            raisers += "; the runner (a crashing check, `ci_checks_required`, nothing to examine)"
        rows.append(f"| `{blocker.id}` | {blocker.condition} | {blocker.resolution} | {raisers} |")
    return "\n".join(rows)


def render(readme: str) -> str:
    for name, table in (("checks", checks_table()), ("blockers", blockers_table())):
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(\n<!-- {name}:end -->)", re.DOTALL)
        if not pattern.search(readme):
            raise SystemExit(
                f"README.md lacks the <!-- {name}:start --> / <!-- {name}:end --> markers"
            )
        readme = pattern.sub(lambda m, t=table: f"{m.group(1)}{t}{m.group(2)}", readme)
    return readme


def main() -> int:
    current = README.read_text(encoding="utf-8")
    updated = render(current)
    if "--check" in sys.argv:
        if updated != current:
            print("README.md is out of date: run python scripts/generate_docs.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
