"""The reference pages are the code's: every check and blocker has one, in the product's words."""

from __future__ import annotations

import pytest

from migration_checks import reference
from migration_checks.blockers import BLOCKERS
from migration_checks.registry import ALL_CHECKS


def test_every_check_and_blocker_has_a_page_and_the_policy_one() -> None:
    pages = reference.pages()
    assert {f"checks/{c.id}.md" for c in ALL_CHECKS} | {f"blockers/{b}.md" for b in BLOCKERS} | {
        "policy.md"
    } == set(pages)


@pytest.mark.parametrize("check", ALL_CHECKS, ids=lambda c: c.id)
def test_a_check_page_says_what_when_and_how_to_fix(check: reference.Check) -> None:
    page = reference.check_page(check)
    assert page.startswith(f"# `{check.id}`\n")
    assert f"Stage {int(check.stage)}" in page
    for blocker in check.raises if not reference.raises_any(check) else ():
        assert f"(../blockers/{blocker}.md)" in page
    assert reference.examples(check, "Passes") and reference.examples(check, "Fails")
    assert "``" not in page  # reStructuredText is shown as Markdown
    for name in check.policy:  # each policy field it names exists in the schema
        assert any(field.path == name for field in reference.policy_fields()), name


def test_pages_never_cite_documents_a_user_does_not_have() -> None:
    for name, page in reference.pages().items():
        for citation in ("SPEC", "seed section", "the seed"):
            assert citation not in page, (name, citation)


def test_examples_split_on_semicolons_outside_code() -> None:
    check = next(c for c in ALL_CHECKS if c.id == "lint_sql")
    assert (
        reference.examples(check, "Passes")[0] == "``SELECT order_id FROM orders`` in ``code/sql/``"
    )


@pytest.mark.parametrize("name", ["plan_signature", "PLAN_SIGNATURE", "ci_failure", "CI_FAILURE"])
def test_explain_text_accepts_check_and_blocker_ids_in_plain_text(name: str) -> None:
    text = reference.explain_text(name)
    assert text is not None
    assert "`" not in text and "**" not in text and "](" not in text
    assert text.splitlines()[0] in ("plan_signature", "CI_FAILURE")


def test_explain_text_of_an_unknown_name_is_none() -> None:
    assert reference.explain_text("lint_cobol") is None
