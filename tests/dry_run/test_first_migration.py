"""A new user's first migration, end to end, as the README and ``init`` tell it: ``init`` (which
writes a starter policy), fill in the placeholders for a real table of pagila, ``keygen``
(adding the key to that policy), ``sign``, ``check`` of stages 1-4, then the dry run (stage 5)
against the local PostgreSQL pagila database.

Every command runs as its own process, the way a user types it, from the workspace; the
transcript (commands and what each printed) is printed, and written to ``transcript.txt`` in
the test's directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from tests.dry_run.conftest import Server

PROJECT = "proj_pagila0001"
MIGRATION = f"migration-pr-{PROJECT}"
PLAN = f"{MIGRATION}/plans/signed_plan_plan_pagila0001.json"
LOCATION = "s3://analytics-lake/pagila/category"
# public.category of pagila: 16 rows, as a planner profiled it.
COLUMNS = [
    # name, source type, target type, distinct values
    ("category_id", "integer", "int", 16),
    ("name", "text", "string", 16),
    ("last_update", "timestamp with time zone", "timestamp", 1),
]


@dataclass
class Session:
    """A shell in the workspace: runs commands and keeps the transcript."""

    workspace: Path
    env: dict[str, str]
    transcript: list[str] = field(default_factory=list)

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        shown = " ".join(f"{k}={v}" for k, v in (env or {}).items())
        self.transcript.append(f"$ {shown + ' ' if shown else ''}migration-checks {' '.join(args)}")
        done = subprocess.run(
            [sys.executable, "-m", "migration_checks", *args],
            cwd=self.workspace,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        output = done.stderr + done.stdout
        if "json" in args and done.stdout.startswith("{"):  # the JSON result, in one line
            result = json.loads(done.stdout)
            output = done.stderr + (
                f"(JSON result: blocked {str(result['blocked']).lower()}, blockers "
                f"{result['blockers']}, {result['examined']['checks_passed']} checks passed)"
            )
        self.transcript.extend(output.rstrip("\n").splitlines())
        self.transcript.append(f"[exit {done.returncode}]")
        return done

    def note(self, text: str) -> None:
        self.transcript.append(f"# {text}")

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.workspace / MIGRATION / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        self.note(f"edit {MIGRATION}/{relative}: {old!r} -> {new!r}")


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MIGRATION_SECRET")}
    env.pop("GITHUB_ACTIONS", None)
    env["NO_COLOR"] = "1"
    return env


def _fill_in(session: Session, database: str) -> None:
    """What the user does between init and sign: the placeholders, and the one table."""
    session.edit("plans/signed_plan_plan_pagila0001.json", '"database": "CHANGE_ME"', f'"database": "{database}"')  # fmt: skip
    session.edit("plans/signed_plan_plan_pagila0001.json", '"location": "CHANGE_ME"', f'"location": "{LOCATION}"')  # fmt: skip
    session.edit("configs/migration_config.yml", "location: CHANGE_ME", f"location: {LOCATION}")
    root = session.workspace / MIGRATION
    mapping_path = root / "contracts" / "schema_mapping.yml"
    mapping = yaml.safe_load(mapping_path.read_text(encoding="utf-8"))
    mapping["datasets"][0]["columns"] = [
        {
            "source": {"name": name, "type": source},
            "target": {"name": name, "type": target},
            "nullable": False,
        }
        for name, source, target, _ in COLUMNS
    ]
    mapping_path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
    session.note(f"edit {MIGRATION}/contracts/schema_mapping.yml: the columns of public.category")
    report_path = root / "evidence" / "profiling_report.json"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    report["datasets"][0]["row_count"] = 16
    report["datasets"][0]["columns"] = [
        {
            "name": name,
            "type": source,
            "null_fraction": 0.0,
            "distinct_count": distinct,
            "pii_detected": None,
        }
        for name, source, _, distinct in COLUMNS
    ]
    report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    session.note(f"edit {MIGRATION}/evidence/profiling_report.json: the profile of public.category")
    # Like `sha256sum evidence/profiling_report.json`, pasted where the plan and the links cite it.
    digest = hashlib.sha256(report_path.read_bytes()).hexdigest()
    for relative in ("plans/signed_plan_plan_pagila0001.json", "evidence/evidence_links.json"):
        path = root / relative
        data = json.loads(path.read_text(encoding="utf-8"))
        holder = data["plan"]["profiling"] if "plan" in data else data["artifacts"][0]
        holder["sha256"] = digest
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    session.note(
        "paste the profiling report's sha256 into the plan and evidence/evidence_links.json"
    )
    coercions = [
        {
            "dataset": "public.category",
            "column": name,
            "from_type": source,
            "to_type": target,
            "lossy": False,
            "reason": reason,
            "approval": None,
        }
        for (name, source, target, _), reason in zip(
            COLUMNS,
            (
                "32-bit integer in both",
                "unbounded text in both",
                "an instant in both (Spark timestamps are UTC instants)",
            ),
            strict=True,
        )
    ]
    log = root / "contracts" / "type_coercion_log.json"
    log.write_text(json.dumps({"coercions": coercions}, indent=2) + "\n", encoding="utf-8")
    session.note(f"edit {MIGRATION}/contracts/type_coercion_log.json: why each type changes")


def test_a_first_migration_from_init_to_the_dry_run(
    tmp_path: Path, pagila: str, postgres: Server
) -> None:
    workspace = tmp_path / "repo"
    workspace.mkdir()
    session = Session(workspace, _environment())
    try:
        init = session.run("init", PROJECT, "--dataset", "public.category")
        assert init.returncode == 0
        assert "wrote migration-policy.json, a starter policy" in init.stderr
        next_commands = [
            "  migration-checks keygen planner --add-to migration-policy.json",
            f"  migration-checks sign {PLAN} --key planner.pem",
            f"  migration-checks check {MIGRATION} --policy migration-policy.json --stage 1 "
            "--stage 2 --stage 3 --stage 4",
        ]
        assert "\n".join(next_commands) in init.stderr
        assert f"  {PLAN}:10\n" in init.stderr  # where a CHANGE_ME waits
        policy = json.loads((workspace / "migration-policy.json").read_text(encoding="utf-8"))
        assert policy == {"policy_version": "v2.1.0", "signing": {"trusted_keys": []}}

        keygen = session.run("keygen", "planner", "--add-to", "migration-policy.json")
        assert keygen.returncode == 0
        assert (
            'added key "planner" to signing.trusted_keys of migration-policy.json' in keygen.stderr
        )
        unfilled = session.run("sign", PLAN, "--key", "planner.pem")
        assert unfilled.returncode == 2
        assert "the plan still holds placeholders from the template" in unfilled.stderr
        assert f"{PLAN}:10:" in unfilled.stderr and f"{PLAN}:13:" in unfilled.stderr

        _fill_in(session, pagila)
        signed = session.run("sign", PLAN, "--key", "planner.pem")
        assert signed.returncode == 0, signed.stderr
        assert f"signed {PLAN} with key planner" in signed.stderr

        check_1_4 = ("check", MIGRATION, "--policy", "migration-policy.json")
        stages_1_4 = ("--stage", "1", "--stage", "2", "--stage", "3", "--stage", "4")
        passed = session.run(*check_1_4, *stages_1_4, "--format", "json")
        result = json.loads(passed.stdout)
        problems = [f for m in result["migrations"] for f in m["findings"] if f["blocker"]]
        assert passed.returncode == 0, json.dumps(problems, indent=2)
        statuses = {c["id"]: c["status"] for c in result["migrations"][0]["checks"]}
        assert {statuses[c] for c in ("schema_validation", "plan_signature", "pii_handling")} == {
            "passed"
        }
        text = session.run(*check_1_4, *stages_1_4)
        assert text.returncode == 0 and "Result: no blocking finding" in text.stdout

        session.edit("plans/signed_plan_plan_pagila0001.json", '"TLS1.2"', '"TLS1.3"')
        changed = session.run(*check_1_4, "--stage", "1")
        assert changed.returncode == 1
        assert (
            'the plan changed since it was signed with key "planner" (what was signed had '
            "another SHA-256; which fields changed cannot be told from the file); if the "
            f"change is intended, run `migration-checks sign {PLAN} --key planner.pem`"
        ) in changed.stdout
        resigned = session.run("sign", PLAN, "--key", "planner.pem")
        assert resigned.returncode == 0
        assert "(the plan changed since the signature of 20" in resigned.stderr
        assert session.run(*check_1_4, "--stage", "1").returncode == 0

        url = postgres.url(pagila)
        dry = session.run(
            *check_1_4,
            "--stage",
            "5",
            "--format",
            "json",
            env={"MIGRATION_SECRET_SOURCE_DB_URL": url},
        )
        result = json.loads(dry.stdout)
        (migration,) = result["migrations"]
        assert dry.returncode == 0, json.dumps(migration["findings"], indent=2)
        assert {c["id"]: c["status"] for c in migration["checks"]} == {
            "connection_test": "passed",
            "schema_compatibility": "passed",
            "capacity_check": "passed",
            "extract_sample": "passed",
        }
        dry_text = session.run(
            *check_1_4, "--stage", "5", env={"MIGRATION_SECRET_SOURCE_DB_URL": url}
        )
        assert dry_text.returncode == 0 and "Result: no blocking finding" in dry_text.stdout
        assert url not in dry_text.stdout + dry_text.stderr
    finally:
        transcript = "\n".join(session.transcript).replace(postgres.url(pagila), "postgresql://…")
        (tmp_path / "transcript.txt").write_text(transcript + "\n", encoding="utf-8")
        print(transcript)
