"""The fuzz entries: every place where pull-request content enters the suite.

Each entry is a Hypothesis strategy and a target that takes one example and raises when the
suite broke its contract: an exception other than the documented ones, a check that crashed
(status ``error``), or an output that breaks its invariant (``invariants.py``). The same entries
serve the pytest suite (a few hundred derandomized examples), the ``fuzz`` command
(``python -m tests.adversarial.fuzz``, 100,000 per entry) and the atheris harness.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from migration_checks import registry, signing
from migration_checks.blockers import BLOCKERS, BlockerId
from migration_checks.documents import DocumentError, Format, Limits, parse_document
from migration_checks.fs import (
    TooLarge,
    UnsafePath,
    check_relative,
    list_tree,
    read_contained,
    sha256_contained,
)
from migration_checks.gate import approvals, report
from migration_checks.gate.approvals import GithubFacts, RecordStatus, RoleStatus
from migration_checks.gate.run import GateResult, GithubOutcome, MigrationGate
from migration_checks.model import (
    CheckOutcome,
    Finding,
    Location,
    MigrationResult,
    RunResult,
    Series,
    Severity,
    Status,
)
from migration_checks.policy import Policy, load_policy
from migration_checks.positions import PositionIndex
from migration_checks.pull_request import Review
from migration_checks.runner import run
from migration_checks.secret_detection import references
from tests.adversarial import invariants, strategies
from tests.adversarial.invariants import require
from tests.adversarial.strategies import EXAMPLE, hostile_text, json_values
from tests.unit.test_signing import _leaves  # every leaf's path, as the mutation test walks them

LIMITS = Limits()
NOW = datetime(2026, 11, 10, tzinfo=UTC)
POLICY_FILE = EXAMPLE.parents[1] / "policy" / "policy.json"
# Every stage that reads the pull request in this process: stage 3 runs the PR's own linters
# and tests in subprocesses, whose bounds are the test_resources fixtures'.
TREE_STAGES = (1, 2, 4, 5, 6)


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    what: str
    strategy: st.SearchStrategy[Any]
    target: Callable[[Any], None]


# --------------------------------------------------------------------------- documents


def _problems_are_data(exc: DocumentError) -> None:
    require(bool(exc.problems), "DocumentError without a problem")
    for problem in exc.problems:
        require(isinstance(problem.message, str) and bool(problem.message), "empty message")
        invariants.utf8(problem.message, "parse problem")
        for coordinate in (problem.line, problem.column):
            require(coordinate is None or coordinate >= 1, f"position {coordinate} below 1")


def _plain(data: Any, depth: int = 0) -> None:
    require(depth <= LIMITS.max_depth, "data deeper than the limit")
    if isinstance(data, dict):
        for key, value in data.items():
            require(type(key) is str, f"key of type {type(key).__name__}")
            _plain(value, depth + 1)
    elif isinstance(data, list):
        for value in data:
            _plain(value, depth + 1)
    elif isinstance(data, float):
        require(data - data == 0.0, "non-finite number accepted")
    else:
        require(
            data is None or isinstance(data, str | int | bool) or type(data).__name__ == "Decimal",
            f"{type(data).__name__} is not plain data",
        )


def _document(fmt: Format, raw: bytes, plain_data: bool, exact_numbers: bool) -> None:
    try:
        document = parse_document(
            f"f.{fmt}", raw, fmt, LIMITS, plain_data=plain_data, exact_numbers=exact_numbers
        )
    except DocumentError as exc:
        _problems_are_data(exc)
        return
    if plain_data:
        _plain(document.data)
    for ptr in [*strategies.pointers_into(document.data), "/nope/0", "/~2"]:
        location = document.at(ptr)
        require(location.line is None or location.line >= 1, "line below 1")
        require(location.column is None or location.column >= 1, "column below 1")


def _json_document(example: tuple[bytes, bool]) -> None:
    raw, exact_numbers = example
    _document("json", raw, True, exact_numbers)


def _yaml_document(example: tuple[bytes, bool]) -> None:
    raw, plain_data = example
    _document("yaml", raw, plain_data, False)


def _positions(example: tuple[bytes, list[str]]) -> None:
    raw, pointers = example
    try:
        index = PositionIndex(raw)
    except Exception:  # a text rapidyaml refuses: callers take it as "no position"
        return
    for ptr in pointers:
        line, column = index.locate(ptr)
        require(line >= 1 and column >= 1, "position below 1")
    list(index.duplicate_keys())
    list(index.tags())
    index.document_count()
    index.first_node(lambda node, depth: index.is_alias(node) or depth > 3)
    for node, _, _ in index.walk():
        index.value_bytes(node)
        index.is_plain_scalar(node)


# --------------------------------------------------------------------------- paths


@cache
def _path_tree() -> Path:
    """A small tree holding each kind of thing a path may reach: files, links, a FIFO."""
    root = Path(tempfile.mkdtemp(prefix="mc-fuzz-paths-"))
    (root / "a.json").write_bytes(b'{"a": 1}')
    (root / "dir").mkdir()
    (root / "dir" / "b.yml").write_bytes(b"b: 2\n")
    (root / "big.json").write_bytes(b"x" * 100)
    (root / "é").write_bytes(b"accented")
    (root / "link").symlink_to("/etc/passwd")
    (root / "inlink").symlink_to("a.json")
    (root / "dirlink").symlink_to("/")
    (root / "loop").symlink_to("loop")
    (root / "zero").symlink_to("/dev/zero")
    os.mkfifo(root / "fifo")
    return root


def _paths(rel: str) -> None:
    root = _path_tree()
    try:
        parts = check_relative(rel)
    except UnsafePath:
        parts = None
    if parts is not None:
        require(all(p not in ("", ".", "..") for p in parts), "unsafe part accepted")
        require(not rel.startswith("/") and "\x00" not in rel, "unsafe path accepted")
    readers: tuple[Callable[[], bytes], ...] = (
        lambda: read_contained(root, rel, 64),
        lambda: sha256_contained(root, rel).encode(),
    )
    for reader in readers:
        try:
            data = reader()
        except (FileNotFoundError, UnsafePath, TooLarge, NotADirectoryError):
            continue
        except OSError as exc:
            # A name the file system refuses (too long, bad bytes) is no file of the tree.
            require(exc.errno in (36, 84, 22), f"OSError {exc.errno} reading {rel!r}")
            continue
        require(parts is not None, "read a path check_relative refused")
        target = root.joinpath(*parts or [])
        require(not any(p.is_symlink() for p in [target, *target.parents]), "read via a link")
        require(target.resolve().is_relative_to(root.resolve()), "read outside the tree")
        if len(data) != 64:  # not a digest
            require(data == target.read_bytes(), "read other bytes than the file's")


# --------------------------------------------------------------------------- references


def _references(example: tuple[str, str]) -> None:
    value, key = example
    started = time.perf_counter()
    problem = references.reference_problem(value, references.DEFAULT_REF_SCHEMES)
    if problem is not None and len(value) >= 6:
        require(value not in problem, "the reason quotes the value")
    references.is_reference(value)
    references.is_placeholder(value)
    references.not_a_secret(value)
    references.key_words(key)
    references.credential_key(key)
    references.names_a_property(key)
    references.reference_place({key: value}, (key,), value)
    elapsed = time.perf_counter() - started
    require(elapsed < 1.0, f"reference rules took {elapsed:.2f} s on {len(value)} characters")


# --------------------------------------------------------------------------- signatures


@cache
def _signing_key() -> Any:
    return signing.generate_private_key()


@st.composite
def _signature_cases(draw: st.DrawFn) -> tuple[Any, str, bytes, Any]:
    plan = draw(st.one_of(json_values, st.dictionaries(st.text(max_size=8), json_values)))
    key = _signing_key()
    public = bytes.fromhex(_public_hex())
    try:
        signed = signing.sign_plan({"plan": plan}, key, "fuzz")["signature"]["value"]
    except signing.SigningError:
        signed = None
    value = draw(
        st.one_of(
            st.just(signed) if signed else st.text(max_size=90),
            st.text(max_size=90),
            st.binary(min_size=60, max_size=68).map(lambda b: _b64(b)),
            st.just((signed or "") + "="),
            st.just(" " + (signed or "")),
        )
    )
    mutated = draw(st.one_of(st.none(), json_values))
    return plan, value, public, mutated


def _b64(raw: bytes) -> str:
    import base64

    return base64.b64encode(raw).decode()


@cache
def _public_hex() -> str:
    import base64

    return base64.b64decode(signing.public_key_base64(_signing_key())).hex()


def _plan_signature(example: tuple[Any, str, bytes, Any]) -> None:
    plan, value, public, replacement = example
    try:
        signing.verify_plan(plan, value, public)
        verified = True
    except signing.SigningError:
        verified = False
    if not verified or replacement is None:
        return
    # A plan that verified, with one leaf changed: never a valid signature (goal 6).
    leaves = list(_leaves(plan))
    if not leaves:
        return
    changed = copy.deepcopy(plan)
    leaf = leaves[len(value) % len(leaves)]
    if not leaf:
        changed = replacement  # the plan is one scalar
    else:
        holder = changed
        for part in leaf[:-1]:
            holder = holder[part]
        holder[leaf[-1]] = replacement
    try:
        same = signing.signing_payload(changed) == signing.signing_payload(plan)
    except signing.SigningError:
        return
    if same:
        return  # 1 and 1.0, or the same value again: the canonical form did not change
    try:
        signing.verify_plan(changed, value, public)
    except signing.SigningError:
        return
    raise invariants.InvariantBroken("a changed plan verified under the old signature")


# --------------------------------------------------------------------------- approvals


@cache
def _records() -> list[dict[str, Any]]:
    data = json.loads((EXAMPLE / "evidence" / "approval_records.json").read_text())
    records: list[dict[str, Any]] = data["approvals"]
    return records


@cache
def _example_files() -> dict[str, int]:
    return list_tree(EXAMPLE, approvals.MAX_FILES_LISTED).files


@st.composite
def _record_lists(draw: st.DrawFn) -> list[Any]:
    records: list[Any] = copy.deepcopy(_records())
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(("set", "delete", "replace", "duplicate", "swap")))
        if not records:
            records.append(draw(json_values))
            continue
        index = draw(st.integers(0, len(records) - 1))
        record = records[index]
        if kind == "replace":
            records[index] = draw(json_values)
        elif kind == "duplicate":
            records.append(copy.deepcopy(record))
        elif kind == "swap" and isinstance(record, dict):
            record["approver"] = (
                copy.deepcopy(records[-1]).get("approver")
                if isinstance(records[-1], dict)
                else None
            )
        elif isinstance(record, dict):
            paths = [p for p in _leaves(record) if p] or [("approval_id",)]
            *parents, last = draw(st.sampled_from(paths))
            holder: Any = record
            for part in parents:
                holder = holder[part]
            if kind == "set":
                holder[last] = draw(st.one_of(json_values, st.sampled_from(_RECORD_VALUES)))
            elif isinstance(holder, dict):
                holder.pop(last, None)
    return records


_RECORD_VALUES: tuple[Any, ...] = (
    "2026-11-04T10:12:00",
    "2026-11-04T10:12:00+14:00",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "2026-13-45T99:99:99Z",
    "./plans/signed_plan_plan_shop2026.json",
    "plans//signed_plan_plan_shop2026.json",
    "PLANS/signed_plan_plan_shop2026.json",
    "../x",
    "/etc/passwd",
    "JSMITH",
    "jsmith ",
    "\uff4asmith",  # fullwidth j
    "PLANNED_to_EXECUTED",
    "CUTOVER_READY_to_CUTOVER_DONE",
    "0" * 64,
    "B1D40F61F948599491175E7F476AB0CB2FA5218A88D36864EDBAB357E3A7F538",
    10**40,
    -1,
    [],
    {},
)


def _github_facts() -> st.SearchStrategy[GithubFacts | None]:
    logins = st.sampled_from(("jsmith", "lchen", "JSmith", "author1", "mallory", ""))
    reviews = st.lists(
        st.builds(
            Review,
            logins,
            st.sampled_from(("APPROVED", "CHANGES_REQUESTED", "DISMISSED", "COMMENTED")),
            st.sampled_from(("a" * 40, "b" * 40, None)),
        ),
        max_size=4,
    )

    def facts(listed: list[Review], author: str) -> GithubFacts:
        return GithubFacts(
            head_sha="a" * 40,
            pr_author=author,
            reviews=approvals.latest_reviews(listed),
            team_members=lambda team: (
                frozenset({"lchen", "jsmith"}) if "security" in team else "GitHub answered 404"
            ),
        )

    return st.one_of(st.none(), st.builds(facts, reviews, logins))


def _chain(records: list[Any], github: GithubFacts | None) -> approvals.ChainReport:
    policy = json.loads(POLICY_FILE.read_text())
    inputs = approvals.inputs_from_policy(
        policy,
        "PLANNED_to_EXECUTED",
        project_id="proj_shop2026",
        plan_id="plan_shop2026",
        now=NOW,
        digest_of=lambda rel: sha256_contained(EXAMPLE, rel),
        files=_example_files(),
    )
    return approvals.evaluate(records, inputs, github)


def _approvals(example: tuple[list[Any], GithubFacts | None]) -> None:
    records, github = example
    chain = _chain(records, github)
    counted = chain.counted
    approvers = [r.approver.casefold() for r in counted if r.approver is not None]
    require(len(approvers) == len(set(approvers)), "one approver counted twice")
    for role in chain.roles:
        if role.status is RoleStatus.APPROVED:
            require(github is not None, "a role approved without GitHub verification")
            require(
                role.record is not None
                and chain.records[role.record].status is RecordStatus.COUNTED,
                "a role approved by a record that does not count",
            )
    if github is None:
        require(not chain.valid or not chain.required, "offline records passed the chain")
    for issue in chain.issues:
        invariants.utf8(issue, "chain issue")


# --------------------------------------------------------------------------- reporters


_CHECKS = {check.id: check for check in registry.ALL_CHECKS}
_CHECK_IDS = tuple(_CHECKS)
_paths_shown = st.one_of(
    st.sampled_from(("plans/signed_plan_plan_shop2026.json", "evidence/x.json", "caf\\xe9.md")),
    hostile_text.filter(bool),
)
_finite = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def _findings(draw: st.DrawFn) -> Finding:
    blocker = draw(st.one_of(st.none(), st.sampled_from(list(BlockerId))))
    location = draw(
        st.one_of(
            st.none(),
            st.builds(
                Location,
                path=_paths_shown,
                line=st.one_of(st.none(), st.integers(1, 10**9)),
                column=st.one_of(st.none(), st.integers(1, 10**6)),
            ),
        )
    )
    series = None
    if draw(st.integers(0, 7)) == 0:  # trend findings are rare
        points = draw(st.lists(st.tuples(hostile_text, _finite), max_size=6))
        series = Series(
            title=draw(hostile_text),
            y_label="relative difference",
            x=tuple(p[0] for p in points),
            y=tuple(p[1] for p in points),
        )
    return Finding(
        check=draw(st.sampled_from(_CHECK_IDS)),
        stage=draw(st.one_of(st.none(), st.integers(1, 6))),
        blocker=blocker,
        severity=draw(st.sampled_from(list(Severity))),
        message=draw(hostile_text.filter(bool)),
        location=location,
        resolution=BLOCKERS[blocker].resolution if blocker else None,
        series=series,
    )


@st.composite
def _migrations(draw: st.DrawFn) -> MigrationResult:
    findings = draw(st.lists(_findings(), max_size=15))
    by_check: dict[str, list[Finding]] = {}
    for finding in findings:
        by_check.setdefault(finding.check, []).append(finding)
    outcomes = tuple(
        CheckOutcome(
            check_id=check,
            stage=int(_CHECKS[check].stage),
            blocking=_CHECKS[check].blocking,
            status=draw(st.sampled_from(list(Status))),
            duration_ms=draw(st.integers(0, 10**6)),
            reason=draw(st.one_of(st.none(), hostile_text)),
            findings=tuple(sorted(group, key=lambda f: f.sort_key)),
        )
        for check, group in by_check.items()
    )
    optional = st.one_of(st.none(), hostile_text)
    return MigrationResult(
        path=draw(hostile_text.filter(bool)),
        project_id=draw(optional),
        state=draw(optional),
        target_state=draw(optional),
        outcomes=outcomes,
        files_parsed=draw(st.integers(0, 10**6)),
    )


run_results = st.builds(
    RunResult,
    tool_version=st.just("0.0.0-fuzz"),
    policy_version=st.sampled_from((None, "v2.1.0")),  # the base policy's: trusted
    stages=st.lists(st.integers(1, 6), unique=True, max_size=6).map(lambda s: tuple(sorted(s))),
    roots=st.lists(hostile_text.filter(bool), min_size=1, max_size=3).map(tuple),
    migrations=st.lists(_migrations(), max_size=3).map(tuple),
    findings=st.lists(_findings(), max_size=5).map(tuple),
)


def _reporters(result: RunResult) -> None:
    invariants.every_report(result)


@st.composite
def _gate_results(draw: st.DrawFn) -> GateResult:
    result = draw(run_results)
    github = draw(_github_facts())
    gates = tuple(
        MigrationGate(
            path=migration.path,
            project_id=migration.project_id,
            state=migration.state,
            target_state=migration.target_state,
            chain=draw(st.one_of(st.none(), _record_lists().map(lambda r: _chain(r, github)))),
            expected_branch=draw(st.one_of(st.none(), hostile_text)),
        )
        for migration in result.migrations
    )
    outcome = draw(
        st.one_of(
            st.none(),
            st.builds(
                GithubOutcome,
                # the event's (trusted) values; the labels are the PR's, which triage sets
                repo=st.sampled_from(("shop/data", "o/r")),
                pr=st.integers(1, 10**9),
                head_sha=st.text("0123456789abcdef", min_size=40, max_size=40),
                from_fork=st.booleans(),
                labels_add=st.lists(hostile_text, max_size=3),
                labels_remove=st.lists(hostile_text, max_size=3),
                comment=st.one_of(st.none(), st.sampled_from(("created", "updated"))),
                refused=st.one_of(st.none(), hostile_text),
                merge_queue_base=st.one_of(st.none(), st.just("c" * 40)),
            ),
        )
    )
    own = draw(run_results)
    return GateResult(run=result, own=own, migrations=gates, github=outcome, now=NOW)


def _gate_report(result: GateResult) -> None:
    comment = report.comment(result)
    invariants.utf8(comment, "gate comment")
    require(len(comment) <= 65_536, f"gate comment of {len(comment)} characters")
    rendered = report.render_text(result)
    invariants.utf8(rendered, "gate text")
    invariants.no_command_lines(rendered, "gate text")
    invariants.utf8(report.render_json(result), "gate JSON")
    json.loads(report.render_json(result))
    invariants.workflow_commands(report.github_report(result, "gate.json"))


# --------------------------------------------------------------------------- whole trees


@cache
def _policy() -> Policy:
    return load_policy(POLICY_FILE)


@cache
def _scratch() -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="mc-fuzz-trees-"))
    os.environ.setdefault("MIGRATION_CHECKS_DRY_RUN_DIR", str(scratch / "dry-run"))
    return scratch


@cache
def _tree_files() -> tuple[str, ...]:
    return tuple(sorted(list_tree(EXAMPLE, 1000).files))


_HOSTILE_NAMES: tuple[bytes, ...] = (
    b"caf\xe9.json",
    b"\xff\xfe.yml",
    b"x\n::error file=a::pwned.md",
    b"%0A::add-mask::x.json",
    b"a" * 250 + b".json",
    b" leading.yml",
    b"-rf.json",
    b"$(id).yml",
    b"ghp_" + b"a" * 36 + b".yaml",
    b"Plan.JSON",
    b"e\xcc\x81.json",
)
_LINK_TARGETS = (
    "/etc/passwd",
    "/proc/self/environ",
    "/dev/zero",
    "/",
    "..",
    "../../..",
    "loop",
    "data/shop.sqlite",
    "plans/signed_plan_plan_shop2026.json",
    "nowhere",
)


@st.composite
def _tree_mutations(draw: st.DrawFn) -> list[tuple[str, str, Any]]:
    files = _tree_files()
    mutations: list[tuple[str, str, Any]] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                (
                    "bytes",
                    "bytes",
                    "types",
                    "types",
                    "truncate",
                    "rename",
                    "remove",
                    "link",
                    "fifo",
                    "dir",
                    "new",
                    "run",
                )
            )
        )
        target = draw(st.sampled_from(files))
        if kind == "bytes":
            seed = (EXAMPLE / target).read_bytes()[:4096]
            mutations.append((kind, target, draw(strategies.mutated_bytes((seed,)))))
        elif kind == "types":
            mutations.append((kind, target, (draw(st.integers(0, 50)), draw(json_values))))
        elif kind == "truncate":
            mutations.append((kind, target, draw(st.integers(0, 2000))))
        elif kind in ("rename", "new"):
            name = draw(
                st.one_of(st.sampled_from(_HOSTILE_NAMES), st.binary(min_size=1, max_size=30))
            )
            name = name.replace(b"/", b"_").replace(b"\x00", b"_") or b"_"
            if name in (b".", b".."):
                name = b"_"
            payload = draw(st.one_of(strategies.document_bytes("json"), st.binary(max_size=64)))
            mutations.append((kind, target, (name, payload)))
        elif kind == "link":
            mutations.append((kind, target, draw(st.sampled_from(_LINK_TARGETS))))
        elif kind == "run":
            mutations.append((kind, "", draw(_run_texts())))
        else:
            mutations.append((kind, target, None))
    return mutations


@st.composite
def _run_texts(draw: st.DrawFn) -> bytes:
    """A parallel-run report (the recon result reader's input), its numbers written as text."""
    number = st.one_of(
        st.integers(-(2**70), 2**70).map(str),
        st.sampled_from(
            ("0", "-0", "0.0", "1E+999999", "1e-999999", "9" * 4400, "1e400", "NaN", "1.5e308")
        ),
        st.tuples(st.integers(-(10**30), 10**30), st.integers(-400, 400)).map(
            lambda t: f"{t[0]}E{t[1]}"
        ),
        json_values.map(json.dumps),
    )
    severity = st.one_of(
        st.sampled_from(('"PASS"', '"MINOR"', '"MAJOR"', '"CRITICAL"')), json_values.map(json.dumps)
    )
    results = []
    for _ in range(draw(st.integers(0, 3))):
        check = draw(st.sampled_from(('"orders_rows"', '"orders_total"', '"nope"', "1", "null")))
        results.append(
            f'{{"check_id": {check}, "dataset": "orders", "source_value": {draw(number)}, '
            f'"target_value": {draw(number)}, "difference": {draw(number)}, '
            f'"relative_difference": {draw(number)}, "severity": {draw(severity)}}}'
        )
    stamp = st.sampled_from(
        (
            '"2026-11-01T00:00:00Z"',
            '"2026-11-01T00:00:00"',
            '"garbage"',
            "5",
            '"9999-12-31T23:59:59Z"',
        )
    )
    run_id = draw(st.sampled_from(('"run_001"', '"run_002"', "7", '"x"')))
    text = (
        f'{{"run_id": {run_id}, '
        f'"plan_id": "plan_shop2026", "started_at": {draw(stamp)}, '
        f'"finished_at": {draw(stamp)}, "overall_severity": {draw(severity)}, '
        f'"acknowledged": {draw(st.sampled_from(("false", "true", "null", "1")))}, '
        f'"results": [{", ".join(results)}]}}'
    )
    return text.encode()


def _apply(root: Path, mutation: tuple[str, str, Any]) -> None:
    kind, target, arg = mutation
    path = root / target
    if not path.exists() and not path.is_symlink() and kind not in ("run", "new"):
        return
    if kind in ("bytes", "truncate", "types") and (path.is_symlink() or not path.is_file()):
        return  # never write through a link a previous mutation planted
    if kind == "bytes":
        path.write_bytes(arg)
    elif kind == "truncate":
        with path.open("r+b") as handle:
            handle.truncate(arg)
    elif kind == "types":
        choice, value = arg
        _swap_type(path, choice, value)
    elif kind == "rename":
        name, _ = arg
        os.rename(bytes(path), os.path.join(bytes(path.parent), name))
    elif kind == "new":
        name, payload = arg
        with contextlib.suppress(OSError):
            Path(os.fsdecode(os.path.join(bytes(path.parent), name))).write_bytes(payload)
    elif kind == "remove":
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    elif kind in ("link", "fifo", "dir") and path.is_dir() and not path.is_symlink():
        return
    elif kind == "link":
        path.unlink()
        path.symlink_to(arg)
    elif kind == "fifo":
        path.unlink()
        os.mkfifo(path)
    elif kind == "dir":
        path.unlink()
        path.mkdir()
        (path / "inside.json").write_bytes(b"{}")
    elif kind == "run":
        runs = root / "reconciliation" / "parallel_runs"
        runs.mkdir(parents=True, exist_ok=True)
        number = len(list(runs.iterdir())) + 1
        (runs / f"run_{number:03d}.json").write_bytes(arg)


def _swap_type(path: Path, choice: int, value: Any) -> None:
    """Put ``value`` at one of the places of a JSON or YAML artifact (a type swap)."""
    import yaml

    suffix = path.suffix
    if suffix not in (".json", ".yml", ".yaml"):
        return
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
        return
    places = strategies.pointers_into(data, limit=60)
    ptr = places[choice % len(places)]
    parts = [p.replace("~1", "/").replace("~0", "~") for p in ptr.split("/")[1:]]
    if not parts:
        data = value
    else:
        holder = data
        for part in parts[:-1]:
            holder = holder[int(part)] if isinstance(holder, list) else holder[part]
        if isinstance(holder, list):
            holder[int(parts[-1])] = value
        else:
            holder[parts[-1]] = value
    if suffix == ".json":
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    else:
        path.write_bytes(
            yaml.safe_dump(data, allow_unicode=True).encode("utf-8", "surrogateescape")
        )


def _check_tree(mutations: list[tuple[str, str, Any]]) -> None:
    scratch = _scratch()
    workspace = scratch / "workspace"
    if workspace.exists():
        shutil.rmtree(workspace)
    migration = workspace / EXAMPLE.name
    shutil.copytree(EXAMPLE, migration, symlinks=True)
    for mutation in mutations:
        _apply(migration, mutation)
    result = run([workspace], _policy(), stages=TREE_STAGES)
    invariants.no_crashed_check(result)
    invariants.exit_code(result)
    invariants.every_report(result)


# --------------------------------------------------------------------------- the list


ENTRIES: tuple[Entry, ...] = (
    Entry(
        "json_document",
        "JSON artifacts parsed with positions (documents.py)",
        st.tuples(strategies.document_bytes("json"), st.booleans()),
        _json_document,
    ),
    Entry(
        "yaml_document",
        "YAML artifacts and other YAML files (documents.py)",
        st.tuples(strategies.document_bytes("yaml"), st.booleans()),
        _yaml_document,
    ),
    Entry(
        "positions",
        "line and column of any pointer in any text (positions.py)",
        st.tuples(
            st.one_of(strategies.document_bytes("yaml"), strategies.document_bytes("json")),
            st.lists(strategies.json_pointers, max_size=4),
        ),
        _positions,
    ),
    Entry(
        "paths",
        "PR-relative paths resolved and read inside the tree (fs.py)",
        strategies.relative_paths,
        _paths,
    ),
    Entry(
        "secret_references",
        "secret-reference rules (secret_detection/references.py)",
        st.tuples(
            st.one_of(strategies.reference_text, strategies.long_reference_text),
            strategies.key_text,
        ),
        _references,
    ),
    Entry(
        "plan_signature",
        "Ed25519 over RFC 8785: encodings, domains, leaf mutations (signing.py)",
        _signature_cases(),
        _plan_signature,
    ),
    Entry(
        "approvals",
        "approval records judged against files, plan and GitHub (gate/approvals.py)",
        st.tuples(_record_lists(), _github_facts()),
        _approvals,
    ),
    Entry(
        "reporters",
        "text, JSON, SARIF, Markdown and GitHub reports of hostile results (reporters/)",
        run_results,
        _reporters,
    ),
    Entry(
        "gate_report",
        "the gate's comment, summary, text, JSON and annotations (gate/report.py)",
        _gate_results(),
        _gate_report,
    ),
    Entry(
        "check_tree",
        "the whole check (stages 1, 2, 4, 5, 6) over a mutated example tree, every report",
        _tree_mutations(),
        _check_tree,
    ),
)

BY_NAME = {entry.name: entry for entry in ENTRIES}
