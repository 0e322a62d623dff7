"""secret_detection: the prefiltered engine finds what detect-secrets' own ``scan_file`` finds,
the prefilter's pin, our rules, and what is never a secret.

The labelled corpus (``shared/corpora/secrets_public.jsonl``, beside the checkout) is read as
data; each case is written to a file named with its extension, as a pull request would hold it.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import re._constants as sre_constants
import re._parser as sre_parse
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from detect_secrets.core import scan as ds_scan
from detect_secrets.filters.heuristic import is_indirect_reference as stock_indirect_reference
from detect_secrets.plugins import keyword as ds_keyword
from detect_secrets.settings import default_settings
from detect_secrets.util.filetype import FileType, determine_file_type

from migration_checks import secret_detection as sd
from migration_checks.documents import Document, Format, Limits, parse_document
from migration_checks.secret_detection import prefilter
from tests.conftest import BASES, SHARED

CORPUS = SHARED / "corpora" / "secrets_public.jsonl"


def corpus() -> list[dict[str, Any]]:
    if not CORPUS.is_file():
        pytest.skip(f"the shared corpus is not beside this checkout ({CORPUS})")
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]


def corpus_files(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Each corpus case in a file of its own, named with the case's extension."""
    for i, case in enumerate(corpus()):
        folder = tmp_path / f"c{i:03}"
        folder.mkdir()
        path = folder / f"case.{case['ext']}"
        path.write_text(case["text"], encoding="utf-8")
        yield case["id"], path


def fixture_files() -> Iterator[Path]:
    """Every UTF-8 text file of the example trees: digests, signatures, YAML, SQL, Python."""
    for base in BASES.values():
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.is_symlink():
                try:
                    path.read_text(encoding="utf-8")
                except UnicodeDecodeError:
                    continue
                yield path


# Migration-shaped texts the corpus lacks: block scalars, flow mappings, aliases, INI, dbt.
CRAFTED = {
    "block.yml": (
        "sources:\n  - name: shop\n    meta:\n      tls_key: |\n"
        "        -----BEGIN RSA PRIVATE KEY-----\n        MIIEowIBAAKCAQEAx3bT9Lq2vWm8RkZ5\n"
        "        -----END RSA PRIVATE KEY-----\n      folded: >\n"
        "        aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8rT2vLmN\n"
        "      owner: data-eng\n"
    ),
    "flow.yml": (
        'db: {password: "Qz8vN3wPkLm2", token: ghp_R8t2Kq9Lm4Xv7Nw1Zb6Hc3Jd5Fg0Ps2Ty8Ua}\n'
        "base: &creds\n  secret: 'h7XqP2mK9vL4wR8tZ3nB5cV1'\nprod:\n  <<: *creds\n  key: *x\n"
    ),
    "types.yml": (
        "a: &m {password: 'Qz8vN3wPkLm2x'}\nb: *m\nc: yes\npassword: no\nsecret: 12345\n"
        "token: !!str 987654321\napi_key: 'on'\nd: 2001-12-14\ne: ~\npasswd: 0x1F2e3D\n"
        "secret_key: 'AbCdEfGhIjKlMnOpQrStUvWxYz012345'\nlist:\n  - password: 'Tr0ub4dor&3xK9'\n"
        "  - &s plain_Val-ue9Xq2LkW7pRt\ng: *s\npassword2: *s\nh: !!binary aGVsbG8gd29ybGQ=\n"
    ),
    "custom.yml": "i: !custom x\npassword: 'Qz8vN3wPkLm2x'\n",
    "types2.yml": (
        "password: yes\nsecret: 'yes'\npwd: 1.5e3\nsecret_x: -.inf\npassword_y: 2001-12-14t21:59:43.10-05:00\n"
        "k: [a, &q 'Wq7vLp2xRzT9Yb3']\npassword_z: *q\n"
    ),
    "aliases.yaml": "a: &k 'q8ZtR2vX7mN4pL9wK3sB6yH1cF5dG0jA'\nb: *k\nc: !!binary aGVsbG8gd29ybGQ=\n",
    "settings.ini": "[db]\nhost = db\npassword = Qz8!vN3wPk\n\n[api]\nsecret =\n  multi\n  line\n",
    "model.sql": (
        "{{ config(materialized='view') }}\n-- {{ var('x') }}\n"
        "select 'AKIAZ3MHQ7RT5LN2XW4B' as k, '{{ env_var(\"PW\") }}' as p\n"
    ),
    "job.py": (
        "import os\n\nPASSWORD = 'Tr0ub4dor&3xK9'\nsecret = get_secret_key()\n"
        "headers = {'Authorization': 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl'}\n"
    ),
    "notes.txt": "password = hunter2\nnothing\n",
    "crlf.env": "HOST=db\r\nDB_PASSWORD=Vb9mXq2LkW7p\r\n",
}


