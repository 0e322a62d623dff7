"""The parallel runs of one migration, judged once and shared by the Stage 6 checks.

SPEC section 3: a run's *effective* severity is the worst of its stated ``overall_severity``,
every result's stated ``severity``, and the severity recomputed from each result's values.
``relative_difference = |source - target| / |source|`` (the absolute difference when the source
is 0); within the check's tolerance in ``recon_config.yml`` it is PASS, beyond it and at most
the policy's ``reconciliation.critical_relative`` (default 0.05) MAJOR, above that CRITICAL.

A tolerance holds when every bound it sets holds (``absolute`` on the absolute difference,
``relative`` on the relative one); a tolerance that sets neither, or a result whose check is not
in ``recon_config.yml``, allows no difference at all (fail closed).

Numbers are compared exactly (SPEC 6.1). The PR author writes the run reports, and a float
holds 15-17 significant digits: two 64-bit checksums that differ by up to ~2,000 round to the
same float, as do decimal sums such as 0.1000000000000000055 and 0.1, so a float comparison
would let a real difference pass. Run reports are therefore parsed with integers as ``int`` and
every other number as ``decimal.Decimal`` (see ``MigrationContext.is_parallel_run``), and the
judgement never divides: "relative difference <= bound" is decided as
``|source - target| <= bound * |source|``, with every operation in a context that refuses to
round (``EXACT_DIGITS`` digits). Values too long for that (over ``EXACT_DIGITS`` digits between
their first and last digit) cannot be judged exactly and are judged CRITICAL (fail closed).
Tolerances (YAML) and ``critical_relative`` (policy) are read as the decimal the author wrote:
``0.0001`` is exactly one ten-thousandth, not the float nearest it. The relative difference that
reports and trends show is the exact quotient rounded to ``RELATIVE_DIGITS`` significant digits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    Context,
    Decimal,
    DecimalException,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    Underflow,
)
from enum import IntEnum
from typing import Any

from migration_checks.context import MigrationContext
from migration_checks.documents import Document

Number = int | Decimal
"""A number of a run report as parsed: JSON integers are ``int``, any other number ``Decimal``."""

EXACT_DIGITS = 10_000
RELATIVE_DIGITS = 50
SHOWN_DIGITS = 12  # significant digits of a relative difference in messages
# Values are shown exactly up to this many significant digits (any real checksum or sum); a
# longer value, written to fill the report, is shown rounded and marked.
VALUE_DIGITS_SHOWN = 100
DEFAULT_CRITICAL = Decimal("0.05")  # the policy's default reconciliation.critical_relative

# Differences and products are computed here; any rounding raises instead of losing a digit.
_EXACT = Context(
    prec=EXACT_DIGITS,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    traps=[Inexact, InvalidOperation, DivisionByZero, Overflow, Underflow],
)
# The relative difference shown and trended: a quotient, rounded (1/3 has no exact decimal).
_RELATIVE = Context(prec=RELATIVE_DIGITS, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])


class Level(IntEnum):
    """Reconciliation severities, mildest first, so that ``max`` gives the worst."""

    PASS = 0
    MINOR = 1
    MAJOR = 2
    CRITICAL = 3


def exact(value: int | float | Decimal) -> Number:
    """A configured number (a YAML tolerance, the policy's bound) as its author wrote it.

    A float becomes the Decimal of its shortest repr: YAML ``0.0001`` is one ten-thousandth,
    not the binary fraction nearest it. Integers and Decimals are already exact.
    """
    return Decimal(repr(value)) if isinstance(value, float) else value


def absolute_difference(source: Number, target: Number) -> Decimal:
    """``|source - target|``, exactly; ``DecimalException`` when that needs more than
    ``EXACT_DIGITS`` digits."""
    return _EXACT.subtract(source, target).copy_abs()


def relative_within(absolute: Decimal, source: Number, bound: Number) -> bool:
    """Whether ``absolute / |source|`` (``absolute`` itself when the source is 0) is at most
    ``bound``, decided exactly by multiplying instead of dividing; ``DecimalException`` when the
    product needs more than ``EXACT_DIGITS`` digits."""
    if source == 0:
        return absolute <= bound
    return absolute <= _EXACT.multiply(bound, _magnitude(source))


def relative_difference(source: Number, target: Number) -> Decimal:
    """``|source - target| / |source|`` (the absolute difference when the source is 0): the
    exact quotient rounded to ``RELATIVE_DIGITS`` significant digits, for display and trends."""
    try:
        absolute = absolute_difference(source, target)
    except DecimalException:  # too long to subtract exactly: the rounded difference will do
        absolute = _RELATIVE.subtract(source, target).copy_abs()
    if source == 0:
        return _RELATIVE.plus(absolute)
    return _RELATIVE.divide(absolute, _magnitude(source))


def _magnitude(value: Number) -> Number:
    # Decimal's abs() rounds to the thread's context (28 digits by default); copy_abs never rounds
    return value.copy_abs() if isinstance(value, Decimal) else abs(value)


@dataclass(frozen=True, slots=True)
class Tolerance:
    absolute: Number | None = None
    relative: Number | None = None

    def holds(self, absolute_difference: Decimal, source: Number) -> bool:
        """Whether a difference of ``absolute_difference`` from ``source`` is within every bound
        set; may raise ``DecimalException`` (see ``relative_within``)."""
        if self.absolute is None and self.relative is None:
            return absolute_difference == 0
        return (self.absolute is None or absolute_difference <= self.absolute) and (
            self.relative is None or relative_within(absolute_difference, source, self.relative)
        )

    def describe(self) -> str:
        parts = [f"{name} {fmt(value)}" for name, value in self.bounds() if value is not None]
        return ", ".join(parts) if parts else "no difference"

    def bounds(self) -> tuple[tuple[str, Number | None], ...]:
        return (("absolute", self.absolute), ("relative", self.relative))


def recompute(
    source: Number, target: Number, tolerance: Tolerance, critical: Number
) -> tuple[Level, bool]:
    """The severity that ``source`` and ``target`` give, and whether it was decided exactly.

    Within ``tolerance`` PASS; beyond it with a relative difference at most ``critical`` MAJOR;
    above CRITICAL. Values too long to compare exactly are CRITICAL (fail closed).
    """
    if source == target:  # exact for int and Decimal alike; bounds are >= 0 (schema): PASS
        return Level.PASS, True
    try:
        absolute = absolute_difference(source, target)
        if tolerance.holds(absolute, source):
            return Level.PASS, True
        return (
            Level.MAJOR if relative_within(absolute, source, critical) else Level.CRITICAL
        ), True
    except DecimalException:
        return Level.CRITICAL, False


_LEVELS = {level.name: level for level in Level}


@dataclass(frozen=True, slots=True)
class Judged:
    """One result of one run, with what its values say."""

    index: int
    check_id: str
    dataset: str
    source: Number
    target: Number
    stated: Level
    recomputed: Level
    exact: bool  # False: the values were too long to compare exactly, so judged CRITICAL
    tolerance: Tolerance
    known_check: bool

    @property
    def effective(self) -> Level:
        return max(self.stated, self.recomputed)

    @property
    def relative(self) -> Decimal:
        """The relative difference, rounded (see ``relative_difference``); computed when asked
        for, as only findings and trends need it."""
        return relative_difference(self.source, self.target)

    @property
    def series_key(self) -> tuple[str, str]:
        return (self.check_id, self.dataset)


_NO_TOLERANCE = Tolerance()


@dataclass(frozen=True, slots=True)
class Run:
    """One parallel run report, judged."""

    path: str
    document: Document
    run_id: str
    stated: Level
    results: tuple[Judged, ...]
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def effective(self) -> Level:
        return max([self.stated, *(result.effective for result in self.results)])

    @property
    def acknowledgement(self) -> dict[str, Any] | None:
        value = self.document.data.get("acknowledgement")
        return value if isinstance(value, dict) else None

    @property
    def acknowledged(self) -> bool:
        return self.document.data.get("acknowledged") is True


@dataclass(frozen=True, slots=True)
class Reconciliation:
    runs: tuple[Run, ...]  # the usable runs, oldest first (by run number)
    unusable: tuple[str, ...]  # runs that did not parse or failed their schema (stage 1 says why)
    required: int
    max_interval_hours: float | None

    @property
    def latest(self) -> Run | None:
        return self.runs[-1] if self.runs else None


def reconciliation(ctx: MigrationContext) -> Reconciliation:
    """The judged runs of ``ctx``, computed once for every Stage 6 check."""
    return ctx.derived("reconciliation", _judge_all)


def _judge_all(ctx: MigrationContext) -> Reconciliation:
    recon = ctx.usable("recon_config")
    config = recon.data if recon is not None else {}
    tolerances = {entry["id"]: _tolerance(entry["tolerance"]) for entry in config.get("checks", [])}
    critical = exact(ctx.policy.setting("reconciliation", "critical_relative") or DEFAULT_CRITICAL)
    runs, unusable = [], []
    for path in ctx.parallel_run_paths():
        outcome = ctx.parse(path)
        if isinstance(outcome, Document) and not ctx.run_schema_problems(path):
            runs.append(_judge_run(path, outcome, tolerances, critical))
        else:
            unusable.append(path)
    parallel = config.get("parallel_runs", {})
    required = max(
        int(parallel.get("required", 0)),
        int(ctx.policy.setting("parallel_runs", "min_required") or 0),
    )
    return Reconciliation(
        tuple(runs), tuple(unusable), required, parallel.get("max_interval_hours")
    )


def _tolerance(bounds: dict[str, int | float]) -> Tolerance:
    """A check's tolerance from recon_config.yml, its bounds exactly as written."""
    absolute, relative = bounds.get("absolute"), bounds.get("relative")
    return Tolerance(
        None if absolute is None else exact(absolute),
        None if relative is None else exact(relative),
    )


def _judge_run(
    path: str, document: Document, tolerances: dict[str, Tolerance], critical: Number
) -> Run:
    data = document.data
    return Run(
        path=path,
        document=document,
        run_id=data["run_id"],
        stated=_LEVELS[data["overall_severity"]],
        results=tuple(
            _judge_result(index, result, tolerances, critical)
            for index, result in enumerate(data["results"])
        ),
        started_at=timestamp(data["started_at"]),
        finished_at=timestamp(data["finished_at"]),
    )


def _judge_result(
    index: int, result: dict[str, Any], tolerances: dict[str, Tolerance], critical: Number
) -> Judged:
    # int or Decimal, as the run report was parsed: never a float (see the module docstring)
    source, target = result["source_value"], result["target_value"]
    check_id = result["check_id"]
    tolerance = tolerances.get(check_id, _NO_TOLERANCE)
    recomputed, compared_exactly = recompute(source, target, tolerance, critical)
    return Judged(
        index,
        check_id,
        result["dataset"],
        source,
        target,
        _LEVELS[result["severity"]],
        recomputed,
        compared_exactly,
        tolerance,
        check_id in tolerances,
    )


def timestamp(text: Any) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def series(runs: tuple[Run, ...]) -> Iterator[tuple[tuple[str, str], list[tuple[Run, Judged]]]]:
    """Each (check id, dataset) with its result in every run that has one, oldest first."""
    by_key: dict[tuple[str, str], list[tuple[Run, Judged]]] = {}
    for run in runs:
        for result in run.results:
            by_key.setdefault(result.series_key, []).append((run, result))
    yield from by_key.items()


def fmt(value: int | float | Decimal, significant: int | None = None) -> str:
    """A number as reports show it: exactly, integers whole, with an exponent only when very
    small or large (``1e-05``, as Python writes floats). With ``significant``, a longer value is
    rounded to that many significant digits and marked ``≈``."""
    if isinstance(value, int) and (significant is None or len(str(abs(value))) <= significant):
        return str(value)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        return str(number)
    shown = number
    if significant is not None:
        shown = Context(prec=significant, Emax=MAX_EMAX, Emin=MIN_EMIN).plus(number)
    mark = "" if shown == number else "≈"
    if shown == 0:
        return f"{mark}0"
    sign, digits, _ = shown.as_tuple()
    adjusted = shown.adjusted()
    significant_digits = "".join(map(str, digits)).rstrip("0")
    if -4 <= adjusted < _PLAIN_UP_TO:
        # without the exponent, and without trailing zeros after the point
        text = format(shown, "f")
        text = text.rstrip("0").rstrip(".") if "." in text else text
        return f"{mark}{text}"
    mantissa = significant_digits[0] + (
        f".{significant_digits[1:]}" if len(significant_digits) > 1 else ""
    )
    return f"{mark}{'-' if sign else ''}{mantissa}e{adjusted:+03d}"


_PLAIN_UP_TO = 21  # decimal exponent from which whole numbers are written with an exponent
