"""Hypothesis strategies for what a pull request controls: bytes of artifacts, values, paths,
references, approval records, and the text that ends up in reports.

Every strategy leans on the hostile cases of reliability.md section 6: seeds are the real
artifacts of the example tree and short hostile snippets, and mutations splice in the tokens
that broke other parsers (aliases, tags, deep brackets, long numbers, BOMs, NUL, surrogates).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "migrations" / "migration-pr-proj_shop2026"
TINY = REPO / "tests" / "fixtures" / "trees" / "migration-pr-proj_tiny0001"

# --------------------------------------------------------------------------- hostile text

# Text that has broken reports, parsers or workflow logs elsewhere (reliability.md 1.2, 6.A-D).
HOSTILE_TEXT = (
    "\n",
    "\r\n",
    "\r",
    "%",
    "%0A",
    "::",
    "\n::error file=a,line=1::pwned",
    "::add-mask::x",
    "::stop-commands::z",
    ",",
    ":",
    "\x00",
    "\x1b[31m",
    "\u2028",
    "\u202e",
    "\t",
    "`",
    "```",
    "|",
    "<!--",
    "-->",
    "</details>",
    "<script>",
    "@org/team",
    "@everyone",
    "${{ secrets.X }}",
    "$(id)",
    '"; id; "',
    "\\",
    "../",
    "#",
    "[x](javascript:alert(1))",
    "é",
    "\U0001f600",
    "caf\\xe9",
)

hostile_text = st.lists(
    st.one_of(st.text(max_size=12), st.sampled_from(HOSTILE_TEXT)), max_size=6
).map("".join)

# --------------------------------------------------------------------------- JSON-like values

_BIG_INTS = st.sampled_from([2**53, 2**53 + 1, -(2**63), 2**64 - 1, 10**40, -(10**30)])
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    _BIG_INTS,
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=20,
)

# --------------------------------------------------------------------------- document bytes


@cache
def seed_documents(fmt: str) -> tuple[bytes, ...]:
    """Every artifact of that format in the example and fixture trees, plus hostile snippets."""
    suffixes = (".json",) if fmt == "json" else (".yml", ".yaml")
    found = sorted(
        p
        for tree in (EXAMPLE, TINY)
        for p in tree.rglob("*")
        if p.is_file() and p.suffix in suffixes
    )
    return tuple(p.read_bytes() for p in found) + (
        SNIPPETS_JSON if fmt == "json" else SNIPPETS_YAML
    )


SNIPPETS_JSON: tuple[bytes, ...] = (
    b"",
    b"null",
    b"[]",
    b"{}",
    b'{"a": 1, "a": 2}',
    b'{"n": NaN, "i": Infinity, "m": -Infinity}',
    b'{"x": 1e400, "y": -1e-400, "z": 1E999999999}',
    b'{"big": ' + b"9" * 5000 + b"}",
    b'{"s": "\\ud800"}',
    b'{"s": "\\udc00\\ud800"}',
    b"[" * 2000 + b"]" * 2000,
    b"\xef\xbb\xbf{}",
    b"\xff\xfe{\x00}\x00",
    b'{"a": "\x00"}',
    b'{"a": "caf\xe9"}',
)

SNIPPETS_YAML: tuple[bytes, ...] = (
    b"",
    b"~",
    b"a: 1\na: 2\n",
    b"1: one\n'1': two\n",
    b"a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\nd: [*c, *c, *c]\n",
    b"x: !!python/object/apply:os.system [id]\n",
    b"x: !custom 1\n",
    b"x: !!binary aGVsbG8=\n",
    b"x: !!set {a, b}\n",
    b"x: !!omap [a: 1]\n",
    b"? [a, b]\n: 1\n",
    b"null: 1\n",
    b"<<: {a: 1}\nb: 2\n",
    b"country: NO\nmode: 0755\nwindow: 1:20\nver: 1e3\ndate: 2024-01-01\n",
    b"x: .nan\ny: .inf\nz: -.inf\n",
    b"a: 1\n---\nb: 2\n",
    b"--- |\n  text\n...\n",
    b"\n".join(b"- " * i for i in range(1, 400)),
    b"[" * 2000,
    b"\xef\xbb\xbfa: 1\n",
    b"a: 'caf\xe9'\n",
    b'a: "\\ud800"\n',
    b"key: " + b"9" * 5000 + b"\n",
    b"%YAML 1.2\n---\na: b\n",
    b"a: *unknown\n",
    b"&a a: 1\n*a : 2\n",
    b"- &x\n  - *x\n",
)

# Splices that tend to reach a parser's corners.
_SPLICES: tuple[bytes, ...] = (
    b"[",
    b"]",
    b"{",
    b"}",
    b'"',
    b"'",
    b":",
    b": ",
    b"- ",
    b"? ",
    b",",
    b"\n",
    b"\r\n",
    b"\t",
    b"  ",
    b"#",
    b"&a ",
    b"*a",
    b"!!str ",
    b"!!binary ",
    b"!tag ",
    b"<<: ",
    b"---\n",
    b"...\n",
    b"|\n",
    b">-\n",
    b"\\u",
    b"\\ud83d",
    b"NaN",
    b"-Infinity",
    b"1e400",
    b"9" * 4400,
    b"0x1F",
    b".inf",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"\xe2\x80\xa8",
    b"[" * 100,
    b"- " * 80,
    b"%TAG ! tag:x,2000:\n",
)


@st.composite
def mutated_bytes(draw: st.DrawFn, seeds: tuple[bytes, ...]) -> bytes:
    """A seed after a few byte flips, deletions, truncations, duplications and splices."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(("flip", "delete", "insert", "splice", "truncate", "repeat")))
        at = draw(st.integers(0, len(data)))
        if kind == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] = draw(st.integers(0, 255))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "splice":
            data[at:at] = draw(st.sampled_from(_SPLICES))
        elif kind == "truncate":
            del data[at:]
        elif kind == "repeat" and data:
            end = min(len(data), at + draw(st.integers(1, 200)))
            data[at:at] = data[at:end] * draw(st.integers(1, 20))
    return bytes(data)


