"""Regenerate the reference from the code: the pages under docs/ and the README's tables.

    python scripts/generate_docs.py          # rewrite them
    python scripts/generate_docs.py --check  # exit 1, naming each, if one is out of date

``migration_checks.reference`` writes one page per check (docs/checks/) and per blocker
(docs/blockers/) and the policy reference (docs/policy.md), from the registry (each check's id,
stage, blocking flag, blockers, docstring and policy fields) and schemas/policy.schema.json.
The README keeps a table of the checks and one of the blockers, linking to their pages.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from migration_checks import reference
from migration_checks.blockers import BLOCKERS
from migration_checks.catalogue import SPEC_CHECKS
from migration_checks.registry import BY_ID

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def checks_table() -> str:
    rows = ["| stage | check | blocking | raises | what it verifies |", "|---|---|---|---|---|"]
    for check_id, (stage, blocking) in SPEC_CHECKS.items():
        check = BY_ID[check_id]
        raises = ", ".join(f"`{b}`" for b in check.raises)
        if reference.raises_any(check):
            raises = "the blocker each rule names (default `POLICY_VIOLATION`)"
        link = f"[`{check_id}`](docs/{reference.CHECKS_DIR}/{check_id}.md)"
        summary = reference.markdown(check.summary)
        rows.append(
            f"| {int(stage)} {stage.title} | {link} | {'yes' if blocking else 'no'} | {raises} | {summary} |"
        )
    return "\n".join(rows)


def blockers_table() -> str:
    rows = ["| blocker | condition | resolution |", "|---|---|---|"]
    for blocker in BLOCKERS.values():
        link = f"[`{blocker.id}`](docs/{reference.BLOCKERS_DIR}/{blocker.id}.md)"
        rows.append(f"| {link} | {blocker.condition} | {blocker.resolution} |")
    return "\n".join(rows)


def render(readme: str) -> str:
    for name, table in (("checks", checks_table()), ("blockers", blockers_table())):
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(\n<!-- {name}:end -->)", re.DOTALL)
        if not pattern.search(readme):
            raise SystemExit(
                f"README.md lacks the <!-- {name}:start --> / <!-- {name}:end --> markers"
            )
        readme = pattern.sub(_filled(table), readme)
    return readme


def _filled(table: str) -> Callable[[re.Match[str]], str]:
    return lambda marked: f"{marked.group(1)}{table}{marked.group(2)}"


def wanted() -> dict[Path, str]:
    files = {DOCS / name: text for name, text in reference.pages().items()}
    files[README] = render(README.read_text(encoding="utf-8"))
    return files


def stale_pages() -> list[Path]:
    """Generated pages left from checks or blockers that no longer exist."""
    keep = set(wanted())
    return [
        page
        for folder in (reference.CHECKS_DIR, reference.BLOCKERS_DIR)
        for page in sorted((DOCS / folder).glob("*.md"))
        if page not in keep
    ]


def main() -> int:
    files = wanted()
    if "--check" in sys.argv:
        out_of_date = [
            path
            for path, text in files.items()
            if not path.is_file() or path.read_text(encoding="utf-8") != text
        ] + stale_pages()
        for path in out_of_date:
            print(f"{path.relative_to(ROOT)} is out of date", file=sys.stderr)
        if out_of_date:
            print("run: python scripts/generate_docs.py", file=sys.stderr)
        return 1 if out_of_date else 0
    for path in stale_pages():
        path.unlink()
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
