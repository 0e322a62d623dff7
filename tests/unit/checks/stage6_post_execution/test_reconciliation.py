"""Reconciliation numbers are compared exactly (SPEC 6.1): properties near 2**53 and 2**64,
negative values, a zero source and long decimals, checked against an exact rational oracle."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migration_checks.context import MigrationContext
from migration_checks.documents import DocumentError, Limits, parse_document
from migration_checks.policy import load_policy
from migration_checks.reconciliation import (
    RELATIVE_DIGITS,
    Level,
    Number,
    Tolerance,
    exact,
    fmt,
    recompute,
    relative_difference,
)
from tests.conftest import Tree

CRITICAL = Decimal("0.05")
NO_DIFFERENCE = (Tolerance(), Tolerance(absolute=0), Tolerance(relative=exact(0.0)))


def _near(center: int, spread: int = 2**12) -> st.SearchStrategy[int]:
    return st.integers(center - spread, center + spread)


# Where floats lose integers: past 2**53 neighbours merge; near 2**64 they are ~2,000 apart.
INTEGERS = st.one_of(
    _near(2**53), _near(2**64), _near(-(2**63)), _near(0), st.integers(-(2**70), 2**70)
)
# Decimals written with up to 40 significant digits, from 1e-45 to 1e+60: exactly as written.
DECIMALS = st.builds(
    lambda coefficient, exponent: Decimal(f"{coefficient}E{exponent}"),
    st.integers(-(10**40), 10**40),
    st.integers(-45, 20),
)
NUMBERS: st.SearchStrategy[Number] = st.one_of(INTEGERS, DECIMALS)
TOLERANCES = st.one_of(
    st.sampled_from([0.0, 1e-18, 0.0001, 0.05, 1.0]), st.floats(0, 2, allow_nan=False)
)


def _oracle(source: Number, target: Number, tolerance: Tolerance, critical: Number) -> Level:
    """SPEC section 3's rule, in exact rationals."""
    difference = abs(Fraction(source) - Fraction(target))
    relative = difference / abs(Fraction(source)) if source != 0 else difference
    bounds = [(tolerance.absolute, difference), (tolerance.relative, relative)]
    if all(bound is None for bound, _ in bounds):
        within = difference == 0
    else:
        within = all(bound is None or value <= Fraction(bound) for bound, value in bounds)
    if within:
        return Level.PASS
    return Level.MAJOR if relative <= Fraction(critical) else Level.CRITICAL


@settings(max_examples=400)
@given(NUMBERS, NUMBERS)
def test_distinct_values_never_pass_without_a_tolerance(source: Number, target: Number) -> None:
    for tolerance in NO_DIFFERENCE:
        level, compared_exactly = recompute(source, target, tolerance, CRITICAL)
        assert compared_exactly
        assert (level is Level.PASS) == (Fraction(source) == Fraction(target))


@settings(max_examples=200)
@given(NUMBERS)
def test_equal_values_pass_however_written(value: Number) -> None:
    # 42 and 42.0, 0.5 and 0.50: the same number, so no difference.
    written = f"{value:f}" if isinstance(value, Decimal) else str(value)
    rewritten = Decimal(written + ("0" if "." in written else ".0"))
    for tolerance in NO_DIFFERENCE:
        assert recompute(value, value, tolerance, CRITICAL) == (Level.PASS, True)
        assert recompute(value, rewritten, tolerance, CRITICAL) == (Level.PASS, True)


@settings(max_examples=400)
@given(NUMBERS, NUMBERS, TOLERANCES, TOLERANCES, st.sampled_from([0.05, 0.1, 1e-17]))
def test_severity_is_the_exact_rational_rule(
    source: Number, target: Number, relative: float, absolute: float, critical: float
) -> None:
    for tolerance in (
        Tolerance(relative=exact(relative)),
        Tolerance(absolute=exact(absolute)),
        Tolerance(exact(absolute), exact(relative)),
    ):
        expected = _oracle(source, target, tolerance, exact(critical))
        assert recompute(source, target, tolerance, exact(critical)) == (expected, True)


