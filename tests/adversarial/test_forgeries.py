"""Forgeries: no changed plan verifies, and no forged, copied, replayed, stale or mistimed
approval counts (research/reliability.md section 6 E, section 7 goal 6).

**Plans** go through the real check: every forgery is a migration directory of one workspace
(a copy of the example, its plan signed with the test key by ``signing.sign_plan`` and then
changed), and one ``check --stage 1`` judges them all with the real parser and ``plan_signature``
(Ed25519 from ``cryptography``, RFC 8785 from ``rfc8785``). The plan gets an extra object with
what canonicalization gets wrong (floats, ``-0``, non-ASCII text and escapes, an integer at
2^53 - 1). Forgeries:

- every leaf changed (strings, numbers, booleans, nulls), every array item removed, duplicated and
  the items of every array swapped, every key renamed, a key added to every object;
- JCS pitfalls: the next float after 0.1, an integer beyond 2^53 (a domain error, a finding),
  NFD for NFC text, duplicate keys in the plan and in the signature (refused when parsed);
- the signature: non-strict base64 (no padding, extra padding, whitespace, a newline, the URL-safe
  alphabet), 0, 63, 65 and 128 bytes, ``alg: none`` and other algorithms, a value of the wrong JSON
  type, a signature over another canonicalization (``json.dumps(sort_keys=True)``), without the
  ``_type`` tag, under another ``_type``, over the whole file; an untrusted key under the trusted
  key's id, the other trusted key's id on a signature by the first, key ids that differ by case or
  a space, a key id that is not a string.

Each must end ``plan_signature`` failed (or the plan refused before it, by json_yaml_syntax), with
no crash. Re-spellings with the same RFC 8785 form must keep verifying: key order, indentation,
``1`` for ``1.0``, ``1e2`` for ``100``, ``-0`` for ``0``, ``\\u00e9`` for ``é``, ``\\/`` for ``/``.
One key under two ids in the policy is refused when the policy is read (exit 2).

**Approvals** are not signed: they count on GitHub, by the approver's review on the head commit
(SPEC section 6). The gate verifies them against the fake GitHub server; the valid example
passes, and each forgery must block: one approver filling two roles, a record copied under
another approver's name (who did not review), a copied approval id, a replay on another plan,
project or transition, a stale record (an artifact changed after it was approved), a record over
a subset of what it names, an expired record, one older than ``max_age_days``, one dated in the
future, a review on an older commit, a review withdrawn (changes requested), the PR's author
approving.
"""

from __future__ import annotations

import base64
import copy
import json
import shutil
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import rfc8785

from migration_checks import signing
from tests.conftest import _KEY, KEY_ID, Tree, build_tree, run_cli
from tests.gate.trees import NOW, PLAN, gate_tree, git_repo, load_records, save_records
from tests.github.conftest import HEAD, REPO, approved_pull
from tests.github.fake_github import TOKEN, FakeGithub
from tests.unit.test_signing import _leaves  # every leaf's path, as the mutation test walks them

OTHER_KEY = signing.generate_private_key()
OTHER_ID = "other-planner"
# What canonicalization gets wrong; "nonce" is set so that the signature's base64 holds "+" and
# "/" (so the URL-safe alphabet is another spelling of it).
PITFALLS: dict[str, Any] = {
    "ratio": 0.1,
    "one": 1.0,
    "hundred": 100,
    "zero": 0,
    "city": "Zürich",
    "escaped": 'café "q" \\ / \n',
    "flags": [True, False, None],
    "big": 9007199254740991,
    "emoji": "\U0001f600",
    "nonce": 0,
}


def _signed_plan(tree: Tree) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((tree.migration / PLAN).read_text(encoding="utf-8"))
    document["plan"]["source"]["x_review"] = copy.deepcopy(PITFALLS)  # source is open-ended
    while True:
        signed = signing.sign_plan(document, _KEY, KEY_ID)
        if "+" in signed["signature"]["value"] and "/" in signed["signature"]["value"]:
            return signed
        document["plan"]["source"]["x_review"]["nonce"] += 1


