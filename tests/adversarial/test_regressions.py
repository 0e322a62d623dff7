"""What the fuzzer found, each pinned by the smallest tree that showed it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.adversarial.invariants import json_result, no_command_lines, runner_lines, sarif_log
from tests.conftest import Tree, run_cli


def test_a_directory_named_like_a_workflow_command_stays_text(
    make_tree: Callable[..., Tree], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The text report starts a line with the migration's path; a parent directory named
    ``::error::…`` made that line a workflow command in a GitHub log (the runner trims leading
    white space before it looks for ``::``)."""
    tree = make_tree(dir_name="::error title=x::pwned/migration-pr-proj_shop2026")
    monkeypatch.chdir(tree.workspace)  # as in CI: paths relative to the repository root
    outcome = run_cli("check", "--policy", str(tree.policy))
    assert outcome.exit_code in (0, 1), outcome.output
    no_command_lines(outcome.stdout, "text report")
    assert any(
        line.startswith("\\x3a:error title=x::pwned/") for line in runner_lines(outcome.stdout)
    )


def _run(number: int, source: str, target: str) -> dict[str, Any]:
    content = {
        "run_id": f"run_{number:03d}",
        "plan_id": "plan_shop2026",
        "started_at": f"2026-11-0{number}T00:00:00Z",
        "finished_at": f"2026-11-0{number}T01:00:00Z",
        "overall_severity": "CRITICAL",
        "acknowledged": False,
        "results": [
            {
                "check_id": "orders_total",
                "dataset": "orders",
                "source_value": "SOURCE",
                "target_value": "TARGET",
                "difference": 0,
                "relative_difference": 0,
                "severity": "CRITICAL",
            }
        ],
    }
    text = json.dumps(content).replace('"SOURCE"', source).replace('"TARGET"', target)
    return {
        "write": {"file": f"reconciliation/parallel_runs/run_{number:03d}.json", "content": text}
    }


def test_a_relative_difference_beyond_float_is_drawn_not_crashed(
    make_tree: Callable[..., Tree],
) -> None:
    """A source of 1E-400 gives a relative difference of 1E+400: as a chart point it was an
    infinite float, so ``--format text`` ended in a ValueError (sparkline) and ``--format json``
    wrote ``Infinity``, which is not JSON."""
    tree = make_tree(
        mutations=[
            _run(1, "1000", "1001"),
            _run(2, "1000", "1002"),
            _run(3, "1000", "1004"),
            _run(4, "1E-400", "1"),
        ]
    )
    outputs = {}
    for fmt in ("text", "json", "sarif", "markdown"):
        outcome = tree.run("--format", fmt, stages=(6,))
        assert outcome.exit_code == 1, outcome.output
        outputs[fmt] = outcome.stdout
    result = json_result(outputs["json"])
    sarif_log(outputs["sarif"])
    (trend,) = [f for f in result["migrations"][0]["findings"] if f["check"] == "trend_analysis"]
    assert trend["series"]["y"][-1] == 1.7976931348623157e308
    assert "1e+400" in trend["message"]
    assert "[▁▁▁█ run_001..run_004]" in outputs["text"]


def test_a_huge_invalid_document_lists_its_first_schema_error_only() -> None:
    """jsonschema-rs collects every error before it returns one: 2,000,000 empty objects gave
    14,000,000 errors and the run was killed. Past MAX_VALUES_LISTED values only the first is
    found (lazily), and a problem says so; the document is never taken for valid."""
    import time

    from migration_checks.validation import MAX_VALUES_LISTED, validate

    started = time.perf_counter()
    problems = validate("type_coercion_log", {"coercions": [{}] * (MAX_VALUES_LISTED + 1)})
    assert time.perf_counter() - started < 2.0
    assert [p.message for p in problems] == [
        'missing required field "/coercions/0/dataset"',
        f"the document holds more than {MAX_VALUES_LISTED} values: only its first schema error "
        "is listed",
    ]
    assert len(validate("type_coercion_log", {"coercions": [{}] * 10})) == 51  # 50 and "more"
