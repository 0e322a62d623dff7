"""Families of pathological text for the secret scan, shared by the unit test
(``tests/unit/test_secrets_pathological.py``, under an alarm) and the benchmark
(``benchmarks/secrets_pathological.py``, timed).

Each family is a function of a size in characters that returns a text of about that size, made
to drive one of the regular expressions on the scan path into backtracking: a keyword and a long
run of what one of its patterns repeats, with nothing after it that lets the pattern match (so
that a backtracking engine tries every split), on one line or on many.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from migration_checks import secret_detection as sd
from migration_checks.documents import Document, DocumentError, Format, Limits, parse_document


def _fill(prefix: str, run: str, size: int, suffix: str = "x") -> str:
    count = max(1, (size - len(prefix) - len(suffix)) // len(run))
    return prefix + run * count + suffix


def _random(alphabet: str, size: int, seed: int) -> str:
    return "".join(random.Random(seed).choices(alphabet, k=size))


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "lazy",
    "dog",
    "select",
    "from",
    "where",
    "password",
    "token",
    "key",
]


def _prose(size: int) -> str:
    rng = random.Random(12)
    words: list[str] = []
    total = 0
    while total < size:
        word = rng.choice(_WORDS)
        words.append(word)
        total += len(word) + 1
    return " ".join(words)


FAMILIES: dict[str, Callable[[int], str]] = {
    "spaces after password=": lambda n: _fill("password=", " ", n),
    "spaces after password": lambda n: _fill("password", " ", n),
    "tabs after secret:": lambda n: _fill("secret:", "\t", n),
    "spaces in open quote": lambda n: _fill('password = "', " ", n),
    "runs of =": lambda n: _fill("password", "=", n),
    "runs of :": lambda n: _fill("password", ":", n),
    "runs of double quotes": lambda n: _fill("password=", '"', n),
    "runs of single quotes": lambda n: _fill("api_key = ", "'", n),
    "runs of backticks": lambda n: _fill("token = ", "`", n),
    "word characters": lambda n: _fill("password=", "a", n, suffix=" "),
    "word characters, no key": lambda n: _fill("", "a", n, suffix="!"),
    "dots and dashes": lambda n: _fill("secret", ".-_", n, suffix="!"),
    "base64 alphabet, open quote": lambda n: '"' + _random(_B64, n, 1),
    "base64 alphabet, quoted": lambda n: '"' + _random(_B64, n - 2, 2) + '"',
    "hex alphabet, open quote": lambda n: "'" + _random("0123456789abcdef", n, 3),
    "a: runs": lambda n: _fill("", "a:", n),
    "key: runs": lambda n: _fill("", "key: ", n),
    "${ runs": lambda n: _fill("password=", "${", n),
    "backslashes": lambda n: _fill('password = "', "\\", n),
    "\\u escapes": lambda n: _fill('"password": "', "\\u0041", n, suffix=""),
    "\\x escapes": lambda n: _fill('password: "', "\\x41", n, suffix=""),
    "password= repeated": lambda n: _fill("", "password=", n),
    "password = repeated": lambda n: _fill("", "password = ", n),
    "aws key words": lambda n: _fill("aws", " key ", n),
    "nested brackets": lambda n: _fill("secret = f", "([{", n),
    "open parentheses": lambda n: _fill("password = get", "(", n),
    "brackets after key": lambda n: _fill("password", "]", n),
    "url separators": lambda n: _fill("postgres", "://a:b", n),
    "url userinfo runs": lambda n: _fill("postgres://", "a:", n),
    "url query runs": lambda n: _fill("https://h/?", "password=x&", n),
    "private key headers": lambda n: _fill("-----BEGIN", " RSA PRIVATE KEY", n),
    "one line of prose": _prose,
    "many keyword lines": lambda n: _fill("", "password = hunter2x\n", n),
    "many short lines": lambda n: _fill("", "a\n", n),
    "ini sections": lambda n: _fill("", "[s]\n", n),
    "ini values": lambda n: "[s]\n" + _fill("", "password = ", n),
    "yaml nesting": lambda n: _fill("", "- ", n),
    "jinja": lambda n: _fill("password = '", "{{ ", n),
    "sql quotes": lambda n: _fill("IDENTIFIED BY '", "''", n),
    # ci_files: keyed finds judged by their line and the lines around them
    "kubernetes secret names": lambda n: _fill("Secret(", 'secret="a-b", secret="c-d", ', n),
    "gcloud secret names": lambda n: _fill("gcloud secrets versions access ", '--secret="A_B" ', n),
    "user and password lines": lambda n: _fill("", "POSTGRES_USER: a\nPOSTGRES_PASSWORD: a\n", n),
    "identified by prose": lambda n: _fill("", "identified by it ", n),
    "env_var defaults": lambda n: _fill("password: ", "{{ env_var('A_PASS', 'pass') }} ", n),
}

NAMES = ("notes.txt", "job.py", "dbt.yml", "conf.json", "app.ini", "prod.env", "model.sql")


def scan_once(name: str, text: str) -> list[sd.Hit]:
    """Scan ``text`` under the file name ``name`` as ``secrets_scan`` does (parsed JSON or YAML
    given to the credential-value rule when it parses)."""

    def document() -> Document | None:
        kind: Format = "json" if name.endswith(".json") else "yaml"
        try:
            return parse_document(name, text.encode("utf-8"), kind, Limits(), plain_data=False)
        except DocumentError:
            return None

    with sd.engine():
        try:
            return sd.scan_text(name, text, sd.Options(), document, most=sd.MAX_HITS_PER_FILE)
        except sd.ScanStopped as stopped:
            return stopped.hits