def _dump(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- plan forgeries: each a text of the plan file ----------------------------------------------------


def _containers(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, node
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in children:
        if isinstance(value, dict | list):
            yield from _containers(value, (*path, key))


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if value is None:
        return False
    if isinstance(value, int | float):
        return value + 1
    return value + "x" if value else "x"


def plan_forgeries(signed: dict[str, Any]) -> dict[str, str]:
    """name -> the plan file's text; none may verify."""
    forged: dict[str, str] = {}

    def edit(name: str, change: Callable[[dict[str, Any]], None]) -> None:
        document = copy.deepcopy(signed)
        change(document)
        forged[name] = _dump(document)

    plan = signed["plan"]
    for path in _leaves(plan):

        def change_leaf(d: dict[str, Any], path: tuple[Any, ...] = path) -> None:
            parent = _at(d["plan"], path[:-1])
            parent[path[-1]] = _changed(parent[path[-1]])

        edit("leaf /" + "/".join(map(str, path)), change_leaf)
        if _at(plan, path) is None:

            def null_to_zero(d: dict[str, Any], path: tuple[Any, ...] = path) -> None:
                _at(d["plan"], path[:-1])[path[-1]] = 0

            edit("null to 0 /" + "/".join(map(str, path)), null_to_zero)
    for path, node in _containers(plan):
        where = "/" + "/".join(map(str, path))
        if isinstance(node, dict):
            for key in node:

                def rename(d: dict[str, Any], path: tuple[Any, ...] = path, key: str = key) -> None:
                    parent = _at(d["plan"], path)
                    parent[key + "_"] = parent.pop(key)

                edit(f"key renamed {where}/{key}", rename)
            edit(f"key added {where}", lambda d, path=path: _at(d["plan"], path).update(extra=1))
        elif node:
            edit(f"item removed {where}/0", lambda d, path=path: _at(d["plan"], path).pop(0))
            edit(
                f"item duplicated {where}/0",
                lambda d, path=path: _at(d["plan"], path).append(
                    copy.deepcopy(_at(d["plan"], path)[0])
                ),
            )
            if len(node) > 1 and node[0] != node[-1]:
                edit(f"items swapped {where}", lambda d, path=path: _at(d["plan"], path).reverse())
        else:
            edit(f"item added {where}", lambda d, path=path: _at(d["plan"], path).append("x"))

    text = _dump(signed)
    review = '"x_review": {'
    # JCS pitfalls: different values that print alike, and what RFC 8785 cannot represent.
    forged["next float after 0.1"] = text.replace('"ratio": 0.1,', '"ratio": 0.10000000000000002,')
    forged["integer 2^53 + 1"] = text.replace('"big": 9007199254740991', '"big": 9007199254740993')
    forged["integer 2^53"] = text.replace('"big": 9007199254740991', '"big": 9007199254740992')
    forged["NFD for NFC"] = text.replace("Zürich", unicodedata.normalize("NFD", "Zürich"))
    forged["duplicate key in the plan"] = text.replace(review, f'{review}\n      "ratio": 0.5,')
    forged["duplicate key, the plan's version"] = text.replace(
        '"plan_version": 3,', '"plan_version": 3,\n    "plan_version": 4,'
    )
    value = signed["signature"]["value"]
    raw = base64.b64decode(value)
    forged["duplicate key in the signature"] = text.replace(
        f'"value": "{value}"',
        f'"value": "{value}",\n    "value": "{base64.b64encode(raw[::-1]).decode()}"',
    )

    def with_signature(name: str, **fields: Any) -> None:
        edit(name, lambda d: d["signature"].update(fields))

    # The signature's encoding and length.
    with_signature("base64 without padding", value=value.rstrip("="))
    with_signature("base64 with extra padding", value=value + "==")
    with_signature("base64 with a space", value=value[:40] + " " + value[40:])
    with_signature("base64 with a newline", value=value[:40] + "\n" + value[40:])
    with_signature("base64 with a trailing newline", value=value + "\n")
    with_signature("URL-safe base64", value=base64.urlsafe_b64encode(raw).decode())
    with_signature("empty signature", value="")
    with_signature("63 bytes", value=base64.b64encode(raw[:63]).decode())
    with_signature("65 bytes", value=base64.b64encode(raw + b"\0").decode())
    with_signature("128 bytes", value=base64.b64encode(raw + raw).decode())
    with_signature("hex instead of base64", value=raw.hex())
    for wrong in (None, 7, [value], {"value": value}, True):
        with_signature(f"value of JSON type {type(wrong).__name__}", value=wrong)
    # The algorithm.
    with_signature("alg none", algorithm="none", value="")
    with_signature("alg none, signature kept", algorithm="none")
    for algorithm in ("ED25519", "EdDSA", "rsa-pss-sha256", "hmac-sha256", "", None, ["ed25519"]):
        with_signature(f"algorithm {algorithm!r}", algorithm=algorithm)
    edit("no algorithm", lambda d: d["signature"].pop("algorithm"))
    edit("no signature", lambda d: d.pop("signature"))
    edit("signature not an object", lambda d: d.update(signature=value))

    # Signatures over something else than the RFC 8785 form of {"_type": ..., "plan": ...}.
    def signed_over(name: str, payload: bytes, key: Any = _KEY, key_id: str = KEY_ID) -> None:
        with_signature(name, value=base64.b64encode(key.sign(payload)).decode(), key_id=key_id)

    tagged = {"_type": signing.PLAN_TYPE, "plan": plan}
    signed_over(
        "json.dumps(sort_keys=True)",
        json.dumps(tagged, sort_keys=True, separators=(",", ":")).encode(),
    )
    signed_over(
        "json.dumps, ASCII-escaped",
        json.dumps(tagged, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(),
    )
    signed_over("without the _type tag", rfc8785.dumps(plan))
    signed_over(
        "another _type", rfc8785.dumps({"_type": "migration-checks/approval/v1", "plan": plan})
    )
    unsigned = {k: v for k, v in signed.items() if k != "signature"}
    signed_over("over the whole file", rfc8785.dumps(unsigned))
    signed_over("over the tagged plan, UTF-16", rfc8785.dumps(tagged).decode().encode("utf-16"))
    # Keys and key ids.
    signed_over("untrusted key, trusted key id", signing.signing_payload(plan), OTHER_KEY, KEY_ID)
    with_signature("the other trusted key's id", key_id=OTHER_ID)
    with_signature("key id in upper case", key_id=KEY_ID.upper())
    with_signature("key id with a space", key_id=KEY_ID + " ")
    for wrong in (None, 7, [KEY_ID], {"id": KEY_ID}):
        with_signature(f"key id of JSON type {type(wrong).__name__}", key_id=wrong)
    return forged


def plan_respellings(signed: dict[str, Any]) -> dict[str, str]:
    """name -> the plan file's text, spelled differently with the same RFC 8785 form."""
    text = _dump(signed)

    def reordered(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: reordered(node[k]) for k in reversed(list(node))}
        if isinstance(node, list):
            return [reordered(v) for v in node]
        return node

    respelled = {
        "keys in reverse order": _dump(reordered(signed)),
        "no indentation": json.dumps(signed, ensure_ascii=False) + "\n",
        "tabs and CRLF": json.dumps(signed, indent="\t", ensure_ascii=False).replace("\n", "\r\n"),
        "ASCII escapes (\\u00fc)": json.dumps(signed, indent=2, ensure_ascii=True),
        "1 for 1.0": text.replace('"one": 1.0', '"one": 1'),
        "1e0 for 1.0": text.replace('"one": 1.0', '"one": 1e0'),
        "1e2 for 100": text.replace('"hundred": 100', '"hundred": 1e2'),
        "100.00 for 100": text.replace('"hundred": 100', '"hundred": 100.00'),
        "-0 for 0": text.replace('"zero": 0', '"zero": -0'),
        "-0.0 for 0": text.replace('"zero": 0', '"zero": -0.0'),
        "\\/ for /": text.replace(" / ", " \\/ "),
        "2^53 - 1 as a float": text.replace('"big": 9007199254740991', '"big": 9007199254740991.0'),
    }
    for name, respelling in respelled.items():
        assert respelling != text, name
    return respelled


def _workspace(tmp: Path, texts: dict[str, str]) -> tuple[Tree, dict[str, str]]:
    """One migration directory per text (the example's directory name gets a suffix); returns
    the tree and each directory's name by text name."""
    tree = build_tree(
        tmp,
        policy={
            "/signing/trusted_keys/-": {
                "key_id": OTHER_ID,
                "algorithm": "ed25519",
                "public_key": signing.public_key_base64(OTHER_KEY),
            }
        },
    )
    names = {}
    for n, (name, text) in enumerate(texts.items()):
        directory = tree.workspace / f"{tree.migration.name}{n:04d}"
        # The metadata and the plan: plan_signature needs nothing else, and the rest would cost
        # the run its time (every other check fails or skips on what is missing).
        (directory / "plans").mkdir(parents=True)
        shutil.copy(tree.migration / ".migration_metadata.json", directory)
        (directory / PLAN).write_text(text, encoding="utf-8")
        names[name] = directory.name
    shutil.rmtree(tree.migration)
    return tree, names


def _signature_verdicts(tree: Tree) -> dict[str, str]:
    """Each migration directory's verdict on its plan: plan_signature's status, or refused
    (the plan did not parse)."""
    done = run_cli(
        "check", str(tree.workspace), "--policy", str(tree.policy), "--stage", "1",
        "--format", "json",
    )  # fmt: skip
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output
    verdicts = {}
    for migration in json.loads(done.stdout)["migrations"]:
        (outcome,) = [c for c in migration["checks"] if c["id"] == "plan_signature"]
        verdict = outcome["status"]
        if verdict == "skipped":  # which earlier check refused the plan
            verdict += " (" + outcome["reason"].removeprefix(PLAN + " ") + ")"
        elif verdict == "error":
            verdict += repr(migration["findings"])
        verdicts[Path(migration["path"]).name] = verdict
    return verdicts


def _verified_directly(forged: dict[str, str]) -> dict[str, str]:
    """The forgeries that parse and whose signature has its fields' types, verified with
    ``signing.verify_plan`` against the key its key id names: the ones that verify."""
    keys = {KEY_ID: _KEY, OTHER_ID: OTHER_KEY}
    verified = {}
    for name, text in forged.items():
        try:
            document = json.loads(text, object_pairs_hook=_no_duplicates)
        except ValueError:
            continue
        signature = document.get("signature")
        if not (
            isinstance(signature, dict)
            and signature.get("algorithm") == signing.ALGORITHM
            and isinstance(signature.get("value"), str)
            and isinstance(signature.get("key_id"), str)
            and signature["key_id"] in keys
        ):
            continue
        public = base64.b64decode(signing.public_key_base64(keys[signature["key_id"]]))
        try:
            signing.verify_plan(document["plan"], signature["value"], public)
        except signing.SigningError:
            continue
        verified[name] = "verifies"
    return verified


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    if len({key for key, _ in pairs}) != len(pairs):
        raise ValueError("duplicate key")
    return dict(pairs)


def test_no_forged_plan_verifies_and_every_respelling_does(tmp_path: Path) -> None:
    base = build_tree(tmp_path / "base")
    signed = _signed_plan(base)
    forged = plan_forgeries(signed)
    respelled = plan_respellings(signed)
    tree, names = _workspace(
        tmp_path / "forged", {"original": _dump(signed), **forged, **respelled}
    )
    verdicts = _signature_verdicts(tree)

    assert verdicts[names["original"]] == "passed"
    # A forgery is refused by plan_signature ("failed"), or before it: by the parser (duplicate
    # keys: "did not parse") or by the schema (a key renamed or added where the schema lists the
    # keys, a value of the wrong type: "failed schema validation"), each with its own blocker.
    refusals = ("failed", "skipped (did not parse)", "skipped (failed schema validation)")
    outcomes = {name: verdicts[names[name]] for name in forged}
    accepted = {name: v for name, v in outcomes.items() if v not in refusals}
    broken = {
        name: verdicts[names[name]] for name in respelled if verdicts[names[name]] != "passed"
    }
    by_verdict = {v: sum(o == v for o in outcomes.values()) for v in refusals}
    print(f"{len(forged)} plan forgeries, {len(accepted)} accepted ({by_verdict}); "
          f"{len(respelled)} respellings, {len(broken)} refused")  # fmt: skip
    assert not accepted, accepted
    assert not broken, broken
    assert outcomes["duplicate key in the signature"] == "skipped (did not parse)"
    # ... and those the schema refused fail the signature too, verified directly.
    assert _verified_directly(forged) == {}
    assert by_verdict["failed"] > len(forged) // 2


def test_one_key_under_two_ids_is_refused_with_the_policy(tmp_path: Path) -> None:
    """go-tuf GHSA-3633-5h82-39pq: one key listed twice would count twice."""
    tree = build_tree(
        tmp_path,
        policy={
            "/signing/trusted_keys/-": {
                "key_id": "alias",
                "algorithm": "ed25519",
                "public_key": signing.public_key_base64(_KEY),
            }
        },
    )
    done = run_cli("check", str(tree.workspace), "--policy", str(tree.policy), "--stage", "1")
    assert done.exit_code == 2, done.output
    assert "the same key is already trusted" in done.output


# --- approval forgeries ------------------------------------------------------------------------------

Records = list[dict[str, Any]]
# (records, tree, pull) -> None: what the forger changes.
Forge = Callable[[Records, Tree, Any], None]


def _one_approver_two_roles(records: Records, tree: Tree, pull: Any) -> None:
    records[1]["approver"]["id"] = "jsmith"  # jsmith is in shop/security too (below)


def _copied_under_another_name(records: Records, tree: Tree, pull: Any) -> None:
    """in-toto #69: Bob's record copied as Carol's; Carol did not review."""
    copied = copy.deepcopy(records[0])
    copied.update(approval_id="appr_shop03", approver={**records[1]["approver"], "id": "someone"})
    records[1] = copied


def _copied_id(records: Records, tree: Tree, pull: Any) -> None:
    records[1]["approval_id"] = records[0]["approval_id"]


def _field(field: str, value: Any, index: int = 0) -> Forge:
    def forge(records: Records, tree: Tree, pull: Any) -> None:
        records[index][field] = value

    return forge


def _stale(records: Records, tree: Tree, pull: Any) -> None:
    """An artifact edited after it was approved (the records keep the old digest)."""
    mapping = tree.migration / "contracts/schema_mapping.yml"
    mapping.write_text(mapping.read_text() + "# changed after approval\n")


def _subset(records: Records, tree: Tree, pull: Any) -> None:
    """The digest over fewer files than the record names."""
    records[0]["artifacts_reviewed"].append("runbooks/orders_runbook.md")


def _review(state: str = "APPROVED", commit: str | None = None) -> Forge:
    def forge(records: Records, tree: Tree, pull: Any) -> None:
        pull.reviews = [r for r in pull.reviews if r["user"]["login"] != "lchen"]
        pull.review("lchen", state, commit)

    return forge


def _author_approves(records: Records, tree: Tree, pull: Any) -> None:
    pull.author = "lchen"


APPROVAL_FORGERIES: dict[str, tuple[Forge, bool]] = {
    # name -> (forge, rehash: the forger recomputes sha256_reviewed as an author would)
    "one approver filling two roles": (_one_approver_two_roles, True),
    "a record copied under another approver's name": (_copied_under_another_name, True),
    "a copied approval id": (_copied_id, True),
    "replayed: another plan": (_field("plan_id", "plan_other01"), True),
    "replayed: another project": (_field("project_id", "proj_other01"), True),
    "replayed: another transition": (_field("transition", "PROPOSED_to_PLANNED"), True),
    "stale: an artifact changed after approval": (_stale, False),
    "a digest over a subset of the artifacts named": (_subset, False),
    "expired": (_field("expiry", "2026-11-09T00:00:00Z", 1), True),
    "older than max_age_days": (_field("approved_at", "2026-09-01T00:00:00Z"), True),
    "dated in the future": (_field("approved_at", "2026-11-11T00:00:00Z"), True),
    "a time without an offset": (_field("approved_at", "2026-11-04T10:12:00"), True),
    "the review on an older commit": (_review(commit="1" * 40), True),
    "the review withdrawn (changes requested)": (_review("CHANGES_REQUESTED"), True),
    "the review only commented": (_review("COMMENTED"), True),
    "the pull request's author approving": (_author_approves, True),
}


def _gate(tmp: Path, forge: Forge | None, rehash: bool) -> tuple[int, str]:
    def factory(base: str = "shop", mutations: Any = None, **kwargs: Any) -> Tree:
        return build_tree(tmp, base, mutations, **kwargs)

    tree = gate_tree(factory)
    fake = FakeGithub(repo=REPO)
    fake.start()
    try:
        pull = approved_pull(fake)
        fake.teams["shop/security"].append("jsmith")
        records = load_records(tree.migration)
        if forge is not None:
            forge(records, tree, pull)
        save_records(tree.migration, records, rehash=rehash)
        git_repo(tree.workspace, ["[MIGRATION] APPROVE: approvals"])
        done = run_cli(
            "gate", str(tree.workspace), "--policy", str(tree.policy), "--repo", REPO,
            "--pr", "7", "--now", NOW, "--base", "main", "--head-sha", HEAD, "--format", "json",
            env={"GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": fake.base_url},
        )  # fmt: skip
    finally:
        fake.stop()
    assert done.exit_code in (0, 1), done.output
    assert "Traceback" not in done.output
    return done.exit_code, done.stdout


def test_the_valid_approvals_pass(tmp_path: Path) -> None:
    """The control: without a forgery the gate lets the transition merge."""
    code, out = _gate(tmp_path, None, True)
    assert code == 0, out


@pytest.mark.parametrize("name", sorted(APPROVAL_FORGERIES))
def test_no_forged_copied_replayed_stale_or_mistimed_approval_counts(
    tmp_path: Path, name: str
) -> None:
    forge, rehash = APPROVAL_FORGERIES[name]
    code, _ = _gate(tmp_path, forge, rehash)
    assert code == 1, f"accepted: {name}"
