"""Verify the signed plan's Ed25519 signature against the policy's trusted keys.

The plan is what every approver reviews; a signature by a trusted planner key proves it was not
edited after planning. The signature covers the RFC 8785 canonical bytes of
``{"_type": "migration-checks/plan/v1", "plan": <plan>}``, so re-indenting or re-ordering keys
keeps it valid while changing any value breaks it. Keys come only from the policy (read from
outside the pull request); with no trusted key configured the check fails closed unless the
policy sets ``signing.require_verification`` to false.

Passes: a signature by ``planner-2026``, a key listed in ``policy.signing.trusted_keys``.
Fails: no ``signature``; unknown ``key_id``; algorithm other than ed25519; a value that is not
64 bytes of strict base64; a signature that does not verify (the plan was edited after signing).
"""

from __future__ import annotations

from collections.abc import Iterator

from migration_checks import signing
from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.model import Problem, Severity, Stage

ID = "plan_signature"
STAGE = Stage.STRUCTURAL
BLOCKING = True
RAISES = (BlockerId.UNSIGNED_PLAN,)
POLICY = ("signing",)

_UNSIGNED = BlockerId.UNSIGNED_PLAN


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
            "the policy trusts no signing key (signing.trusted_keys is empty); add the planners' public keys"
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
    except signing.SigningError as exc:
        yield Problem(f'{exc} (key "{key_id}")', _UNSIGNED, plan.at("/signature/value"))