def crafted_files(tmp_path: Path) -> Iterator[Path]:
    for name, text in CRAFTED.items():
        path = tmp_path / "crafted" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        yield path


def ours(path: Path) -> list[tuple[str, str, int]]:
    text = path.read_bytes().decode("utf-8")
    with sd.engine():
        found = sd.engine_scan(str(path), text)
    return sorted((s.type, s.secret_hash, s.line_number) for s in found)


def stock(path: Path) -> list[tuple[str, str, int]]:
    with default_settings():
        found = ds_scan.scan_file(str(path))
        return sorted((s.type, s.secret_hash, s.line_number) for s in found)


def without_lines(found: list[tuple[str, str, int]]) -> list[tuple[str, str]]:
    return sorted((kind, hashed) for kind, hashed, _ in found)


# --- the engine equals detect-secrets -----------------------------------------------------------


def test_the_engine_finds_what_detect_secrets_scan_file_finds(tmp_path: Path) -> None:
    files = [*corpus_files(tmp_path), *((str(p), p) for p in crafted_files(tmp_path))]
    files += [(str(p), p) for p in fixture_files()]
    differences = []
    found_any = 0
    for name, path in files:
        mine, theirs = ours(path), stock(path)
        found_any += bool(theirs)
        if determine_file_type(str(path)) is FileType.YAML:
            # The same secrets; ours on the line where the value (or the secret in it) is.
            mine_cmp: list[Any] = without_lines(mine)
            theirs_cmp: list[Any] = without_lines(theirs)
        else:
            mine_cmp, theirs_cmp = mine, theirs
        if mine_cmp != theirs_cmp:
            differences.append(f"{name}: ours {mine_cmp} != detect-secrets {theirs_cmp}")
    assert not differences, "\n".join(differences)
    assert found_any > 100  # the comparison is not vacuous


def test_the_prefilter_changes_nothing_and_a_pin_mismatch_turns_it_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [p for _, p in corpus_files(tmp_path)]
    paths += [*crafted_files(tmp_path), *fixture_files()]
    assert sd.prefilter_on()
    filtered = {str(p): ours(p) for p in paths}
    candidates = {str(p): sd.candidate_lines(p.read_text(encoding="utf-8")) for p in paths}

    # Another detect-secrets (its digest is not the pinned one): every line goes to the plugins.
    monkeypatch.setattr(prefilter, "ENGINE_PINNED", "0" * 64)
    assert not sd.prefilter_on()
    unfiltered = {str(p): ours(p) for p in paths}
    differences = [
        f"{name}: prefiltered {filtered[name]} != every line {unfiltered[name]}"
        for name in filtered
        if filtered[name] != unfiltered[name]
    ]
    assert not differences, "\n".join(differences)
    assert sd.candidate_lines("a\nb\nc") == {1: None, 2: None, 3: None}  # every plugin
    assert sum(map(len, filtered.values())) > 100

    # And the prefilter does prune: few lines of the example trees reach the plugins.
    examples = [str(p) for p in fixture_files()]
    total = sum(Path(p).read_text(encoding="utf-8").count("\n") + 1 for p in examples)
    kept = sum(len(candidates[p]) for p in examples)
    assert kept < total / 5, (kept, total)


