"""The ``fuzz`` command: every entry of ``entries.py``, 100,000 Hypothesis examples each.

    python -m tests.adversarial.fuzz                      # the long pass: 100,000 per entry
    python -m tests.adversarial.fuzz --examples 300       # what .ci/run does
    python -m tests.adversarial.fuzz --entry yaml_document --seed 7
    python -m tests.adversarial.fuzz --atheris yaml_document -- -max_total_time=1800

It prints one summary line (entries, examples, crashes, seconds) on standard output; each crash's
falsifying example and traceback go to standard error. Exit 0 when nothing crashed, 1 when
something did, 2 on bad arguments.

With ``--atheris ENTRY`` the entry's target runs under atheris (coverage-guided, libFuzzer),
which feeds its bytes to Hypothesis' ``fuzz_one_input``: the same strategy and invariants,
driven by coverage. atheris is imported only then: it is not a test dependency (``pip install
atheris``; version 3.0.0 has a CPython 3.11 wheel).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, reporting, seed, settings

from tests.adversarial.entries import BY_NAME, ENTRIES, Entry

LONG_PASS = 100_000


def hypothesis_test(
    entry: Entry,
    examples: int,
    *,
    derandomize: bool = False,
    counter: list[int] | None = None,
    shrink: bool = True,
) -> Callable[[], None]:
    """The entry as a Hypothesis test function of no arguments."""
    calls = counter if counter is not None else [0]

    def target(example: Any) -> None:
        calls[0] += 1
        entry.target(example)

    phases = (Phase.explicit, Phase.generate, *((Phase.shrink,) if shrink else ()))
    test: Callable[[], None] = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=derandomize,
        phases=phases,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.normal,
        report_multiple_bugs=False,
    )(given(entry.strategy)(target))
    return test


def run_entry(entry: Entry, examples: int, run_seed: int) -> tuple[int, str | None]:
    """(examples run, the crash report or None)."""
    counter = [0]
    test = seed(run_seed)(hypothesis_test(entry, examples, counter=counter))
    lines: list[str] = []
    try:
        with reporting.with_reporter(lambda value: lines.append(str(value))):
            test()
    except Exception:
        return counter[0], "\n".join([*lines, traceback.format_exc()])
    return counter[0], None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.adversarial.fuzz", description=__doc__)
    parser.add_argument("--examples", type=int, default=LONG_PASS, help="per entry")
    parser.add_argument("--entry", action="append", choices=sorted(BY_NAME), help="repeatable")
    parser.add_argument("--seed", type=int, default=None, help="default: random, printed")
    parser.add_argument("--atheris", choices=sorted(BY_NAME), help="run one entry under atheris")
    args, rest = parser.parse_known_args(argv)
    if args.atheris:
        return _atheris(BY_NAME[args.atheris], rest)
    if rest:
        parser.error(f"unknown arguments: {' '.join(rest)}")
    run_seed = args.seed if args.seed is not None else random.randrange(2**32)
    chosen = [BY_NAME[name] for name in args.entry] if args.entry else list(ENTRIES)
    started = time.monotonic()
    counts: dict[str, int] = {}
    crashed: list[str] = []
    for entry in chosen:
        count, crash = run_entry(entry, args.examples, run_seed)
        counts[entry.name] = count
        if crash is not None:
            crashed.append(entry.name)
            print(f"--- crash in {entry.name} (seed {run_seed}):\n{crash}", file=sys.stderr)
    total = sum(counts.values())
    fewest = min(counts.values(), default=0)
    print(
        f"fuzz: {len(chosen)} entries, {total} examples (at least {fewest} per entry), "
        f"{len(crashed)} crashes{' in ' + ', '.join(crashed) if crashed else ''}, "
        f"seed {run_seed}, {time.monotonic() - started:.0f} s"
    )
    return 1 if crashed else 0


def _atheris(entry: Entry, argv: list[str]) -> int:
    try:
        import atheris  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        print("atheris is not installed: pip install atheris (3.0.0 has a 3.11 wheel)")
        return 2
    test: Any = hypothesis_test(entry, LONG_PASS, shrink=False)
    atheris.instrument_all()  # coverage of every module loaded so far: the suite's included
    atheris.Setup([sys.argv[0], *argv], test.hypothesis.fuzz_one_input)
    atheris.Fuzz()
    return 0  # atheris.Fuzz() exits the process itself


if __name__ == "__main__":
    sys.exit(main())
