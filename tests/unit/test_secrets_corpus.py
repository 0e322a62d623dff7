"""The migration-shaped secrets corpus (``benchmarks/corpora/secrets_migration.jsonl``) is
well-formed and is what its builder writes, and the corpus benchmark (``benchmarks/secrets_corpus.py``)
evaluates cases with both tools. No recall or precision threshold here: the benchmark prints those
against their targets, and the detector is improved against them."""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import REPO, SHARED

BENCHMARKS = REPO / "benchmarks"
CORPUS = BENCHMARKS / "corpora" / "secrets_migration.jsonl"
FIELDS = {"id", "family", "label", "filename", "text", "why"}
OPTIONAL = {"line", "other_lines", "encoding"}

# Credentials that vendors publish in their documentation as examples: placeholders, which
# detectors rightly let pass, so a positive must not use one (a negative may, as a placeholder).
DOCUMENTATION_EXAMPLES = (
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "4eC39HqLyjWDarjtT1zdp7dc",  # Stripe's documented test key body
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",  # jwt.io
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",  # jwt.io's signature
)


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


@cache
def bench() -> ModuleType:
    return _load(BENCHMARKS / "secrets_corpus.py", "_bench_secrets_corpus")


@cache
def builder() -> ModuleType:
    return _load(BENCHMARKS / "corpora" / "build_secrets_migration.py", "_bench_build_corpus")


@cache
def records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]


def file_text(record: dict[str, Any]) -> str:
    """The case's file as a reader sees it (BOM-detected UTF-16/32, else Latin-1 for a stray
    byte), to count its lines."""
    raw = bench().file_bytes(record)
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if raw.startswith(bom):
            return raw[len(bom) :].decode(codec)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def test_the_corpus_is_what_its_builder_writes() -> None:
    assert CORPUS.read_text(encoding="utf-8").splitlines() == builder().lines(), (
        "run benchmarks/corpora/build_secrets_migration.py"
    )


def test_the_corpus_has_enough_cases_of_every_family() -> None:
    cases = records()
    labels = Counter(r["label"] for r in cases)
    families = Counter(r["family"] for r in cases)
    assert len(cases) >= 300
    assert labels["not_secret"] >= 150
    assert labels["secret"] >= 100
    assert set(labels) == {"secret", "not_secret"}
    thin = {family: n for family, n in families.items() if n < 3}
    assert not thin, f"families with fewer than 3 cases: {thin}"
    ids = Counter(r["id"] for r in cases)
    assert [i for i, n in ids.items() if n > 1] == []


@pytest.mark.parametrize("record", records(), ids=lambda r: r["id"])
def test_each_case_is_well_formed(record: dict[str, Any]) -> None:
    assert FIELDS <= set(record) <= FIELDS | OPTIONAL
    assert all(isinstance(record[k], str) and record[k] for k in FIELDS)
    family, label = record["family"], record["label"]
    assert re.fullmatch(r"(pos|neg):[a-z0-9_]+", family)
    assert record["id"].startswith(family + ":")
    assert label == ("secret" if family.startswith("pos:") else "not_secret")
    assert "\n" not in record["why"] and len(record["why"]) <= 120
    name = record["filename"]
    assert not name.startswith("/") and ".." not in name.split("/") and "\\" not in name
    assert record.get("encoding") in (None, "base64")
    if record.get("encoding"):
        base64.b64decode(record["text"], validate=True)
    lines = file_text(record).replace("\r\n", "\n").split("\n")
    if label == "secret":
        where = [record["line"], *record.get("other_lines", [])]
        assert all(isinstance(n, int) and 1 <= n <= len(lines) for n in where)
        assert lines[record["line"] - 1].strip(), "the labelled line is blank"
    else:
        assert "line" not in record and "other_lines" not in record


def test_no_secret_is_a_vendors_documentation_example() -> None:
    used = [
        (r["id"], example)
        for r in records()
        if r["label"] == "secret"
        for example in DOCUMENTATION_EXAMPLES
        if example in file_text(r)
    ]
    assert used == []


def test_the_benchmark_evaluates_cases_with_both_tools() -> None:
    chosen = {
        "pos:github_token:ghp-yaml",
        "pos:bom_utf16_32:ssms-utf16le",
        "pos:non_utf8_byte:latin1-comment-py",
        "neg:uuid:python-namespace",
        "neg:gha_secrets:secrets-inherit",
    }
    cases = [c for c in bench().load("migration") if c.id in chosen]
    assert {c.id for c in cases} == chosen
    utf16 = next(c for c in cases if c.id == "pos:bom_utf16_32:ssms-utf16le")
    assert utf16.raw.startswith(b"\xff\xfe") and utf16.lines == frozenset({3})

    verdicts = bench().evaluate(cases)
    assert [v.case.id for v in verdicts] == [c.id for c in cases]
    for verdict in verdicts:
        assert set(verdict.seen) == set(bench().TOOLS)
    by_id = {v.case.id: v for v in verdicts}
    # detect-secrets (pinned) knows ghp_ tokens: the evaluation is not vacuous.
    assert by_id["pos:github_token:ghp-yaml"].found("detect-secrets")
    for tool in bench().TOOLS:
        score = bench().score(verdicts, tool)
        assert (score.cases, score.positives) == (5, 3)
        assert score.recall is not None and 0 <= score.recall <= 1
        assert score.false_alarms >= score.wrong_line >= 0


def test_the_benchmark_report_has_totals_targets_and_families() -> None:
    lines = bench().report(("migration",), family_prefix="pos:stripe")
    text = "\n".join(lines)
    assert "migration corpus: 3 cases, 3 positive" in text
    for tool in bench().TOOLS:
        assert re.search(rf"{tool} +recall [0-9.]+ \(\d/3\) (PASS|MISS)", text)
    assert re.search(r"pos:stripe_key +3 +found \d/3", text)


def test_the_public_corpus_loads_with_per_case_labels() -> None:
    if not (SHARED / "corpora" / "secrets_public.jsonl").is_file():
        pytest.skip("the shared corpus is not beside this checkout")
    cases = bench().load("public")
    assert len(cases) > 200
    assert all(c.lines is None and c.filename.startswith("case.") for c in cases)