def document_bytes(fmt: str) -> st.SearchStrategy[bytes]:
    """Bytes a PR could commit as an artifact of that format."""
    seeds = seed_documents(fmt)
    generated: st.SearchStrategy[bytes] = (
        json_values.map(lambda v: json.dumps(v).encode())
        if fmt == "json"
        else json_values.map(_yaml_dump)
    )
    return st.one_of(mutated_bytes(seeds), generated, st.binary(max_size=200))


def _yaml_dump(value: Any) -> bytes:
    import yaml

    text: str = yaml.safe_dump(value, allow_unicode=True)
    return text.encode("utf-8", "surrogatepass")


def pointers_into(data: Any, limit: int = 12) -> list[str]:
    """Some JSON pointers that exist in ``data``, breadth first."""
    found: list[str] = [""]
    queue: list[tuple[Any, str]] = [(data, "")]
    while queue and len(found) < limit:
        node, ptr = queue.pop(0)
        items: Any = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, value in items:
            child = f"{ptr}/{str(key).replace('~', '~0').replace('/', '~1')}"
            found.append(child)
            queue.append((value, child))
    return found[:limit]


json_pointers = st.lists(
    st.one_of(st.text(max_size=6), st.sampled_from(("0", "1", "-", "~", "~0", "~1", "99"))),
    max_size=5,
).map(lambda parts: "".join(f"/{p}" for p in parts))

# --------------------------------------------------------------------------- paths

_PATH_PARTS = (
    "",
    ".",
    "..",
    "a.json",
    "dir",
    "dir/b.yml",
    "link",
    "dirlink",
    "loop",
    "fifo",
    "big.json",
    "/etc/passwd",
    "file:",
    "file:///etc/passwd",
    "http://169.254.169.254/latest",
    "%2e%2e",
    "C:",
    "\\",
    "\x00",
    "x" * 300,
    "caf\udce9",
    "é",
    "e\u0301",
    "A.JSON",
    "~",
    "\n",
)

relative_paths = st.one_of(
    st.lists(st.one_of(st.sampled_from(_PATH_PARTS), st.text(max_size=10)), max_size=6).map(
        "/".join
    ),
    st.text(max_size=40),
)

# --------------------------------------------------------------------------- references

_REF_PARTS = (
    "vault://",
    "VAULT://",
    "vault:/",
    "vault:",
    "kv/data/migr/db",
    "#password",
    "#",
    "?token=hvs.abc",
    "@",
    "..",
    "/",
    ".",
    "${",
    "}",
    "${VAR}",
    "${VAR:-",
    "{{ ",
    " }}",
    "env_var('X')",
    "$(",
    ")",
    "`",
    "vault read",
    "aws secretsmanager get-secret-value",
    "op://vault/item/field",
    "arn:aws:secretsmanager:us-east-1:1:secret:x",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_" + "a" * 36,
    "postgres://u:p@h/db",
    "hunter2",
    " ",
    "=",
    "(",
    "<",
    ">",
    "changeme",
    "xxx",
)
reference_text = st.one_of(
    st.lists(st.one_of(st.sampled_from(_REF_PARTS), st.text(max_size=6)), max_size=8).map("".join),
    st.text(max_size=40),
)
# A long value made of one repeated piece: the shape that makes a backtracking regex slow.
long_reference_text = st.tuples(
    st.sampled_from((*_REF_PARTS, " " * 7, "a", "{", "$", "=(", "x=", "{{", "${a")),
    st.integers(1_000, 20_000),
    st.sampled_from(("", "(", "!", "\n", "}")),
).map(lambda t: (t[0] * (t[1] // max(len(t[0]), 1)))[: t[1]] + t[2])
key_text = st.one_of(
    st.sampled_from(
        (
            "password",
            "db_password",
            "PASSWORD",
            "passwd",
            "token",
            "apiKey",
            "secret_key_ref",
            "url_ref",
            "user",
            "",
        )
    ),
    st.text(max_size=20),
)
