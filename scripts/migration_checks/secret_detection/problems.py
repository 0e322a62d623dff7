"""What the two checks share: the files each owns, and the problems they yield for a scan's
hits, for the files not scanned and for the baseline, never quoting a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from migration_checks.blockers import BlockerId
from migration_checks.model import Location, Problem, Severity
from migration_checks.secret_detection.baseline import DEFAULT_BASELINE, Baseline
from migration_checks.secret_detection.engine import KEYWORD_TYPE
from migration_checks.secret_detection.hits import FileScan, Hit
from migration_checks.secret_detection.rules import CREDENTIAL_VALUE

# credential_validation owns the configuration directory; secrets_scan every other file.
CONFIGS_DIR = "configs/"


_SAFE_KEY = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


# Types that judge a value by its shape in general come after those that recognise what it is.
_GENERIC_TYPES = ("Base64 High Entropy String", "Hex High Entropy String", KEYWORD_TYPE)


def hit_message(hits: Sequence[Hit], baseline: Baseline) -> str:
    """What to tell about a value found (by one or more plugins): its types and fingerprint,
    never the value, and how to fix it."""
    first = hits[0]
    ordered = sorted(hits, key=lambda h: (h.kind in _GENERIC_TYPES, h.kind))
    kinds = list(dict.fromkeys(h.kind for h in ordered))
    fingerprints = ", ".join(dict.fromkeys(h.fingerprint for h in ordered))
    if kinds == [CREDENTIAL_VALUE]:
        key = first.key if first.key and _SAFE_KEY.fullmatch(first.key) else None
        what = f'literal credential under "{key}"' if key else "literal credential"
    else:
        what = "secret of type " + " and ".join(f'"{k}"' for k in kinds)
    if first.in_name:
        what += (
            " in the file's path (git keeps a name in its history as it keeps content: rename it)"
        )
    name = baseline.path or DEFAULT_BASELINE
    fixed = [h.kind for h in ordered if not h.identifies]
    if fixed:
        audit = (
            f'a baseline entry cannot suppress it: for a "{fixed[0]}" detect-secrets hashes only '
            "a text every such secret shares (a prefix or a header), so an entry would hide every "
            "one of the file"
        )
    elif any(baseline.lists(h) for h in hits):
        audit = (
            f"it is listed in {name} but not audited as a false positive: audit it "
            '("is_secret": false) if it is not a secret'
        )
    else:
        audit = f'or audit it into {name} ("is_secret": false) if it is not a secret'
    label = "fingerprints" if "," in fingerprints else "fingerprint"
    return (
        f"{what} ({label} {fingerprints}): remove and rotate it, keep it in the secret "
        f"store and reference it from configs/secrets_refs.yml (vault://...); {audit}"
    )


def not_scanned_message(scan: FileScan) -> str:
    reason = scan.not_scanned or ""
    limit = " (or raise that limit in the base policy)" if "(limits." in reason else ""
    return (
        f"not scanned for secrets: {reason}; a secret in it cannot be ruled out, so remove the "
        f"file from the pull request{limit}"
    )


def hit_problems(hits: Iterable[Hit], baseline: Baseline) -> tuple[list[Problem], int]:
    """One problem per value found on a line, whatever the number of plugins that found it, and
    the number of values the baseline suppresses (every type it was found as, audited).

    A value is its place (line and column) where it has one: plugins do not all report the same
    text for one token (detect-secrets' GitHub plugin reports only its ``ghp`` prefix, so its
    ``hashed_secret`` is the same for every GitHub token; the entropy plugin reports the whole
    token), and each of those hashes must be audited for the token to be suppressed."""
    groups: dict[tuple[str, int | None, int | str], list[Hit]] = {}
    for hit in hits:
        place = hit.column if hit.column is not None else hit.hashed_secret
        groups.setdefault((hit.path, hit.line, place), []).append(hit)
    problems: list[Problem] = []
    suppressed = 0
    for group in groups.values():
        shown = [hit for hit in group if not baseline.suppresses(hit)]
        if not shown:
            suppressed += 1
            continue
        first = group[0]
        problems.append(
            Problem(
                hit_message(shown, baseline),
                BlockerId.SECRETS_EXPOSED,
                Location(path=first.path, line=first.line, column=first.column),
            )
        )
    return problems, suppressed


def not_scanned_problem(scan: FileScan) -> Problem:
    return Problem(not_scanned_message(scan), BlockerId.SECRETS_EXPOSED, Location(path=scan.path))


def baseline_problems(baseline: Baseline) -> Iterator[Problem]:
    """A baseline that cannot be used is a warning: it suppresses nothing, so every finding it
    would have suppressed stands (the scan fails closed). A baseline the pull request adds or
    changes is a notice: it takes effect once merged."""
    for problem in baseline.problems:
        yield Problem(problem.message, None, problem.location, problem.severity)


def suppressed_notice(count: int, baseline: Baseline) -> Problem:
    """Suppressions are shown, so that a reviewer sees what the baseline hides, and where the
    baseline was read from."""
    findings = "finding" if count == 1 else "findings"
    if baseline.commit is not None:
        origin = f" at the base commit {baseline.commit}; review changes to it like code"
    else:
        origin = (
            "; the baseline was not verified against a base commit (no --base), so the pull "
            "request may have written it; the actions pass the base, run with --base SHA to "
            "verify it locally"
        )
    return Problem(
        f"{count} {findings} suppressed as audited false positives of {baseline.path} "
        f'("is_secret": false){origin}',
        None,
        Location(path=baseline.path or DEFAULT_BASELINE),
        Severity.NOTICE,
    )
