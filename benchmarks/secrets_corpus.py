"""Recall and precision of Stage 4's secret detector and of detect-secrets on the labelled corpora,
per corpus and per family, side by side.

    python benchmarks/secrets_corpus.py [--corpus public|migration|all] [--families]
                                        [--misses] [--family PREFIX]

Two corpora, one JSON object per line:

- ``public``: ``shared/corpora/secrets_public.jsonl`` beside the checkout (or under
  ``$MIGRATION_CHECKS_SHARED``): upstream test fixtures of two secret scanners, labelled per case
  (``label`` true: something should be found somewhere in ``text``). Its family is the upstream
  rule (``type``).
- ``migration``: ``benchmarks/corpora/secrets_migration.jsonl``, written for this project by
  ``benchmarks/corpora/build_secrets_migration.py``: text shaped like what migration repositories
  hold, labelled ``secret`` on one line (``line``, 1-based; ``other_lines`` for the other lines of
  the same secret, such as an AWS key pair's key ID) or ``not_secret``. A case whose ``encoding``
  is ``base64`` holds the file's bytes, base64-encoded (UTF-16 with a BOM, a stray non-UTF-8
  byte), so that the file is written exactly as a hostile author would commit it.

Each case is written to a file of its own, under its ``filename``, in a directory of its own, and
scanned the way each tool scans a file of a pull request:

- **ours**: ``secret_detection.scan_file`` with the bundled default policy's options, in a
  ``MigrationContext`` over that directory (the path ``secrets_scan`` takes: the file read as
  bytes, decoded, parsed when it is JSON or YAML). A file it could not scan is a finding without a
  line (``secrets_scan`` blocks on it).
- **detect-secrets**: ``detect_secrets.core.scan.scan_file`` with every plugin and the default
  filters (``default_settings``), as ``detect-secrets scan --all-files`` runs it on each file.

A positive case is **found** when the tool reports something on one of its labelled lines (on any
line, for the public corpus, whose labels are per case). A tool **flags** a case when it reports
anything in it. Recall = found / positives. Precision = found / flagged: a negative flagged is a
false alarm, and so is a positive flagged only on lines other than the secret's ("wrong line":
a miss and a false alarm at once). Targets: recall >= 0.95 and precision >= 0.90 on each corpus,
printed as PASS/MISS; the script exits 0 either way (a measurement, not a test).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = Path(os.environ.get("MIGRATION_CHECKS_SHARED") or REPO.parent / "shared")
PUBLIC = SHARED / "corpora" / "secrets_public.jsonl"
MIGRATION = HERE / "corpora" / "secrets_migration.jsonl"
CORPORA = {"public": PUBLIC, "migration": MIGRATION}
TARGET_RECALL = 0.95
TARGET_PRECISION = 0.90
TOOLS = ("ours", "detect-secrets")


@dataclass(frozen=True)
class Case:
    corpus: str
    id: str
    family: str
    secret: bool  # the label
    filename: str  # relative path of the file the case is written to
    raw: bytes  # the file's bytes
    lines: frozenset[int] | None  # where a positive's secret is; None: anywhere (per-case label)


@dataclass(frozen=True)
class Seen:
    """What one tool reported in one case's file."""

    lines: frozenset[int]  # lines it reported something on
    unplaced: int = 0  # findings without a line (a file it could not scan)

    @property
    def flagged(self) -> bool:
        return bool(self.lines) or self.unplaced > 0


@dataclass(frozen=True)
class Verdict:
    case: Case
    seen: dict[str, Seen]  # by tool

    def found(self, tool: str) -> bool:
        seen = self.seen[tool]
        if not self.case.secret:
            return False
        if self.case.lines is None:
            return seen.flagged
        return bool(seen.lines & self.case.lines)

    def false_alarm(self, tool: str) -> bool:
        """Flagged without the secret being found: a negative flagged, or a positive flagged only
        on other lines."""
        return self.seen[tool].flagged and not self.found(tool)


