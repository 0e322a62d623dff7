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

import base64
import binascii
import bisect
import posixpath
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

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
PROGRAM_ARGUMENT = "Password on a Command Line"
NETRC = "Password in .netrc"

_TRIGGERS = Triggers(
    {
        "connection": ("password", "pwd"),
        "sql": ("identified", "password", "sp_addlogin"),
        "pgpass": ("pgpass",),
        "option": ("--",),
        "mysql": ("mysql", "mariadb"),
        "mssql": ("sqlcmd", "bcp", "osql"),
        "redis": ("redis-cli",),
        "mongo": ("mongo",),
        "sshpass": ("sshpass",),
        "ldap": ("ldap",),
        "db2": ("db2",),
        "oracle": ("sqlplus", "sqlldr", "expdp", "impdp", "rman", "dgmgrl", "connect", ":thin:"),
        "go_mysql": ("@tcp(", "@unix(", "@udp("),
        "netrc": ("password",),
        "spaced": ("env ", "\\setenv", "pass", "pwd", "secret", "token", "key"),
        "terraform": ("variable",),
        "http": (
            "auth",
            "curl",
            "basic",
            "add_password",
            "login",
            "credential",
            "connect",
            "getconnection",
            "ftp",
            "set_password",
        ),
        "prose": (
            "password",
            "passwd",
            "pwd",
            "passphrase",
            "pw",
            "pass",
            "creds",
            "credentials",
            "login",
        ),
        "assignment": ("pass", "pwd", "pw", "secret", "token", "key", "credential", "bearer"),
    }
)

# -- connection strings -------------------------------------------------------------------------
# libpq (``host=db dbname=shop user=app password=x``, also inside dblink_connect('...') and
# psycopg.connect("...")) and ODBC / ADO.NET (``Server=db;Database=x;Uid=app;Pwd=x;``). The
# password key must be a word of its own (not DB_PASSWORD=, which the keyword plugin judges),
# and another connection keyword must be near: a connection string has several, on its line or,
# built from string pieces, on the lines around it. Inside a SQL literal libpq's quotes are
# doubled (``password=''x''``). A bare lower-case name that a call, a subscript or another
# argument follows is code (``pwd = os.getcwd()``, ``connect(password=password, ...)``).
_CONNECTION_PASSWORD = re.compile(
    r"(?i)(?<![A-Za-z0-9_.$-])(?:password|pwd)[ \t]{0,4}+=[ \t]{0,4}+"
    r"(?:''(?P<s>[^'\n]{1,200}+)''|'(?P<q>(?:[^'\\\n]|\\.){1,200}+)'"
    r"|(?P<b>[^\s'\"`\\;)]{1,200}+))"
)
_CONNECTION_KEY = re.compile(
    r"(?i)(?<![A-Za-z0-9_])(?:host|hostaddr|dbname|user|port|sslmode|service|server|database"
    r"|uid|user id|data source|initial catalog|account|warehouse|driver)[ \t]{0,4}+="
)
_CONNECTION_REACH = 2  # lines before and after a password key that a DSN's pieces may be on


def _on_its_line(
    pattern: re.Pattern[str], text: str, lines: _LineIndex, reach: int = 0
) -> Callable[[int], bool]:
    """Whether ``pattern`` occurs on the line holding an offset (or within ``reach`` lines of it);
    each line searched once, so a long line of many matches stays linear."""
    seen: dict[int, bool] = {}

    def on_line(start: int, end: int) -> bool:
        if start not in seen:
            seen[start] = pattern.search(text, start, end) is not None
        return seen[start]

    def found(offset: int) -> bool:
        return any(on_line(*span) for span in lines.around(offset, reach))

    return found


_CODE_NAME = re.compile(
    r"(?:[a-z_][a-z0-9_]*+|[A-Z][A-Z0-9]*+(?:_[A-Z0-9]++)++)(?:\.[A-Za-z_][A-Za-z0-9_]*+)*+"
)


def _code(value: str, after: str) -> bool:
    """A bare value that is a lower-case name or a constant's (``SFTP_PASSWORD``) called,
    subscripted or passed on (``os.getcwd()``, ``keys.pop(...)``, ``password=password,``): code,
    not a connection string's password."""
    name = _CODE_NAME.match(value)
    if name is None:
        return False
    rest = value[name.end() :]
    return rest[:1] in ("(", "[", ",") or (not rest and after in (",", ")"))


def _connection_strings(text: str, lines: _LineIndex) -> Iterator[Found]:
    keyed = _on_its_line(_CONNECTION_KEY, text, lines, _CONNECTION_REACH)
    for match in _CONNECTION_PASSWORD.finditer(text):
        if not keyed(match.start()):
            continue
        group = next(g for g in ("s", "q", "b") if match.group(g) is not None)
        if group == "b" and _code(match.group("b"), text[match.end() : match.end() + 1]):
            continue
        yield Found(CONNECTION_STRING, match.group(group), match.start(group))


