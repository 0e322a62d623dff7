"""Verify that the configuration holds references to secrets, never the secrets themselves.

``configs/secrets_refs.yml`` maps each secret's NAME to where the secret store keeps it; the
workflow resolves the references at run time. Every value there must be a well-formed reference
with a scheme the policy allows (``secrets.allowed_ref_schemes``, default ``vault://``): a path
of ``A-Z a-z 0-9 . _ -`` segments, optionally ``#key``, with no query, user information or white
space that could carry a credential. Every ``*_ref`` key in the other files of ``configs/``
(``source.url_ref``, ``target.kms_key_ref``, ...) must name a secret defined there, and ``*_refs``
lists only such names. And no file of ``configs/`` may hold a literal credential, judged by the
same detector as ``secrets_scan`` (detect-secrets' plugins and filters, passwords in connection
URLs, literal values under credential-like keys; a literal ``url`` such as ``sqlite:///data/x``
holds none). This check owns ``configs/`` and ``secrets_scan`` every other file, so one secret is
reported once; a literal value in ``secrets_refs.yml`` is one finding, naming the secret and,
when detect-secrets recognises it, its type and fingerprint. Values are never shown. Audited
false positives of the secrets baseline are suppressed as ``secrets_scan`` suppresses them, from
the same baseline read once from the base commit (a baseline the pull request adds or changes
suppresses nothing until it is merged). Schema
problems (a value that is not a string, a name that is not upper snake case) are
``schema_validation``'s.

Passes: ``SOURCE_DB_URL: "vault://kv/data/shop/replica#url"``; ``url_ref: SOURCE_DB_URL`` with
that secret defined; ``url: "sqlite:///data/shop.sqlite"``.
Fails: ``SOURCE_DB_PASSWORD: "S3cr3t-Prod-Pa55"``; ``awssm://db`` when only ``vault://`` is
allowed; ``vault://kv/db?token=...``; ``url_ref: SOURCE_DB`` with no such secret;
``password: hunter2`` or ``postgres://app:pw@db/shop`` in ``configs/migration_config.yml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from migration_checks import artifacts
from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.documents import Document, format_of
from migration_checks.model import Location, Problem, Stage
from migration_checks.pointers import pointer

if TYPE_CHECKING:
    from migration_checks.secret_detection import Hit, Options

ID = "credential_validation"
STAGE = Stage.SECURITY
BLOCKING = True
RAISES = (BlockerId.SECRETS_EXPOSED,)
POLICY = ("secrets",)

_EXPOSED = BlockerId.SECRETS_EXPOSED
_SECRET_NAME = re.compile(r"[A-Z][A-Z0-9_]*")  # as secrets_refs.yml names them (defs.schema.json)
_SHOWN_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_REFS = artifacts.SECRETS_REFS.path


@dataclass(frozen=True, slots=True)
class _BadReference:
    name: str
    reason: str
    location: Location


def check(ctx: MigrationContext) -> Iterator[Problem]:
    # detect-secrets and PyYAML are stage 4's: loading this module (the registry does) needs neither
    from migration_checks import secret_detection as sd

    options = sd.Options.from_policy(ctx.policy)
    # The base commit's baseline, loaded once for both checks; secrets_scan reports its problems.
    baseline = sd.load_baseline(ctx, options.baseline)
    refs = ctx.document("secrets_refs")
    secrets = _secrets(refs)
    bad: dict[int | None, list[_BadReference]] = {}
    for ref in _bad_references(refs, secrets, options):
        bad.setdefault(ref.location.line, []).append(ref)  # a flow mapping puts several on a line
    attached: dict[int | None, Hit] = {}
    suppressed = 0
    paths = [p for p in sorted(ctx.tree.files) if p.startswith(sd.CONFIGS_DIR)]
    for scan in sd.scan_files(ctx, paths, options):
        if scan.not_scanned is not None:
            yield sd.not_scanned_problem(scan)
        hits = []
        for hit in scan.hits:
            if hit.path == _REFS and hit.line in bad:
                attached.setdefault(hit.line, hit)  # the reference's own finding names it
            else:
                hits.append(hit)
        problems, hidden = sd.hit_problems(hits, baseline)
        yield from problems
        suppressed += hidden
    for line, refs_on_line in bad.items():
        # A hit cannot be told apart between several references on one line: none is named.
        named = attached.get(line) if len(refs_on_line) == 1 else None
        yield from (_reference_problem(ref, named, options) for ref in refs_on_line)
    if secrets is not None:
        for path in paths:
            if path != _REFS and format_of(path) is not None:
                yield from _unresolved_refs(ctx, path, secrets)
    if suppressed:
        yield sd.suppressed_notice(suppressed, baseline)


def _secrets(refs: Document | None) -> dict[str, Any] | None:
    data = refs.data if refs is not None else None
    secrets = data.get("secrets") if isinstance(data, dict) else None
    return secrets if isinstance(secrets, dict) else None


def _bad_references(
    refs: Document | None, secrets: dict[str, Any] | None, options: Options
) -> Iterator[_BadReference]:
    from migration_checks.secret_detection import reference_problem  # stage 4's, as in check

    if refs is None or secrets is None:
        return
    for name, value in secrets.items():
        if not isinstance(value, str):
            continue  # schema_validation: values are strings
        reason = reference_problem(value, options.schemes)
        if reason is not None:
            yield _BadReference(name, reason, refs.at(pointer("secrets", name)))


def _reference_problem(ref: _BadReference, hit: Hit | None, options: Options) -> Problem:
    from migration_checks.secret_detection import NO_ALLOWED_SCHEME  # stage 4's, as in check

    name = f'secret "{ref.name}"' if _SECRET_NAME.fullmatch(ref.name) else "a secret"
    schemes = ", ".join(options.schemes)
    example = f"{options.schemes[0]}path/to/secret#key"
    detected = f" (detected as {hit.kind}, fingerprint {hit.fingerprint})" if hit else ""
    if ref.reason == NO_ALLOWED_SCHEME:
        message = (
            f"{name} is not a reference with an allowed scheme ({schemes}){detected}: a literal "
            f"value here is exposed; rotate it, keep it in the secret store and write its "
            f"reference, such as {example}"
        )
    else:
        message = (
            f"{name} is not a well-formed reference: {ref.reason}{detected}; write it as {example}"
        )
    return Problem(message, _EXPOSED, ref.location)


def _unresolved_refs(
    ctx: MigrationContext, path: str, secrets: dict[str, Any]
) -> Iterator[Problem]:
    from migration_checks.secret_detection import key_words, mapping_entries  # as in check

    outcome = ctx.parse(path)
    if not isinstance(outcome, Document):
        return  # json_yaml_syntax reports it
    for where, key, value in mapping_entries(outcome.data):
        words = key_words(key)
        if len(words) > 1 and words[-1] == "ref":
            yield from _name_problem(outcome, where, key, value, secrets)
        elif len(words) > 1 and words[-1] == "refs" and isinstance(value, list):
            for i, item in enumerate(value):
                yield from _name_problem(outcome, (*where, i), key, item, secrets)


def _name_problem(
    document: Document,
    where: tuple[str | int, ...],
    key: str,
    value: Any,
    secrets: dict[str, Any],
) -> Iterator[Problem]:
    location = document.at(pointer(*where))
    key = key if _SHOWN_KEY.fullmatch(key) else "a *_ref key"
    if not isinstance(value, str) or not _SECRET_NAME.fullmatch(value):
        # Perhaps the secret itself pasted in: its value is never shown.
        yield Problem(
            f"{key} is not a secret name (the NAME of a secret of {_REFS}, such as "
            "SOURCE_DB_URL); it must name the secret, never hold it",
            _EXPOSED,
            location,
        )
    elif value not in secrets:
        yield Problem(
            f'{key} "{value}" names no secret of {_REFS}; add the secret there as a reference',
            _EXPOSED,
            location,
        )
