"""Verify that every reconciliation tolerance is within the policy's bound for its check type.

A tolerance decides whether a difference between source and target counts as a pass; a PR that
loosens it can make a bad migration reconcile. Each check of ``configs/recon_config.yml`` gives
``tolerance {relative?, absolute?}``; the policy bounds each check type with
``tolerances.{type}.max_relative`` and ``max_absolute``. A tolerance of 0 (or none at all) is
always within bounds. Otherwise the check fails closed: a type the policy does not bound, or a
relative (absolute) tolerance for a type with no ``max_relative`` (``max_absolute``), is a
finding, since nobody agreed to it. When the policy has no ``tolerances`` section at all, the
bundled default policy's bounds apply.

Passes: ``column_sum`` with ``relative: 0.0001`` under ``max_relative: 0.0001``.
Fails: ``row_count`` with ``relative: 0.01`` under ``max_relative: 0.0``; ``checksum`` when the
policy bounds no ``checksum``; ``absolute: 5`` when the policy gives only ``max_relative``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.model import Problem, Stage

ID = "tolerance_validation"
STAGE = Stage.POLICY
BLOCKING = True
RAISES = (BlockerId.POLICY_VIOLATION,)
POLICY = ("tolerances",)

_KINDS = (("relative", "max_relative"), ("absolute", "max_absolute"))


def check(ctx: MigrationContext) -> Iterator[Problem]:
    recon = ctx.require("recon_config")
    bounds: dict[str, dict[str, Any]] = ctx.policy.setting("tolerances") or {}
    for index, entry in enumerate(recon.data["checks"]):
        kind = entry["type"]
        bound = bounds.get(kind)
        for field, limit_name in _KINDS:
            value = entry["tolerance"].get(field)
            if not value:  # absent or 0: nothing is tolerated
                continue
            ptr = f"/checks/{index}/tolerance/{field}"
            label = f'{field} tolerance of check "{entry["id"]}" ({kind})'
            if bound is None:
                message = (
                    f"{label}: the policy bounds no {kind} check (tolerances.{kind}), found {value}; "
                    "a tolerance the policy does not bound is refused"
                )
            elif limit_name not in bound:
                message = (
                    f"{label}: the policy sets no tolerances.{kind}.{limit_name}, found {value}; "
                    f"use a tolerance the policy bounds, or none"
                )
            elif value > bound[limit_name]:
                message = (
                    f"{label}: expected at most {bound[limit_name]} "
                    f"(policy tolerances.{kind}.{limit_name}), found {value}"
                )
            else:
                continue
            yield Problem(message, BlockerId.POLICY_VIOLATION, recon.at(ptr))
