"""The policy: loaded once per run, validated against its schema, read through typed accessors.

The policy holds the trust anchors (signing keys, roles), so it must come from outside the pull
request: with a base commit, a policy file of the repository is read from that commit (never from
the work tree the pull request wrote); a file outside the repository is the caller's; without a
policy file, the default bundled with the suite.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from migration_checks.blockers import BlockerId
from migration_checks.catalogue import SPEC_CHECKS
from migration_checks.documents import Document, DocumentError, Limits, format_of, parse_document
from migration_checks.fs import TooLarge
from migration_checks.git_base import BaseCommit, BaseError
from migration_checks.pointers import pointer
from migration_checks.resources import default_policy_bytes
from migration_checks.tls import parse_tls_version
from migration_checks.validation import validate

DEFAULT_SOURCE = "(default policy bundled with migration-checks)"
_LABEL_DEFAULTS = {
    "proposed": "migration/proposed",
    "planned": "migration/planned",
    "executing": "migration/executing",
    "post_execution": "migration/post-execution",
    "validated": "migration/validated",
    "cutover_ready": "migration/cutover-ready",
    "blocked": "blocked",
    "needs_decision": "needs-decision",
    "security_review": "security-review",
}


class PolicyError(Exception):
    """The policy cannot be used; the CLI exits 2 with this message."""


@dataclass(frozen=True, slots=True)
class TrustedKey:
    key_id: str
    public_key: bytes  # the 32 raw bytes of an Ed25519 public key


@dataclass(frozen=True, slots=True)
class Policy:
    source: str
    document: Document

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.document.data
        return data

    def section(self, name: str) -> dict[str, Any]:
        value: dict[str, Any] = self.data.get(name, {})
        return value

    def setting(self, *path: str) -> Any:
        """The value at ``path`` (say ``"pii", "categories"``); where the policy does not set it,
        the bundled default policy's value, or None when neither does."""
        for data in (self.data, _default_policy_data()):
            node: Any = data
            for key in path:
                node = node.get(key, _ABSENT) if isinstance(node, dict) else _ABSENT
                if node is _ABSENT:
                    break
            else:
                return node
        return None

    @property
    def version(self) -> str:
        return str(self.data["policy_version"])

    @property
    def limits(self) -> Limits:
        return Limits(**self.section("limits"))

    @property
    def require_signature_verification(self) -> bool:
        return bool(self.section("signing").get("require_verification", True))

    @property
    def trusted_keys(self) -> dict[str, TrustedKey]:
        keys = {}
        for entry in self.section("signing").get("trusted_keys", []):
            keys[entry["key_id"]] = TrustedKey(
                entry["key_id"], _decode_public_key(entry["public_key"])
            )
        return keys

    @property
    def required_evidence_kinds(self) -> list[str]:
        return list(self.section("evidence").get("required_kinds", ["profiling_report"]))

    @property
    def runbook_per_dataset(self) -> bool:
        return bool(self.section("runbooks").get("per_dataset", False))

    @property
    def min_parallel_runs(self) -> int:
        return int(self.section("parallel_runs").get("min_required", 3))

    def label(self, name: str) -> str:
        return str(self.section("labels").get(name, _LABEL_DEFAULTS[name]))

    @property
    def waiver_approvers(self) -> tuple[str, ...]:
        """Roles whose approval makes a waiver apply (waivers.approvers); none by default."""
        return tuple(str(role) for role in self.setting("waivers", "approvers") or ())

    @property
    def never_waived(self) -> frozenset[BlockerId]:
        """Blockers no waiver suppresses and no evaluate mode softens (waivers.never)."""
        return frozenset(BlockerId(b) for b in self.setting("waivers", "never") or ())

    @property
    def waiver_max_days(self) -> int:
        return int(self.setting("waivers", "max_days") or 90)

    @property
    def waiver_max_findings(self) -> int:
        return int(self.setting("waivers", "max_findings") or 25)

    @property
    def evaluate_until(self) -> dict[str, date]:
        """Each check in evaluate mode (enforcement), with the first day its findings block."""
        listed = self.setting("enforcement") or {}
        return {check: date.fromisoformat(entry["until"]) for check, entry in listed.items()}


_ABSENT = object()


@cache
def _default_policy_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(default_policy_bytes())
    return data


