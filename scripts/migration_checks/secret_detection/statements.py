"""Credentials in the statements migration code and its documentation write them in, which no
key name or token prefix gives away: connection strings (libpq ``key=value`` DSNs, ODBC),
SQL that sets a password, ``.pgpass`` lines, HTTP authentication in code and curl, prose that
states a password, and a literal assigned to a credential-named key in code or text.

Each rule yields the value (never printed: it becomes a ``Hit``'s hash) unless it is a
reference or a placeholder (``references.not_a_secret``). *Linear time*: each pattern starts at
a literal word, its repetitions are bounded and possessive, with no nested quantifier, and it
runs only when the folded text holds one of its literals (``prefilter.Triggers``); the
assignment rule runs line by line, on the lines that hold a credential word.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Sequence

from migration_checks.secret_detection.hits import Found
from migration_checks.secret_detection.prefilter import Triggers
from migration_checks.secret_detection.references import (
    DEFAULT_REF_SCHEMES,
    credential_key,
    not_a_secret,
)

CONNECTION_STRING = "Password in Connection String"
SQL_PASSWORD = "Password in SQL"  # noqa: S105 - a finding's type
PGPASS = "Password in .pgpass"
HTTP_AUTH = "HTTP Credentials"
PROSE = "Password in Prose"
ASSIGNMENT = "Credential Assignment"

_TRIGGERS = Triggers(
    {
        "connection": ("password", "pwd"),
        "sql": ("identified", "password"),
        "http": ("auth", "curl"),
        "prose": ("password", "passwd", "pwd", "passphrase"),
        "assignment": ("pass", "pwd", "secret", "token", "key", "credential", "bearer"),
    }
)

# -- connection strings -------------------------------------------------------------------------
# libpq (``host=db dbname=shop user=app password=x``, also inside dblink_connect('...') and
# psycopg.connect("...")) and ODBC / ADO.NET (``Server=db;Database=x;Uid=app;Pwd=x;``). The
# password key must be a word of its own (not DB_PASSWORD=, which the keyword plugin judges),
# and another connection keyword must be on the line: a connection string has several.
_CONNECTION_PASSWORD = re.compile(
    r"(?i)(?<![A-Za-z0-9_.$-])(?:password|pwd)[ \t]{0,4}+=[ \t]{0,4}+"
    r"(?:'(?P<q>(?:[^'\\\n]|\\.){1,200}+)'|(?P<b>[^\s'\"`\\;)]{1,200}+))"
)
_CONNECTION_KEY = re.compile(
    r"(?i)(?<![A-Za-z0-9_])(?:host|hostaddr|dbname|user|port|sslmode|service|server|database"
    r"|uid|user id|data source|initial catalog|account|warehouse|driver)[ \t]{0,4}+="
)


def _on_its_line(pattern: re.Pattern[str], text: str, lines: _LineIndex) -> Callable[[int], bool]:
    """Whether ``pattern`` occurs on the line holding an offset; each line searched once, so a
    long line of many matches stays linear."""
    seen: dict[int, bool] = {}

    def found(offset: int) -> bool:
        start, end = lines.span(offset)
        if start not in seen:
            seen[start] = pattern.search(text, start, end) is not None
        return seen[start]

    return found


def _connection_strings(text: str, lines: _LineIndex) -> Iterator[Found]:
    keyed = _on_its_line(_CONNECTION_KEY, text, lines)
    for match in _CONNECTION_PASSWORD.finditer(text):
        if not keyed(match.start()):
            continue
        group = "q" if match.group("q") is not None else "b"
        yield Found(CONNECTION_STRING, match.group(group), match.start(group))


# -- SQL ------------------------------------------------------------------------------------------
# CREATE/ALTER USER ... IDENTIFIED [WITH plugin] BY 'x' (MySQL, Oracle: also a bare word),
# CREATE/ALTER ROLE|USER ... [WITH] [ENCRYPTED] PASSWORD 'x' (PostgreSQL, Redshift, Snowflake
# with "="), CREATE USER MAPPING / SERVER ... OPTIONS (user 'u', password 'x'), SET PASSWORD.
_SQL_QUOTED = r"(?:'(?P<q>(?:[^'\n]|''){0,200}+)'|\"(?P<d>[^\"\n]{0,200}+)\")"
_SQL_IDENTIFIED = re.compile(
    r"(?i)\bidentified[ \t\n]{1,8}+(?:with[ \t\n]{1,8}+[A-Za-z0-9_'\"]{1,64}+[ \t\n]{1,8}+)?"
    rf"by[ \t\n]{{1,8}}+(?:password[ \t\n]{{1,8}}+)?(?:{_SQL_QUOTED}|(?P<b>[A-Za-z0-9_$#]{{1,128}}+))"
)
# "password" quoted is a string, not the keyword: its closing quote opens no value
# ("password" === s in minified JavaScript); "password" 'x' is still the keyword and a value.
_SQL_PASSWORD = re.compile(
    rf"(?i)(?:(?<![A-Za-z0-9_.$'\"-])password|\"password\"|'password')"
    rf"[ \t\n]{{0,8}}+=?[ \t\n]{{0,8}}+{_SQL_QUOTED}"
)
_SQL_SET_PASSWORD = re.compile(
    rf"(?i)\bset[ \t]{{1,8}}+password\b[^=\n;]{{0,120}}+=[ \t]{{0,8}}+(?:password[ \t]*\()?{_SQL_QUOTED}"
)
# Outside SQL files a quoted "password 'x'" is SQL only with one of these words on its line.
_SQL_CONTEXT = re.compile(r"(?i)\b(?:role|user|login|mapping|server|options)\b")
_SQL_FILES = (".sql", ".ddl", ".psql", ".pgsql", ".hql", ".plsql", ".pks", ".pkb")
_SQL_NOT_PASSWORDS = frozenset({"values", "password"})


# Outside SQL files, and in their comments: "identified by" after CREATE/ALTER USER|ROLE|LOGIN
# on its line; a SQL word elsewhere on the line is not enough ("... not user name, which can
# be identified by joining onto the users table").
_DDL_HEAD = re.compile(r"(?i)\b(?:create|alter)[ \t]{1,8}+(?:user|role|login)\b")
_DDL_LOOKBACK = 200
# In a SQL file, prose goes on after the word ("identified by a prefix (default: ...)", in a
# macro's doc comment); a password ends its line or statement, or an upper-case option follows.
_PROSE_NEXT = re.compile(r"[a-z]")


def _ddl_bare(text: str, match: re.Match[str], sql_file: bool) -> bool:
    """Whether an unquoted word after "identified by" is a password: in a SQL file outside a
    ``--`` comment, unless a lower-case word follows it on its line; elsewhere (and in comments) only in DDL: written in capitals (``IDENTIFIED
    BY``), after CREATE/ALTER USER on its line, or ending the statement (``;``). Prose ("are
    identified by the ``is_filtered_event`` field") is none of these."""
    start = match.start()
    line_start = text.rfind("\n", max(0, start - _DDL_LOOKBACK), start) + 1
    before = text[max(line_start, start - _DDL_LOOKBACK) : start]
    after = text[match.end() : match.end() + 9].lstrip(" \t")
    if sql_file and "--" not in before and _PROSE_NEXT.match(after) is None:
        return True
    if text[start : start + 10].isupper() or _DDL_HEAD.search(before) is not None:
        return True
    return after.startswith(";")


def _sql(path: str, text: str, lines: _LineIndex) -> Iterator[Found]:
    sql_file = path.lower().endswith(_SQL_FILES)
    in_sql = _on_its_line(_SQL_CONTEXT, text, lines)
    for pattern in (_SQL_IDENTIFIED, _SQL_PASSWORD, _SQL_SET_PASSWORD):
        for match in pattern.finditer(text):
            if pattern is _SQL_PASSWORD and not sql_file and not in_sql(match.start()):
                continue
            group = next(g for g in ("q", "d", "b") if match.groupdict().get(g) is not None)
            value = match.group(group)
            if group == "b" and value.lower() in _SQL_NOT_PASSWORDS:
                continue
            if group == "b" and not _ddl_bare(text, match, sql_file):
                continue
            yield Found(SQL_PASSWORD, value.replace("''", "'"), match.start(group))


# -- .pgpass --------------------------------------------------------------------------------------
_PGPASS_NAMES = frozenset({".pgpass", "pgpass", "pgpass.conf", ".pgpass.conf"})


def is_pgpass(path: str) -> bool:
    name = posixpath.basename(path.replace("\\", "/")).lower()
    return name in _PGPASS_NAMES or name.endswith(".pgpass")


def _pgpass(text: str) -> Iterator[Found]:
    """Each ``hostname:port:database:username:password`` line (``\\:`` and ``\\\\`` escaped):
    the password is what follows the fourth unescaped colon."""
    offset = 0
    for line in text.split("\n"):
        if not line.lstrip().startswith("#"):
            colons = 0
            i = 0
            while i < len(line) and colons < 4:
                if line[i] == "\\":
                    i += 1
                elif line[i] == ":":
                    colons += 1
                i += 1
            value = line[i:].rstrip("\r")
            if colons == 4 and value:
                yield Found(PGPASS, value, offset + i)
        offset += len(line) + 1


# -- HTTP authentication --------------------------------------------------------------------------
_Q = r"(?P<pq>[\"'])(?P<v>[^\"'\n]{1,200}+)(?P=pq)"
# requests / httpx / aiohttp: auth=("user", "pw"), auth=[user, "pw"]
_AUTH_TUPLE = re.compile(
    rf"(?<![A-Za-z0-9_])auth[ \t]{{0,4}}+=[ \t]{{0,4}}+[(\[][ \t]{{0,4}}+[^,()\[\]\n]{{1,200}}+,"
    rf"[ \t]{{0,4}}+{_Q}"
)
# HTTPBasicAuth("u", "pw"), aiohttp.BasicAuth(login="u", password="pw")
_AUTH_CLASS = re.compile(
    r"(?:HTTPBasicAuth|HTTPDigestAuth|HTTPProxyAuth|BasicAuth|DigestAuth)[ \t]{0,4}+\("
    rf"[^,()\n]{{1,200}}+,[ \t]{{0,4}}+(?:password[ \t]{{0,2}}+=[ \t]{{0,2}}+)?{_Q}"
)
# Authorization: Basic <b64> / Bearer <token>, in code, configuration, headers and curl -H.
_AUTH_HEADER = re.compile(
    r"(?i)authorization[\"']?[ \t]{0,4}+[:=][ \t]{0,4}+[\"']?[ \t]{0,4}+"
    r"(?:basic|bearer|token|api-key|apikey)[ \t]{1,4}+(?P<v>[A-Za-z0-9._~+/=-]{8,4000}+)"
    r"(?![$<{%(\[])"
)
# curl -u user:pw / --user user:pw
_CURL_USER = re.compile(
    r"(?<!\S)(?:-u|--user)(?:[ \t]{1,4}+|=)[\"']?[^\s:\"'$]{1,100}+:(?P<v>[^\s\"']{1,200}+)"
)
_CURL = re.compile(r"(?i)\bcurl\b")


def _http(text: str, lines: _LineIndex) -> Iterator[Found]:
    for pattern in (_AUTH_TUPLE, _AUTH_CLASS, _AUTH_HEADER):
        for match in pattern.finditer(text):
            yield Found(HTTP_AUTH, match.group("v"), match.start("v"))
    curl = _on_its_line(_CURL, text, lines)
    for match in _CURL_USER.finditer(text):
        if curl(match.start()):
            yield Found(HTTP_AUTH, match.group("v"), match.start("v"))


# -- prose ----------------------------------------------------------------------------------------
# "The password is X", "the password for the staging db is `X`", "passphrase: X" (the
# assignment rule) — a bare X counts only if it is not a word (a digit, a symbol or inner
# capitals): "the password is stored in Vault" states no password.
_PROSE = re.compile(
    r"(?i)\b(?:password|passphrase|passwd|pwd)[ \t]{1,4}+"
    r"(?:for[ \t]{1,4}+[A-Za-z0-9_. -]{1,40}?[ \t]{1,4}+)?(?:is|was)[ \t]{0,4}+:?[ \t]{0,4}+"
    r"(?:(?P<q>[`\"'])(?P<qv>[^`\"'\n]{1,100}+)(?P=q)|(?P<v>[^\s`\"'<>]{4,100}+))"
)
_TRAILING = ".,;:!?)]"
_WORD = re.compile(r"[A-Za-z][a-z]*+")


def _prose(text: str) -> Iterator[Found]:
    for match in _PROSE.finditer(text):
        if match.group("qv") is not None:
            yield Found(PROSE, match.group("qv"), match.start("qv"))
        else:
            value = match.group("v").rstrip(_TRAILING)
            if value and _WORD.fullmatch(value) is None:
                yield Found(PROSE, value, match.start("v"))


# -- assignments ----------------------------------------------------------------------------------
# A credential-named key (``credential_key``: password, api_key, clientSecret, not password_ref)
# given a literal: quoted in code (``PASSWORD = "x"``, ``apiKey := 'x'``, ``{"token": "x"}``);
# quoted or bare in text, configuration and shell files (``pwd: x`` in a runbook,
# ``DB_PASSWORD=x``), where a bare value is not a plain word and not an expression.
_ASSIGN = re.compile(
    r"(?<![A-Za-z0-9_.-])(?P<key>[A-Za-z_][A-Za-z0-9_.-]{0,63}+)(?:\[\])?[\"'\]*]{0,3}+"
    r"[ \t]{0,8}+(?::=|=>|=|:)(?![=:])[ \t]{0,8}+[@rbuRBU]?"
    r"(?:(?P<q>[\"'`])(?P<qv>[^\"'`\n]{1,200}+)(?P=q)|(?P<v>[^\s\"'`,;]{4,200}+))"
)
_CREDENTIAL_WORD = re.compile(r"pass|pwd|secret|token|key|credential|bearer")
_BARE_FILES = (
    ".md", ".markdown", ".txt", ".rst", ".adoc", ".env", ".ini", ".cfg", ".conf", ".properties",
    ".toml", ".sh", ".bash", ".zsh", ".npmrc", ".netrc", ".example", ".sample", ".dist",
)  # fmt: skip
_NOT_LITERAL_START = "${<([%"


def _bare_allowed(path: str) -> bool:
    name = posixpath.basename(path.replace("\\", "/")).lower()
    return "." not in name.lstrip(".") or name.endswith(_BARE_FILES) or name.startswith(".env")


def _assignments(path: str, text: str, folded: str, lines: _LineIndex) -> Iterator[Found]:
    bare = _bare_allowed(path)
    done = -1
    for word in _CREDENTIAL_WORD.finditer(folded):
        if word.start() <= done:
            continue
        start, end = lines.span(word.start())
        done = end
        for match in _ASSIGN.finditer(text, start, end):
            if not credential_key(match.group("key")):
                continue
            if match.group("qv") is not None:
                yield Found(ASSIGNMENT, match.group("qv"), match.start("qv"))
            elif bare:
                value = match.group("v")
                literal = value[0] not in _NOT_LITERAL_START and not value.isdigit()
                if literal and _WORD.fullmatch(value) is None:
                    yield Found(ASSIGNMENT, value, match.start("v"))


# -- all of them ----------------------------------------------------------------------------------


class _LineIndex:
    """The span of the line around an offset of a text."""

    def __init__(self, text: str) -> None:
        self._text = text

    def span(self, offset: int) -> tuple[int, int]:
        start = self._text.rfind("\n", 0, offset) + 1
        end = self._text.find("\n", offset)
        return start, len(self._text) if end < 0 else end


def statement_secrets(
    path: str,
    text: str,
    folded: str,
    *,
    structured: bool,
    schemes: Sequence[str] = DEFAULT_REF_SCHEMES,
) -> Iterator[Found]:
    """The secrets of every rule of this module in a file's ``text`` (``folded``: it folded with
    ``prefilter.fold``); ``structured``: a JSON or YAML file, whose credential-named keys the
    credential-value rule judges on the parsed data (the assignment rule skips it)."""
    on = _TRIGGERS.on(folded)
    lines = _LineIndex(text)
    found: list[Iterator[Found]] = []
    if "connection" in on:
        found.append(_connection_strings(text, lines))
    if "sql" in on:
        found.append(_sql(path, text, lines))
    if is_pgpass(path):
        found.append(_pgpass(text))
    if "http" in on:
        found.append(_http(text, lines))
    if "prose" in on:
        found.append(_prose(text))
    if "assignment" in on and not structured:
        found.append(_assignments(path, text, folded, lines))
    for rule in found:
        for secret in rule:
            # A private key is the engine's to judge, a URL the URL rules'.
            value = secret.value
            if "-----BEGIN" in value or (secret.kind == ASSIGNMENT and "://" in value):
                continue
            if not not_a_secret(value, schemes):
                yield secret