@settings(max_examples=400)
@given(NUMBERS, NUMBERS)
def test_relative_difference_is_the_exact_quotient_to_the_context_precision(
    source: Number, target: Number
) -> None:
    shown = relative_difference(source, target)
    difference = abs(Fraction(source) - Fraction(target))
    exact_value = difference / abs(Fraction(source)) if source != 0 else difference
    if exact_value == 0:
        assert shown == 0
        return
    # correctly rounded: within half a unit in the last of RELATIVE_DIGITS digits
    unit = Fraction(10) ** (shown.adjusted() - RELATIVE_DIGITS + 1)
    assert abs(Fraction(shown) - exact_value) <= unit / 2


def test_the_float_blind_spots() -> None:
    checksum, forged = 18446744073709551557, 18446744073709551515
    assert float(checksum) == float(forged)  # what the old comparison saw: no difference
    assert recompute(checksum, forged, Tolerance(), CRITICAL) == (Level.MAJOR, True)
    sum_written, sum_shown = Decimal("0.1000000000000000055"), Decimal("0.1")
    assert float(sum_written) == float(sum_shown)
    assert recompute(sum_written, sum_shown, Tolerance(absolute=0), CRITICAL)[0] is Level.MAJOR
    # the float nearest the checksum, written with an exponent, is 443 more than it
    assert recompute(checksum, Decimal("1.8446744073709552e19"), Tolerance(), CRITICAL) == (
        Level.MAJOR,
        True,
    )
    # a tolerance is the decimal written, not the float nearest it: 0.1 is exactly one tenth
    tenth = Tolerance(relative=exact(0.1))
    assert recompute(10, 11, tenth, CRITICAL)[0] is Level.PASS
    assert recompute(Decimal("10"), Decimal("11.0000000000000000000001"), tenth, 1)[0] is (
        Level.MAJOR
    )


def test_values_too_long_to_compare_exactly_fail_closed() -> None:
    # One apart in 20,002 digits: exactly a PASS under a 0.0001 tolerance, but the product
    # 0.0001 x source has more digits than the exact context holds, so it is judged CRITICAL.
    source = Decimal("1" + "0" * 20_000 + "1")
    target = Decimal("1E+20001")
    assert recompute(source, target, Tolerance(relative=exact(0.0001)), CRITICAL) == (
        Level.CRITICAL,
        False,
    )
    assert relative_difference(source, target) > 0  # still shown, rounded


@pytest.mark.parametrize(
    ("value", "significant", "shown"),
    [
        (18446744073709551557, None, "18446744073709551557"),
        (-(2**63), None, "-9223372036854775808"),
        (Decimal("1.8446744073709552E+19"), None, "18446744073709552000"),
        (Decimal("0.1000000000000000055"), None, "0.1000000000000000055"),
        (Decimal("1000000.0"), None, "1000000"),
        (Decimal("0.00001"), None, "1e-05"),
        (Decimal("0.0001"), None, "0.0001"),
        (Decimal("-0.0"), None, "0"),
        (Decimal("1E+400"), None, "1e+400"),
        (Decimal("1.25E-30"), None, "1.25e-30"),
        (71.0, None, "71"),
        (0.1, None, "0.1"),
        (Decimal(1) / Decimal(3), 12, "≈0.333333333333"),
        (Decimal("0.25"), 12, "0.25"),  # exact within the digits: no mark
    ],
)  # fmt: skip
def test_fmt_shows_exact_values(value: Number | float, significant: int | None, shown: str) -> None:
    assert fmt(value, significant) == shown


def test_fmt_marks_values_too_long_to_show() -> None:
    assert fmt(int("1" * 120), 100) == "≈1." + "1" * 99 + "e+119"  # 100 digits, rounded
    assert fmt(10**150, 100) == "1e+150"  # exact in one digit


