"""Time Stage 4's secret checks against ``detect-secrets scan --all-files`` on the medium tree, and
measure what each finds of the secrets seeded in it.

    python benchmarks/secrets.py [--runs 3] [--size medium]

The medium tree of ``generate.py`` gets 20 secrets of different kinds, in files of different
types (Python, SQL, a dbt model with Jinja, Markdown, YAML with a block scalar, JSON, INI, .env,
text, shell, and ``configs/``, which ``credential_validation`` reports). Then, in one run, each
``--runs`` times after an untimed warm-up:

- ``detect-secrets scan --all-files`` in the migration directory (the venv's own, a process);
- ``migration-checks check WORKSPACE --stage 4 --format json`` (a process: start-up, the tree
  listed, ``secrets_scan``, ``credential_validation`` and ``dependency_scan``, which finds no
  requirements file in this tree), and the checks' own ``duration_ms``;
- a plain regular-expression pass over the same bytes (in this process), the floor.

It prints the median and minimum times, the ratio of detect-secrets' median to ours (target:
25x or more), which seeded secrets each found (every one detect-secrets finds must be found by
ours), and the recall and precision of our detector and of detect-secrets on the labelled corpora,
per corpus and per family (``secrets_corpus.py``, which runs alone too: the public corpus
``shared/corpora/secrets_public.jsonl`` beside the checkout, when it is there, and the migration-
shaped ``benchmarks/corpora/secrets_migration.jsonl``). A seeded secret counts as found by a tool when it reports something in the secret's file on one of the
secret's lines. Targets are printed as PASS/MISS; the script exits 0 either way, unless a run
fails (a measurement, not a test).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import secrets_corpus  # benchmarks/ is sys.path[0] when this file runs
from generate import generate
from run import MB, executable, measure_stage

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 25.0


@dataclass(frozen=True)
class Seed:
    name: str
    path: str  # relative to the migration directory
    text: str  # what is written: a whole new file, or appended to the file
    secret: str  # the secret's value, as it is in the text
    append: bool = False


def _b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).decode().rstrip("=")


_JWT = ".".join(
    [
        _b64url(b'{"alg":"HS256","typ":"JWT"}'),
        _b64url(b'{"sub":"svc-loader","iat":1700000000}'),
        "Xk9vR2mQ7tLp4wZ8nB3cH6yJ1dF5gS0aUeKiOqWr",
    ]
)
_KEY_BODY = "MIIEowIBAAKCAQEAx3bT9Lq2vWm8RkZ5cPn0yHf4Gd7sJa1Ue6KtQz8vN3wPkLm2h7XqP2mK9vL4w"

SEEDS = [
    Seed(
        "aws-key-py",
        "code/spark/job_config.py",
        "import os\n\nKEY_ID = 'AKIAZ3MHQ7RT5LN2XW4B'\n",
        "AKIAZ3MHQ7RT5LN2XW4B",
    ),
    Seed(
        "github-token-py",
        "code/spark/columns.py",
        '\nGITHUB_TOKEN = "ghp_R8t2Kq9Lm4Xv7Nw1Zb6Hc3Jd5Fg0Ps2Ty8Ua"\n',
        "ghp_R8t2Kq9Lm4Xv7Nw1Zb6Hc3Jd5Fg0Ps2Ty8Ua",
        append=True,
    ),
    Seed(
        "private-key-py",
        "code/spark/tls.py",
        'KEY = """\n-----BEGIN RSA PRIVATE KEY-----\n'
        + _KEY_BODY
        + '\n-----END RSA PRIVATE KEY-----\n"""\n',
        "-----BEGIN RSA PRIVATE KEY-----",
    ),
    Seed(
        "sql-password",
        "code/sql/transforms/{first_sql}",
        "\n-- CREATE USER loader WITH PASSWORD 'Tr0ub4dor&3xK9';\n",
        "Tr0ub4dor&3xK9",
        append=True,
    ),
    Seed(
        "slack-dbt-jinja",
        "code/dbt/models/stg_alerts.sql",
        "{{ config(materialized='view') }}\n-- {{ var('run_date') }}\n"
        "select 'xoxb-2345678901-2345678901234-AbCdEfGhIjKlMnOpQrStUvWx' as hook\n"
        "from {{ ref('stg_orders') }}\n",
        "xoxb-2345678901-2345678901234-AbCdEfGhIjKlMnOpQrStUvWx",
    ),
    Seed(
        "basic-auth-md",
        "runbooks/{first_md}",
        "\nConnect: `psql postgres://app:Wq7vLp2xRz@db.internal:5432/shop`\n",
        "Wq7vLp2xRz",
        append=True,
    ),
    Seed(
        "url-password-bang-md",
        "runbooks/{second_md}",
        "\nOr: `mysql://app:Pq7!rT2kx@db.internal/shop`\n",
        "Pq7!rT2kx",
        append=True,
    ),
    Seed(
        "gitlab-token-md",
        "runbooks/{third_md}",
        "\nCI token: glpat-Zx8Kq2Lm9Vb4Nw7Rt3Yp\n",
        "glpat-Zx8Kq2Lm9Vb4Nw7Rt3Yp",
        append=True,
    ),
    Seed(
        "private-key-yaml-block",
        "code/dbt/models/sources.yml",
        "version: 2\nsources:\n  - name: shop\n    meta:\n      tls_key: |\n"
        f"        -----BEGIN RSA PRIVATE KEY-----\n        {_KEY_BODY}\n"
        "        -----END RSA PRIVATE KEY-----\n      owner: data-eng\n",
        "-----BEGIN RSA PRIVATE KEY-----",
    ),
    Seed(
        "password-yaml",
        "code/dbt/profiles.yml",
        "shop:\n  outputs:\n    prod:\n      type: postgres\n      user: loader\n"
        "      password: Qz8vN3wPkLm2\n",
        "Qz8vN3wPkLm2",
    ),
    Seed(
        "hex-token-yaml-mapping",
        "contracts/schema_mapping.yml",
        'x_owner_token: "9f3c2a7b1e5d4c8a6f0b2d9e7c1a3f5b"\n',
        "9f3c2a7b1e5d4c8a6f0b2d9e7c1a3f5b",
        append=True,
    ),
    Seed(
        "api-token-json",
        "contracts/service_accounts.json",
        '{\n  "service": "orders",\n  "api_token": "h7XqP2mK9vL4wR8t"\n}\n',
        "h7XqP2mK9vL4wR8t",
    ),
    Seed(
        "jwt-json",
        "evidence/request.json",
        json.dumps({"headers": {"Authorization": f"Bearer {_JWT}"}}, indent=2) + "\n",
        _JWT,
    ),
    Seed(
        "password-ini",
        "code/settings.ini",
        "[db]\nhost = db\npassword = Qz8!vN3wPk\n",
        "Qz8!vN3wPk",
    ),
    Seed("password-env", "code/.env", "HOST=db\nDB_PASSWORD=Vb9mXq2LkW7p\n", "Vb9mXq2LkW7p"),
    Seed(
        "stripe-txt",
        "code/notes.txt",
        "billing sandbox\nkey sk_live_4eC39HqLyjWDarjtT1zdp7dc\n",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    ),
    Seed(
        "aws-secret-sh",
        "code/load.sh",
        '#!/bin/sh\nexport AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8rT2vLmN"\n',
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8rT2vLmN",
    ),
    Seed(
        "twilio-cfg",
        "code/setup.cfg",
        "[notify]\nsid = SK0123456789abcdef0123456789abcdef\n",
        "SK0123456789abcdef0123456789abcdef",
    ),
    Seed(
        "literal-secrets-refs",
        "configs/secrets_refs.yml",
        '  SOURCE_DB_PASSWORD: "Vt6-Live-Qm2x-Lr8w"\n',
        "Vt6-Live-Qm2x-Lr8w",
        append=True,
    ),
    Seed(
        "url-password-configs",
        "configs/migration_config.yml",
        'replica_url: "postgres://app:Pw9xK2qLm@replica.internal/shop"\n',
        "Pw9xK2qLm",
        append=True,
    ),
]


