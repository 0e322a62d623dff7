"""The gate's reports: the sticky comment, the job summary, text, JSON and GitHub output.

The comment and the summary are the markdown reporter's (same marker, escaping and size budget)
followed by the approval status of each required role; the findings are given what room the
approvals section leaves, so the comment stays under GitHub's 65,536 characters.
"""

from __future__ import annotations

import json
from typing import Any

from migration_checks.gate.approvals import RoleStatus
from migration_checks.gate.run import GateResult, MigrationGate
from migration_checks.gate.shown import Shown
from migration_checks.reporters import github, json_v1, markdown, text
from migration_checks.reporters._common import clean, log_lines

_ROLE_STATUS = {
    RoleStatus.APPROVED: "✅ approved",
    RoleStatus.UNVERIFIED: "⚠️ unverified",
    RoleStatus.MISSING: "❌ missing",
}
_NOTE_CHARS = 300
_SECTION_CHARS = 16_000  # the approvals section's share of the comment


def _bare(shown: Shown | None, absent: str) -> str:
    """A record's value where it has its form, else its place (SPEC section 6.1)."""
    return shown.bare if shown is not None else absent


def _short(value: str, limit: int = _NOTE_CHARS) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _verification_line(result: GateResult) -> str:
    outcome = result.github
    if outcome is None:
        return (
            "**Not verified against GitHub** (no token and pull request given): no approver's "
            "review on the head commit or membership of the role was checked, so no role counts "
            "as approved."
        )
    line = (
        f"Verified against GitHub: pull request #{outcome.pr} of {markdown.code(outcome.repo)}, "
        f"head commit {markdown.code(outcome.head_sha[:12])}."
    )
    if outcome.merge_queue_base is not None:
        line += (
            f" Merge queue: the entry built on {markdown.code(outcome.merge_queue_base[:12])}; "
            "in a merge queue the gate writes no labels and no comment (the pull request's own "
            "run keeps them)."
        )
    return line


def _migration_markdown(gate: MigrationGate) -> str:
    chain = gate.chain
    title = f"#### {markdown.code(gate.path)}"
    if chain is None:
        return f"{title}\n\nApprovals were not judged: the metadata or its transition is unusable."
    title += f" — {markdown.text(chain.transition)}"
    if not chain.required:
        return f"{title}\n\n{markdown.text(chain.transition)} requires no approval."
    rows = ["| Role | Status | Approver | Approval | Note |", "|---|---|---|---|---|"]
    for role in chain.roles:
        rows.append(
            f"| {markdown.code(role.role)} | {_ROLE_STATUS[role.status]} | "
            f"{markdown.text(_bare(role.approver, ''))} | "
            f"{_approval_cell(role.approval_id)} | "
            f"{markdown.text(_short(role.note))} |"
        )
    return f"{title}\n\n" + "\n".join(rows)


def _approval_cell(approval_id: Shown | None) -> str:
    if approval_id is None:
        return ""
    if approval_id.value is None:
        return markdown.text(approval_id.place)
    return markdown.code(approval_id.value)


def approvals_markdown(result: GateResult, limit: int = _SECTION_CHARS) -> str:
    head = f"### Approvals\n\n{_verification_line(result)}"
    parts = [head]
    used = len(head)
    for index, gate in enumerate(result.migrations):
        part = _migration_markdown(gate)
        if used + len(part) + 2 > limit - 200:
            rest = len(result.migrations) - index
            parts.append(f"> Approvals of {rest} more migrations are in the JSON result.")
            break
        parts.append(part)
        used += len(part) + 2
    return "\n\n".join(parts) + "\n"


def comment(result: GateResult) -> str:
    """The sticky comment: under 65,536 characters, starting with the hidden marker."""
    section = approvals_markdown(result)
    body = markdown.render(result.run, limit=markdown.COMMENT_LIMIT - len(section) - 1)
    return f"{body}\n{section}"


def summary(result: GateResult) -> str:
    """The job summary: every check of the stage results, the findings and the approvals."""
    section = approvals_markdown(result, limit=256 * 1024)
    room = markdown.SUMMARY_LIMIT - len(section.encode("utf-8")) - 1
    return f"{markdown.summary(result.run, limit=room)}\n{section}"


# Rendered by the text report when no stage result reached the gate: why no check ran.
NO_STAGE_RESULTS = (
    "The gate runs no check itself: it judges the results of the stage jobs, and none was given "
    "(--results FILE, written by `migration-checks check --result-file FILE`, or --jobs)."
)


