"""Verify that every column holding personal data has a handling in the plan that the policy allows.

Personal data copied as-is into a new store is a compliance incident; the plan must say, per
column, how it is protected. A column is PII when any of these says so: the mapping's ``pii`` on
the column, the profiling report's ``pii_detected``, or a column name that is unambiguous (the
list below). Each such column of a planned dataset (mapped, excluded or only profiled) needs an
entry ``{column, category, handling}`` in the plan's ``datasets[].pii``, keyed by the source
column name. Every entry's ``handling`` must be in the policy's ``pii.allowed_handling`` and its
``category`` in ``pii.categories`` (taken from the bundled default policy when the policy has no
``pii`` section). A column the mapping ``exclude``s is addressed by any allowed handling,
``drop`` included; ``drop`` on a column the mapping still migrates is a finding. Two entries for
one column are a finding, since they leave the handling unclear.

Column names are compared after lowercasing, turning camelCase and separators into ``_``, and
dropping one leading qualifier (``customer_``, ``user_``, ``contact_``, ``billing_``,
``shipping_``, ``home_``, ``work_``, ...). Unambiguous names (blocking): ``email``,
``email_address``, ``e_mail``; ``phone``, ``phone_number``, ``telephone``, ``mobile``,
``mobile_number``, ``cell_phone``; ``ssn``, ``social_security_number``; ``first_name``,
``last_name``, ``full_name``, ``given_name``, ``family_name``, ``middle_name``, ``surname``;
``date_of_birth``, ``dob``, ``birth_date``, ``birthdate``, ``birthday``; ``credit_card``,
``credit_card_number``, ``card_number``, ``cc_number``; ``ip``, ``ip_address``, ``ip_addr``
(and the same words run together, as ``firstName`` or ``ipaddress``). Ambiguous names (``name``,
``username``, ``login``, ``address``, ``street``, ``city``, ``district``, ``zip``,
``postal_code``, ``gender``) without other evidence or a plan entry give a notice only.

Passes: ``customers.email`` declared ``pii: email`` in the mapping, with
``{column: email, category: email, handling: hash}`` in the plan; ``products.name`` (a notice).
Fails: ``customers.phone`` detected by profiling with no plan entry; a plan entry with
``handling: rot13``; ``category: biometric`` when the policy does not list it; ``drop`` on a
column the mapping migrates.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from migration_checks.blockers import BlockerId
from migration_checks.context import MigrationContext
from migration_checks.documents import Document
from migration_checks.model import Location, Problem, Severity, Stage

ID = "pii_handling"
STAGE = Stage.POLICY
BLOCKING = True
RAISES = (BlockerId.PII_NOT_ADDRESSED,)
POLICY = ("pii",)

_NOT_ADDRESSED = BlockerId.PII_NOT_ADDRESSED


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Unambiguous names, by the PII category they imply: these hold personal data whatever the table.
_UNAMBIGUOUS_BY_CATEGORY = {
    "email": "email e_mail email_address emailaddress email_addr mail_address",
    "phone": "phone phone_number phonenumber phone_no telephone telephone_number mobile "
    "mobile_number mobile_phone mobile_no cell_phone cellphone msisdn",
    "ssn": "ssn social_security_number socialsecuritynumber social_security_no",
    "name": "first_name firstname last_name lastname full_name fullname given_name givenname "
    "family_name familyname middle_name middlename maiden_name surname",
    "dob": "dob date_of_birth dateofbirth birth_date birthdate birthday",
    "credit_card": "credit_card creditcard credit_card_number creditcardnumber credit_card_no "
    "card_number cardnumber card_no cc_number",
    "ip_address": "ip ip_address ipaddress ip_addr ipv4_address ipv6_address",
}
# Normalised column name -> PII category.
UNAMBIGUOUS_NAMES: dict[str, str] = {
    name: category for category, names in _UNAMBIGUOUS_BY_CATEGORY.items() for name in _words(names)
}
# Names that may or may not hold personal data (a product's name, a store's city): a notice.
AMBIGUOUS_NAMES = _words(
    "name username user_name login address street street_address city district zip zip_code "
    "zipcode postal_code postcode gender"
)
# Leading words that say whose data a column holds, not what it is: "customer_email" is an email.
QUALIFIERS = _words(
    "customer user client contact billing shipping primary secondary personal private home work "
    "business emergency alt alternate account holder owner member employee patient remote source"
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[^a-z0-9]+")


def normalise(name: str) -> str:
    """``customerEmail`` -> ``customer_email``; ``E-Mail`` -> ``e_mail``."""
    return _SEPARATORS.sub("_", _CAMEL.sub("_", name).lower()).strip("_")


@lru_cache(maxsize=4096)
def classify_name(name: str) -> tuple[str | None, bool]:
    """``(category, ambiguous)`` for a column name: the PII category an unambiguous name implies,
    or whether the name is an ambiguous one; ``(None, False)`` for any other name."""
    normal = normalise(name)
    candidates = [normal]
    first, _, rest = normal.partition("_")
    if rest and first in QUALIFIERS:
        candidates.append(rest)
    for candidate in candidates:
        if candidate in UNAMBIGUOUS_NAMES:
            return UNAMBIGUOUS_NAMES[candidate], False
    return None, any(candidate in AMBIGUOUS_NAMES for candidate in candidates)


# A plan's PII entries of one dataset, by column: (index in the plan's list, the entry).
_Entries = dict[str, tuple[int, dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class _Dataset:
    """One planned dataset: its place in the plan, mapping and report, and its PII entries."""

    name: str
    d: int  # index in the plan
    m: int | None  # index in the mapping
    r: int | None  # index in the profiling report
    entries: _Entries


def check(ctx: MigrationContext) -> Iterator[Problem]:
    plan = ctx.require("signed_plan")
    mapping = ctx.usable("mapping")
    report = ctx.usable("profiling_report")
    in_mapping = (
        {entry["source"]: m for m, entry in enumerate(mapping.data["datasets"])}
        if mapping is not None
        else {}
    )
    in_report = (
        {entry["name"]: r for r, entry in enumerate(report.data["datasets"])}
        if report is not None
        else {}
    )
    categories = set(ctx.policy.setting("pii", "categories") or [])
    allowed = set(ctx.policy.setting("pii", "allowed_handling") or [])
    for d, dataset in enumerate(plan.data["plan"]["datasets"]):
        entries = yield from _entries(plan, d, dataset, categories, allowed)
        name = dataset["name"]
        yield from _columns(
            _Dataset(name, d, in_mapping.get(name), in_report.get(name), entries),
            plan,
            mapping,
            report,
        )


def _entries(
    plan: Document, d: int, dataset: dict[str, Any], categories: set[str], allowed: set[str]
) -> Generator[Problem, None, _Entries]:
    """Check the plan's PII entries of one dataset; return them by column (the first of each)."""
    entries: _Entries = {}
    for e, entry in enumerate(dataset.get("pii", [])):
        column = f'"{dataset["name"]}.{entry["column"]}"'
        base = f"/plan/datasets/{d}/pii/{e}"
        if entry["column"] in entries:
            yield Problem(
                f"PII column {column} has two entries in the plan; keep one handling",
                _NOT_ADDRESSED,
                plan.at(f"{base}/column"),
            )
            continue
        entries[entry["column"]] = (e, entry)
        if entry["handling"] not in allowed:
            yield Problem(
                f'PII column {column}: handling "{entry["handling"]}" is not allowed: expected one '
                f"of {_listing(allowed)} (policy pii.allowed_handling)",
                _NOT_ADDRESSED,
                plan.at(f"{base}/handling"),
            )
        if entry["category"] not in categories:
            yield Problem(
                f'PII column {column}: category "{entry["category"]}" is unknown: expected one of '
                f"{_listing(categories)} (policy pii.categories)",
                _NOT_ADDRESSED,
                plan.at(f"{base}/category"),
            )
    return entries


