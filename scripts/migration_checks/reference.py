"""The reference, written from the code: one page per check, one per blocker, and the policy's.

A check's page is its module's docstring (what it checks and why, then ``Passes:`` and ``Fails:``
examples), the blockers it raises with their resolution, and the policy fields it reads
(``POLICY``), each described by the policy schema; a blocker's page is its condition, its
resolution and the checks that raise it. ``scripts/generate_docs.py`` writes them as Markdown
under ``docs/`` (and CI fails when a page differs from what the code says); ``explain`` prints
the same text without markup. The docstrings are reStructuredText-flavoured (````code````);
pages show them as Markdown (```code```) and the terminal as plain text (``code``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from migration_checks.blockers import BLOCKERS, Blocker, BlockerId
from migration_checks.registry import ALL_CHECKS, BY_ID, Check
from migration_checks.resources import schema

CHECKS_DIR = "checks"
BLOCKERS_DIR = "blockers"
POLICY_PAGE = "policy.md"

_RST_CODE = re.compile(r"``(.+?)``", re.DOTALL)
_SECTIONS = ("Passes", "Fails")


def markdown(text: str) -> str:
    return _RST_CODE.sub(lambda m: f"`{m.group(1)}`", text)


def plain(text: str) -> str:
    return _RST_CODE.sub(lambda m: m.group(1), text)


def raises_any(check: Check) -> bool:
    """A check whose blocker is data, such as a policy rule's: it may raise every blocker."""
    return set(check.raises) == set(BlockerId)


def body(check: Check) -> list[str]:
    """The docstring's paragraphs after the summary line, before ``Passes:`` and ``Fails:``."""
    lines = check.doc.strip().splitlines()[1:]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        stripped = line.strip()
        if any(stripped.startswith(f"{title}:") for title in _SECTIONS):
            break
        if stripped:
            current.append(line.rstrip())
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    return paragraphs


def examples(check: Check, title: str) -> list[str]:
    """A ``Passes:`` or ``Fails:`` section, one example each (they are ``;``-separated, and a
    ``;`` inside code does not separate)."""
    parts = [""]
    for piece in _CODE_OR_TEXT.split(check.section(title).strip().rstrip(".")):
        if piece.startswith("``") and piece.endswith("``") and len(piece) > 4:
            parts[-1] += piece
            continue
        first, *rest = piece.split(";")
        parts[-1] += first
        parts.extend(rest)
    return [part.strip() for part in parts if part.strip()]


_CODE_OR_TEXT = re.compile(r"(``.+?``)")


@dataclass(frozen=True, slots=True)
class PolicyField:
    path: str
    kind: str
    default: str | None
    description: str


def policy_fields() -> list[PolicyField]:
    """Every field of the policy schema, in the schema's order."""
    policy = schema("policy")
    defs = schema("defs")["$defs"]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref", "")
        if not ref:
            return node
        return {**defs[ref.rsplit("/", 1)[-1]], **{k: v for k, v in node.items() if k != "$ref"}}

    def kind(node: dict[str, Any]) -> str:
        if "enum" in node:
            values = node["enum"]
            if len(values) > 6:
                return f"one of {len(values)} strings"
            return " | ".join(f"`{value}`" for value in values)
        if "const" in node:
            return f"`{node['const']}`"
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            return f"array of {kind(resolve(node['items']))}"
        return str(node.get("type", "any"))

    def walk(node: dict[str, Any], prefix: str) -> Iterator[PolicyField]:
        for name, child in node.get("properties", {}).items():
            child = resolve(child)
            if name == "$schema":
                continue
            path = f"{prefix}{name}"
            default = json.dumps(child["default"]) if "default" in child else None
            description = " ".join(child.get("description", "").split())
            yield PolicyField(path, kind(child), default, description)
            if child.get("type") == "object":
                yield from walk(child, f"{path}.")
                extra = child.get("additionalProperties")
                if isinstance(extra, dict) and extra.get("type") == "object":
                    yield from walk(resolve(extra), f"{path}.{{name}}.")
            items = child.get("items")
            if (
                child.get("type") == "array"
                and isinstance(items, dict)
                and resolve(items).get("type") == "object"
            ):
                yield from walk(resolve(items), f"{path}[].")

    return list(walk(policy, ""))


def fields_of(check: Check) -> list[PolicyField]:
    """The policy fields a check reads: each name of its ``POLICY`` and the fields below it."""
    return [
        field
        for field in policy_fields()
        if any(
            field.path == name or field.path.startswith((f"{name}.", f"{name}[]."))
            for name in check.policy
        )
    ]


def policy_table(fields: list[PolicyField]) -> str:
    rows = ["| field | type | default | meaning |", "|---|---|---|---|"]
    for field in fields:
        default = f"`{field.default}`" if field.default is not None else ""
        kind = field.kind.replace("|", "\\|")
        meaning = field.description.replace("|", "\\|")
        rows.append(f"| `{field.path}` | {kind} | {default} | {meaning} |")
    return "\n".join(rows)