# -- SQL ------------------------------------------------------------------------------------------
# CREATE/ALTER USER ... IDENTIFIED [WITH plugin] BY 'x' (MySQL, Oracle: also a bare word),
# CREATE/ALTER ROLE|USER ... [WITH] [ENCRYPTED] PASSWORD 'x' (PostgreSQL, Redshift, Snowflake
# with "="), CREATE USER MAPPING / SERVER ... OPTIONS (user 'u', password 'x'), SET PASSWORD.
_SQL_QUOTED = r"(?:N?'(?P<q>(?:[^'\n]|''){0,200}+)'|\"(?P<d>[^\"\n]{0,200}+)\")"
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
_SQL_ADDLOGIN = re.compile(
    r"(?i)\bsp_addlogin[ \t]++(?:@loginame[ \t]*+=[ \t]*+)?N?'[^'\n]{1,128}+'[ \t]*+,[ \t]*+"
    rf"(?:@passwd[ \t]*+=[ \t]*+)?{_SQL_QUOTED}"
)
_SQL_SET_PASSWORD = re.compile(
    rf"(?i)\bset[ \t]{{1,8}}+password\b[^=\n;]{{0,120}}+=[ \t]{{0,8}}+(?:password[ \t]*\()?{_SQL_QUOTED}"
)
# Outside SQL files a quoted "password 'x'" or IDENTIFIED BY is SQL only with one of these words
# on its line, and so is a bare IDENTIFIED BY word in SQL files ("-- identified by their key").
_SQL_CONTEXT = re.compile(r"(?i)\b(?:role|user|login|mapping|server|options|grant)\b")
# A SQL literal that a template builds: the quoted part is only its join ('" ~ ', '" + '), and
# the value is the literal joined in after it.
_TEMPLATE_JOIN = re.compile(r"[ \t]*+[\"']?[ \t]*+(?:~|\+|\|\|)[ \t]*+")
_NEXT_LITERAL = re.compile(r"(?P<v>[^'\"\n]{1,200}+)'")  # its opening quote closed the join
_STATEMENT_REACH = 2  # lines of a statement before IDENTIFIED BY that may name its user
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
    near_sql = _on_its_line(_SQL_CONTEXT, text, lines, _STATEMENT_REACH)
    for pattern in (_SQL_IDENTIFIED, _SQL_PASSWORD, _SQL_SET_PASSWORD, _SQL_ADDLOGIN):
        for match in pattern.finditer(text):
            bare = match.groupdict().get("b") is not None
            if not sql_file and pattern is _SQL_PASSWORD and not in_sql(match.start()):
                continue
            prose = not sql_file and pattern is _SQL_IDENTIFIED and not bare
            if prose and not near_sql(match.start()):  # "rows identified by 'name'"
                continue
            group = next(g for g in ("q", "d", "b") if match.groupdict().get(g) is not None)
            value = match.group(group)
            if group == "b" and value.lower() in _SQL_NOT_PASSWORDS:
                continue
            if group == "b" and not _ddl_bare(text, match, sql_file):
                continue
            if group == "b" and not sql_file and _WORDS.fullmatch(value):
                continue  # "identified by their key": prose
            fragment = _TEMPLATE_JOIN.fullmatch(value)
            if fragment is not None:  # '" ~ 'x' ~ "': the literal the template joins in
                joined = _NEXT_LITERAL.match(text, match.end())
                if joined is None:
                    continue
                value, at = joined.group("v"), joined.start("v")
            else:
                at = match.start(group)
            yield Found(SQL_PASSWORD, value.replace("''", "'"), at)


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


# A pgpass line written by a script, a Dockerfile or a workflow step (``echo "h:5432:db:u:pw" >
# ~/.pgpass``): on a line that names pgpass, a word of five colon-separated fields whose second is
# a port (or ``*``), or on the lines of a block that a line above names. The host may be an expression (``${{ env.PGHOST }}``): the port anchors it.
_PGPASS_ENTRY = re.compile(
    r":(?:[0-9]{1,5}+|\*):[^\s:\"'`]{1,63}+:[^\s:\"'`]{1,63}+:"
    r"(?P<v>[^\s\"'`]{1,200}+)"
)
_PGPASS_WORD = re.compile(r"(?i)pgpass")


# A whole line of pgpass shape in any text (notes pasted from one): a host (a name, an IPv4
# address or *), a port of two to five digits or *, then database, user and password.
_PGPASS_LINE = re.compile(
    r"(?m)^[ \t]*+(?:[A-Za-z*][A-Za-z0-9.*_-]{0,252}+|[0-9]{1,3}+(?:\.[0-9]{1,3}+){3}):"
    r"(?:[0-9]{2,5}+|\*):[^\s:]{1,63}+:[^\s:]{1,63}+:(?P<v>[^\s]{1,200}+)[ \t]*+$"
)


def _pgpass_lines(text: str) -> Iterator[Found]:
    for match in _PGPASS_LINE.finditer(text):
        yield Found(PGPASS, match.group("v"), match.start("v"))


_PGPASS_REACH = 3  # lines of a block (``.pgpass: |`` in a Kubernetes Secret) after its name