# parsing ------------------------------------------------------------------------------------


def test_exact_numbers_are_read_as_written_only_when_asked() -> None:
    raw = b'{"a": 18446744073709551557, "b": 0.1000000000000000055, "c": 1.8446744073709552e19}'
    exact_data = parse_document("run.json", raw, "json", Limits(), exact_numbers=True).data
    assert exact_data == {
        "a": 18446744073709551557,
        "b": Decimal("0.1000000000000000055"),
        "c": Decimal("18446744073709552000"),
    }
    assert type(exact_data["b"]) is Decimal
    # 1e400 is a finite decimal, so it is not refused as the float overflow (infinity) it was
    huge = parse_document("run.json", b'{"d": 1e400}', "json", Limits(), exact_numbers=True)
    assert huge.data == {"d": Decimal("1E+400")}
    # every other artifact keeps floats (the signed plan is canonicalised from them)
    plain = parse_document("plan.json", raw, "json", Limits()).data
    assert plain == {"a": 18446744073709551557, "b": 0.1, "c": 1.8446744073709552e19}
    assert type(plain["b"]) is float


@pytest.mark.parametrize("number", [b"1e99999999999999999999", b"-1.5e-99999999999999999999"])
def test_an_exponent_no_decimal_can_hold_is_a_parse_problem(number: bytes) -> None:
    raw = b'{\n  "a": 1,\n  "b": ' + number + b"\n}"
    with pytest.raises(DocumentError) as caught:
        parse_document("run.json", raw, "json", Limits(), exact_numbers=True)
    (problem,) = caught.value.problems
    assert "exponent" in problem.message
    assert (problem.line, problem.column) == (3, 8)


def _run(results: list[tuple[str, str, str, str]]) -> str:
    """A run report, its values written as given (JSON text, so no float on the way)."""
    entries = ",\n".join(
        f'{{"check_id": "{check}", "dataset": "{dataset}", "source_value": {source}, '
        f'"target_value": {target}, "difference": 0, "relative_difference": 0, "severity": "PASS"}}'
        for check, dataset, source, target in results
    )
    head = {
        "run_id": "run_001",
        "plan_id": "plan_shop2026",
        "started_at": "2026-11-01T00:00:00Z",
        "finished_at": "2026-11-01T01:00:00Z",
        "overall_severity": "PASS",
        "acknowledged": False,
    }
    return json.dumps(head)[:-1] + f', "results": [{entries}]}}'


RUN = "reconciliation/parallel_runs/run_001.json"


def test_only_parallel_runs_are_read_exactly(make_tree: Callable[..., Tree]) -> None:
    tree = make_tree(
        "shop",
        [{"write": {"file": RUN, "content": _run([("orders_total", "orders", "0.5", "0.50")])}}],
    )
    ctx = MigrationContext(tree.migration, "m", load_policy(tree.policy))
    assert ctx.is_parallel_run(RUN)
    run = ctx.parse(RUN)
    assert run is not None and not isinstance(run, Exception)
    assert type(run.data["results"][0]["source_value"]) is Decimal
    assert not ctx.run_schema_problems(RUN)
    plan_path = ctx.signed_plan_path()
    assert plan_path is not None and not ctx.is_parallel_run(plan_path)


def test_too_long_values_are_critical_and_say_why(make_tree: Callable[..., Tree]) -> None:
    source, target = "1" + "0" * 20_000 + "1.0", "1E+20001"
    tree = make_tree(
        "shop",
        [{"write": {"file": RUN, "content": _run([("orders_total", "orders", source, target)])}}],
    )
    (migration,) = tree.result(stages=(6,))["migrations"]
    assert migration["blockers"] == ["RECON_CRITICAL"]
    (critical,) = [f for f in migration["findings"] if f["blocker"] == "RECON_CRITICAL"]
    assert (
        "too many digits to be compared exactly, so they are judged CRITICAL"
        in (critical["message"])
    )