@dataclass(frozen=True, slots=True)
class _Known:
    """What the mapping and the report say of one dataset's columns, by source column name."""

    mapping: Document | None
    report: Document | None
    mapped: dict[str, tuple[int, str]]  # index in the mapping's columns, declared pii
    excluded: dict[str, int]  # index in the mapping's exclude
    profiled: dict[str, tuple[int, str]]  # index in the report's columns, pii_detected

    def location(self, dataset: _Dataset, column: str) -> Location:
        if self.mapping is not None and column in self.mapped:
            j, declared = self.mapped[column]
            leaf = "pii" if declared else "source/name"
            return self.mapping.at(f"/datasets/{dataset.m}/columns/{j}/{leaf}")
        if self.mapping is not None and column in self.excluded:
            return self.mapping.at(f"/datasets/{dataset.m}/exclude/{self.excluded[column]}")
        assert self.report is not None
        k = self.profiled[column][0]
        return self.report.at(f"/datasets/{dataset.r}/columns/{k}/pii_detected")


def _known(dataset: _Dataset, mapping: Document | None, report: Document | None) -> _Known:
    mapped: dict[str, tuple[int, str]] = {}
    excluded: dict[str, int] = {}
    if mapping is not None and dataset.m is not None:
        spec = mapping.data["datasets"][dataset.m]
        mapped = {
            c["source"]["name"]: (j, c.get("pii") or "") for j, c in enumerate(spec["columns"])
        }
        excluded = {column: j for j, column in enumerate(spec.get("exclude", []))}
    profiled: dict[str, tuple[int, str]] = {}
    if report is not None and dataset.r is not None:
        columns = report.data["datasets"][dataset.r]["columns"]
        profiled = {c["name"]: (k, c["pii_detected"] or "") for k, c in enumerate(columns)}
    return _Known(mapping, report, mapped, excluded, profiled)


