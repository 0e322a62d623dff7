"""A finding's series (trend_analysis): a Mermaid chart in the job summary, a sparkline in text,
the values in JSON; hostile labels stay inert, and the charts respect the summary's budget."""

from __future__ import annotations

import dataclasses
import json
import re

from migration_checks.model import Finding, Series
from migration_checks.reporters import json_v1, markdown, text
from migration_checks.reporters._common import sparkline
from tests.reporters._factories import check_result_errors, finding, migration, run_result

DRIFT = Series(
    title="orders_total on orders",
    y_label="relative difference",
    x=("run_001", "run_002", "run_003", "run_004"),
    y=(0.00001, 0.00002, 0.00004, 0.00008),
)


def drifting(series: Series = DRIFT, check: str = "trend_analysis") -> Finding:
    plain = finding("is drifting", check=check, stage=6, path="reconciliation/parallel_runs/r.json")
    return dataclasses.replace(plain, series=series)


def test_sparkline_spans_lowest_to_highest() -> None:
    assert sparkline(DRIFT) == "▁▂▄█"
    flat = dataclasses.replace(DRIFT, y=(0.5, 0.5, 0.5, 0.5))
    assert sparkline(flat) == "▁▁▁▁"


def test_text_shows_the_sparkline_and_the_runs() -> None:
    out = text.render(run_result([migration([drifting()])]))
    assert "is drifting [▁▂▄█ run_001..run_004]" in out


def test_summary_draws_a_mermaid_chart_and_the_comment_does_not() -> None:
    result = run_result([migration([drifting()])])
    summary = markdown.summary(result)
    chart = re.search(r"```mermaid\n(.*?)```", summary, re.S)
    assert chart is not None
    assert chart.group(1).splitlines() == [
        "xychart-beta",
        '    title "orders_total on orders"',
        '    x-axis ["run_001", "run_002", "run_003", "run_004"]',
        '    y-axis "relative difference"',
        "    line [1e-05, 2e-05, 4e-05, 8e-05]",
    ]
    assert "```mermaid" not in markdown.render(result)


def test_hostile_labels_cannot_break_out_of_the_chart() -> None:
    hostile = dataclasses.replace(DRIFT, title='x"]\n```\n<script>', x=('a"b', "c\nd", "e", "f"))
    summary = markdown.summary(run_result([migration([drifting(hostile)])]))
    block = summary.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert block.count("\n") == 5  # the five lines of the chart, no injected line
    assert '"a\'b"' in block and '"c\\nd"' in block


def test_at_most_five_charts_per_migration_and_within_the_budget() -> None:
    findings = [drifting(dataclasses.replace(DRIFT, title=f"check {i}")) for i in range(12)]
    result = run_result([migration(findings)])
    assert markdown.summary(result).count("```mermaid") == markdown.MAX_CHARTS
    small = markdown.summary(result, limit=3_000)
    assert len(small.encode()) <= 3_000
    assert small.count("```mermaid") < markdown.MAX_CHARTS


def test_json_carries_the_series_and_stays_valid() -> None:
    data = json.loads(json_v1.render(run_result([migration([drifting()])])))
    (found,) = data["migrations"][0]["findings"]
    assert found["series"] == {
        "title": "orders_total on orders",
        "y_label": "relative difference",
        "x": ["run_001", "run_002", "run_003", "run_004"],
        "y": [0.00001, 0.00002, 0.00004, 0.00008],
    }
    assert check_result_errors(data) == []
