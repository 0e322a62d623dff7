"""Find secrets in every text file of the pull request outside ``configs/``, with detect-secrets.

A credential committed to a repository is compromised: every clone, fork and CI log keeps it.
Every file of the migration directory is scanned, except ``configs/`` (``credential_validation``
owns it, with the same detector, so one secret is reported once); the baseline too (its
``hashed_secret`` values are SHA-1 digests, not secrets, and a secret pasted into it is one); binary
files (not UTF-8, told by their first bytes when they are large) are skipped as detect-secrets
skips them, and a text file over the policy's ``limits.max_file_bytes`` is reported, never
skipped in silence; nor is a tree with more files than ``limits.max_files``: the files past the
limit were not scanned, so the scan is incomplete and blocks; and a file in which 1,000
secrets are found is reported with those and a finding that the rest of it was not judged (it
blocks whatever the rest holds). A big tree is scanned on every usable core. A file's path
is read too: a credential of a known format in a file or folder name (``code/AKIA....txt``) is
in the repository's history as content is, and is reported (its path shown redacted). The judge is detect-secrets,
every plugin and default filter (AWS, GitHub, GitLab, Slack, Stripe and other tokens, private
keys, JWTs, basic-auth URLs, high-entropy strings, secret-sounding keywords; YAML values are read
as detect-secrets reads them, block scalars included), plus two rules of ours: a password in a
connection URL (``postgres://app:pw@db``, ``;password=`` in a JDBC URL) and, in YAML and JSON, a
literal value under a credential-like key (``password``, ``token``, ``client_secret``, ...).
References (``vault://...``, ``${VAR}``), masks (``***``) and the digests and signatures at their
known places (``sha256``, ``sha256_reviewed``, ``public_key``, ``signature.value``, sha256sum
manifest lines) are not secrets. A finding gives the secret's types, file, line and fingerprint
(the first 8 hex digits of detect-secrets' ``hashed_secret``), never the value: one finding per
place, whatever the number of plugins that found it, with each fingerprint when they reported
different texts (detect-secrets' GitHub plugin hashes only the ``ghp`` prefix). Audited false
positives in ``.secrets.baseline`` (detect-secrets' format, at the migration directory's root;
policy ``secrets.baseline``) are suppressed, with a notice counting them; only entries audited
``"is_secret": false`` suppress, matched by file, type and ``hashed_secret``, and a place is
suppressed only when every type found there is. The baseline is read from the base commit
(``--base``), never from the pull request: one the pull request adds or changes suppresses
nothing until it is merged (a notice says so), and one the base holds but that cannot be read
suppresses nothing (a warning). Without ``--base`` the work tree's baseline is used and the notice
says it was not verified. GitHub and GitLab tokens and private keys cannot be suppressed: for
them detect-secrets hashes only a prefix or a header that every such secret shares, so one entry
would hide every one of the file; write a fixture that does not have their form.

Passes: no secret; ``password: "${DB_PASSWORD}"``; ``url: vault://kv/shop#url``; a hex digest
under ``sha256``; a high-entropy test fixture audited ``"is_secret": false`` in the base commit's
baseline.
Fails: ``AKIA...`` in ``code/spark/job.py``; a private key in a YAML block scalar;
``postgres://app:S3cr3t@db/shop`` in a runbook; ``"api_token": "h7Xq..."`` in a JSON file; an
entry of the baseline that was never audited; a secret audited in a baseline the pull request
adds; a ``ghp_...`` token in a file whose audited fake GitHub token the baseline lists.
"""

from __future__ import annotations

from collections.abc import Iterator

from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.model import Problem, Stage

ID = "secrets_scan"
STAGE = Stage.SECURITY
BLOCKING = True
RAISES = (BlockerId.SECRETS_EXPOSED,)
POLICY = ("secrets", "limits.max_file_bytes", "limits.max_files")


def check(ctx: MigrationContext) -> Iterator[Problem]:
    # detect-secrets and PyYAML are stage 4's: loading this module (the registry does) needs neither
    from migration_checks import secret_detection as sd

    options = sd.Options.from_policy(ctx.policy)
    baseline = sd.load_baseline(ctx, options.baseline)
    yield from sd.baseline_problems(baseline)
    paths = [path for path in sorted(ctx.tree.files) if not path.startswith(sd.CONFIGS_DIR)]
    suppressed = 0
    for scan in sd.scan_files(ctx, paths, options):
        if scan.not_scanned is not None:
            yield sd.not_scanned_problem(scan)
        problems, hidden = sd.hit_problems(scan.hits, baseline)
        yield from problems
        suppressed += hidden
    if suppressed:
        yield sd.suppressed_notice(suppressed, baseline)
    if ctx.tree.truncated_at is not None:
        # fail closed: files past the limit could hold anything (a hostile author pads the tree)
        yield Problem(
            f"only the first {ctx.tree.truncated_at} files were listed (limits.max_files), so "
            "the others were not scanned for secrets: the scan is incomplete; split the pull "
            "request or raise limits.max_files in the base policy",
            BlockerId.SECRETS_EXPOSED,
        )