def _columns(
    dataset: _Dataset, plan: Document, mapping: Document | None, report: Document | None
) -> Iterator[Problem]:
    """Every source column of the dataset the mapping or the report knows, judged once.

    This runs over every column of every table, so a column without any sign of PII costs a few
    dictionary lookups and a cached name classification, nothing more.
    """
    known = _known(dataset, mapping, report)
    for column in dict.fromkeys([*known.mapped, *known.excluded, *known.profiled]):
        category, ambiguous = classify_name(column)
        declared = known.mapped[column][1] if column in known.mapped else ""
        detected = known.profiled[column][1] if column in known.profiled else ""
        if not (category or ambiguous or declared or detected):
            continue
        evidence = [
            *([f'the mapping declares pii "{declared}"'] if declared else []),
            *([f'profiling detected "{detected}"'] if detected else []),
            *([f"its name means {category}"] if category else []),
        ]
        entry = dataset.entries.get(column)
        label = f'"{dataset.name}.{column}"'
        if not evidence:
            if entry is None:
                yield Problem(
                    f"column {label} may hold personal data (an ambiguous name); if it does, "
                    "declare pii in the mapping and a handling in the plan",
                    severity=Severity.NOTICE,
                    location=known.location(dataset, column),
                )
        elif entry is None:
            yield Problem(
                f"PII column {label} ({'; '.join(evidence)}) has no handling in the plan; "
                f"add {{column, category, handling}} to the plan's datasets[{dataset.d}].pii",
                _NOT_ADDRESSED,
                known.location(dataset, column),
            )
        elif (
            entry[1]["handling"] == "drop"
            and column in known.mapped
            and column not in known.excluded
        ):
            yield Problem(
                f"PII column {label}: the plan drops it but the mapping migrates it; exclude it "
                "in the mapping or choose another handling",
                _NOT_ADDRESSED,
                plan.at(f"/plan/datasets/{dataset.d}/pii/{entry[0]}/handling"),
            )


def _listing(values: set[str]) -> str:
    return ", ".join(f'"{v}"' for v in sorted(values)) if values else "nothing (the list is empty)"
