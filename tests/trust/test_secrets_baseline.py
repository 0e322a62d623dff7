"""Attack: suppressing a real secret with a ``.secrets.baseline`` the pull request writes.

The baseline is a trust anchor (SPEC section 6.1): with ``--base`` it is read from the base commit
only, so a baseline added or changed in the pull request suppresses nothing until it is merged.
And an entry suppresses a finding only when the text detect-secrets hashed identifies the secret:
its GitHub plugin hashes only the ``ghp`` prefix, so one audited entry would hide every GitHub
token of the file.

The secrets are made at test time; none is written in this file.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from typing import Any

import pytest

from migration_checks import git_base
from migration_checks import secret_detection as sd
from tests.trust.conftest import MERGED_AT_PLANNED, Repo, at, findings

BASELINE = ".secrets.baseline"
NOTES = "runbooks/access_notes.md"
_ALNUM = string.ascii_letters + string.digits


def github_token() -> str:
    return "ghp_" + "".join(secrets.choice(_ALNUM) for _ in range(36))


def aws_key_id() -> str:
    return "AKIA" + "".join(
        secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16)
    )


# A fixture value that is not a secret (high entropy, quoted): what an honest baseline audits.
FIXTURE = "code/spark/test_fixture.py"
FIXTURE_TEXT = 'FAKE_TOKEN = "q8ZtR2vX7mN4pL9wK3sB6yH1cF5dG0jA"\n'


def notes(*tokens: str) -> str:
    lines = ["# Access", "", *(f"Token for the export job: {token}" for token in tokens)]
    return "\n".join(lines) + "\n"


def audited(path: str, text: str) -> list[dict[str, Any]]:
    """detect-secrets baseline entries auditing every secret of ``text`` as a false positive."""
    with sd.engine():
        hits = sd.scan_text(path, text, sd.Options())
    assert hits
    return [
        {
            "type": hit.kind,
            "filename": path,
            "hashed_secret": hit.hashed_secret,
            "is_verified": False,
            "line_number": hit.line,
            "is_secret": False,
        }
        for hit in hits
    ]


def baseline(**files: list[dict[str, Any]]) -> str:
    results = {entries[0]["filename"]: entries for entries in files.values()}
    return json.dumps({"version": "1.5.0", "results": results}, indent=2) + "\n"


def write(path: str, content: str) -> dict[str, Any]:
    return {"write": {"file": path, "content": content}}


def stage4(repo: Repo, *, base: bool = True) -> list[dict[str, Any]]:
    result = repo.result(stages=(4,), base=base)
    return [f for f in findings(result) if f["check"] == "secrets_scan"]


def exposed(found: list[dict[str, Any]], path: str, line: int) -> list[dict[str, Any]]:
    return [
        f
        for f in found
        if f.get("blocker") == "SECRETS_EXPOSED" and f["path"] == path and f["line"] == line
    ]


def notices(found: list[dict[str, Any]]) -> list[str]:
    return [f["message"] for f in found if f["severity"] == "notice" and f["path"] == BASELINE]


@pytest.mark.parametrize("token", [github_token, aws_key_id], ids=["github", "aws"])
def test_a_baseline_added_by_the_pull_request_suppresses_nothing(
    repo_factory: Callable[..., Repo], token: Callable[[], str]
) -> None:
    repo = repo_factory()
    text = notes(token())
    repo.head([write(NOTES, text), write(BASELINE, baseline(notes=audited(NOTES, text)))])

    found = stage4(repo)

    assert exposed(found, NOTES, 3)
    assert f"the pull request adds {BASELINE}; it suppresses nothing until it is merged" in notices(
        found
    )
    assert not any("suppressed as audited" in m for m in notices(found))


@pytest.mark.parametrize("token", [github_token, aws_key_id], ids=["github", "aws"])
def test_a_baseline_the_pull_request_changes_suppresses_only_what_the_base_has(
    repo_factory: Callable[..., Repo], token: Callable[[], str]
) -> None:
    honest = audited(FIXTURE, FIXTURE_TEXT)
    repo = repo_factory([write(FIXTURE, FIXTURE_TEXT), write(BASELINE, baseline(fixture=honest))])
    text = notes(token())
    repo.head(
        [
            write(NOTES, text),
            write(BASELINE, baseline(fixture=honest, notes=audited(NOTES, text))),
        ]
    )

    found = stage4(repo)

    assert exposed(found, NOTES, 3)
    assert (
        f"the pull request changes {BASELINE}; it suppresses nothing until it is merged"
        in notices(found)
    )
    # The base's own entry still holds.
    assert not exposed(found, FIXTURE, 1)
    assert any(m.startswith("1 finding suppressed as audited") for m in notices(found))


def test_credential_validation_ignores_the_pull_requests_baseline_too(
    repo_factory: Callable[..., Repo],
) -> None:
    repo = repo_factory()
    config = "configs/replica.yml"
    text = f"replica: postgres://app:{aws_key_id()[4:]}@replica/shop\n"
    repo.head([write(config, text), write(BASELINE, baseline(config=audited(config, text)))])

    result = repo.result(stages=(4,))

    found = [f for f in findings(result) if f["check"] == "credential_validation"]
    assert exposed(found, config, 1)
    assert not any("suppressed as audited" in f["message"] for f in findings(result))


def test_a_merged_baseline_still_suppresses_its_audited_false_positive(
    repo_factory: Callable[..., Repo],
) -> None:
    entries = audited(FIXTURE, FIXTURE_TEXT)
    repo = repo_factory(
        [
            *MERGED_AT_PLANNED,
            write(FIXTURE, FIXTURE_TEXT),
            write(BASELINE, baseline(fixture=entries)),
        ]
    )
    repo.head(at("PLANNED", "EXECUTED"))  # the next pull request, which leaves the baseline be

    found = stage4(repo)

    assert not exposed(found, FIXTURE, 1)
    (notice,) = notices(found)
    assert notice.startswith(
        f'1 finding suppressed as audited false positives of {BASELINE} ("is_secret": false) '
        "at the base commit "
    )
    assert not [f for f in found if f["severity"] in ("error", "warning")]


def test_a_merged_baseline_the_pull_request_deletes_still_applies(
    repo_factory: Callable[..., Repo],
) -> None:
    entries = audited(FIXTURE, FIXTURE_TEXT)
    repo = repo_factory([write(FIXTURE, FIXTURE_TEXT), write(BASELINE, baseline(fixture=entries))])
    repo.head([{"remove": BASELINE}])

    found = stage4(repo)

    assert not exposed(found, FIXTURE, 1)
    assert any("suppressed as audited" in m for m in notices(found))


def test_a_base_baseline_git_cannot_read_suppresses_nothing(
    repo_factory: Callable[..., Repo], monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = audited(FIXTURE, FIXTURE_TEXT)
    repo = repo_factory([write(FIXTURE, FIXTURE_TEXT), write(BASELINE, baseline(fixture=entries))])
    repo.head([write(NOTES, notes())])
    read = git_base.BaseCommit.read

    def failing(self: git_base.BaseCommit, repo_path: str, max_bytes: int) -> bytes | None:
        if repo_path.endswith(BASELINE):
            raise git_base.BaseError("git cat-file failed: no such object")
        return read(self, repo_path, max_bytes)

    monkeypatch.setattr(git_base.BaseCommit, "read", failing)

    found = stage4(repo)

    assert exposed(found, FIXTURE, 1)  # fail closed
    (warning,) = [f for f in found if f["severity"] == "warning"]
    assert warning["path"] == BASELINE
    assert warning["message"].startswith("the baseline cannot be read from the base commit ")
    assert warning["message"].endswith("; it suppresses nothing")


def test_the_prefix_hash_of_a_merged_entry_does_not_hide_another_token(
    repo_factory: Callable[..., Repo],
) -> None:
    # A fake token the team audited once: detect-secrets hashed only its "ghp" prefix.
    old = notes(github_token())
    entries = audited(NOTES, old)
    assert [e["type"] for e in entries] == ["GitHub Token"]
    repo = repo_factory([write(NOTES, old), write(BASELINE, baseline(notes=entries))])
    new = github_token()
    repo.head([write(NOTES, old + f"Token for the import job: {new}\n")])

    found = stage4(repo)

    (finding,) = exposed(found, NOTES, 4)
    assert '"GitHub Token"' in finding["message"]
    assert "a baseline entry cannot suppress it" in finding["message"]
    assert new not in json.dumps(found) and new[4:] not in json.dumps(found)
    # The audited fake itself is not hidden either: its entry identifies no token.
    assert exposed(found, NOTES, 3)


def test_without_a_base_the_work_tree_baseline_applies_unverified(
    repo_factory: Callable[..., Repo],
) -> None:
    repo = repo_factory()
    entries = audited(FIXTURE, FIXTURE_TEXT)
    repo.head([write(FIXTURE, FIXTURE_TEXT), write(BASELINE, baseline(fixture=entries))])

    found = stage4(repo, base=False)

    assert not exposed(found, FIXTURE, 1)
    (notice,) = notices(found)
    assert "not verified against a base commit" in notice


def test_a_secret_pasted_into_the_baseline_itself_is_reported(
    repo_factory: Callable[..., Repo],
) -> None:
    # The baseline was passed over by the scan: a secret written into it went unseen.
    repo = repo_factory(MERGED_AT_PLANNED)
    token = github_token()
    baseline = {
        "version": "1.5.0",
        "plugins_used": [{"name": "GitHubTokenDetector"}],
        "filters_used": [],
        "results": {
            "runbooks/orders_runbook.md": [
                {
                    "type": "Hex High Entropy String",
                    "filename": "runbooks/orders_runbook.md",
                    "hashed_secret": "0" * 40,
                    "is_verified": False,
                    "line_number": 3,
                    "is_secret": False,
                }
            ]
        },
        "notes": f"deploy token {token}",
    }
    repo.head(
        [
            *at("PLANNED", "EXECUTED"),
            {"write": {"file": ".secrets.baseline", "content": json.dumps(baseline, indent=2)}},
        ]
    )

    result = repo.result(stages=(4,))

    exposed = [f for f in findings(result) if f["blocker"] == "SECRETS_EXPOSED"]
    assert [f["path"] for f in exposed] == [".secrets.baseline"]
    assert exposed[0]["line"] == 21  # the notes line, not the hashed_secret line
    assert token not in json.dumps(result)