def _pgpass_entries(text: str, lines: _LineIndex) -> Iterator[Found]:
    named = _on_its_line(_PGPASS_WORD, text, lines, _PGPASS_REACH)
    for match in _PGPASS_ENTRY.finditer(text):
        if named(match.start()):
            yield Found(PGPASS, match.group("v"), match.start("v"))


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
    r"(?i)authorization[\"']?(?:[ \t]{0,4}+[:=]|[ \t]{1,4}+(?=[\"']))[ \t]{0,4}+[\"']?[ \t]{0,4}+"
    r"(?:basic|bearer|token|api-key|apikey)[ \t]{1,4}+(?P<v>[A-Za-z0-9._~+/=-]{8,4000}+)"
    r"(?![$<{%(\[])"
)
# curl -u user:pw / --user user:pw
_CURL_USER = re.compile(
    r"(?<!\S)(?:-u|--user)(?:[ \t]{1,4}+|=)[\"']?[^\s:\"'$]{1,100}+:(?P<v>[^\s\"'`]{1,200}+)"
)
_CURL = re.compile(r"(?i)\bcurl\b")
# HTTP Basic credentials wherever they are written (a Postman variable, a proxy's header): the
# scheme and base64 that decodes to ``user:password``.
_BASIC = re.compile(
    r"(?i)(?<![A-Za-z0-9_])basic[ \t]{1,4}+(?P<v>[A-Za-z0-9+/]{8,400}+={0,2}+)(?![A-Za-z0-9+/=])"
)
_PRINTABLE = re.compile(r"[\x21-\x7e][\x20-\x7e]*+")
# Calls whose argument at a known place is a password: urllib's add_password(realm, uri, user,
# passwd), ftplib / smtplib / imaplib login(user, passwd), Java's PasswordAuthentication(user,
# "pw".toCharArray()), .NET's NetworkCredential(user, "pw"), and the connect calls below.
_ARG = r"[^,()\n]{1,200}+,[ \t]{0,4}+"
_CREDENTIAL_CALL = re.compile(
    rf"(?:\badd_password[ \t]{{0,4}}+\([ \t]{{0,4}}+{_ARG}{_ARG}{_ARG}"
    rf"|\.login[ \t]{{0,4}}+\([ \t]{{0,4}}+{_ARG}"
    rf"|\b(?:PasswordAuthentication|NetworkCredential)[ \t]{{0,4}}+\([ \t]{{0,4}}+{_ARG}"
    # DB-API connect(host, user, password, db): pymysql, MySQLdb, pymssql; cx_Oracle and
    # oracledb connect(user, password, dsn); JDBC getConnection(url, user, password); ftplib
    # FTP(host, user, passwd); keyring.set_password(service, user, password)
    rf"|\b(?:pymysql|MySQLdb|pymssql|_mssql)\.connect[ \t]{{0,4}}+\([ \t]{{0,4}}+{_ARG}{_ARG}"
    rf"|\b(?:cx_Oracle|oracledb)\.connect[ \t]{{0,4}}+\([ \t]{{0,4}}+{_ARG}"
    rf"|\bgetConnection[ \t]{{0,4}}+\([ \t]{{0,4}}+{_ARG}{_ARG}"
    rf"|\bFTP(?:_TLS)?[ \t]{{0,4}}+\([ \t]{{0,4}}+{_ARG}{_ARG}"
    rf"|\bset_password[ \t]{{0,4}}+\([ \t]{{0,4}}+{_ARG}{_ARG})"
    rf"(?:passwd[ \t]{{0,2}}+=[ \t]{{0,2}}+|password[ \t]{{0,2}}+=[ \t]{{0,2}}+)?{_Q}"
)


