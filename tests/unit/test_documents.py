"""The shared loader: plain data only, limits enforced, every problem at a line, never a crash."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migration_checks.documents import Document, DocumentError, Limits, parse_document

LIMITS = Limits()


def problems(
    raw: bytes, fmt: str = "yaml", limits: Limits = LIMITS
) -> list[tuple[str, int | None, int | None]]:
    with pytest.raises(DocumentError) as caught:
        parse_document(f"f.{fmt}", raw, fmt, limits)  # type: ignore[arg-type]
    return [(p.message, p.line, p.column) for p in caught.value.problems]


def test_yaml_reads_yaml_12_core_types() -> None:
    doc = parse_document(
        "f.yml", b"a: yes\nb: 0755\nc: 1:20\nd: 2024-01-01\ne: ~\nf: 1e3\n", "yaml", LIMITS
    )
    # YAML 1.2: no "Norway problem", no octal or sexagesimal surprises, dates stay strings.
    assert doc.data == {
        "a": "yes",
        "b": 755,
        "c": "1:20",
        "d": "2024-01-01",
        "e": None,
        "f": 1000.0,
    }


@pytest.mark.parametrize(
    ("raw", "message", "line", "column"),
    [
        (b"a: 1\nb:\n  c: 2\n  c: 3\n", 'duplicate key "c" (first at line 3)', 4, 3),
        (
            b"x: !!python/object/apply:os.system ['touch pwned']\n",
            'unsupported tag "!!python/object/apply:os.system"',
            1,
            1,
        ),
        (b"a: !!binary aGVsbG8=\n", 'unsupported tag "!!binary"', 1, 1),
        (b"a: !!set {x, y}\n", 'unsupported tag "!!set"', 1, 1),
        (b"a: .nan\n", "non-finite number", 1, 4),
        (b"a: -.inf\n", "non-finite number", 1, 4),
        (b"1: one\n'1': two\n", "key 1 is not a string; quote it", 1, 1),
        (b"base: &b {x: 1}\nd:\n  <<: *b\n", "merge keys (<<)", 3, 7),
        (b"a: 1\n---\nb: 2\n", "file holds 2 YAML documents", 2, 1),
        (b"a: [1, 2\n", "invalid YAML: unclosed bracket", 1, 4),
    ],
)
def test_yaml_refusals_carry_a_position(
    raw: bytes, message: str, line: int, column: int | None
) -> None:
    (found,) = problems(raw)
    assert message in found[0]
    assert found[1] == line
    if column is not None:
        assert found[2] == column


def test_core_tags_are_accepted() -> None:
    assert parse_document("f.yml", b"a: !!str 1\n", "yaml", LIMITS).data == {"a": "1"}


@pytest.mark.parametrize(
    ("raw", "message", "line"),
    [
        (b'{"a": {"b": 1, "b": 2}}', 'duplicate key "b" (first at line 1)', 1),
        (b'{"a": [1,\n NaN]}', "non-finite number", 2),
        (b'{"a": Infinity}', "non-finite number", 1),
        (b'{"a": -Infinity}', "non-finite number", 1),
        (b'{"a": 1e400}', "non-finite number", 1),
        (b'{"a": "\\ud800"}', "lone UTF-16 surrogate", 1),
        (b'{"n": ' + b"9" * 5000 + b"}", "integer has more than 4300 digits", 1),
        (b'{"a": 1,}', "invalid JSON", 1),
        (b"", "invalid JSON: expecting value", 1),
    ],
)
def test_json_refusals_carry_a_position(raw: bytes, message: str, line: int) -> None:
    (found,) = problems(raw, "json")
    assert message in found[0]
    assert found[1] == line


def test_valid_surrogate_pair_is_kept() -> None:
    assert parse_document("f.json", b'{"a": "\\ud83d\\ude00"}', "json", LIMITS).data == {
        "a": "\U0001f600"
    }


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\xff\xfe{\x00}\x00", "UTF-16"),
        (b"\xff\xfe\x00\x00{\x00\x00\x00", "UTF-32"),
        (b'{"a": "\xc3\x28"}', "invalid UTF-8"),
        (b"a: 1\x00\n", "NUL byte"),
    ],
)
def test_encodings_have_one_policy(raw: bytes, message: str) -> None:
    for fmt in ("json", "yaml"):
        assert message in problems(raw, fmt)[0][0]


def test_utf8_bom_is_tolerated() -> None:
    assert parse_document("f.json", b'\xef\xbb\xbf{"a": 1}', "json", LIMITS).data == {"a": 1}


@pytest.mark.parametrize(
    ("raw", "fmt"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "json"),
        (b"[" * 5_000 + b"]" * 5_000, "yaml"),
        ("\n".join(" " * i + "-" for i in range(1_100)).encode(), "yaml"),
        # Deep enough to overflow the native parser's stack: refused before it is called.
        ("\n".join(" " * i + "-" for i in range(20_000)).encode(), "yaml"),
        (("- " * 20_000 + "x\n").encode(), "yaml"),
        (("- &a " * 5_000 + "x\n").encode(), "yaml"),
        ("".join("  " * i + f"k{i}:\n" for i in range(70)).encode() + b"  " * 70 + b"v\n", "yaml"),
    ],
)
def test_deep_nesting_is_refused_without_crashing(raw: bytes, fmt: str) -> None:
    started = time.perf_counter()
    found = problems(raw, fmt)
    assert any(
        "nest" in message or "recursion" in message or "invalid" in message
        for message, _, _ in found
    )
    assert time.perf_counter() - started < 10


def test_alias_bomb_is_refused_quickly() -> None:
    bomb = b"a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n".encode()
        for i in range(8)
    )
    started = time.perf_counter()
    (found,) = problems(bomb)
    assert "aliases expand to more than 100000 nodes" in found[0]
    assert found[1] is not None
    assert time.perf_counter() - started < 1


def test_depth_limit_comes_from_limits() -> None:
    raw = b"[[[[1]]]]"
    assert parse_document("f.json", raw, "json", LIMITS).data == [[[[1]]]]
    assert "nesting deeper than 3 levels" in problems(raw, "json", Limits(max_depth=3))[0][0]


def test_non_artifact_yaml_only_needs_to_parse() -> None:
    raw = b"defaults: &d {a: 1}\nmodel:\n  <<: *d\n  tags: !reference [x]\n"
    doc = parse_document("dbt.yml", raw, "yaml", LIMITS, plain_data=False)
    assert "model" in doc.data
    with pytest.raises(DocumentError):
        parse_document("dbt.yml", raw, "yaml", LIMITS)
    with pytest.raises(DocumentError):  # duplicates change meaning everywhere
        parse_document("dbt.yml", b"a: 1\na: 2\n", "yaml", LIMITS, plain_data=False)


def test_pointer_locations_in_yaml_and_json() -> None:
    yaml_doc = parse_document(
        "m.yml",
        b"datasets:\n  - source: a\n    columns:\n      - {name: x, type: 'int'}\n",
        "yaml",
        LIMITS,
    )
    assert (
        yaml_doc.at("/datasets/0/columns/0/type").line,
        yaml_doc.at("/datasets/0/columns/0/type").column,
    ) == (4, 25)  # the opening quote
    assert yaml_doc.at("/datasets/0/missing").line == 2  # the nearest existing ancestor
    json_doc = parse_document(
        "m.json", b'{\n  "a": [\n    {"b": "\xc3\xa9t\xc3\xa9", "c": 1}\n  ]\n}\n', "json", LIMITS
    )
    location = json_doc.at("/a/0/c")
    assert (location.line, location.column) == (3, 23)  # columns count characters, not bytes
    assert json_doc.at("/a/0/b").column == 11  # the opening quote


def test_pointer_escapes() -> None:
    doc = parse_document("f.json", b'{"a/b": {"c~d": 1}}', "json", LIMITS)
    assert doc.get("/a~1b/c~0d") == 1
    assert doc.at("/a~1b/c~0d").column == 17


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(raw: bytes) -> None:
    for fmt in ("json", "yaml"):
        try:
            result = parse_document(f"f.{fmt}", raw, fmt, LIMITS)  # type: ignore[arg-type]
        except DocumentError as error:
            assert error.problems and all(p.message for p in error.problems)
        else:
            assert isinstance(result, Document)


_yaml_text = st.text(
    alphabet=st.sampled_from(list("ab:-[]{},'\"&*!|>#?\n \t0123.~<")), max_size=200
)


@settings(max_examples=500, deadline=None)
@given(_yaml_text)
def test_yaml_like_text_never_crashes(text: str) -> None:
    try:
        document = parse_document("f.yml", text.encode(), "yaml", LIMITS)
    except DocumentError as error:
        assert all(p.message for p in error.problems)
    else:
        document.at("/a/0")  # locating never crashes either


def test_a_large_file_is_read_again_for_positions(tmp_path: Path) -> None:
    from migration_checks.documents import load_document

    lines = [f"k{i}: {'x' * 60}" for i in range(6_000)]
    (tmp_path / "big.yml").write_text("\n".join(lines) + "\nlast: 1\n")
    document = load_document(tmp_path, "big.yml", LIMITS)
    assert (document.at("/last").line, document.at("/last").column) == (6_001, 7)
    (tmp_path / "gone.yml").write_text("\n".join(lines) + "\nlast: 1\n")
    gone = load_document(tmp_path, "gone.yml", LIMITS)
    (tmp_path / "gone.yml").unlink()
    assert gone.at("/last").line is None  # no position, and no crash


def test_a_document_that_may_hold_more_values_than_the_limit_is_refused_unparsed() -> None:
    crowded = ("[" + "{}," * 1500 + "{}]").encode()
    with pytest.raises(DocumentError) as refused:
        parse_document("many.json", crowded, "json", Limits(max_values=2000))
    (problem,) = refused.value.problems
    assert "limits.max_values" in problem.message and (problem.line, problem.column) == (1, 1)
    assert len(parse_document("many.json", crowded, "json", Limits(max_values=4000)).data) == 1501


@pytest.mark.parametrize(
    ("text", "line"),  # yaml_rs raises TypeError on these (the fuzzer's find)
    [("? <<: [a, b]\n: 1\n", 1), ("a: 1\n? {b: [1]}\n: 2\n", 2), ("x: 1\n? <<: {a: 1}\n: 3\n", 2)],
)
def test_a_key_that_is_a_list_or_a_mapping_is_a_finding(text: str, line: int) -> None:
    with pytest.raises(DocumentError) as refused:
        parse_document("x.yml", text.encode(), "yaml", Limits())
    (problem,) = refused.value.problems
    assert "keys must be strings" in problem.message and problem.line == line


def test_positions_never_hand_rapidyaml_a_node_it_does_not_have() -> None:
    """rapidyaml does not check node ids, it crashes the process (the fuzzer's find): walking up
    from a node whose text is empty stops at the tree's own root, whose parent is NONE."""
    from migration_checks.positions import _NONE, PositionIndex

    index = PositionIndex(b"---\n---\n- \n")
    assert index.node_offset(_NONE) is None
    assert index.node_offset(index._tree.size() + 7) is None
    for pointer in ("", "/0", "/1", "/1/0", "/7/x", "/x"):
        line, column = index.locate(pointer)
        assert line >= 1 and column >= 1
