"""Our rules, which add what detect-secrets misses (token formats: ``tokens``; connection
strings, SQL, .pgpass, HTTP authentication, prose and assignments: ``statements``): a password in a connection URL even with
characters its ``BasicAuthDetector`` refuses, or in the URL's query (``?password=``, JDBC
``;password=``); and, in parsed YAML and JSON, a literal value under a credential-like key
(``password``, ``token``, ``client_secret``, ``access_key``, ...), which catches the
low-entropy values and keys that detect-secrets' keyword list lacks.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from migration_checks.secret_detection.ci_files import structured_false_alarm
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
    for parent, key, value in _entries(data):
        credential = judged.get(key)
        if credential is None:
            credential = judged[key] = credential_key(key, extra_keys)
        if not credential and key.lower() not in _DEFAULT_KEYS:
            continue  # most keys: the entry's path is not even built
        path = (*parent, key)
        named = credential or _default_of_credential(path, extra_keys)
        if named and not reference_place(data, path, value):
            if structured_false_alarm(data, path, value):
                continue  # code/'s CI, dbt and Airflow shapes at their places (ci_files)
            if key == "secrets" and value == "inherit" and len(path) >= 3 and path[-3] == "jobs":
                continue  # GitHub Actions: a reusable workflow gets its caller's secrets
            items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
            for index, item in items:
                where = path if index is None else (*path, index)
                literal = _literal(item)
                if literal is not None and not not_a_secret(literal, schemes):
                    yield where, key, literal


def kubernetes_secret_values(
    data: Any, schemes: Sequence[str] = DEFAULT_REF_SCHEMES
) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    """(path, key, value) of every value of a Kubernetes Secret (``kind: Secret`` of the core
    ``v1`` API, at any depth: a ``List``'s items, a Helm or Kustomize bundle), whatever its key:
    everything under ``data`` (base64, judged decoded) and ``stringData`` is what the cluster
    hands a pod as a secret (gitleaks' ``kubernetes-secret-yaml``). A value that decodes to a
    reference or a placeholder is none, and a certificate without its key is public."""
    for path, document in _nodes(data):
        if not isinstance(document, dict) or document.get("kind") != "Secret":
            continue
        if document.get("apiVersion", "v1") != "v1":
            continue
        for field, encoded in (("data", True), ("stringData", False)):
            values = document.get(field)
            if not isinstance(values, dict):
                continue
            for key, value in values.items():
                literal = _literal(value)
                if not isinstance(key, str) or literal is None:
                    continue
                judged = _base64_text(literal) if encoded else literal
                plain = _PLAIN_FACT.fullmatch(judged if judged is not None else literal)
                if key.lower() in _CONNECTION_FACTS and plain is not None:
                    continue  # where to connect, not how to get in (a URL is judged)
                if _certificates_only(judged):
                    continue  # tls.crt, ca.crt: public
                if not not_a_secret(judged if judged is not None else literal, schemes):
                    yield (*path, field, key), key, literal


# A credential given by name in a list of pairs: Kubernetes and ECS ``env: [{name: DB_PASSWORD,
# value: x}]``, Terraform JSON; in a list of strings: ``environment: [POSTGRES_PASSWORD=x]``
# (Compose, Kustomize literals), ``args: ["--password", "x"]``.
_NAME_KEYS = ("name", "Name", "key", "Key")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
_VARIABLE = re.compile(r"[A-Z][A-Z0-9]*+(?:_[A-Z0-9]++)++")  # another name: an alias, not a value
_VALUE_KEYS = ("value", "Value")
_ASSIGNED = re.compile(r"(?:--?)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]{0,63}+)=(?P<value>.{1,400})", re.S)
_PASSWORD_OPTION = re.compile(r"--?(?:[a-z]{1,20}+-)?(?:password|passwd|pass|pwd|token|secret)")


def named_values(
    data: Any,
    extra_keys: frozenset[str] = frozenset(),
    schemes: Sequence[str] = DEFAULT_REF_SCHEMES,
) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    """(path, name, value) of every literal that parsed data gives a credential's name to
    without a credential-named key: a name/value pair, ``NAME=value`` or ``--password value``
    items of a list. The names and values of one list are judged together, as a mapping's
    (``ci_files``: ``POSTGRES_PASSWORD=dbt`` beside ``POSTGRES_USER=dbt`` is a stand-in)."""
    for path, node in _nodes(data):
        found: list[tuple[tuple[str | int, ...], str, Any]] = []
        settings: dict[str, Any] = {}
        if isinstance(node, dict):
            name, field = _name_and_value(node)
            if name is not None and field is not None:
                settings[name] = node[field]
                if credential_key(name, extra_keys):
                    found.append(((*path, field), name, node[field]))
        elif isinstance(node, list):
            pair = len(node) == 2 and all(isinstance(item, str) for item in node)
            named = pair and _NAME.fullmatch(node[0]) is not None
            if named and credential_key(node[0], extra_keys) and not _VARIABLE.fullmatch(node[1]):
                found.append(((*path, 1), node[0], node[1]))  # [X-Api-Key, value]
            for index, item in enumerate(node):
                if isinstance(item, dict):
                    name, field = _name_and_value(item)
                    if name is not None and field is not None:
                        settings[name] = item[field]
                if not isinstance(item, str):
                    continue
                assigned = _ASSIGNED.fullmatch(item)
                if assigned is not None:
                    settings[assigned["key"]] = assigned["value"]
                    if credential_key(assigned["key"], extra_keys):
                        found.append(((*path, index), assigned["key"], assigned["value"]))
                elif _PASSWORD_OPTION.fullmatch(item) and index + 1 < len(node):
                    found.append(((*path, index + 1), item, node[index + 1]))
        for where, name, value in found:
            literal = _literal(value)
            if literal is None or not_a_secret(literal, schemes):
                continue
            if name in settings and structured_false_alarm(settings, (name,), value):
                continue
            yield where, name, literal


def _name_and_value(node: dict[Any, Any]) -> tuple[str | None, str | None]:
    field = next((k for k in _VALUE_KEYS if k in node), None)
    if field is None:  # most mappings: asked first, cheaply
        return None, None
    name = next((node[k] for k in _NAME_KEYS if isinstance(node.get(k), str)), None)
    return name, field


def _nodes(data: Any) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every mapping and list of parsed data with its path, the root first."""
    pending: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while pending:
        path, node = pending.pop()
        if isinstance(node, dict):
            yield path, node
            pending.extend(((*path, k), v) for k, v in node.items() if isinstance(v, dict | list))
        elif isinstance(node, list):
            yield path, node
            pending.extend(
                ((*path, i), v) for i, v in enumerate(node) if isinstance(v, dict | list)
            )


_CERTIFICATE = "-----BEGIN CERTIFICATE-----"
# A Secret's keys that say where to connect (a Helm chart's host, port and user beside the
# password): not secrets themselves, and each judged by the rules of its key elsewhere.
_CONNECTION_FACTS = frozenset(
    {"host", "hostname", "port", "user", "username", "database", "dbname", "db", "schema",
     "region", "endpoint", "namespace", "bucket", "sslmode"}
)  # fmt: skip
_PLAIN_FACT = re.compile(r"[A-Za-z0-9._-]{1,253}")


def _certificates_only(text: str | None) -> bool:
    """PEM certificates and nothing private (a bundle with its key is a secret)."""
    return text is not None and text.lstrip().startswith(_CERTIFICATE) and "PRIVATE" not in text


def _base64_text(value: str) -> str | None:
    """The UTF-8 text that ``value`` is the base64 of, or None."""
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


# The default or value of a credential-named parameter (CloudFormation ``DbPassword: {Default:
# x}``, a JSON schema's ``"password": {"default": "x"}``, an Ansible or Helm parameter).
_DEFAULT_KEYS = frozenset({"default", "value", "defaultvalue", "default_value"})


def _default_of_credential(path: tuple[str | int, ...], extra_keys: frozenset[str]) -> bool:
    if len(path) < 2 or not isinstance(path[-1], str) or not isinstance(path[-2], str):
        return False
    return path[-1].lower() in _DEFAULT_KEYS and credential_key(path[-2], extra_keys)


def _entries(data: Any) -> Iterator[tuple[tuple[str | int, ...], str, Any]]:
    """(path of the mapping, key, value) of every entry with a string key of every mapping in
    parsed data, at any depth: ``mapping_entries`` without building each entry's path."""
    pending: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while pending:
        path, node = pending.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str):
                    yield path, key, value
                    if isinstance(value, dict | list):
                        pending.append(((*path, key), value))
        elif isinstance(node, list):
            pending.extend(
                ((*path, i), item) for i, item in enumerate(node) if isinstance(item, dict | list)
            )


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
