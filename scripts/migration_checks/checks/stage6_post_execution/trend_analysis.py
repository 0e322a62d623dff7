"""Warn where a reconciliation check drifts: its relative difference rising run after run.

For each reconciliation check and dataset, the relative difference between source and target
is recomputed from the values of every parallel run (oldest first). A difference that rose in
each of the last three runs (four values, each above the one before) is a worsening trend,
even while it is still within tolerance:
the next runs are likely to fail. Differences come from the exact values (see reconciliation.py);
only the chart's points are floats. Each worsening check is a warning carrying its series, which
the job summary draws as a Mermaid chart and the text report as a sparkline (the last
``30`` runs). This check does not block.

Passes: fewer than four runs; differences that stay flat or fall, or rise only now and then.
Fails: (a warning) ``orders_total`` at 0.00001, 0.00002, 0.00004, 0.00008 over run_001-run_004.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from decimal import Decimal

from migration_checks.context import MigrationContext
from migration_checks.model import Problem, Series, Severity, Stage
from migration_checks.reconciliation import SHOWN_DIGITS, fmt, reconciliation, series

ID = "trend_analysis"
STAGE = Stage.POST_EXECUTION
BLOCKING = False
RAISES = ()

WINDOW = 3  # consecutive rises that make a trend
CHART_POINTS = 30


def check(ctx: MigrationContext) -> Iterator[Problem]:
    for (check_id, dataset), points in series(reconciliation(ctx).runs):
        recent = [result.relative for _, result in points[-WINDOW - 1 :]]
        if len(recent) <= WINDOW or not all(a < b for a, b in itertools.pairwise(recent)):
            continue
        run, result = points[-1]
        shown = points[-CHART_POINTS:]
        yield Problem(
            f'check "{check_id}" on {dataset} is drifting: its relative difference rose in each '
            f"of the last {WINDOW} runs ({' → '.join(fmt(v, SHOWN_DIGITS) for v in recent)}; tolerance: "
            f"{result.tolerance.describe()})",
            location=run.document.at(f"/results/{result.index}/relative_difference"),
            severity=Severity.WARNING,
            series=Series(
                title=f"{check_id} on {dataset}",
                y_label="relative difference",
                x=tuple(r.run_id for r, _ in shown),
                # float for drawing only: the trend itself is decided on exact values
                y=tuple(_point(j.relative) for _, j in shown),
            ),
        )


def _point(relative: Decimal) -> float:
    """A chart point: the nearest float, and the largest float for a difference beyond it (a
    source of 1E-400 gives 1E+400, which as a float is infinite, and JSON has no Infinity)."""
    return min(float(relative), sys.float_info.max)