def test_the_pin_is_the_installed_engines_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    assert sd.engine_pinned_digest() == sd.ENGINE_PINNED
    # A keyword more (or any pattern changed) is another digest.
    monkeypatch.setattr(ds_keyword, "DENYLIST", (*ds_keyword.DENYLIST, "pin"))
    assert sd.engine_pinned_digest() != sd.ENGINE_PINNED


# --- detect-secrets' indirect-reference filter, without its catastrophic backtracking ----------


def test_indirect_reference_answers_as_detect_secrets_does() -> None:
    lines = [
        "secret = get_secret_key()",
        "secret = request.headers['apikey']",
        "if password != hashes[0]:",
        "token := vault.read(path)",
        "password = 'Tr0ub4dor&3xK9'",
        "key === obj.field[",
        "a: b(c)",
        "x" * 1001 + " = f(y)",
    ]
    rng = random.Random(977)
    alphabet = " \t=!:([)]ab._-\\v"
    lines += ["".join(rng.choices(alphabet, k=rng.randint(0, 24))) for _ in range(3000)]
    for case in corpus():
        lines += [line for line in case["text"].splitlines() if len(line) <= 300]
    differences = [
        line for line in lines if sd.is_indirect_reference(line) != stock_indirect_reference(line)
    ]
    assert not differences, differences[:10]


def test_a_long_run_of_spaces_scans_fast(tmp_path: Path) -> None:
    line = "password" + " " * 990 + "x"
    started = time.perf_counter()
    assert sd.is_indirect_reference(line) is False
    assert time.perf_counter() - started < 0.05  # detect-secrets' own filter takes seconds
    started = time.perf_counter()
    with sd.engine():
        sd.engine_scan("notes.txt", f"{line}\n" * 20 + "password = 'Tr0ub4dor&3xK9'\n")
    assert time.perf_counter() - started < 2


# --- what a scan reports ------------------------------------------------------------------------


def scan(path: str, text: str, options: sd.Options | None = None) -> list[sd.Hit]:
    def document() -> Document:
        kind: Format = "json" if path.endswith(".json") else "yaml"
        return parse_document(path, text.encode("utf-8"), kind, Limits(), plain_data=False)

    with sd.engine():
        return sd.scan_text(path, text, options or sd.Options(), document)


def test_fingerprints_are_detect_secrets_hashes_and_stable() -> None:
    value = "AKIAZ3MHQ7RT5LN2XW4B"
    first = scan("code/a.py", f"KEY = '{value}'\n")
    again = scan("code/b.py", f"\n\nOTHER = '{value}'  # same key\n")
    assert [h.kind for h in first] == ["AWS Access Key"]
    assert first[0].hashed_secret == hashlib.sha1(value.encode()).hexdigest()
    assert first[0].fingerprint == "8f86ce7e" == again[0].fingerprint
    assert (first[0].line, first[0].column) == (1, 8)
    assert (again[0].line, again[0].column) == (3, 10)


def test_digests_and_signatures_at_their_places_are_not_secrets() -> None:
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    signature = "MEUCIQDx3bT9Lq2vWm8RkZ5cPn0yHf4Gd7sJa1Ue6KtQz8vN3wPkLm2h7XqP2mK9vL4wR8tZ3nB5cV1"
    known = json.dumps(
        {
            "files": [{"path": "data/x.csv", "sha256": digest, "sha256_reviewed": digest}],
            "signature": {"algorithm": "ed25519", "value": signature},
            "public_key": signature,
        },
        indent=2,
    )
    assert scan("evidence/profiling_report.json", known) == []
    assert scan("evidence/SHA256SUMS", f"{digest}  data/x.csv\n{digest} *data/y.csv\n") == []
    # The same values elsewhere are judged as any other.
    elsewhere = json.dumps({"checksum_token": digest, "blob": signature}, indent=2)
    kinds = {h.kind for h in scan("evidence/other.json", elsewhere)}
    assert {"Hex High Entropy String", "Base64 High Entropy String"} <= kinds


