"""Linear time on the scan path (issue 12, deliverable 3): each family of pathological text
(``tests/secrets_pathological.py``) is scanned under several file names within an alarm of a
few seconds per megabyte (the target, 1 s, is measured by
``benchmarks/secrets_pathological.py``). And each linear replacement of a backtracking pattern
answers what the pattern it replaces answers."""

from __future__ import annotations

import random
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from detect_secrets.filters import allowlist as ds_allowlist
from detect_secrets.transformers.yaml import _yaml_comment_regex
from detect_secrets.util.code_snippet import CodeSnippet

from migration_checks.secret_detection import linear, reading
from migration_checks.secret_detection.scan import key_before
from tests.secrets_pathological import FAMILIES, scan_once

SIZE = 1_000_000
# Per scan of a megabyte: the target is under 1 s (``benchmarks/secrets_pathological.py``
# measures it), and the slowest family takes about 1 s on a 2-core machine that runs other
# work; the alarm leaves room for that load, and a quadratic scan (1 MB of spaces after
# "password=" took detect-secrets' allowlist filter hours) still trips it.
ALARM_S = 5
# One name for each way a text is read: line by line (then as key = value pairs), as a Python
# file (the keyword plugin's quoted forms), as YAML values, as INI, and as JSON (parsed for the
# credential-value rule, escapes decoded); the benchmark times more.
NAMES = ("notes.txt", "job.py", "dbt.yml", "app.ini", "conf.json")


@contextmanager
def alarm(seconds: int) -> Iterator[None]:
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"over {seconds} s: catastrophic backtracking?")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_pathological_megabyte_scans_in_linear_time(family: str) -> None:
    text = FAMILIES[family](SIZE)
    assert len(text) >= SIZE * 0.9
    for name in NAMES:
        with alarm(ALARM_S):
            scan_once(name, text)


# --- each replacement answers what it replaces ----------------------------------------------------

_ALPHABET = " \t#/*'-<!>:=ax\n\v"
_PRAGMAS = (
    "pragma: allowlist secret",
    "pragma:allowlist nextline secret",
    "pragma: whitelist-secret",
    "pragma: allowlist-nextline-secret",
)


def _random_lines(rng: random.Random, count: int) -> Iterator[str]:
    for _ in range(count):
        parts = [
            "".join(rng.choices(_ALPHABET, k=rng.randint(0, 6))) for _ in range(rng.randint(1, 4))
        ]
        yield rng.choice(_PRAGMAS).join(parts)


def test_the_allowlist_filter_answers_as_detect_secrets_does() -> None:
    rng = random.Random(12)
    differences = []
    for filename in ("a.py", "a.yaml", "a.yml", "a.xml"):
        for line, previous in zip(_random_lines(rng, 6000), _random_lines(rng, 6000), strict=True):
            context = CodeSnippet([previous, line], 1, 1)
            mine = linear.is_line_allowlisted(filename, line, context)
            theirs = ds_allowlist.is_line_allowlisted(filename, line, context)
            if mine != theirs:
                differences.append((filename, line, previous, mine))
    assert not differences, differences[:5]


def test_the_ini_nextline_patterns_match_as_detect_secrets_does() -> None:
    rng = random.Random(13)
    for comment in ("#", ";", "/\\*", "<!--[# \\t]*?"):
        end = {"/\\*": " *\\*/", "<!--[# \\t]*?": " *?-->"}.get(comment, "")
        stock = ds_allowlist.get_allowlist_regexes((comment, end), nextline=True)
        mine = linear.nextline_regex(linear._Comment(comment, end))
        for line in _random_lines(rng, 4000):
            assert bool(mine.search(line)) == bool(stock.search(line)), line


def test_the_key_before_a_value_is_what_the_pattern_found() -> None:
    pattern = re.compile(r"([A-Za-z0-9_.\-]+)[\"'\]\)]*\s*(?::=|=>|===?|!==?|[:=])\s*[@\"'`]?\s*\Z")
    rng = random.Random(14)
    alphabet = "aZ9_.-\"'])\t \u00a0=:!>@`(x\n"
    for _ in range(100_000):
        line = "".join(rng.choices(alphabet, k=rng.randint(0, 14)))
        at = rng.randint(0, len(line))
        found = pattern.search(line, 0, at)
        assert key_before(line, at) == (found.group(1) if found else None), (line, at)


def test_the_yaml_comment_is_what_the_pattern_found() -> None:
    rng = random.Random(15)
    for _ in range(50_000):
        line = "".join(rng.choices(" \t#ab\u00a0\n", k=rng.randint(0, 12)))
        mine, theirs = reading._YAML_COMMENT.search(line), _yaml_comment_regex().search(line)
        assert (mine and mine.group(0)) == (theirs and theirs.group(0)), line


def test_the_ini_first_line_match_is_what_the_pattern_matched() -> None:
    rng = random.Random(16)
    alphabet = " :=ab\t"
    for _ in range(100_000):
        key = rng.choice(["a", "ab", "a b", "a:"])
        value = "".join(rng.choices(alphabet, k=rng.randint(0, 4)))
        line = "".join(rng.choices(alphabet, k=rng.randint(0, 10)))
        expected = re.match(rf"^\s*{re.escape(key)}[ :=]+{re.escape(value)}", line) is not None
        assert linear.first_line_matches(line, key, value) == expected, (line, key, value)


def test_the_keyword_patterns_search_as_detect_secrets_does() -> None:
    rng = random.Random(17)
    pieces = [
        *("api_key", "ApiKey", "db_pass", "DATABASE_PASS", "key_pass", "password", "Passwd"),
        *("pwd", "secret", "contraseña", "CONTRASENA", "private_key", "keypass", "auth"),
        *(" ", "\t", "=", "==", "!=", ":", ":=", "=>", '"', "'", "`", "[", "]", "[12]", "(", ")"),
        *(".assign", "@", ";", ",", "x", "hunter2", "_", "\v", "\u0130", "\u017f"),
    ]
    patterns = {p for table in linear._KEYWORD_TABLES for p in table}
    for _ in range(20_000):
        line = "".join(rng.choices(pieces, k=rng.randint(0, 14)))
        for pattern in patterns:
            mine, theirs = linear._FROM_KEYWORD[pattern].search(line), pattern.search(line)
            assert (mine and (mine.span(), mine.groups())) == (
                theirs and (theirs.span(), theirs.groups())
            ), (pattern.pattern, line)
