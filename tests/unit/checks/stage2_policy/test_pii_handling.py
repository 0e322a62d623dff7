"""The column-name heuristics of pii_handling: unambiguous names block, ambiguous ones notify."""

from __future__ import annotations

import pytest

from migration_checks.checks.stage2_policy.pii_handling import (
    AMBIGUOUS_NAMES,
    UNAMBIGUOUS_NAMES,
    classify_name,
    normalise,
)
from migration_checks.resources import default_policy_bytes


@pytest.mark.parametrize(
    ("name", "normal"),
    [
        ("email", "email"),
        ("E-Mail", "e_mail"),
        ("eMail", "e_mail"),
        ("customerEmail", "customer_email"),
        ("DateOfBirth", "date_of_birth"),
        ("IPAddress", "ipaddress"),
        ("phone number", "phone_number"),
        ("__SSN__", "ssn"),
        ("ip_v4", "ip_v4"),
    ],
)
def test_normalise(name: str, normal: str) -> None:
    assert normalise(name) == normal


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("email", "email"),
        ("EMAIL_ADDRESS", "email"),
        ("emailAddress", "email"),
        ("contact_email", "email"),
        ("phone", "phone"),
        ("phoneNumber", "phone"),
        ("mobile", "phone"),
        ("home_phone", "phone"),
        ("ssn", "ssn"),
        ("social_security_number", "ssn"),
        ("first_name", "name"),
        ("LastName", "name"),
        ("full_name", "name"),
        ("customer_full_name", "name"),
        ("surname", "name"),
        ("dob", "dob"),
        ("date_of_birth", "dob"),
        ("birthDate", "dob"),
        ("birthday", "dob"),
        ("credit_card", "credit_card"),
        ("card_number", "credit_card"),
        ("creditCardNumber", "credit_card"),
        ("ip_address", "ip_address"),
        ("IPAddress", "ip_address"),
        ("client_ip", "ip_address"),
    ],
)
def test_unambiguous_names_imply_a_category(name: str, category: str) -> None:
    assert classify_name(name) == (category, False)


@pytest.mark.parametrize(
    "name",
    ["name", "Name", "city", "username", "userName", "district", "address", "shipping_address",
     "customer_name", "zip_code", "gender"],
)  # fmt: skip
def test_ambiguous_names_are_only_flagged(name: str) -> None:
    assert classify_name(name) == (None, True)


@pytest.mark.parametrize(
    "name",
    ["id", "customer_id", "email_verified", "email_hash", "phone_country", "name_id", "sku",
     "created_at", "ip_count", "card_type", "user", "customer", "dob_year_bucket"],
)  # fmt: skip
def test_other_names_are_not_pii(name: str) -> None:
    assert classify_name(name) == (None, False)


def test_categories_are_the_default_policy_s() -> None:
    import json

    categories = set(json.loads(default_policy_bytes())["pii"]["categories"])
    assert set(UNAMBIGUOUS_NAMES.values()) <= categories
    assert not AMBIGUOUS_NAMES & set(UNAMBIGUOUS_NAMES)