def test_a_secret_in_a_yaml_block_scalar_is_on_its_own_line() -> None:
    hits = scan("code/x.yml", CRAFTED["block.yml"])
    assert [(h.kind, h.line, h.column) for h in hits if h.kind == "Private Key"] == [
        ("Private Key", 5, 14)
    ]
    assert hits and all(h.line is not None for h in hits)


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("url: postgres://app:Wq7vLp2xRz@db/shop\n", ["Basic Auth Credentials"]),
        ("url: mysql://app:Pq7!rT2kx@db/shop\n", [sd.URL_USERINFO]),
        # detect-secrets' keyword plugin finds it in YAML (and our rule, in a runbook).
        ("url: jdbc:sqlserver://db:1433;user=app;password=Hx9kQ2mZ\n", ["Secret Keyword"]),
        ("url: https://x.blob/c?sig=Hx9kQ2mZaBcD&se=2030\n", [sd.URL_PARAMETER]),
        ("access_token: tok3n-2\n", [sd.CREDENTIAL_VALUE]),
        ("clientSecret: 12345\n", [sd.CREDENTIAL_VALUE]),
        ("api_keys: [k3y-one, k3y-two]\n", [sd.CREDENTIAL_VALUE, sd.CREDENTIAL_VALUE]),
        # not secrets
        ("url: postgres://app:${DB_PASSWORD}@db/shop\n", []),
        ("url: postgres://app:***@db/shop\n", []),
        ("url: postgres://app@db/shop\n", []),
        ("url: sqlite:///data/shop.sqlite\n", []),
        ('password: "${DB_PASSWORD}"\n', []),
        ("password: \"{{ env_var('DBT_PASSWORD') }}\"\n", []),
        ("password: vault://kv/data/shop/db#password\n", []),
        ("password: <password>\n", []),
        ("password: ''\n", []),
        ("password: xxxxxx\n", []),
        ("password_ref: SOURCE_DB_PASSWORD\n", []),
        ("token_type: bearer\n", []),
        ("password_policy: strong-and-rotated\n", []),
        ("secret_name: shop-db-password\n", []),
        ("monkey: banana\n", []),
    ],
)
def test_our_rules(text: str, kinds: list[str]) -> None:
    assert [h.kind for h in scan("code/x.yml", text)] == kinds


def test_a_credential_in_a_url_of_a_runbook() -> None:
    text = "Use `jdbc:sqlserver://db:1433;user=app;password=Hx9kQ2mZ` here.\n"
    assert [(h.kind, h.line, h.column) for h in scan("runbooks/x.md", text)] == [
        (sd.URL_PARAMETER, 1, 49)
    ]


def test_credential_keys_from_the_policy() -> None:
    assert scan("code/x.yml", "hsm_pin: 4711\n") == []
    options = sd.Options(extra_keys=frozenset({"pin"}))
    assert [h.key for h in scan("code/x.yml", "hsm_pin: 4711\n", options)] == ["hsm_pin"]


@pytest.mark.parametrize(
    ("key", "credential"),
    [
        ("password", True),
        ("DB_PASSWORD", True),
        ("clientSecret", True),
        ("client-key", True),
        ("api_key", True),
        ("key", False),
        ("primary_key", False),
        ("password_ref", False),
        ("token_type", False),
        ("passwordPolicy", False),
        ("secret_name", False),
        ("description", False),
    ],
)
def test_credential_key(key: str, credential: bool) -> None:
    assert sd.credential_key(key) is credential


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("vault://kv/data/shop/db#url", None),
        ("vault://kv/data/shop/db", None),
        ("awssm://db", sd.NO_ALLOWED_SCHEME),
        ("S3cr3t-Prod-Pa55", sd.NO_ALLOWED_SCHEME),
        ("vault://", "it has no path after the scheme"),
        ("vault://kv/db?token=x", "it has a query string, which may carry a credential"),
        (
            "vault://user:pw@kv/db",
            "it has user information before '@', which may carry a credential",
        ),
        ("vault://kv/../db", "it has a '.' or '..' path segment"),
        ("vault://kv/d b", "it holds white space"),
        (
            "vault://kv/db#k=v",
            "it holds characters other than A-Z a-z 0-9 . _ - in its path or key",
        ),
    ],
)
def test_reference_problem_never_quotes_the_value(value: str, problem: str | None) -> None:
    reason = sd.reference_problem(value, ("vault://",))
    assert reason == problem
    assert reason is None or value not in reason


