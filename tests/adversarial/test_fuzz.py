"""Each fuzz entry for a modest number of derandomized examples: the suite's fast share of the
``fuzz`` command (``python -m tests.adversarial.fuzz`` runs 100,000 per entry)."""

from __future__ import annotations

import pytest

from tests.adversarial.entries import ENTRIES, Entry
from tests.adversarial.fuzz import hypothesis_test, main

# The slow entries (a whole check, or a report of a generated result) get fewer examples, so
# tests/adversarial stays within its two minutes.
EXAMPLES = {"reporters": 60, "gate_report": 30, "check_tree": 40}
DEFAULT_EXAMPLES = 200


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.name for entry in ENTRIES])
def test_entry(entry: Entry) -> None:
    hypothesis_test(entry, EXAMPLES.get(entry.name, DEFAULT_EXAMPLES), derandomize=True)()


def test_fuzz_command_prints_one_summary_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--examples", "5", "--seed", "1", "--entry", "paths", "--entry", "positions"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("fuzz: 2 entries, ")
    assert " 0 crashes, seed 1, " in line
