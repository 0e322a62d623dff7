"""Evaluate the policy's own rules, JMESPath queries over the migration's artifacts.

A platform team has rules no built-in check knows ("at most 50 datasets", "no CUTOVER on a
Friday plan", "every recon check has a tolerance"); the policy's ``rules[]`` state them as
JMESPath queries (``query``) that must be truthy. Each is evaluated over one document
``{metadata, plan, mapping, coercions, decisions, migration_config, recon_config, secrets_refs,
approvals}``: each the artifact's parsed content, ``plan`` being the signed plan's ``plan``
object, and null when the artifact is missing or invalid (stage 1 reports why); ``decisions`` is
``{"decisions": []}`` when no decisions file exists, since that means no decision was raised.
Falsy is JMESPath's: false, null, an empty string, list or object (0 is truthy). A rule that
does not hold gives a finding naming the rule id and description, with the rule's ``blocker``
(default POLICY_VIOLATION) when its ``severity`` is ``error`` (the default); a ``warning`` or
``notice`` rule reports without a blocker. A rule that fails to evaluate (say ``length`` of
null) counts as not holding: the policy cannot be shown to be met. A query that does not compile
stops the run when the policy is loaded (exit 2, naming the rule and its line). Metadata and
plan are needed; without them the check is skipped.

Passes: the query "length(plan.datasets) <= `50`" on a plan of four datasets.
Fails: the same query on a plan of 51 datasets; "length(migration_config.execution.waves) <=
`1`" on a plan in two waves; a rule whose query calls a function on null.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.model import Problem, Severity, Stage

ID = "policy_rules"
STAGE = Stage.POLICY
BLOCKING = True
# A rule names its blocker, and the policy schema admits any of the fifteen.
RAISES = tuple(BlockerId)
POLICY = ("rules",)

# Document key -> artifact name, in the order SPEC section 3 lists them.
DOCUMENTS = {
    "metadata": "metadata",
    "plan": "signed_plan",
    "mapping": "mapping",
    "coercions": "coercions",
    "decisions": "decisions",
    "migration_config": "migration_config",
    "recon_config": "recon_config",
    "secrets_refs": "secrets_refs",
    "approvals": "approvals",
}


def check(ctx: MigrationContext) -> Iterator[Problem]:
    rules: list[dict[str, Any]] = ctx.policy.data.get("rules", [])
    if not rules:
        return
    ctx.require("metadata")
    ctx.require("signed_plan")
    import jmespath  # type: ignore[import-untyped]  # stage 2's dependency, not stage 1's
    from jmespath.exceptions import JMESPathError  # type: ignore[import-untyped]

    data = rule_documents(ctx)
    for rule in rules:
        try:
            result = jmespath.search(rule["query"], data)
        except JMESPathError as exc:
            verdict = f"could not be evaluated ({_first_line(exc)}), so it is not met"
        else:
            if _truthy(result):
                continue
            verdict = "is not met"
        yield _finding(rule, verdict)


def rule_documents(ctx: MigrationContext) -> dict[str, Any]:
    """The document the rules query: each artifact's data, or null when it is unusable."""
    data: dict[str, Any] = {}
    for key, name in DOCUMENTS.items():
        document = ctx.usable(name)
        if document is not None:
            data[key] = document.data["plan"] if key == "plan" else document.data
        elif key == "decisions" and _absent(ctx, name):
            data[key] = {"decisions": []}
        else:
            data[key] = None
    return data


def _absent(ctx: MigrationContext, name: str) -> bool:
    path = ctx.artifact_path(name)
    return path is not None and path not in ctx.tree.files and not ctx.tree.is_link(path)


def _truthy(value: Any) -> bool:
    """JMESPath's truth: false, null, "", [] and {} are false; numbers (0 too) are true."""
    if value is None or value is False:
        return False
    if isinstance(value, str | list | dict):
        return bool(value)
    return True


def _finding(rule: dict[str, Any], verdict: str) -> Problem:
    description = str(rule.get("description", "")).strip().rstrip(".")
    what = description or f"the query {rule['query']} must be true"
    message = f'policy rule "{rule["id"]}" {verdict}: {what}'
    severity = Severity(rule.get("severity", "error"))
    if severity is Severity.ERROR:
        return Problem(message, BlockerId(rule.get("blocker", BlockerId.POLICY_VIOLATION)))
    return Problem(message, severity=severity)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