# --- reading the corpora -------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def file_bytes(record: dict[str, Any]) -> bytes:
    """A migration-corpus case's file, as committed."""
    encoding = record.get("encoding")
    if encoding is None:
        return str(record["text"]).encode("utf-8")
    if encoding == "base64":
        return base64.b64decode(record["text"], validate=True)
    raise ValueError(f"{record['id']}: unknown encoding {encoding!r}")


def public_case(record: dict[str, Any]) -> Case:
    return Case(
        corpus="public",
        id=record["id"],
        family=record["type"],
        secret=bool(record["label"]),
        filename=f"case.{record['ext']}",
        raw=str(record["text"]).encode("utf-8"),
        lines=None,
    )


def migration_case(record: dict[str, Any]) -> Case:
    secret = record["label"] == "secret"
    lines = frozenset([record["line"], *record.get("other_lines", ())]) if secret else None
    return Case(
        corpus="migration",
        id=record["id"],
        family=record["family"],
        secret=secret,
        filename=record["filename"],
        raw=file_bytes(record),
        lines=lines,
    )


def load(corpus: str, path: Path | None = None) -> list[Case]:
    """The cases of one corpus ("public" or "migration"); [] when its file is absent."""
    path = path or CORPORA[corpus]
    if not path.is_file():
        return []
    make = public_case if corpus == "public" else migration_case
    return [make(record) for record in read_jsonl(path)]


# --- running the tools ---------------------------------------------------------------------------


def evaluate(cases: Iterable[Case]) -> list[Verdict]:
    """Run both tools on each case, each case's file alone in a directory of its own."""
    from detect_secrets.core import scan as ds_scan
    from detect_secrets.settings import default_settings

    from migration_checks import secret_detection as sd
    from migration_checks.context import MigrationContext
    from migration_checks.policy import load_policy

    policy = load_policy()
    options = sd.Options.from_policy(policy)
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="mc-secrets-corpus-") as scratch:
        for index, case in enumerate(cases):
            root = Path(scratch) / f"case{index:04}"
            path = root / case.filename
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(case.raw)
            ctx = MigrationContext(root, root.name, policy)
            with sd.engine():
                scan = sd.scan_file(ctx, case.filename, options)
            ours = Seen(
                frozenset(hit.line for hit in scan.hits if hit.line is not None),
                sum(1 for hit in scan.hits if hit.line is None) + (scan.not_scanned is not None),
            )
            with default_settings():
                found = list(ds_scan.scan_file(str(path)))
            theirs = Seen(frozenset(secret.line_number for secret in found))
            verdicts.append(Verdict(case, {"ours": ours, "detect-secrets": theirs}))
    return verdicts


# --- scores --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    cases: int
    positives: int
    found: int
    false_alarms: int  # flagged without the secret found
    wrong_line: int  # of which: positives flagged on other lines only

    @property
    def recall(self) -> float | None:
        return self.found / self.positives if self.positives else None

    @property
    def precision(self) -> float | None:
        flagged = self.found + self.false_alarms
        return self.found / flagged if flagged else None


def score(verdicts: Sequence[Verdict], tool: str) -> Score:
    return Score(
        cases=len(verdicts),
        positives=sum(v.case.secret for v in verdicts),
        found=sum(v.found(tool) for v in verdicts),
        false_alarms=sum(v.false_alarm(tool) for v in verdicts),
        wrong_line=sum(v.case.secret and v.false_alarm(tool) for v in verdicts),
    )


def by_family(verdicts: Iterable[Verdict]) -> dict[str, list[Verdict]]:
    families: dict[str, list[Verdict]] = {}
    for verdict in verdicts:
        families.setdefault(verdict.case.family, []).append(verdict)
    return dict(sorted(families.items()))


