"""Plan signatures: Ed25519 over RFC 8785 bytes with a type tag; no accepted forgery."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from migration_checks import signing

KEY = signing.generate_private_key()
PUBLIC = base64.b64decode(signing.public_key_base64(KEY))
PLAN: dict[str, Any] = {
    "plan_id": "plan_zurich",
    "plan_version": 3,
    "source": {"system": "postgres", "database": "Zürich"},
    "datasets": [{"name": "public.orders", "target": "orders", "ratio": 1.0, "pii": []}],
    "flags": [True, False, None],
}


def signed(plan: dict[str, Any]) -> dict[str, Any]:
    return signing.sign_plan({"schema_version": "v1.0.0", "plan": plan}, KEY, "k1")


def test_sign_and_verify_round_trip() -> None:
    document = signed(PLAN)
    assert document["signature"]["algorithm"] == "ed25519"
    signing.verify_plan(document["plan"], document["signature"]["value"], PUBLIC)


def test_layout_and_key_order_do_not_matter() -> None:
    document = signed(PLAN)
    reordered = json.loads(json.dumps(document["plan"], sort_keys=True, indent=7))
    reordered = dict(reversed(list(reordered.items())))
    signing.verify_plan(reordered, document["signature"]["value"], PUBLIC)


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))
    else:
        yield path


def _mutate(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if value is None:
        return 0
    if isinstance(value, int | float):
        return value + 1
    return f"{value}x"


@pytest.mark.parametrize("path", list(_leaves(PLAN)), ids=lambda p: "/".join(map(str, p)))
def test_changing_any_leaf_breaks_the_signature(path: tuple[Any, ...]) -> None:
    document = signed(PLAN)
    tampered = copy.deepcopy(document["plan"])
    node = tampered
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = _mutate(node[path[-1]])
    with pytest.raises(signing.SigningError, match="does not verify"):
        signing.verify_plan(tampered, document["signature"]["value"], PUBLIC)


def test_a_signature_over_json_dumps_is_not_accepted() -> None:
    # json.dumps keeps 1.0 and escapes ü: not the RFC 8785 bytes the verifier computes.
    naive = json.dumps(
        {"_type": signing.PLAN_TYPE, "plan": PLAN}, sort_keys=True, separators=(",", ":")
    )
    value = base64.b64encode(KEY.sign(naive.encode())).decode()
    with pytest.raises(signing.SigningError, match="RFC 8785"):
        signing.verify_plan(PLAN, value, PUBLIC)


def test_the_type_tag_separates_plan_signatures_from_others() -> None:
    import rfc8785

    other = base64.b64encode(
        KEY.sign(rfc8785.dumps({"_type": "migration-checks/approval/v1", "plan": PLAN}))
    )
    with pytest.raises(signing.SigningError, match="does not verify"):
        signing.verify_plan(PLAN, other.decode(), PUBLIC)
    untagged = base64.b64encode(KEY.sign(rfc8785.dumps(PLAN)))
    with pytest.raises(signing.SigningError, match="does not verify"):
        signing.verify_plan(PLAN, untagged.decode(), PUBLIC)


def test_another_key_does_not_verify() -> None:
    document = signed(PLAN)
    other = base64.b64decode(signing.public_key_base64(signing.generate_private_key()))
    with pytest.raises(signing.SigningError, match="does not verify"):
        signing.verify_plan(document["plan"], document["signature"]["value"], other)


@pytest.mark.parametrize(
    ("transform", "message"),
    [
        (lambda v: v[:10] + " " + v[10:], "not standard base64"),
        (lambda v: v + "\n", "not standard base64"),
        (lambda v: v.replace("A", "*", 1) if "A" in v else "*" + v[1:], "not standard base64"),
        (lambda v: base64.b64encode(base64.b64decode(v)[:63]).decode(), "64 bytes, this one is 63"),
        (
            lambda v: base64.b64encode(base64.b64decode(v) + b"\0").decode(),
            "64 bytes, this one is 65",
        ),
    ],
)
def test_signature_encoding_is_strict(transform: Any, message: str) -> None:
    document = signed(PLAN)
    with pytest.raises(signing.SigningError, match=message):
        signing.verify_plan(document["plan"], transform(document["signature"]["value"]), PUBLIC)


def test_values_outside_rfc_8785_are_a_clear_error() -> None:
    with pytest.raises(signing.SigningError, match=r"beyond ±\(2\*\*53 - 1\)"):
        signing.signing_payload({"n": 9007199254740993})


def test_keys_round_trip_through_pem() -> None:
    pem = signing.private_key_pem(KEY)
    assert signing.public_key_base64(signing.load_private_key(pem)) == signing.public_key_base64(
        KEY
    )
    with pytest.raises(signing.SigningError, match="PEM"):
        signing.load_private_key(b"-----BEGIN NOTHING-----")