def test_one_problem_per_place_and_every_hash_audited_to_suppress() -> None:
    value = "q8ZtR2vX7mN4pL9wK3sB6yH1cF5dG0jA"
    hits = scan("code/a.py", f"TOKEN = '{value}'\npassword = '{value}'\n")
    # Two plugins on the second line (keyword and entropy), one place: one problem.
    assert sorted(h.kind for h in hits) == ["Base64 High Entropy String"] * 2 + ["Secret Keyword"]
    problems, suppressed = sd.hit_problems(hits, sd.Baseline())
    assert (len(problems), suppressed) == (2, 0)
    assert all(value not in p.message for p in problems)
    entropy_only = sd.Baseline(
        ".secrets.baseline",
        audited=frozenset(
            {(h.path, h.kind, h.hashed_secret) for h in hits if h.kind != "Secret Keyword"}
        ),
    )
    assert sd.hit_problems(hits, entropy_only)[1] == 1  # the keyword's hash is not audited
    every = sd.Baseline(
        ".secrets.baseline", audited=frozenset({(h.path, h.kind, h.hashed_secret) for h in hits})
    )
    assert sd.hit_problems(hits, every) == ([], 2)


def random_text(alphabet: str, n: int) -> str:
    return "".join(random.SystemRandom().choice(alphabet) for _ in range(n))


ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

# Tokens made at test time, of the types whose plugin reports a text every token shares...
SHARED_TEXT = {
    "GitHub Token": lambda: "ghp_" + random_text(ALNUM, 36),
    "GitLab Token": lambda: "glpat-" + random_text(ALNUM, 20),
    "Private Key": lambda: "-----BEGIN RSA PRIVATE KEY-----\n" + random_text(ALNUM, 64),
}
# ... and of types whose plugin reports the token itself.
OWN_TEXT = {
    "AWS Access Key": lambda: "AKIA" + random_text(UPPER, 16),
    "GitLab Token": lambda: "glimt-" + random_text(ALNUM, 25),
    "Stripe Access Key": lambda: "sk_live_" + random_text(ALNUM, 24),
    "Slack Token": lambda: "xoxb-123-" + random_text("abcdefghijklmnopqrstuvwxyz", 20),
}


def typed_hits(kind: str, make: Any) -> list[sd.Hit]:
    """The hits of ``kind`` for two different tokens in one file."""
    hits = scan("runbooks/notes.md", f"first: {make()}\n\nsecond: {make()}\n")
    return [h for h in hits if h.kind == kind]


@pytest.mark.parametrize("kind", SHARED_TEXT)
def test_a_hash_every_token_of_the_type_shares_identifies_none(kind: str) -> None:
    first, second = typed_hits(kind, SHARED_TEXT[kind])
    assert first.hashed_secret == second.hashed_secret  # the hole: one entry would hide both
    assert not first.identifies and not second.identifies
    baseline = sd.Baseline(
        ".secrets.baseline", audited=frozenset({(first.path, kind, first.hashed_secret)})
    )
    problems, suppressed = sd.hit_problems([first, second], baseline)
    assert (len(problems), suppressed) == (2, 0)
    assert f'a baseline entry cannot suppress it: for a "{kind}"' in problems[0].message


@pytest.mark.parametrize("kind", OWN_TEXT)
def test_a_hash_of_the_token_itself_identifies_it(kind: str) -> None:
    first, second = typed_hits(kind, OWN_TEXT[kind])
    assert first.hashed_secret != second.hashed_secret
    assert first.identifies and second.identifies
    baseline = sd.Baseline(
        ".secrets.baseline", audited=frozenset({(first.path, kind, first.hashed_secret)})
    )
    problems, suppressed = sd.hit_problems([first, second], baseline)
    assert (len(problems), suppressed) == (1, 1)
    assert problems[0].location.line == 3


