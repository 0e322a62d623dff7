"""Verify that the plan encrypts the target at rest and in transit as the policy requires.

Migrated data lands in a new store; unencrypted, or under a key nobody manages, it is a breach
waiting to happen. The plan's ``target.encryption`` is compared with the policy's
``encryption``: ``at_rest`` must be one of ``at_rest.allowed`` (exact spelling), and is required
when ``at_rest.required`` is true; ``kms_key_ref`` is required whenever encryption at rest is
required or declared, and must name a secret of ``configs/secrets_refs.yml`` (a reference, never
the key itself); ``in_transit`` must be a TLS version (``TLS1.2``, ``TLSv1.3``, ``1.2``) at least
``in_transit.min_tls``, compared as numbers. Settings the policy leaves out take the bundled
default policy's values.

Passes: ``{"at_rest": "SSE-KMS", "kms_key_ref": "TARGET_KMS_KEY", "in_transit": "TLS1.2"}`` with
``TARGET_KMS_KEY`` in ``secrets_refs.yml``.
Fails: no ``encryption``; ``at_rest: "SSE-S3"`` when only SSE-KMS is allowed; ``kms_key_ref``
naming no secret, or holding an ARN instead of a secret's name (its value is never shown);
``in_transit: "TLS1.0"``; ``in_transit: "SSL3"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.documents import Document
from migration_checks.model import Problem, Stage
from migration_checks.tls import format_tls_version, parse_tls_version

ID = "encryption_compliance"
STAGE = Stage.POLICY
BLOCKING = True
RAISES = (BlockerId.ENCRYPTION_UNMET,)
POLICY = ("encryption",)

_UNMET = BlockerId.ENCRYPTION_UNMET
_BASE = "/plan/target/encryption"
_SECRET_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")  # as secrets_refs.yml names them


def check(ctx: MigrationContext) -> Iterator[Problem]:
    plan = ctx.require("signed_plan")
    encryption: dict[str, Any] | None = plan.data["plan"]["target"].get("encryption")
    if encryption is None:
        if ctx.policy.setting("encryption", "at_rest", "required") or _minimum(ctx) is not None:
            yield Problem(
                "the plan declares no target encryption; expected target.encryption with "
                "at_rest, kms_key_ref and in_transit as the policy's encryption section requires",
                _UNMET,
                plan.at("/plan/target"),
            )
        return
    yield from _at_rest(ctx, plan, encryption)
    yield from _in_transit(ctx, plan, encryption)


def _minimum(ctx: MigrationContext) -> tuple[int, int] | None:
    text = ctx.policy.setting("encryption", "in_transit", "min_tls")
    return parse_tls_version(text) if isinstance(text, str) else None


def _where(encryption: dict[str, Any], field: str) -> str:
    """The field's pointer when the plan has it, else the encryption object's."""
    return f"{_BASE}/{field}" if field in encryption else _BASE


def _at_rest(
    ctx: MigrationContext, plan: Document, encryption: dict[str, Any]
) -> Iterator[Problem]:
    required = bool(ctx.policy.setting("encryption", "at_rest", "required"))
    allowed: list[str] = ctx.policy.setting("encryption", "at_rest", "allowed") or []
    algorithm = encryption.get("at_rest") or None
    if algorithm is None:
        if required:
            yield Problem(
                "the target is not encrypted at rest: the policy requires it "
                f"(encryption.at_rest.required); expected one of {_listing(allowed)}",
                _UNMET,
                plan.at(_where(encryption, "at_rest")),
            )
    elif algorithm not in allowed:
        yield Problem(
            f'at-rest encryption "{algorithm}" is not allowed: expected one of {_listing(allowed)} '
            "(policy encryption.at_rest.allowed)",
            _UNMET,
            plan.at(f"{_BASE}/at_rest"),
        )
    if algorithm is None and not required:
        return
    key_ref = encryption.get("kms_key_ref") or None
    if key_ref is None:
        yield Problem(
            "no kms_key_ref: encryption at rest needs the key named, as a secret of configs/secrets_refs.yml",
            _UNMET,
            plan.at(_where(encryption, "kms_key_ref")),
        )
        return
    if not _SECRET_NAME.match(key_ref):
        # Not a name: perhaps the key or its ARN pasted in, so the value is never shown.
        yield Problem(
            "kms_key_ref is not a secret name (NAME of configs/secrets_refs.yml, such as "
            "TARGET_KMS_KEY); it must name the key's reference, never hold the key",
            _UNMET,
            plan.at(f"{_BASE}/kms_key_ref"),
        )
        return
    secrets = ctx.usable("secrets_refs")
    if secrets is not None and key_ref not in secrets.data["secrets"]:
        yield Problem(
            f'kms_key_ref "{key_ref}" names no secret of configs/secrets_refs.yml; add it there '
            "as a reference (vault://...)",
            _UNMET,
            plan.at(f"{_BASE}/kms_key_ref"),
        )


def _in_transit(
    ctx: MigrationContext, plan: Document, encryption: dict[str, Any]
) -> Iterator[Problem]:
    minimum = _minimum(ctx)
    declared = encryption.get("in_transit") or None
    if declared is None:
        if minimum is not None:
            yield Problem(
                "no in-transit encryption declared: expected "
                f"{format_tls_version(minimum)} or later (policy encryption.in_transit.min_tls)",
                _UNMET,
                plan.at(_where(encryption, "in_transit")),
            )
        return
    version = parse_tls_version(declared)
    if version is None:
        yield Problem(
            f'in-transit encryption "{declared}" is not a TLS version; write it as "TLS1.2", '
            '"TLSv1.3" or "1.2"',
            _UNMET,
            plan.at(f"{_BASE}/in_transit"),
        )
    elif minimum is not None and version < minimum:
        yield Problem(
            f'in-transit encryption "{declared}" is too weak: expected {format_tls_version(minimum)} '
            f"or later (policy encryption.in_transit.min_tls), found {format_tls_version(version)}",
            _UNMET,
            plan.at(f"{_BASE}/in_transit"),
        )


def _listing(values: list[str]) -> str:
    return ", ".join(f'"{v}"' for v in values) if values else "nothing (the list is empty)"