def _basic_pair(value: str) -> tuple[str, str] | None:
    """The user and password that a Basic credential's base64 encodes, or None."""
    try:
        decoded = base64.b64decode(value, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, _, password = decoded.partition(":")
    stated = bool(user and password) and _PRINTABLE.fullmatch(decoded) is not None
    return (user, password) if stated else None


def _stand_in(pair: tuple[str, str]) -> bool:
    """``user:password``, ``admin:admin``: documentation's Basic credentials."""
    user, password = pair
    return password == user or not_a_secret(password)


def _basic_credentials(text: str) -> Iterator[Found]:
    for match in _BASIC.finditer(text):
        pair = _basic_pair(match.group("v"))
        if pair is not None and not _stand_in(pair):
            yield Found(HTTP_AUTH, match.group("v"), match.start("v"))


def _http(text: str, lines: _LineIndex) -> Iterator[Found]:
    for pattern in (_AUTH_TUPLE, _AUTH_CLASS, _AUTH_HEADER, _CREDENTIAL_CALL):
        for match in pattern.finditer(text):
            pair = _basic_pair(match.group("v")) if pattern is _AUTH_HEADER else None
            if pair is None or not _stand_in(pair):
                yield Found(HTTP_AUTH, match.group("v"), match.start("v"))
    curl = _on_its_line(_CURL, text, lines)
    for match in _CURL_USER.finditer(text):
        if curl(match.start()):
            yield Found(HTTP_AUTH, match.group("v"), match.start("v"))
    yield from _basic_credentials(text)


# -- command lines --------------------------------------------------------------------------------
# A password given to a program: ``--password=x`` / ``--password x`` (mysql, wget, dbt, any CLI);
# a program's own option on a line that names it (mysql's glued ``-px``, sqlcmd / bcp ``-P``,
# redis-cli ``-a``, mongosh ``-p``, sshpass ``-p``, ldapsearch ``-w``, db2 ``using``); Oracle's
# ``user/pw@db`` on a sqlplus, sqlldr, expdp / impdp, rman or CONNECT line and in a JDBC thin URL;
# Go's MySQL DSN ``user:pw@tcp(host)``. A value that starts with ``-`` is the next option.
_CLI_PASSWORD = re.compile(
    r"(?<![A-Za-z0-9_-])--(?:[a-z]{1,20}+-)?(?:password|passwd|pass)(?:=|[ \t]{1,4}+)"
    r"(?:(?P<pq>[\"'])(?P<qv>[^\"'\n]{1,200}+)(?P=pq)|(?P<v>[^\s\"'`;|&<>()-][^\s\"'`;|&<>()]{0,199}+))"
)
_OPTION_VALUE = (
    r"(?:(?P<pq>[\"'])(?P<qv>[^\"'\n]{1,200}+)(?P=pq)"
    r"|(?P<v>[^\s\"'`;|&<>-][^\s\"'`;|&<>]{0,199}+))"
)


@dataclass(frozen=True, slots=True)
class _ToolOption:
    """A program's own way to take a password, on a line that names the program."""

    rule: str  # the name its triggers go by
    command: re.Pattern[str]
    option: re.Pattern[str]


def _tool(rule: str, programs: str, option: str) -> _ToolOption:
    return _ToolOption(
        rule,
        re.compile(rf"(?i)(?<![A-Za-z0-9_-])(?:{programs})\b"),
        re.compile(rf"(?<!\S){option}{_OPTION_VALUE}"),
    )


_TOOL_OPTIONS = (
    # mysql -pSECRET (glued: "-p SECRET" prompts and takes a database name)
    _tool("mysql", "mysql|mysqldump|mysqladmin|mysqlimport|mariadb|mariadb-dump", "-p"),
    _tool("mssql", "sqlcmd|bcp|osql", "-P[ \t]{0,4}+"),  # sqlcmd -P SECRET, bcp -PSECRET
    _tool("redis", "redis-cli", "-a[ \t]{1,4}+"),
    _tool("mongo", "mongo|mongosh|mongodump|mongorestore|mongoexport|mongoimport", "-p[ \t]{1,4}+"),
    _tool("sshpass", "sshpass", "-p[ \t]{0,4}+"),
    _tool("ldap", "ldapsearch|ldapmodify|ldapadd|ldapdelete", "-w[ \t]{1,4}+"),
    _tool("db2", "db2", "(?i:using)[ \t]{1,4}+"),  # db2 connect to SHOP user u using SECRET
)
# Oracle's user/pw@connect-string, on a sqlplus, sqlldr, expdp / impdp, rman or CONNECT line,
# and in a JDBC thin URL (jdbc:oracle:thin:user/pw@host:1521/SID)
_ORACLE_LOGIN = re.compile(
    r"(?<![A-Za-z0-9_$/.:-])[A-Za-z0-9_$#]{1,64}+/(?P<v>[^\s/@\"'`]{1,200}+)@[A-Za-z0-9_./:-]"
)
_ORACLE_COMMAND = re.compile(r"(?i)\b(?:sqlplus|sqlldr|expdp|impdp|rman|dgmgrl|connect)\b")
_ORACLE_THIN = re.compile(r"jdbc:oracle:thin:[A-Za-z0-9_$#]{1,64}+/(?P<v>[^\s/@\"'`]{1,200}+)@")
# Go's MySQL driver DSN: user:password@tcp(host:3306)/db
_GO_MYSQL = re.compile(
    r"(?<![A-Za-z0-9_.:/-])[A-Za-z0-9_.-]{1,64}+:(?P<v>[^\s@\"'`/]{1,200}+)@(?:tcp|unix|udp)\("
)


def _command_lines(text: str, lines: _LineIndex, on: set[str]) -> Iterator[Found]:
    if "option" in on:
        for match in _CLI_PASSWORD.finditer(text):
            if match.group("qv") is not None:
                yield Found(PROGRAM_ARGUMENT, match.group("qv"), match.start("qv"))
            elif not _WORDS.fullmatch(match.group("v")):  # "the --password option"
                yield Found(PROGRAM_ARGUMENT, match.group("v"), match.start("v"))
    for tool in _TOOL_OPTIONS:
        if tool.rule not in on:
            continue
        on_command_line = _on_its_line(tool.command, text, lines)
        for match in tool.option.finditer(text):
            group = "qv" if match.group("qv") is not None else "v"
            value = match.group(group)
            if not value.isdigit() and on_command_line(match.start()):
                yield Found(PROGRAM_ARGUMENT, value, match.start(group))
    if "oracle" in on:
        on_command_line = _on_its_line(_ORACLE_COMMAND, text, lines)
        for match in _ORACLE_LOGIN.finditer(text):
            if on_command_line(match.start()):
                yield Found(PROGRAM_ARGUMENT, match.group("v"), match.start("v"))
    for rule, pattern in (("oracle", _ORACLE_THIN), ("go_mysql", _GO_MYSQL)):
        if rule in on:
            for match in pattern.finditer(text):
                yield Found(CONNECTION_STRING, match.group("v"), match.start("v"))


# -- values on the line after their key ------------------------------------------------------------
# A credential-named key given a heredoc (Terraform, shell: ``password = <<EOT``) or a
# triple-quoted string (TOML, Python: ``password = """``) whose first line is the value; a
# credential-named key given the base64 that a command decodes (``PGPASSWORD=$(echo ... |
# base64 -d)``).
_MULTILINE_VALUE = re.compile(
    r"(?P<key>[A-Za-z_][A-Za-z0-9_.-]{0,63}+)[\"']?[ \t]*+[:=][ \t]*+"
    r"(?:<<-?[ \t]*+[\"']?[A-Za-z_][A-Za-z0-9_]{0,20}+[\"']?|\"\"\"|''')[ \t]*+\r?\n[ \t]*+"
    r"(?P<v>[^\s\"'][^\n\"']{0,199}+)"
)
_DECODED_VALUE = re.compile(
    r"(?P<key>[A-Za-z_][A-Za-z0-9_]{0,63}+)=[\"']?\$\([ \t]*+(?:echo|printf)[ \t]++(?:-n[ \t]++)?"
    r"[\"']?(?P<v>[A-Za-z0-9+/=]{8,400}+)[\"']?[ \t]*+\|[ \t]*+base64[ \t]++(?:-d|--decode|-D)"
)


def _later_values(text: str) -> Iterator[Found]:
    for pattern in (_MULTILINE_VALUE, _DECODED_VALUE):
        for match in pattern.finditer(text):
            if credential_key(match.group("key")):
                yield Found(ASSIGNMENT, match.group("v").rstrip(), match.start("v"))


# -- keys given a value after white space ----------------------------------------------------------
# Java properties and spark-defaults.conf (``spark.hadoop.fs.s3a.secret.key value``), a
# Dockerfile's ``ENV KEY value``, psql's ``\setenv KEY value``: a credential-named key and its
# value, one to a line.
_SPACED_KEY = re.compile(
    r"(?m)^[ \t]*+(?P<lead>ENV[ \t]++|\\setenv[ \t]++)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]{0,99}+)"
    r"[ \t]++(?P<v>[^\s=:\"'][^\n]{0,199}+)$"
)
_SPACED_FILES = (".properties", ".conf")


def _spaced_keys(path: str, text: str) -> Iterator[Found]:
    spaced_file = path.lower().endswith(_SPACED_FILES)
    for match in _SPACED_KEY.finditer(text):
        if match.group("lead") is None and not spaced_file:
            continue
        value = match.group("v").rstrip()
        if credential_key(match.group("key")) and not _WORDS.fullmatch(value):
            yield Found(ASSIGNMENT, value, match.start("v"))


# -- .netrc ---------------------------------------------------------------------------------------
# ``machine host login user password x``: the password of a line that starts with machine /
# default (one entry a line), or every password token of a file named .netrc.
_NETRC_LINE = re.compile(
    r"(?m)^[ \t]*+(?:machine|default)\b[^\n]{0,300}?(?<![A-Za-z0-9_-])password[ \t]{1,8}+"
    r"(?P<v>[^\s\"'`]{1,200}+)"
)
_NETRC_PASSWORD = re.compile(r"(?<![A-Za-z0-9_-])password[ \t\n]{1,8}+(?P<v>[^\s\"'`]{1,200}+)")
_NETRC_NAMES = frozenset({".netrc", "_netrc", "netrc"})


def _netrc(path: str, text: str) -> Iterator[Found]:
    whole_file = posixpath.basename(path.replace("\\", "/")).lower() in _NETRC_NAMES
    for match in (_NETRC_PASSWORD if whole_file else _NETRC_LINE).finditer(text):
        yield Found(NETRC, match.group("v"), match.start("v"))


# -- Terraform ------------------------------------------------------------------------------------
# ``variable "db_password" { default = "x" }``: the default of a credential-named variable.
_TF_VARIABLE = re.compile(
    r"\bvariable[ \t]++\"(?P<key>[A-Za-z0-9_-]{1,64}+)\"[ \t]*+\{[^{}]{0,600}?"
    r"\bdefault[ \t]*+=[ \t]*+\"(?P<v>[^\"\n]{1,200}+)\""
)


def _terraform(text: str) -> Iterator[Found]:
    for match in _TF_VARIABLE.finditer(text):
        if credential_key(match.group("key")):
            yield Found(ASSIGNMENT, match.group("v"), match.start("v"))


# -- prose ----------------------------------------------------------------------------------------
# "The password is X", "the password for the `etl` account is\n`X`", "set the password to X",
# "use password X", "passphrase: X" (the assignment rule); a pair that names its user first:
# "user migrator / pw X", "Creds for the replica: readonly / X" or "Replica login: migrator, X"
# (the slash spaced: "database/creds/loader" is a path); a Markdown table's cell under a credential-named column. A bare X counts only if it
# is not a word or hyphenated words (it has a digit, a symbol or inner capitals): "the password
# is stored in Vault", "login: SSO / Okta" and "use password-less login" state no password.
_VALUE = r"(?:(?P<q>[`\"'])(?P<qv>[^`\"'\n]{1,100}+)(?P=q)|(?P<v>[^\s`\"'<>]{4,100}+))"
_PROSE = (
    re.compile(
        r"(?i)\b(?:password|passphrase|passwd|pwd)[ \t]{1,4}+"
        r"(?:for[ \t]{1,4}+[A-Za-z0-9_.` -]{1,40}?[ \t]{1,4}+)?(?:is|was|to)[ \t]{0,4}+:?[ \t]{0,4}+"
        rf"(?:\n[ \t>]{{0,4}}+)?{_VALUE}"
    ),
    re.compile(
        r"(?i)\b(?:use|using|with|enter|type)[ \t]{1,4}+(?:the[ \t]{1,4}+)?"
        rf"(?:password|passphrase|passwd|pwd)[ \t]{{1,4}}+{_VALUE}"
    ),
)
_USER = r"[`'\"]?(?P<user>[A-Za-z0-9_.@-]{1,64}+)[`'\"]?"
_PROSE_PAIRS = (
    re.compile(
        rf"(?i)\b(?:user(?:name)?|login)[ \t]{{1,4}}+{_USER}[ \t]{{0,4}}+[/,;][ \t]{{0,4}}+"
        r"(?:pw|pwd|pass|password|passwd)\b[ \t]{0,4}+[:=]?[ \t]{0,4}+"
        r"[`'\"]?(?P<v>[^\s`'\"<>]{4,100}+)"
    ),
    re.compile(
        rf"(?i)\b(?:creds|credentials|logins?)\b[^:\n]{{0,60}}+:[ \t]{{0,4}}+{_USER}"
        r"(?:[ \t]{1,2}+/[ \t]{1,2}+|,[ \t]{1,2}+)[`'\"]?(?P<v>[^\s`'\"<>]{4,100}+)"
    ),
)
_TRAILING = ".,;:!?)]"
_WORD = re.compile(r"[A-Za-z][a-z]*+")
_WORDS = re.compile(r"[A-Za-z][a-z]*+(?:[-'][A-Za-z][a-z]*+)*+")
_TABLE_FILES = (".md", ".markdown", ".txt", ".rst", ".adoc", ".wiki")
_PREFIX_ENDS = "_.-~"
_TABLE_RULE = re.compile(r"[ \t]*+\|?[ \t]*+:?-{3,}+")


def _stated(value: str) -> str | None:
    """A bare value of prose that is one token and not words, without the punctuation that
    ends a sentence."""
    value = value.rstrip(_TRAILING)
    if not value or _WORDS.fullmatch(value) is not None or "://" in value:
        return None
    return None if any(ch.isspace() for ch in value) else value


def _prose(path: str, text: str) -> Iterator[Found]:
    for pattern in _PROSE:
        for match in pattern.finditer(text):
            quoted = match.group("qv")
            if quoted is not None:
                # "enter password `postgres` when prompted" names a default, "the password is
                # `postgres`" states one
                if pattern is _PROSE[0] or _stated(quoted) is not None:
                    yield Found(PROSE, quoted, match.start("qv"))
            elif (value := _stated(match.group("v"))) is not None:
                yield Found(PROSE, value, match.start("v"))
    for pattern in _PROSE_PAIRS:
        for match in pattern.finditer(text):
            value = _stated(match.group("v"))
            if value is not None and value != match.group("user"):
                yield Found(PROSE, value, match.start("v"))


def _cell(value: str) -> str | None:
    """A table cell that states a password: one token, not words, with a digit, and not ending
    like a token's prefix (``dt0c01.``, ``github_pat_``: a table of formats)."""
    stated = _stated(value)
    if stated is None or value.endswith(tuple(_PREFIX_ENDS)):
        return None
    return stated if any(ch.isdigit() for ch in stated) else None


_CSV_FILES = (".csv", ".tsv")


def _csv_cells(text: str) -> Iterator[Found]:
    """The cells of a CSV or TSV file (a dbt seed) under a column whose header names a
    credential; a row is split on its delimiter, quotes taken off, one line a row."""
    header, _, _ = text.partition("\n")
    delimiter = "\t" if header.count("\t") > header.count(",") else ","
    names = [cell.strip().strip("\"'") for cell in header.split(delimiter)]
    columns = {i for i, name in enumerate(names) if name and credential_key(name)}
    if not columns:
        return
    offset = len(header) + 1
    for line in text[offset:].split("\n"):
        at = offset
        for index, cell in enumerate(line.split(delimiter)):
            value = cell.strip().strip("\"'")
            if index in columns and value and (stated := _stated(value)) is not None:
                yield Found(PROSE, stated, at + cell.index(value))
            at += len(cell) + 1
        offset += len(line) + 1


def _labelled_cell(line: str, offset: int) -> Iterator[Found]:
    """The cell after a table row's first cell when that names a credential (``| password | x
    |``)."""
    if not line.lstrip().startswith("|"):
        return
    cells = line.split("|")
    first = next((i for i, cell in enumerate(cells) if cell.strip()), None)
    if first is None or first + 1 >= len(cells) or not credential_key(cells[first].strip(" \t`*")):
        return
    cell = cells[first + 1]
    value = cell.strip().strip("`")
    if (stated := _cell(value)) is not None:
        yield Found(
            PROSE, stated, offset + sum(len(c) + 1 for c in cells[: first + 1]) + cell.index(value)
        )


def _table_cells(text: str) -> Iterator[Found]:
    """The cells of a Markdown table's rows under a column whose header names a credential, and
    the cell after a row's first cell that names one."""
    columns: set[int] = set()
    header: list[str] | None = None
    offset = 0
    for line in text.split("\n"):
        if "|" in line:
            yield from _labelled_cell(line, offset)
        if "|" not in line:
            columns, header = set(), None
        elif header is not None and _TABLE_RULE.match(line):
            columns = {i for i, cell in enumerate(header) if cell and credential_key(cell)}
            header = None
        elif columns:
            at = offset
            for index, cell in enumerate(line.split("|")):
                value = cell.strip().strip("`")
                if index in columns and (stated := _cell(value)) is not None:
                    yield Found(PROSE, stated, at + cell.index(value))
                at += len(cell) + 1
        else:
            header = [cell.strip(" \t`*") for cell in line.split("|")]
        offset += len(line) + 1


# -- assignments ----------------------------------------------------------------------------------
# A credential-named key (``credential_key``: password, api_key, clientSecret, not password_ref)
# given a literal: quoted in code (``PASSWORD = "x"``, ``apiKey := 'x'``, ``{"token": "x"}``);
# quoted or bare in text, configuration and shell files (``pwd: x`` in a runbook,
# ``DB_PASSWORD=x``), where a bare value is not a plain word and not an expression.
_ASSIGN = re.compile(
    r"(?<![A-Za-z0-9_.-])(?P<key>[A-Za-z_][A-Za-z0-9_.-]{0,63}+)(?:\[\])?[\"'\]*]{0,3}+"
    r"[ \t]{0,8}+(?::=|=>|->|=|:)(?![=:])[ \t]{0,8}+[@rbuRBU]?"
    r"(?:(?P<q>[\"'`])(?P<qv>[^\"'`\n]{1,200}+)(?P=q)|(?P<v>[^\s\"'`,;]{4,200}+))"
)
_CREDENTIAL_WORD = re.compile(r"pass|pwd|pw\b|secret|token|key|credential|bearer")
_BARE_FILES = (
    ".md", ".markdown", ".txt", ".rst", ".adoc", ".env", ".ini", ".cfg", ".conf", ".properties",
    ".toml", ".sh", ".bash", ".zsh", ".npmrc", ".netrc", ".example", ".sample", ".dist",
)  # fmt: skip
_NOT_LITERAL_START = "${<([%"


def _bare_allowed(path: str) -> bool:
    name = posixpath.basename(path.replace("\\", "/")).lower()
    return "." not in name.lstrip(".") or name.endswith(_BARE_FILES) or name.startswith(".env")


# XML: an element named for a credential (``<password>x</password>``, Maven's settings.xml), a
# property named for one with its value (``<property name="password" value="x"/>``, Spring;
# ``<property name="connection.password">x</property>``, Hibernate).
_XML_ELEMENT = re.compile(
    r"<(?P<key>[A-Za-z_][A-Za-z0-9_.:-]{0,63}+)>"
    r"(?:<!\[CDATA\[(?P<qv>[^\]\n]{1,200}+)\]\]>|(?P<v>[^<>\n]{1,200}+))</(?P=key)>"
)
# A call given a credential-named key and a literal: Spark's ``.option("password", "x")``,
# Java's ``props.setProperty("password", "x")``, ``config.set("db", "password", "x")``; a
# value of letters alone is a name (``Sequence("PASSWORD", "EXPIRE")`` in a SQL grammar).
_KEYED_CALL = re.compile(
    r"(?<=[A-Za-z0-9_])\((?:[ \t]{0,4}+[\"'][^\"'\n]{0,64}+[\"'][ \t]{0,4}+,)?[ \t]{0,4}+"
    r"[\"'](?P<key>[A-Za-z_][A-Za-z0-9_.-]{0,63}+)[\"'][ \t]{0,4}+,[ \t]{0,4}+"
    r"(?P<q>[\"'])(?P<qv>[^\"'\n]{1,200}+)(?P=q)[ \t]{0,4}+\)"
)
# a value of letters alone, or a snake_case or UPPER_SNAKE name: a column, a variable, a default
# that names itself (``op.drop_column("embed_tokens", "resource_type")``,
# ``os.getenv("AWS_SECRET_ACCESS_KEY", "aws_secret_key")``)
_NAME_VALUE = re.compile(
    r"[A-Za-z]++(?:[-'][A-Za-z]++)*+|[a-z]++(?:_[a-z0-9]++)++|[A-Z]++(?:_[A-Z0-9]++)++"
)
_XML_PROPERTY = re.compile(
    r"\b(?:name|key)[ \t]{0,2}+=[ \t]{0,2}+[\"'](?P<key>[^\"'\n]{1,64}+)[\"']"
    r"(?:[ \t]{1,8}+value[ \t]{0,2}+=[ \t]{0,2}+[\"'](?P<qv>[^\"'\n]{1,200}+)[\"']"
    r"|[ \t]{0,8}+>(?P<v>[^<>\n]{1,200}+)<)"
)


def _credential_lines(folded: str, lines: _LineIndex) -> Iterator[tuple[int, int]]:
    """The span of each line that holds a credential word, once."""
    done = -1
    for word in _CREDENTIAL_WORD.finditer(folded):
        if word.start() > done:
            start, done = lines.span(word.start())
            yield start, done


_EXPORT = re.compile(r"(?<![A-Za-z0-9_$.-])export[ \t]++\Z")
_EXPORT_REACH = 32  # characters before a key where its "export" may be


def _assignments(path: str, text: str, folded: str, lines: _LineIndex) -> Iterator[Found]:
    bare_file = _bare_allowed(path)
    for start, end in _credential_lines(folded, lines):
        for match in _ASSIGN.finditer(text, start, end):
            if not credential_key(match.group("key")):
                continue
            # a shell export in any file (a Terraform heredoc, a Makefile recipe) is shell
            key_at = match.start()
            exported = _EXPORT.search(text, max(start, key_at - _EXPORT_REACH), key_at)
            bare = bare_file or exported is not None
            if match.group("qv") is not None:
                yield Found(ASSIGNMENT, match.group("qv"), match.start("qv"))
            elif bare:
                value = match.group("v")
                literal = value[0] not in _NOT_LITERAL_START and not value.isdigit()
                if literal and _WORD.fullmatch(value) is None:
                    yield Found(ASSIGNMENT, value, match.start("v"))
        for pattern in (_XML_ELEMENT, _XML_PROPERTY, _KEYED_CALL):
            for match in pattern.finditer(text, start, end):
                key = match.group("key").rpartition(":")[2]  # a namespace prefix is not a word
                group = "qv" if match.groupdict().get("qv") is not None else "v"
                value = match.group(group)
                named = pattern is _KEYED_CALL and _NAME_VALUE.fullmatch(value) is not None
                if credential_key(key) and not named:
                    yield Found(ASSIGNMENT, value, match.start(group))


# -- all of them ----------------------------------------------------------------------------------


class _LineIndex:
    """The spans of a text's lines, found once, so that many offsets on one long line cost a
    bisection each, not a search of the line."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._length = len(text)
        self._line_ends: list[int] | None = None

    @property
    def _ends(self) -> list[int]:
        if self._line_ends is None:  # most files need no line span: found when first asked
            self._line_ends = [m.start() for m in re.finditer("\n", self._text)]
        return self._line_ends

    def _number(self, offset: int) -> int:
        return bisect.bisect_left(self._ends, offset)

    def _span_of(self, number: int) -> tuple[int, int]:
        start = self._ends[number - 1] + 1 if number > 0 else 0
        return start, self._ends[number] if number < len(self._ends) else self._length

    def span(self, offset: int) -> tuple[int, int]:
        return self._span_of(self._number(offset))

    def around(self, offset: int, reach: int) -> Iterator[tuple[int, int]]:
        """The span of the line around an offset, then of up to ``reach`` lines before and
        after it."""
        number = self._number(offset)
        yield self._span_of(number)
        for step in range(1, reach + 1):
            if number - step >= 0:
                yield self._span_of(number - step)
            if number + step <= len(self._ends):
                yield self._span_of(number + step)


def statement_secrets(
    path: str,
    text: str,
    folded: str,
    *,
    structured: bool,
    schemes: Sequence[str] = DEFAULT_REF_SCHEMES,
) -> Iterator[Found]:
    """The secrets of every rule of this module in a file's ``text`` (``folded``: it folded with
    ``linear.fold``); ``structured``: a JSON or YAML file, whose credential-named keys the
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
    elif "pgpass" in on:
        found.append(_pgpass_entries(text, lines))
    if on & {
        "option",
        "mysql",
        "mssql",
        "redis",
        "mongo",
        "sshpass",
        "ldap",
        "db2",
        "oracle",
        "go_mysql",
    }:
        found.append(_command_lines(text, lines, on))
    if "terraform" in on:
        found.append(_terraform(text))
    if not structured:
        found.append(_pgpass_lines(text))
        if "assignment" in on:
            found.append(_later_values(text))
    if "spaced" in on:
        found.append(_spaced_keys(path, text))
    if "netrc" in on:
        found.append(_netrc(path, text))
    if "http" in on:
        found.append(_http(text, lines))
    if "prose" in on:
        found.append(_prose(path, text))
    if "|" in text and path.lower().endswith(_TABLE_FILES):
        found.append(_table_cells(text))
    if path.lower().endswith(_CSV_FILES):
        found.append(_csv_cells(text))
    if "assignment" in on and not structured:
        found.append(_assignments(path, text, folded, lines))
    judged: dict[str, bool] = {}  # a value found many times is judged once
    for rule in found:
        for secret in rule:
            # A private key is the engine's to judge, a URL the URL rules'.
            value = secret.value
            if "-----BEGIN" in value or (secret.kind == ASSIGNMENT and "://" in value):
                continue
            if len(value) < 8 and not any(ch.isalnum() for ch in value):
                continue  # punctuation ("`password=`/`pwd=`" in prose) is no credential
            if value not in judged:
                judged[value] = not not_a_secret(value, schemes)
            if judged[value]:
                yield secret