def _reported_parts(pattern: re.Pattern[str]) -> list[Any]:
    """What a regex plugin reports of a match: its groups' sub-patterns, else the whole."""
    tree = sre_parse.parse(pattern.pattern, pattern.flags)
    if not pattern.groups:
        return [tree]
    groups: list[Any] = []

    def walk(items: Any) -> None:
        for op, av in items:
            if op is sre_constants.SUBPATTERN:
                if av[0] is not None:
                    groups.append(av[3])
                walk(av[3])
            elif op is sre_constants.BRANCH:
                for branch in av[1]:
                    walk(branch)
            elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
                walk(av[2])

    walk(tree)
    return groups


def test_every_plugin_that_reports_a_fixed_or_short_text_is_known() -> None:
    """A plugin reporting a literal (a header) or fewer than 8 characters (a prefix) reports a
    text many secrets share; its type must be one whose entries cannot suppress."""
    sharing = set()
    for kind, cls in sd.plugin_classes().items():
        for pattern in getattr(cls, "denylist", ()):
            for part in _reported_parts(pattern):
                literal = all(op is sre_constants.LITERAL for op, _ in part)
                if literal or part.getwidth()[1] < 8:
                    sharing.add(kind)
    assert sharing == set(sd.FIXED_TEXTS)


def test_skipped_secret_values_are_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    scan("code/a.py", "password = 'Tr0ub4dor&3xK9'\nsecret = get_secret_key()\n")
    assert "Tr0ub4dor" not in caplog.text


def test_the_plugins_of_lines_found_together_are_those_found_one_by_one() -> None:
    lines = [line for case in corpus() for line in case["text"].splitlines()]
    lines += [*CRAFTED.values(), "\u0130\u0130 password = 'x'", "\u017fecret: '\u212a3y'", ""]
    together = sd.candidate_plugins(lines)
    assert together == [sd.candidate_plugins([line])[0] for line in lines]
    assert sum(bool(plugins) for plugins in together) > 100


# --- YAML values read from where they are wanted -------------------------------------------------

_YAML_PIECES = [
    *("a: 1\n", "b: x\n", "c: 'q\nd: e'\n", 'c2: "q\nd2: e"\n', "e:\n  f: g\n  h: [1,\n2]\n"),
    *("i: |\n  text\n  more\n", "j: >\n  fold\nk: v\n", "- s\n", "l:\n- m\n- n\n", "# c\n", "\n"),
    *("o: p # c\n", "q: &x r\n", "t: *x\n", "u: !!str 5\n", "v: {w: x, y: z}\n", "---\n", "...\n"),
    *("z: plain\n  cont\n", "  ind: 1\n", "[a]: b\n", "? c\n: d\n", "aa: 'it''s'\n", "bb: ~\n"),
    *(
        "ee: x\nee: y\n",
        "0: zero\n",
        "gg: 'open\n",
        "hh: a: b\n",
        "mm: [\n",
        "]\n",
        'x: "m\n  l"\n',
    ),
]


def test_yaml_values_skipped_before_the_first_wanted_are_none_of_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from migration_checks.secret_detection import yaml_values

    rng = random.Random(18)
    skipped = 0
    for _ in range(6000):
        text = "".join(rng.choices(_YAML_PIECES, k=rng.randint(1, 14)))
        starts = [0]
        for line in text.split("\n")[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        spans: list[tuple[int, int]] = []
        for n in sorted(rng.sample(range(len(starts)), min(len(starts), rng.randint(1, 3)))):
            end = text.find("\n", starts[n])
            spans.append((starts[n], len(text) if end < 0 else end))
        skipped += bool(yaml_values._skippable(text, spans[0][0]))
        read = yaml_values.string_values(text, spans)
        with monkeypatch.context() as patched:
            patched.setattr(yaml_values, "_skippable", lambda text, first: 0)
            whole = yaml_values.string_values(text, spans)

        def ordered(values: list[yaml_values.YamlValue] | None) -> object:
            return None if values is None else sorted(values, key=lambda v: (v.line, v.start))

        assert ordered(read) == ordered(whole), (text, spans)
    assert skipped > 500  # the comparison is not vacuous