def _decode_public_key(text: str) -> bytes:
    raw = base64.b64decode(text, validate=True)
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key is 32 bytes, this one is {len(raw)}")
    return raw


def load_policy(path: Path | None = None, *, base: BaseCommit | None = None) -> Policy:
    """Load the policy from ``path`` (from the base commit when ``base`` is given and the file
    lies in its repository), or the bundled default."""
    limits = Limits()
    if path is None:
        source, raw, name = DEFAULT_SOURCE, default_policy_bytes(), "default_policy.json"
    else:
        repo_path = _repository_path(base, path) if base is not None else None
        if base is not None and repo_path is not None:
            source = f"{repo_path} at base {base.short}"
            raw = _read_at_base(base, repo_path, limits)
        else:
            # Outside the repository: a file the caller provides, not the pull request.
            source, raw = str(path), _read_file(path, limits)
        name = path.name
    fmt = format_of(name) or "json"
    try:
        document = parse_document(source, raw, fmt, limits)
    except DocumentError as exc:
        raise PolicyError(
            "\n".join(_where(source, p.line, p.column) + p.message for p in exc.problems)
        ) from None
    problems = [
        _where(source, *_line_col(document, p.pointer)) + p.message
        for p in validate("policy", document.data)
    ]
    if not problems:
        problems = _semantic_problems(document, source)
    if problems:
        raise PolicyError("invalid policy:\n" + "\n".join(problems))
    return Policy(source, document)


def _repository_path(base: BaseCommit, path: Path) -> str | None:
    """Where ``path`` lies in the base's repository, worked out from its spelling only: a link in
    the pull request's tree must not choose which file of the base is read."""
    absolute = path if path.is_absolute() else Path.cwd().resolve() / path
    inside = base.relative_lexically(Path(os.path.normpath(absolute)))
    if inside is None and base.relative(path) is not None:
        raise PolicyError(
            f"{path} leads into the repository through a link; name the policy by its path in "
            "the repository, so that it is read from the base commit"
        )
    return inside


def _read_at_base(base: BaseCommit, repo_path: str, limits: Limits) -> bytes:
    try:
        raw = base.read(repo_path, limits.max_file_bytes)
    except BaseError as exc:
        raise PolicyError(str(exc)) from None
    if raw is None:
        raise PolicyError(
            f"there is no policy file {repo_path} at the base commit {base.sha}: the policy is "
            "read from the base, so a pull request cannot bring its own; merge the policy first"
        )
    return raw


def _read_file(path: Path, limits: Limits) -> bytes:
    try:
        with path.open("rb") as handle:
            raw = handle.read(limits.max_file_bytes + 1)
    except OSError as exc:
        raise PolicyError(f"cannot read policy {path}: {exc.strerror or exc}") from None
    if len(raw) > limits.max_file_bytes:
        raise PolicyError(f"{path}: {TooLarge(len(raw), limits.max_file_bytes)}")
    return raw


def _line_col(document: Document, ptr: str) -> tuple[int | None, int | None]:
    location = document.at(ptr)
    return location.line, location.column


def _where(source: str, line: int | None, column: int | None) -> str:
    if line is None:
        return f"{source}: "
    return f"{source}:{line}:{column or 1}: "


