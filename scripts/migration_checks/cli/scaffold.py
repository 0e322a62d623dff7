"""``migration-checks init PROJECT_ID``: scaffold a migration PR directory.

The scaffold passes Stage 1 once its plan is signed with a key the policy trusts; every value to
fill in says CHANGE_ME.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from migration_checks.cli.errors import ConfigurationError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

_PROJECT_ID = re.compile(r"^proj_[a-z0-9]{4,32}$")
_PLAN_ID = re.compile(r"^plan_[a-z0-9]{3,32}$")
_ARCHETYPE = re.compile(r"^[a-z0-9]+_to_[a-z0-9]+$")
_DATASET = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_PROFILING_REPORT = "evidence/profiling_report.json"


@click.command()
@click.argument("project_id")
@click.option("--dir", "parent", type=click.Path(file_okay=False, path_type=Path), default=Path(),
              show_default=True, help="Where to create migration-pr-PROJECT_ID/.")  # fmt: skip
@click.option("--plan-id", help="Default: plan_ followed by the project id's suffix.")
@click.option("--archetype", "archetype_id", default="postgres_to_s3", show_default=True)
@click.option(
    "--dataset",
    default="public.example_table",
    show_default=True,
    help="The first dataset to migrate.",
)
@click.option("--policy", "policy_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Take policy_version from this policy. Default: the bundled policy.")  # fmt: skip
def init(
    project_id: str,
    parent: Path,
    plan_id: str | None,
    archetype_id: str,
    dataset: str,
    policy_path: Path | None,
) -> None:
    """Create migration-pr-PROJECT_ID/ with every required file, ready to fill in and sign."""
    import getpass
    import hashlib
    from datetime import UTC, datetime
    from importlib.resources import files

    from migration_checks.policy import PolicyError, load_policy

    plan_id = plan_id or f"plan_{project_id.removeprefix('proj_')}"
    for value, pattern, name in (
        (project_id, _PROJECT_ID, "PROJECT_ID"),
        (plan_id, _PLAN_ID, "--plan-id"),
        (archetype_id, _ARCHETYPE, "--archetype"),
        (dataset, _DATASET, "--dataset"),
    ):
        if not pattern.match(value):
            raise click.UsageError(f'{name} "{value}" does not match {pattern.pattern}')
    try:
        policy_version = load_policy(policy_path).version
    except PolicyError as exc:
        raise ConfigurationError(str(exc)) from None
    target_dir = parent / f"migration-pr-{project_id}"
    if target_dir.exists():
        raise ConfigurationError(f"{target_dir} exists; refusing to overwrite it")
    source_system, _, target_system = archetype_id.partition("_to_")
    values = {
        "project_id": project_id,
        "plan_id": plan_id,
        "archetype_id": archetype_id,
        "policy_version": policy_version,
        "created_at": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "created_by": getpass.getuser(),
        "source_system": source_system,
        "target_system": target_system,
        "dataset": dataset,
        "target": dataset.rsplit(".", 1)[-1],
    }
    templates = files("migration_checks") / "templates" / "init"
    # The profiling report goes first: the plan and the evidence links carry its sha256.
    report = _render(templates / _PROFILING_REPORT, values)
    values["profiling_sha256"] = hashlib.sha256(report.encode("utf-8")).hexdigest()
    for relative, template in _walk(templates):
        destination = target_dir / _destination(relative, values)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(_render(template, values), encoding="utf-8")
    plan = target_dir / "plans" / f"signed_plan_{plan_id}.json"
    click.echo(f"created {target_dir}", err=True)
    click.echo("next: fill in every CHANGE_ME, then sign the plan:", err=True)
    click.echo(f"  migration-checks sign {plan} --key KEY.pem --key-id KEY_ID", err=True)
    click.echo(f"  migration-checks check {target_dir} --stage 1 --policy POLICY", err=True)


def _walk(root: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    entries = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        relative = f"{prefix}{entry.name}"
        if entry.is_dir():
            entries.extend(_walk(entry, f"{relative}/"))
        else:
            entries.append((relative, entry))
    return entries


def _destination(relative: str, values: dict[str, str]) -> str:
    if relative == "plans/signed_plan.json":
        return f"plans/signed_plan_{values['plan_id']}.json"
    if relative == "runbooks/dataset_runbook.md":
        return f"runbooks/{values['target']}_runbook.md"
    return relative


def _render(template: Traversable, values: dict[str, str]) -> str:
    from string import Template

    return Template(template.read_text(encoding="utf-8")).substitute(values)
