"""Verify the signed plan's Ed25519 signature against the policy's trusted keys.

The plan is what every approver reviews; a signature by a trusted planner key proves it was not
edited after planning. The signature covers the RFC 8785 canonical bytes of
``{"_type": "migration-checks/plan/v1", "plan": <plan>}``, so re-indenting or re-ordering keys
keeps it valid while changing any value breaks it. Keys come only from the policy (read from
outside the pull request); with no trusted key configured the check fails closed unless the
policy sets ``signing.require_verification`` to false.

When a signature does not verify, the finding says whether the plan changed since it was
signed or the signature is another key's (``migration-checks sign`` records the SHA-256 of what
it signed beside the signature) and the command that signs it again.

Passes: a signature by ``planner-2026``, a key listed in ``policy.signing.trusted_keys``.
Fails: no ``signature``; unknown ``key_id``; algorithm other than ed25519; a value that is not
64 bytes of strict base64; a signature that does not verify (the plan was edited after signing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from migration_checks import signing
from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.model import Problem, Severity, Stage
from migration_checks.policy import DEFAULT_SOURCE

ID = "plan_signature"
STAGE = Stage.STRUCTURAL
BLOCKING = True
RAISES = (BlockerId.UNSIGNED_PLAN,)
POLICY = ("signing",)

_UNSIGNED = BlockerId.UNSIGNED_PLAN
# A key id shown inside a suggested command only when it is one keygen could have made.
_COMMAND_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check(ctx: MigrationContext) -> Iterator[Problem]:
    plan = ctx.require("signed_plan")
    signature = plan.data.get("signature")
    if signature is None:
        yield Problem(
            "the plan has no signature; sign it with `migration-checks sign`",
            _UNSIGNED,
            plan.at("/plan"),
        )
        return
    missing = [field for field in ("algorithm", "key_id", "value") if field not in signature]
    if missing:
        yield Problem(
            f"the signature lacks {', '.join(missing)}; re-sign the plan with `migration-checks sign`",
            _UNSIGNED,
            plan.at("/signature"),
        )
        return
    if signature["algorithm"] != signing.ALGORITHM:
        yield Problem(
            f'unsupported signature algorithm "{signature["algorithm"]}": expected "{signing.ALGORITHM}"',
            _UNSIGNED,
            plan.at("/signature/algorithm"),
        )
        return
    key_id = signature["key_id"]
    trusted = ctx.policy.trusted_keys
    key = trusted.get(key_id)
    if key is None:
        reason = (
            _no_trusted_key(ctx)
            if not trusted
            else f'unknown signing key "{key_id}": it is not in the policy\'s signing.trusted_keys'
        )
        if ctx.policy.require_signature_verification:
            yield Problem(reason, _UNSIGNED, plan.at("/signature/key_id"))
        else:
            yield Problem(
                f"{reason}; not verified because the policy sets signing.require_verification to false",
                severity=Severity.WARNING,
                location=plan.at("/signature/key_id"),
            )
        return
    try:
        signing.verify_plan(plan.data["plan"], signature["value"], key.public_key)
    except signing.SignatureMismatch:
        yield Problem(
            _mismatch(ctx, signature, plan.data["plan"]), _UNSIGNED, plan.at("/signature/value")
        )
    except signing.SigningError as exc:
        yield Problem(f'{exc} (key "{key_id}")', _UNSIGNED, plan.at("/signature/value"))


def _no_trusted_key(ctx: MigrationContext) -> str:
    if ctx.policy.source == DEFAULT_SOURCE:
        return (
            "the bundled default policy is in use (no --policy) and it trusts no signing key: "
            "pass --policy with your own policy (`migration-checks init` writes a starter one) "
            "and add the planners' public keys to it with `migration-checks keygen KEY_ID --add-to POLICY`"
        )
    return (
        "the policy trusts no signing key (its signing.trusted_keys is empty): "
        "add the planners' public keys with `migration-checks keygen KEY_ID --add-to POLICY`"
    )


def _mismatch(ctx: MigrationContext, signature: dict[str, Any], plan: Any) -> str:
    """What a signature that does not verify means, as far as the file tells, and what to run."""
    key_id = signature["key_id"]
    key_file = (
        f"{key_id}.pem" if isinstance(key_id, str) and _COMMAND_SAFE.match(key_id) else "KEY.pem"
    )
    plan_path = ctx.signed_plan_path() or "plans/signed_plan_PLAN_ID.json"
    command = f"run `migration-checks sign {ctx.display_path}/{plan_path} --key {key_file}`"
    recorded = signature.get("sha256")
    try:
        current = signing.payload_sha256(plan)
    except signing.SigningError:
        current = None
    if not isinstance(recorded, str) or current is None:
        return (
            f'the signature does not verify with key "{key_id}": the plan changed since it was '
            f"signed (or was signed by another key); {command}"
        )
    if recorded.lower() != current:
        return (
            f'the plan changed since it was signed with key "{key_id}" (what was signed had '
            f"another SHA-256; which fields changed cannot be told from the file); if the change "
            f"is intended, {command}"
        )
    return (
        f'the signature does not verify with the policy\'s key "{key_id}" although the plan is '
        "unchanged since it was signed: it was made by another key of that id, or its value was "
        f"damaged; {command} with the private key whose public key the policy lists"
    )
