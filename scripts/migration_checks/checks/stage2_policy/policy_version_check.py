"""Verify that the metadata and the plan were validated against the policy version in force.

A plan approved under an older policy may break rules added since (a new PII category, a tighter
tolerance); it must be re-validated before it moves on. The "current PolicyService version" is
the loaded policy's ``policy_version`` (read from outside the pull request). Both
``.migration_metadata.json`` and the signed plan carry a ``policy_version``; each that differs
is a finding on its own file. That the two disagree with each other is
``metadata_consistency``'s finding (stage 1).

Passes: metadata and plan say ``v2.1.0`` and the policy is ``v2.1.0``.
Fails: the plan says ``v2.0.0`` while the policy is ``v2.1.0``; the metadata says ``v3.0.0``.
"""

from __future__ import annotations

from collections.abc import Iterator

from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.model import Problem, Stage

ID = "policy_version_check"
STAGE = Stage.POLICY
BLOCKING = True
RAISES = (BlockerId.POLICY_VERSION_MISMATCH,)
POLICY = ("policy_version",)


def check(ctx: MigrationContext) -> Iterator[Problem]:
    metadata = ctx.usable("metadata")
    plan = ctx.usable("signed_plan")
    if metadata is None and plan is None:
        ctx.require("metadata")  # raises Skip, saying why
    current = ctx.policy.version
    for document, ptr, label in (
        (metadata, "/policy_version", "the metadata's"),
        (plan, "/plan/policy_version", "the plan's"),
    ):
        if document is None:
            continue
        found = document.get(ptr)
        if found != current:
            yield Problem(
                f'{label} policy_version: expected "{current}" (the policy in force), found "{found}"',
                BlockerId.POLICY_VERSION_MISMATCH,
                document.at(ptr),
            )