def render_text(result: GateResult, *, colour: bool = False) -> str:
    lines = [text.render(result.run, colour=colour).rstrip("\n"), ""]
    if not result.run.stages:
        lines[-1:-1] = [NO_STAGE_RESULTS]
    verified = result.github is not None
    for gate in result.migrations:
        chain = gate.chain
        if chain is None:
            lines.append(f"approvals of {clean(gate.path)}: not judged (metadata unusable)")
            continue
        how = "verified against GitHub" if verified else "NOT verified against GitHub (no token)"
        if not chain.required:
            lines.append(f"approvals of {clean(gate.path)}: {chain.transition} requires none")
            continue
        lines.append(f"approvals of {clean(gate.path)} for {chain.transition}, {how}:")
        for role in chain.roles:
            who = clean(_bare(role.approver, "-"))
            ident = clean(_bare(role.approval_id, "-"))
            note = f"  {clean(_short(role.note))}" if role.note else ""
            lines.append(f"  {role.role:<18} {role.status.value:<10} {who:<16} {ident}{note}")
    outcome = result.github
    if outcome is not None:
        if outcome.merge_queue_base is not None:
            lines.append(
                f"merge queue: pull request #{outcome.pr}, entry built on "
                f"{outcome.merge_queue_base[:12]}; no labels or comment written (the pull "
                "request's own run keeps them)"
            )
        if outcome.refused:
            lines.append(f"labels and comment not written: {clean(outcome.refused)}")
        elif outcome.applied:
            lines.append(
                f"pull request #{outcome.pr}: comment {outcome.comment or 'not written'}; labels "
                f"added {_names(outcome.labels_add)}, removed {_names(outcome.labels_remove)}"
            )
    lines.append("Gate: BLOCKED" if result.blocked else "Gate: the transition may merge")
    return log_lines(lines)


def _names(names: list[str]) -> str:
    return ", ".join(clean(n) for n in names) or "none"


def to_dict(result: GateResult) -> dict[str, Any]:
    outcome = result.github
    return {
        "schema_version": "v1",
        "kind": "gate",
        "now": result.now.isoformat(),
        "github": None
        if outcome is None
        else {
            "repo": outcome.repo,
            "pr": outcome.pr,
            "head_sha": outcome.head_sha,
            "from_fork": outcome.from_fork,
            "labels_added": outcome.labels_add if outcome.applied else [],
            "labels_removed": outcome.labels_remove if outcome.applied else [],
            "labels_pending": [] if outcome.applied else outcome.labels_add,
            "applied": outcome.applied,
            "comment": outcome.comment,
            "refused": outcome.refused,
            "merge_queue": None
            if outcome.merge_queue_base is None
            else {"base_sha": outcome.merge_queue_base},
        },
        "migrations": [
            _gate_dict(gate, verified=outcome is not None) for gate in result.migrations
        ],
        "result": json_v1.to_dict(result.run),
        "blockers": list(result.run.blockers),
        "blocked": result.blocked,
    }


def _gate_dict(gate: MigrationGate, *, verified: bool) -> dict[str, Any]:
    chain = gate.chain
    return {
        "path": gate.path,
        "project_id": gate.project_id,
        "state": gate.state,
        "target_state": gate.target_state,
        "expected_branch": gate.expected_branch,
        "approvals": None
        if chain is None
        else {
            "transition": chain.transition,
            "required_roles": list(chain.required),
            "verified": verified,
            "approved": chain.valid,
            "roles": [
                {
                    "role": role.role,
                    "status": role.status.value,
                    "approver": _value(role.approver),
                    "approval_id": _value(role.approval_id),
                    "note": role.note or None,
                }
                for role in chain.roles
            ],
            "records": [
                {
                    "index": record.index,
                    "approval_id": record.shown_approval_id.value,
                    "approver": record.shown_approver.value,
                    "role": record.shown_role.value,
                    "status": record.status.value,
                    "reasons": [
                        {"message": r.message, "pointer": r.pointer} for r in record.reasons
                    ],
                }
                for record in chain.records
            ],
        },
    }


def _value(shown: Shown | None) -> str | None:
    """None for a value without its expected form, which JSON then leaves out (SPEC 6.1)."""
    return shown.value if shown is not None else None


def render_json(result: GateResult) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"


def github_report(result: GateResult, result_file: str | None) -> github.GithubReport:
    """Annotations for the gate's own findings (the stage jobs annotated theirs), the summary and outputs."""
    return github.GithubReport(
        annotations=tuple(github.annotations_for(result.own)),
        summary=summary(result),
        outputs=github.outputs(result.run, result_file),
    )
