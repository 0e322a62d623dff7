"""Our rules, which add what detect-secrets misses (token formats: ``tokens``; connection
strings, SQL, .pgpass, HTTP authentication, prose and assignments: ``statements``): a password in a connection URL even with
characters its ``BasicAuthDetector`` refuses, or in the URL's query (``?password=``, JDBC
``;password=``); and, in parsed YAML and JSON, a literal value under a credential-like key
(``password``, ``token``, ``client_secret``, ``access_key``, ...), which catches the
low-entropy values and keys that detect-secrets' keyword list lacks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from migration_checks.secret_detection.hits import Found
from migration_checks.secret_detection.precision import stand_in_url_password
from migration_checks.secret_detection.references import (
    DEFAULT_REF_SCHEMES,
    credential_key,
    not_a_secret,
    reference_place,
)

URL_USERINFO = "Password in URL"
URL_PARAMETER = "Credential in URL"
CREDENTIAL_VALUE = "Credential Value"

# A URL is found at its "://", with a scheme before it; its authority runs to the path, query or
# fragment, and the rest of the token follows (JDBC URLs put parameters after ";").
_SCHEME_BEFORE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,31}\Z")
_URL_AFTER = re.compile(r"(?P<authority>[^\s/?#'\"`<>]*)[^\s'\"`<>]*")
_AUTHORITY = re.compile(r"[^\s/?#'\"`<>]*")
_URL_PARAMETER = re.compile(
    r"[?&;](?P<name>password|passwd|pwd|pass|secret|client_secret|token|access_token"
    r"|auth_token|api_key|apikey|sig|x-amz-signature|x-goog-signature)="
    r"(?P<value>[^&;#\s'\"`<>]+)",
    re.IGNORECASE,
)
_SEPARATOR = re.compile("://")


def url_secrets(text: str, schemes: Sequence[str] = DEFAULT_REF_SCHEMES) -> Iterator[Found]:
    """Passwords in URLs' user information (``postgres://app:pw@db``) and credentials in their
    parameters (``?password=``, ``;password=``), unless empty, masked or interpolated.

    In linear time: a URL runs to the end of its token, which several URLs can share
    (``a://b://c...``); the token's end is found once, and its parameters are read once, from
    its first URL (a URL inside a parameter's value is then part of that value)."""
    token_end = -1
    for separator in _SEPARATOR.finditer(text):
        start = separator.start()
        if not _SCHEME_BEFORE.search(text, max(0, start - 32), start):
            continue
        authority_match = _AUTHORITY.match(text, separator.end())
        if authority_match is None:  # pragma: no cover - the pattern matches the empty string
            continue
        authority = authority_match.group()
        at = authority.rfind("@")
        if 0 < at < len(authority) - 1:
            user, colon, password = authority[:at].partition(":")
            # A stand-in (``user:user@``, ``:password@``) is no secret, but the URL's
            # parameters are still read below.
            if (
                colon
                and not not_a_secret(password, schemes)
                and not stand_in_url_password(user, password)
            ):
                yield Found(URL_USERINFO, password, separator.end() + len(user) + 1)
        if separator.end() < token_end:
            continue  # in the token of a URL before it, whose parameters were read
        url = _URL_AFTER.match(text, separator.end())
        if url is None:  # pragma: no cover - the pattern matches the empty string
            continue
        token_end = url.end()
        for parameter in _URL_PARAMETER.finditer(text, url.start(), url.end()):
            value = parameter.group("value")
            if not not_a_secret(value, schemes):
                yield Found(URL_PARAMETER, value, parameter.start("value"))


def credential_values(
    data: Any,
    extra_keys: frozenset[str] = frozenset(),
    schemes: Sequence[str] = DEFAULT_REF_SCHEMES,
) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    """(path, key, value) of every literal value under a credential-like key of parsed data: a
    string that is not a reference or a placeholder, or a number; in a list, each of them."""
    judged: dict[str, bool] = {}  # keys repeat (a list of records): each judged once
    for path, key, value in mapping_entries(data):
        credential = judged.get(key)
        if credential is None:
            credential = judged[key] = credential_key(key, extra_keys)
        if credential and not reference_place(data, path, value):
            if key == "secrets" and value == "inherit" and len(path) >= 3 and path[-3] == "jobs":
                continue  # GitHub Actions: a reusable workflow gets its caller's secrets
            items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
            for index, item in items:
                where = path if index is None else (*path, index)
                literal = _literal(item)
                if literal is not None and not not_a_secret(literal, schemes):
                    yield where, key, literal


def mapping_entries(data: Any) -> Iterator[tuple[tuple[str | int, ...], str, Any]]:
    """(path, key, value) of every entry with a string key of every mapping in parsed data, at
    any depth, in lists too; the path ends with the key."""
    pending: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while pending:
        path, node = pending.pop()
        if isinstance(node, list):
            pending.extend(((*path, i), item) for i, item in enumerate(node))
        elif isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str):
                    yield (*path, key), key, value
                    if isinstance(value, dict | list):
                        pending.append(((*path, key), value))


def _literal(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return None