@dataclass(frozen=True)
class Placed:
    seed: Seed
    path: str
    lines: range  # the lines of the file the secret's text is on


def seed(root: Path) -> list[Placed]:
    names = {
        "first_sql": sorted((root / "code" / "sql" / "transforms").iterdir())[0].name,
        **{
            key: path.name
            for key, path in zip(
                ("first_md", "second_md", "third_md"),
                sorted((root / "runbooks").iterdir())[:3],
                strict=True,
            )
        },
    }
    placed = []
    for item in SEEDS:
        rel = item.path.format(**names)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        before = path.read_text(encoding="utf-8") if item.append and path.exists() else ""
        if before and not before.endswith("\n"):
            before += "\n"
        text = before + item.text
        path.write_text(text, encoding="utf-8")
        at = text.index(item.secret, len(before))
        first = text.count("\n", 0, at) + 1
        last = text.count("\n", 0, at + len(item.secret)) + 1
        placed.append(Placed(item, rel, range(first, last + 1)))
    return placed


def found_by(placed: list[Placed], reported: set[tuple[str, int | str]]) -> dict[str, bool]:
    """Whether a tool reported something in each seeded secret's file, on one of its lines or
    (detect-secrets' YAML line numbers drift) under the SHA-1 of its text."""
    return {
        p.seed.name: any((p.path, line) in reported for line in p.lines)
        or any(
            (p.path, sha1(text)) in reported for text in (p.seed.secret, p.seed.secret.strip("-"))
        )
        for p in placed
    }