def _blocker_link(blocker: BlockerId, prefix: str) -> str:
    return f"[`{blocker}`]({prefix}{BLOCKERS_DIR}/{blocker}.md)"


def check_page(check: Check) -> str:
    """A check's reference page in Markdown (under ``docs/checks/``)."""
    kind = "blocking" if check.blocking else "not blocking (warnings and notices only)"
    if raises_any(check):
        raised = "the blocker each rule names (default `POLICY_VIOLATION`)"
    else:
        raised = ", ".join(_blocker_link(b, "../") for b in check.raises) or "no blocker"
    out = [
        f"# `{check.id}`",
        "",
        f"Stage {int(check.stage)} ({check.stage.title}) · {kind} · raises {raised}",
        "",
        f"{markdown(check.summary)}.",
        "",
        "## What it checks, and why",
        "",
        *(line for paragraph in body(check) for line in (markdown(paragraph), "")),
    ]
    for title in _SECTIONS:
        found = examples(check, title)
        if found:
            out += [f"## {'Passes' if title == 'Passes' else 'Fails'}", ""]
            out += [f"- {markdown(example)}" for example in found] + [""]
    out += ["## How to fix", ""]
    if raises_any(check):
        out += [
            "Each rule of the policy names its blocker and its message; the blocker's page says "
            "how to resolve it.",
            "",
        ]
    elif check.raises:
        for blocker in check.raises:
            item = BLOCKERS[blocker]
            out.append(f"- {_blocker_link(blocker, '../')}: {markdown(item.resolution)}.")
        out += [
            "",
            "Each finding's message says what is wrong where (file, line, column) and what to do.",
            "",
        ]
    else:
        out += ["Its findings never block; each says what it found and what to do.", ""]
    out += ["## Options", ""]
    fields = fields_of(check)
    if fields:
        out += [
            f"Read from the policy ([reference](../{POLICY_PAGE})):",
            "",
            policy_table(fields),
            "",
        ]
    else:
        out += ["None: it reads no policy field.", ""]
    out += [f"`migration-checks explain {check.id}` prints this page in the terminal.", ""]
    return "\n".join(out)


def raisers(blocker: BlockerId) -> list[Check]:
    return [check for check in ALL_CHECKS if blocker in check.raises and not raises_any(check)]


def blocker_page(blocker: Blocker) -> str:
    """A blocker's reference page in Markdown (under ``docs/blockers/``)."""
    out = [
        f"# `{blocker.id}`",
        "",
        f"**Condition:** {markdown(blocker.condition)}.",
        "",
        f"**Resolution:** {markdown(blocker.resolution)}.",
        "",
        "## Raised by",
        "",
    ]
    checks = raisers(blocker.id)
    out += [
        f"- [`{c.id}`](../{CHECKS_DIR}/{c.id}.md) (stage {int(c.stage)}, {c.stage.title}): "
        f"{markdown(c.summary)}"
        for c in checks
    ] or ["- no check of this version"]
    if blocker.id is BlockerId.CI_FAILURE:
        out.append(
            "- the runner: a check that crashes, a check `ci_checks_required` names that could "
            "not run, nothing to examine"
        )
    catch_all = [c for c in ALL_CHECKS if raises_any(c)]
    out += [
        f"- [`{c.id}`](../{CHECKS_DIR}/{c.id}.md): a policy rule that names it" for c in catch_all
    ]
    out += ["", f"`migration-checks explain {blocker.id}` prints this page in the terminal.", ""]
    return "\n".join(out)


def policy_page() -> str:
    return "\n".join(
        [
            "# The policy",
            "",
            "The base branch's policy file (JSON or YAML, `--policy`; with `--base` it is read "
            "from the base commit, so a pull request cannot change the rules it is judged by). "
            "Every field is optional: a field left out takes the default of the policy bundled "
            "with migration-checks, shown here. The schema is "
            "`schemas/policy.schema.json` (`migration-checks schema policy`).",
            "",
            policy_table(policy_fields()),
            "",
        ]
    )


def pages() -> dict[str, str]:
    """Every generated page by its path under ``docs/``."""
    generated = {f"{CHECKS_DIR}/{check.id}.md": check_page(check) for check in ALL_CHECKS}
    generated.update({f"{BLOCKERS_DIR}/{b.id}.md": blocker_page(b) for b in BLOCKERS.values()})
    generated[POLICY_PAGE] = policy_page()
    return generated


def explain_text(name: str) -> str | None:
    """A check's or a blocker's page as plain text for the terminal, or None if unknown."""
    check = BY_ID.get(name.lower())
    if check is not None:
        page = check_page(check)
    else:
        try:
            page = blocker_page(BLOCKERS[BlockerId(name.upper())])
        except ValueError:
            return None
    return _terminal(page)


_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def _terminal(page: str) -> str:
    text = _LINK.sub(r"\1", page)
    text = text.replace("`", "").replace("**", "")
    return re.sub(r"^#+ ", "", text, flags=re.MULTILINE)