def _ratio(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def _mark(value: float | None, target: float) -> str:
    return "" if value is None else ("PASS" if value >= target else "MISS")


def corpus_lines(name: str, verdicts: Sequence[Verdict]) -> list[str]:
    """The corpus's totals for both tools, with the targets."""
    positives = sum(v.case.secret for v in verdicts)
    lines = [f"{name} corpus: {len(verdicts)} cases, {positives} positive"]
    for tool in TOOLS:
        s = score(verdicts, tool)
        lines.append(
            f"  {tool:<15} recall {_ratio(s.recall)} ({s.found}/{s.positives}) "
            f"{_mark(s.recall, TARGET_RECALL):<4}   precision {_ratio(s.precision)} "
            f"({s.found}/{s.found + s.false_alarms}) {_mark(s.precision, TARGET_PRECISION):<4}"
            f"   false alarms {s.false_alarms} (wrong line {s.wrong_line})"
        )
    lines.append(
        f"  targets: recall >= {TARGET_RECALL:.2f}, precision >= {TARGET_PRECISION:.2f} "
        "(precision = found / flagged)"
    )
    return lines


def family_lines(verdicts: Sequence[Verdict]) -> list[str]:
    """One row per family: a positive family's recall (found/cases) and a negative family's
    false alarms (flagged/cases), for both tools; mixed families (the public corpus) show both."""
    families = by_family(verdicts)
    width = max(len("family"), *(len(f) for f in families)) + 2
    rows = [f"  {'family':<{width}}{'cases':>6}   {'ours':<22}{'detect-secrets'}"]
    for family, members in families.items():
        cells = []
        for tool in TOOLS:
            s = score(members, tool)
            negatives = s.cases - s.positives
            flagged_negatives = s.false_alarms - s.wrong_line
            parts = []
            if s.positives:
                wrong = f" +{s.wrong_line}wl" if s.wrong_line else ""
                parts.append(f"found {s.found}/{s.positives}{wrong}")
            if negatives:
                parts.append(f"FP {flagged_negatives}/{negatives}")
            cells.append(", ".join(parts))
        rows.append(f"  {family:<{width}}{len(members):>6}   {cells[0]:<22}{cells[1]}")
    rows.append(
        "  (found: positives found on their line; +Nwl: flagged on another line only; "
        "FP: negatives flagged)"
    )
    return rows


def miss_lines(verdicts: Sequence[Verdict], tool: str) -> list[str]:
    out = []
    for v in verdicts:
        seen = v.seen[tool]
        if v.case.secret and not v.found(tool):
            where = sorted(seen.lines)
            out.append(
                f"  miss   {v.case.id} ({v.case.filename}, line {sorted(v.case.lines or [])}"
                f"{f'; reported {where}' if where else ''})"
            )
        elif not v.case.secret and seen.flagged:
            out.append(f"  FP     {v.case.id} ({v.case.filename}, lines {sorted(seen.lines)})")
    return out


def report(
    corpora: Sequence[str] = ("public", "migration"),
    *,
    families: bool = True,
    misses: bool = False,
    family_prefix: str = "",
) -> list[str]:
    """Every line the benchmark prints for the corpora named."""
    lines: list[str] = []
    for name in corpora:
        cases = [c for c in load(name) if c.family.startswith(family_prefix)]
        if not cases:
            lines.append(f"{name} corpus: not found at {CORPORA[name]} (or no case matches)")
            continue
        verdicts = evaluate(cases)
        lines += corpus_lines(name, verdicts)
        if families:
            lines += family_lines(verdicts)
        if misses:
            for tool in TOOLS:
                lines.append(f"  {tool}: misses and false alarms")
                lines += miss_lines(verdicts, tool)
        lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=("public", "migration", "all"), default="all")
    parser.add_argument("--no-families", action="store_true", help="totals only, no row per family")
    parser.add_argument(
        "--misses", action="store_true", help="list each tool's misses and false alarms by id"
    )
    parser.add_argument("--family", default="", help="only the families starting with this")
    args = parser.parse_args(argv)
    corpora = ("public", "migration") if args.corpus == "all" else (args.corpus,)
    for line in report(
        corpora, families=not args.no_families, misses=args.misses, family_prefix=args.family
    ):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
