"""The fake GitHub server, started per test, and a pull request that matches the example tree."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gate.trees import BRANCH
from tests.github.fake_github import FakeGithub, FakePull

HEAD = "c0ffee" + "0" * 34
REPO = "shop/migrations"


@pytest.fixture
def fake() -> Iterator[FakeGithub]:
    server = FakeGithub(repo=REPO)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fake_ghe() -> Iterator[FakeGithub]:
    server = FakeGithub(prefix="/api/v3", repo=REPO)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def approved_pull(fake: FakeGithub, number: int = 7, **kwargs: object) -> FakePull:
    """PR #7 by "author1" on the migration branch: approved on its head by jsmith (a user of
    data_owner) and lchen (member of shop/security), with well-formed commits."""
    pull = fake.pull(number, author="author1", head_sha=HEAD, head_ref=BRANCH, **kwargs)  # type: ignore[arg-type]
    pull.commit("[MIGRATION] PROPOSE: Initial sqlite-to-s3 migration for the shop")
    pull.commit("[MIGRATION] APPROVE: data owner and security approvals for plan v3")
    pull.review("jsmith")
    pull.review("lchen")
    fake.teams["shop/security"] = ["lchen", "someone"]
    return pull
