"""Regenerate the README's tables of checks, blockers and policy fields from their sources.

    python scripts/generate_docs.py          # rewrite README.md
    python scripts/generate_docs.py --check  # exit 1 if README.md is out of date

The registry is the source of the check and blocker tables (each check's id, stage, blocking
flag, blockers and docstring); schemas/policy.schema.json is the source of the policy reference
(each field's type, default and description).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from migration_checks.blockers import BLOCKERS, BlockerId
from migration_checks.catalogue import SPEC_CHECKS
from migration_checks.registry import ALL_CHECKS, BY_ID, Check

README = Path(__file__).resolve().parents[1] / "README.md"
SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def raises_any(check: Check) -> bool:
    """A check whose blocker is data, such as a policy rule's: it may raise every blocker."""
    return set(check.raises) == set(BlockerId)


def checks_table() -> str:
    rows = ["| stage | check | blocking | raises | what it verifies |", "|---|---|---|---|---|"]
    for check_id, (stage, blocking) in SPEC_CHECKS.items():
        check = BY_ID[check_id]
        raises = ", ".join(f"`{b}`" for b in check.raises)
        if raises_any(check):
            raises = "the blocker each rule names (default `POLICY_VIOLATION`)"
        summary = check.summary
        rows.append(
            f"| {int(stage)} {stage.title} | `{check_id}` | {'yes' if blocking else 'no'} | {raises} | {summary} |"
        )
    return "\n".join(rows)


def blockers_table() -> str:
    rows = ["| blocker | condition (seed 6.2) | resolution | raised by |", "|---|---|---|---|"]
    for blocker in BLOCKERS.values():
        raisers = (
            ", ".join(
                f"`{c.id}`" for c in ALL_CHECKS if blocker.id in c.raises and not raises_any(c)
            )
            or "*later stages*"
        )
        if blocker.id is BlockerId.CI_FAILURE:
            raisers += "; the runner (a crashing check, `ci_checks_required`, nothing to examine)"
        rows.append(f"| `{blocker.id}` | {blocker.condition} | {blocker.resolution} | {raisers} |")
    catch_all = [f"`{c.id}`" for c in ALL_CHECKS if raises_any(c)]
    if catch_all:
        rows.append(
            f"\nAny blocker may also come from {', '.join(catch_all)}: a policy rule raises the "
            "blocker it names."
        )
    return "\n".join(rows)


def policy_table() -> str:
    """Every field of the policy schema: path, type, default, description."""
    schema = json.loads((SCHEMAS / "policy.schema.json").read_text(encoding="utf-8"))
    defs = json.loads((SCHEMAS / "defs.schema.json").read_text(encoding="utf-8"))["$defs"]
    rows = ["| field | type | default | meaning |", "|---|---|---|---|"]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref", "")
        return (
            {**defs[ref.rsplit("/", 1)[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
            if ref
            else node
        )

    def kind(node: dict[str, Any]) -> str:
        if "enum" in node:
            values = node["enum"]
            if len(values) > 6:
                return f"one of {len(values)} strings"
            return " \\| ".join(f"`{value}`" for value in values)
        if "const" in node:
            return f"`{node['const']}`"
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            return f"array of {kind(resolve(node['items']))}"
        return str(node.get("type", "any"))

    def walk(node: dict[str, Any], prefix: str) -> None:
        for name, child in node.get("properties", {}).items():
            child = resolve(child)
            if name == "$schema":
                continue
            path = f"{prefix}{name}"
            default = f"`{json.dumps(child['default'])}`" if "default" in child else ""
            description = " ".join(child.get("description", "").split()).replace("|", "\\|")
            rows.append(f"| `{path}` | {kind(child)} | {default} | {description} |")
            if child.get("type") == "object":
                walk(child, f"{path}.")
                extra = child.get("additionalProperties")
                if isinstance(extra, dict) and extra.get("type") == "object":
                    walk(resolve(extra), f"{path}.{{name}}.")
            items = child.get("items")
            if (
                child.get("type") == "array"
                and isinstance(items, dict)
                and resolve(items).get("type") == "object"
            ):
                walk(resolve(items), f"{path}[].")

    walk(schema, "")
    return "\n".join(rows)


def render(readme: str) -> str:
    tables = (
        ("checks", checks_table()),
        ("blockers", blockers_table()),
        ("policy", policy_table()),
    )
    for name, table in tables:
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