def _semantic_problems(document: Document, source: str) -> list[str]:
    problems = []
    seen_ids: dict[str, int] = {}
    seen_keys: dict[bytes, str] = {}
    for i, entry in enumerate(document.get("/signing/trusted_keys", [])):
        where = _where(source, *_line_col(document, f"/signing/trusted_keys/{i}/public_key"))
        try:
            raw = _decode_public_key(entry["public_key"])
        except (binascii.Error, ValueError) as exc:
            problems.append(
                f"{where}/signing/trusted_keys/{i}/public_key: not a base64 Ed25519 public key ({exc})"
            )
            continue
        key_id = entry["key_id"]
        if key_id in seen_ids:
            problems.append(
                f'{where}/signing/trusted_keys/{i}/key_id: key id "{key_id}" is listed twice'
            )
        if raw in seen_keys:
            # One key under two ids would let one signer count twice wherever signatures are counted.
            problems.append(
                f'{where}/signing/trusted_keys/{i}/public_key: the same key is already trusted as "{seen_keys[raw]}"'
            )
        seen_ids[key_id] = i
        seen_keys[raw] = key_id
    min_tls = document.get("/encryption/in_transit/min_tls")
    if isinstance(min_tls, str) and parse_tls_version(min_tls) is None:
        where = _where(source, *_line_col(document, "/encryption/in_transit/min_tls"))
        problems.append(
            f'{where}/encryption/in_transit/min_tls: "{min_tls}" is not a TLS version; '
            'write it as "1.2", "TLS1.2" or "TLSv1.3"'
        )
    problems.extend(_rule_problems(document, source))
    problems.extend(_enforcement_problems(document, source))
    problems.extend(_waiver_problems(document, source))
    return problems


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _enforcement_problems(document: Document, source: str) -> list[str]:
    """Evaluate mode for a check that does not exist or never blocks, or an unreadable date."""
    problems = []
    for check_id, entry in document.get("/enforcement", {}).items():
        ptr = pointer("enforcement", check_id)
        where = _where(source, *_line_col(document, ptr))
        if check_id not in SPEC_CHECKS:
            problems.append(f'{where}{ptr}: "{check_id}" is not a check id (see the README)')
        elif not SPEC_CHECKS[check_id][1]:
            problems.append(f'{where}{ptr}: "{check_id}" never blocks, so it has no evaluate mode')
        until = entry.get("until")
        try:
            valid = isinstance(until, str) and bool(_DATE.match(until))
            valid = valid and bool(date.fromisoformat(until))
        except ValueError:
            valid = False
        if not valid:
            where = _where(source, *_line_col(document, f"{ptr}/until"))
            problems.append(f"{where}{ptr}/until: not a date of the form YYYY-MM-DD")
    return problems


def _waiver_problems(document: Document, source: str) -> list[str]:
    """A waiver approver role the policy gives no members: no waiver could ever be approved."""
    roles = document.get("/approvals/roles")
    if roles is None:
        roles = _default_policy_data()["approvals"]["roles"]
    problems = []
    for i, role in enumerate(document.get("/waivers/approvers", [])):
        if role not in roles:
            where = _where(source, *_line_col(document, f"/waivers/approvers/{i}"))
            problems.append(
                f'{where}/waivers/approvers/{i}: role "{role}" is not in approvals.roles, so '
                "no one could approve a waiver as it"
            )
    return problems


def _rule_problems(document: Document, source: str) -> list[str]:
    """Rules whose query is no JMESPath expression, or whose id is used twice."""
    try:
        import jmespath  # type: ignore[import-untyped]
        from jmespath.exceptions import JMESPathError  # type: ignore[import-untyped]
        from jmespath.functions import Functions  # type: ignore[import-untyped]
    except ImportError:
        # The stages that do not evaluate rules are installed without jmespath; stage 2 is not.
        return []
    problems = []
    seen: set[str] = set()
    for i, rule in enumerate(document.get("/rules", [])):
        rule_id = rule["id"]
        if rule_id in seen:
            where = _where(source, *_line_col(document, f"/rules/{i}/id"))
            problems.append(f'{where}/rules/{i}/id: rule id "{rule_id}" is used twice')
        seen.add(rule_id)
        try:
            parsed = jmespath.compile(rule["query"]).parsed
        except JMESPathError as exc:
            reason = _jmespath_reason(exc)
        else:
            unknown = _unknown_functions(parsed, set(Functions.FUNCTION_TABLE))
            if not unknown:
                continue
            reason = f'unknown function "{unknown[0]}"'
        where = _where(source, *_line_col(document, f"/rules/{i}/query"))
        problems.append(
            f'{where}/rules/{i}/query: rule "{rule_id}" is not a valid JMESPath expression ({reason})'
        )
    return problems


def _jmespath_reason(exc: Exception) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
    first = first.removeprefix("Invalid jmespath expression: ").removesuffix(", for expression:")
    return first.rstrip(":").strip() or "syntax error"


def _unknown_functions(node: Any, known: set[str]) -> list[str]:
    """Function names the expression calls that JMESPath does not define (checked only at run
    time by the library, so a typo would otherwise surface in every pull request)."""
    found = []
    pending = [node]
    while pending:
        current = pending.pop()
        if not isinstance(current, dict):
            continue
        if current.get("type") == "function_expression" and current.get("value") not in known:
            found.append(str(current.get("value")))
        pending.extend(current.get("children", []))
    return found