def sha1(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8")).hexdigest()


def median(values: list[float]) -> float:
    return statistics.median(values)


def time_detect_secrets(root: Path, runs: int) -> tuple[list[float], dict[str, Any]]:
    cmd = [executable("detect-secrets"), "scan", "--all-files"]
    times: list[float] = []
    output: dict[str, Any] = {}
    for index in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=root, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(
                f"error: detect-secrets exit {done.returncode}: {done.stderr.decode()[-2000:]}"
            )
        output = json.loads(done.stdout)
        if index:  # the first run warms the page cache and the bytecode
            times.append(elapsed)
    return times, output


_PLAIN = re.compile(
    rb"AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9_]{36}|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    rb"|://[^:/\s]+:[^@/\s]+@|(?i:password|secret|token)\s*[:=]"
)


def time_plain_regex(root: Path, runs: int) -> tuple[list[float], int]:
    times: list[float] = []
    matches = 0
    for _ in range(runs):
        started = time.perf_counter()
        matches = 0
        for path in root.rglob("*"):
            if path.is_file():
                matches += sum(1 for _ in _PLAIN.finditer(path.read_bytes()))
        times.append(time.perf_counter() - started)
    return times, matches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (default 3)")
    parser.add_argument("--size", default="medium", help="generated tree (default medium)")
    args = parser.parse_args(argv)
    mc = executable("migration-checks")
    with tempfile.TemporaryDirectory(prefix="mc-bench-secrets-") as scratch:
        out = Path(scratch)
        root = generate(args.size, out)
        placed = seed(root)
        files = [p for p in root.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        print(
            f"# Secrets benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; Python "
            f"{sys.version.split()[0]}\n{args.size} tree: {len(files)} files, {size / MB:.1f} MB, "
            f"{len(placed)} seeded secrets; {args.runs} timed runs of each after a warm-up\n"
        )

        timing, durations, migration = measure_stage(
            mc, root.parent, out / "policy.json", 4, args.runs, out / "pycache"
        )
        reported: set[tuple[str, int | str]] = {
            (f["path"], f["line"])
            for f in migration["findings"]
            if f["blocker"] == "SECRETS_EXPOSED"
        }

        ds_times, ds_output = time_detect_secrets(root, args.runs)
        ds_reported: set[tuple[str, int | str]] = set()
        for name, entries in ds_output["results"].items():
            for entry in entries:
                ds_reported |= {(name, entry["line_number"]), (name, entry["hashed_secret"])}
        plain_times, plain_matches = time_plain_regex(root, args.runs)

        ratio = median(ds_times) / timing.median_s
        print(
            f"detect-secrets scan --all-files: median {median(ds_times):.2f} s, "
            f"min {min(ds_times):.2f} s"
        )
        print(
            f"migration-checks --stage 4 (process): median {timing.median_s:.2f} s, "
            f"min {timing.min_s:.2f} s, peak RSS {timing.peak_rss / MB:.0f} MB"
        )
        own = ", ".join(f"{cid} {statistics.median(ms):.0f} ms" for cid, ms in durations.items())
        print(f"  checks' own time (median): {own}")
        print(
            f"plain regex pass over the same bytes: median {median(plain_times):.3f} s "
            f"({plain_matches} matches)"
        )
        verdict = "PASS" if ratio >= TARGET_RATIO else "MISS"
        print(
            f"ratio detect-secrets / stage 4: {ratio:.1f}x   target >= {TARGET_RATIO:.0f}x: {verdict}"
        )

        ours = found_by(placed, reported)
        theirs = found_by(placed, ds_reported)
        print(
            "\nseeded secret                   file                                   ours  detect-secrets"
        )
        for p in placed:
            mark = {True: "yes", False: "-"}
            print(
                f"  {p.seed.name:<30}{p.path[:38]:<39}{mark[ours[p.seed.name]]:<6}"
                f"{mark[theirs[p.seed.name]]}"
            )
        missed = [name for name, found in theirs.items() if found and not ours[name]]
        print(
            f"found: ours {sum(ours.values())}/{len(placed)}, detect-secrets "
            f"{sum(theirs.values())}/{len(placed)}; every one detect-secrets finds, ours finds "
            f"too: {'PASS' if not missed else 'MISS ' + ', '.join(missed)}"
        )
        seeded_lines = {(p.path, line) for p in placed for line in p.lines}
        extra = sorted(reported - seeded_lines)
        print(f"our findings outside the seeded secrets: {len(extra)} {extra[:5]}")
        print()
        for line in secrets_corpus.report():
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
