"""What the files of a data team's ``code/`` directory hold that looks like a credential and is
not, found by scanning real public projects (dbt packages and their CI, Airflow DAGs and
deployments, Terraform modules). As in ``precision``, each rule names a place and a shape, and
both must hold, so that a real credential written at such a place is still reported (the tests
show one near miss for each rule):

- *The user name again*: a password equal to the user name set beside it (``POSTGRES_USER: dbt``
  then ``POSTGRES_PASSWORD: dbt``; ``smtp_user = airflow`` then ``smtp_password = airflow``), or
  to the user a container image's variable is for when no user is set (``POSTGRES_PASSWORD:
  postgres``: the postgres image's superuser is ``postgres``; ``MYSQL_ROOT_PASSWORD: root``).
  Whoever reads the user name has the password: the CI service containers of every dbt package.
- *GitHub Actions permissions*: ``id-token: write`` under a ``permissions`` mapping; the value is
  one of ``read``, ``write``, ``none``.
- *GitHub Actions expressions of contexts only*: ``${{ secrets.GATE_TOKEN || github.token }}``,
  every alternative a context's value (a literal fallback, ``|| 'x'``, is still reported).
- *Container images' password switches*: ``MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: "1"``,
  ``MYSQL_RANDOM_ROOT_PASSWORD: "yes"``: a key with ``allow`` or ``random`` before its password
  word, the value a flag (``1``, ``yes``, ``true``, ...).
- *Test doubles in a CI job's environment*: ``DATABRICKS_TOKEN: mock`` under an ``env`` mapping,
  the whole value one of ``mock``, ``mocked``, ``fake``, ``stub``.
- *dbt ``env_var`` defaults named by the variable*: ``{{ env_var('DBT_PASS', 'pass') }}``, whose
  default is one of the variable's own words; any other default is a literal, still reported.
- *dbt's sample profiles*: ``pass: [dev_password]``, a one-item list (a password is a string)
  whose item is a plain identifier with a word of its key (``pass`` in ``password``).
- *Google's credentials file*: ``GOOGLE_APPLICATION_CREDENTIALS`` holds a path to a ``.json``
  file, by the variable's definition.
- *Secret names in commands*: ``gcloud secrets versions access ... --secret="CI_DBT_PASS"``, the
  upper-case name of the Secret Manager secret to read; and the name of the Kubernetes Secret an
  Airflow ``Secret(...)`` mounts (``secret="postgres-secrets"``), a lower-case DNS name.
- *Read at run time*: ``password = os.environ["X"]`` / ``config("X")`` / ``Variable.get("x")``,
  a getter whose only argument is the name; ``SALT_PASSWORD="SALT_PASSWORD"``, the key's own name.
- *Names and versions in manifests*: npm's dependency maps (``"js-tokens": "^4.0.0"``), a GitHub
  cache action's key (``shared-key: cargo-ci-tool``), dbt's ``column_types`` (a SQL type, or a
  Jinja if/else of SQL types by adapter).
- *Published or inert values*: ``true`` / ``false``; MinIO's published defaults (``minio``,
  ``minio123``, ``minioadmin``); the Fetch API's ``credentials: "include"``; an Airflow hook's
  form labels (``"relabeling": {"password": "Astro Cloud API Token"}``); an e-mail login's local
  part as the password (``PGADMIN_DEFAULT_EMAIL: admin@...`` then ``..._PASSWORD: admin``).
- *Data the high-entropy plugins find*: an Alembic migration's ``revision`` / ``down_revision``
  (12 hex digits); a 32 or 64 hex digit value (dbt's md5 surrogate keys,
  Zuora's ids) in dbt SQL and YAML under no key or a key that is not a credential's; a notebook
  output's base64 PNG / JPEG / GIF under its ``image/*`` key, by its magic number; DNA
  (``ACCA`` then only A, C, G, T) that detect-secrets' AWS key id pattern matches.
- *Public by design*: a Power BI / Fabric "publish to web" link's ``r`` (base64 JSON of exactly
  ``k``, ``t`` as UUIDs and ``c``), Codecov's graph token in its badge URL.
- *Code between two literals*: ``"Resolvable(token: "+(0,a.As)(this.token)+", requires"`` in a
  minified JavaScript or HTML file (a dbt docs site): a call on a member between ``+`` signs.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from functools import lru_cache
from typing import Any

from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.high_entropy_strings import (
    Base64HighEntropyString,
    HexHighEntropyString,
)

from migration_checks.secret_detection.engine import KEYWORD_TYPE
from migration_checks.secret_detection.precision import Lines, key_before
from migration_checks.secret_detection.references import credential_key, key_words
from migration_checks.secret_detection.statements import ASSIGNMENT

# Only a value found for the key it is assigned to: a token found by its own format (a Slack
# token is a lower-case DNS name too) is reported wherever it stands.
_KEYED_KINDS = frozenset({KEYWORD_TYPE, ASSIGNMENT})
_HEX_TYPE = HexHighEntropyString.secret_type
_BASE64_TYPE = Base64HighEntropyString.secret_type
_AWS_TYPE = AWSKeyDetector.secret_type
_URL_PARAMETER_TYPE = "Credential in URL"  # rules.URL_PARAMETER (rules imports this module)

# -- the user name again --------------------------------------------------------------------------
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "pass"})
_USER_WORDS = frozenset({"user", "username", "usr", "login", "email"})
# A container image's password variable whose user is fixed when no user variable is set.
_IMAGE_USERS = {("postgres",): "postgres", ("mysql", "root"): "root", ("mariadb", "root"): "root"}
_NEARBY = 6  # lines either side where the user name is looked for (beside it, in practice)
# A setting alone on its line is short; a longer line is not read as one (nor searched again for
# each finding on it, which would be quadratic in a long line of many findings).
_SETTING_LINE = 512
_USER_HINT = re.compile(r"(?i)us|login|email")  # what a user key's line holds, looked for first
# ``key: value`` / ``key = value`` alone on its line (YAML, .ini, .env, shell), value unquoted
# or quoted, an end-of-line comment allowed.
_SETTING = re.compile(
    r"[ \t]*(?:export[ \t]+|-[ \t]+)?[\"']?(?P<key>[A-Za-z_][A-Za-z0-9_.-]{0,63})[\"']?"
    r"[ \t]*[:=][ \t]*(?P<q>[\"']?)(?P<value>[^\"'\s#]{0,128})(?P=q)[ \t]*(?:#.*)?"
)


def _password_prefix(key: str) -> tuple[str, ...] | None:
    """The words before the password word of a password key (``POSTGRES_PASSWORD`` ->
    ``("postgres",)``), or None when the key does not end with one."""
    if not key[-8:].lower().endswith(("password", "passwd", "pwd", "pass")):
        return None  # cheap first: most keys found are not a password's
    words = key_words(key)
    if not words or words[-1] not in _PASSWORD_WORDS:
        return None
    return tuple(words[:-1])


def _user_key_of(key: str, prefix: tuple[str, ...]) -> bool:
    lower = key.lower()
    if "us" not in lower and "login" not in lower and "email" not in lower:
        return False  # no user word: not split into words (the common case, kept cheap)
    words = key_words(key)
    return bool(words) and words[-1] in _USER_WORDS and tuple(words[:-1]) == prefix


def _user_again(prefix: tuple[str, ...], value: str, users: list[str]) -> bool:
    """Whether ``value`` is the user name: the one set beside it, or the image's fixed user
    when none is set. Compared exactly: ``dbt`` is not ``Dbt`` nor ``dbt1``."""
    if users:
        if len(set(users)) > 1:
            return False  # a decoy: DB_USER=loader beside DB_LOGIN=<the password>
        # an e-mail address logs in as its local part too (PGADMIN_DEFAULT_EMAIL: admin@...)
        user = users[0]
        return value == user or ("@" in user and value == user.partition("@")[0])
    return _IMAGE_USERS.get(prefix) == value


def user_name_again(key: str, value: str, siblings: dict[Any, Any]) -> bool:
    """A parsed mapping's password ``key`` whose ``value`` is the user name of the same
    mapping (``siblings``)."""
    prefix = _password_prefix(key)
    if prefix is None or not value:
        return False
    users = [v for k, v in siblings.items() if isinstance(k, str) and _user_key_of(k, prefix)]
    return _user_again(prefix, value, [str(v) for v in users if isinstance(v, str | int)])


def _line_user_name_again(key: str, value: str, number: int, lines: Lines) -> bool:
    """The same, in a file read as lines: the password's setting is alone on its line, and the
    user's setting alone on one of the ``_NEARBY`` lines either side."""
    prefix = _password_prefix(key)
    own = _setting(lines(number))
    if prefix is None or own is None or own["key"] != key or own["value"] != value:
        return False
    # Unless the value is the image's own user, only a line holding the value can hold the
    # user's setting that matters: the others are not parsed (many keyword lines stay cheap).
    nearby = range(max(1, number - _NEARBY), number + _NEARBY + 1)
    if _IMAGE_USERS.get(prefix) != value and not _users(prefix, number, nearby, lines, value):
        return False
    # every user setting around, then: a decoy beside the real user is not the user
    return _user_again(prefix, value, _users(prefix, number, nearby, lines))


def _users(
    prefix: tuple[str, ...], number: int, nearby: range, lines: Lines, holding: str = ""
) -> list[str]:
    """The values of the user settings on the lines ``nearby`` (other than ``number``), only
    those on lines that hold ``holding`` when given (cheap: most lines are not parsed)."""
    users = []
    for near in nearby:
        line = lines(near)
        if near == number or holding not in line:
            continue
        setting = _user_setting(line)
        if setting is not None and _user_key_of(setting[0], prefix):
            users.append(setting[1])
    return users


@lru_cache(maxsize=8192)  # each line is asked by every find around it
def _user_setting(line: str) -> tuple[str, str] | None:
    """The key and value of a line that may set a user, or None."""
    if not _may_name_a_user(line):
        return None
    setting = _setting(line)
    return (setting["key"], setting["value"]) if setting is not None else None


def _may_name_a_user(line: str) -> bool:
    return len(line) <= _SETTING_LINE and _USER_HINT.search(line) is not None


def _setting(line: str) -> re.Match[str] | None:
    return _SETTING.fullmatch(line) if len(line) <= _SETTING_LINE else None


# -- GitHub Actions permissions -------------------------------------------------------------------
_PERMISSION_LEVELS = frozenset({"read", "write", "none"})
# A CI job's environment given a test double's name for the credential its tests mock.
_TEST_DOUBLES = frozenset({"mock", "mocked", "fake", "stub"})

# ${{ secrets.GATE_TOKEN || github.token }}: each alternative a context's value, none a literal.
_CONTEXT = r"(?:secrets|vars|env|inputs|needs|steps|github|matrix|jobs)\.[A-Za-z0-9_.-]{1,128}"
_CONTEXT_ALTERNATIVES = re.compile(
    rf"\$\{{\{{[ \t]*{_CONTEXT}(?:[ \t]*\|\|[ \t]*(?:{_CONTEXT}|''|\"\")){{1,8}}[ \t]*\}}\}}"
)
# A container image's switch about its password (MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: "1",
# MYSQL_RANDOM_ROOT_PASSWORD: "yes"): the key says what the flag does, the value is a flag.
_SWITCH_WORDS = frozenset({"allow", "random"})
_FLAGS = frozenset({"1", "0", "yes", "no", "true", "false", "on", "off"})
# MinIO's published defaults (its docker-compose examples, its built-in root user): public.
_PUBLISHED_DEFAULTS = frozenset({"minio", "minio123", "minioadmin"})
# A boolean is no credential, whatever its key (Snowflake's MUST_CHANGE_PASSWORD=FALSE).
_BOOLEANS = frozenset({"true", "false"})

# -- dbt ------------------------------------------------------------------------------------------
# {{ env_var('NAME', 'default') }}, a filter after it allowed (| as_text); the default one word.
_ENV_VAR_DEFAULT = re.compile(
    r"\{\{-?[ \t]*env_var\([ \t]*(?P<q>[\"'])(?P<name>[A-Za-z_][A-Za-z0-9_]{0,127})(?P=q)"
    r"[ \t]*,[ \t]*(?P<r>[\"'])(?P<default>[A-Za-z]{0,64})(?P=r)[ \t]*\)"
    r"(?:[ \t]*\|[ \t]*[a-z_]{1,32})?[ \t]*-?\}\}"
)
_IDENTIFIER = re.compile(r"[a-z]+(?:_[a-z]+){0,7}")


def env_var_default_named(value: str) -> bool:
    """``{{ env_var('DBT_ENV_SECRET_PASS', 'pass') }}``: the default is empty or one of the
    variable's own words, so it tells nothing the name does not."""
    match = _ENV_VAR_DEFAULT.fullmatch(value.strip())
    if match is None:
        return False
    default = match["default"].lower()
    return not default or default in key_words(match["name"])


def _names_its_key(key: str, item: str) -> bool:
    """``dev_password`` under ``pass``: a plain identifier one of whose words begins with one
    of the key's credential words (``password`` with ``pass``), or is another spelling of the
    password word (``pass`` under ``password``)."""
    if _IDENTIFIER.fullmatch(item) is None:
        return False
    words = [w for w in key_words(key) if w in _PASSWORD_WORDS or w in {"secret", "token"}]
    return any(
        i.startswith(w) or (i in _PASSWORD_WORDS and w in _PASSWORD_WORDS)
        for i in item.split("_")
        for w in words
    )


# -- Google's credentials file --------------------------------------------------------------------
_JSON_PATH = re.compile(
    r"(?:~|\.{1,2})?/?(?:[A-Za-z0-9_.-]{1,64}/){0,16}[A-Za-z0-9_.-]{1,64}\.json"
)


# -- package manifests, cache actions, dbt column types --------------------------------------------
# npm's dependency maps: a package name (js-tokens, registry-auth-token) and a version range.
_DEPENDENCY_MAPS = frozenset(
    {"dependencies", "devDependencies", "peerDependencies", "optionalDependencies", "requires"}
)
_VERSION = r"(?:[~^]|[<>]=?|=)?v?\d{1,9}+(?:\.(?:\d{1,9}+|[xX*])){0,2}+(?:-[0-9A-Za-z.]{1,32}+)?+"
_VERSION_RANGE = re.compile(
    rf"{_VERSION}(?:(?:[ \t]*\|\|[ \t]*|[ \t]+-[ \t]+|[ \t]+){_VERSION}){{0,8}}"
)
# GitHub Actions caches: the key names the cache entry (Swatinem/rust-cache's shared-key).
_CACHE_ACTIONS = (
    "actions/cache@",
    "actions/cache/restore@",
    "actions/cache/save@",
    "Swatinem/rust-cache@",
)
_CACHE_KEYS = frozenset({"key", "shared-key", "prefix-key"})
_CACHE_NAME = re.compile(r"[a-z0-9]++(?:[-_.][a-z0-9]++){0,15}")
# dbt's column_types: a SQL type, or a Jinja if/else choosing one by adapter.
_SQL_TYPE = r"[A-Za-z_]{1,32}+(?:\([0-9]{1,5}+(?:,[ \t]*+[0-9]{1,5}+)?\))?+"
_JINJA_TAG = r"\{%-?[ \t]*(?:(?:el)?if[ \t]+target\.type[ \t]+(?:in|==|!=)[ \t]+[a-z_ ,()\"'\[\]]{1,200}|else|endif)[ \t]*-?%\}"
# Possessive: a run of letters is one type, never split (no backtracking over its splits).
_COLUMN_TYPE = re.compile(rf"[ \t\n]*+(?:(?:{_JINJA_TAG}|{_SQL_TYPE})[ \t\n]*+){{1,12}}+")


def structured_false_alarm(data: Any, path: tuple[str | int, ...], value: Any) -> bool:
    """Whether the credential-like key at ``path`` of parsed JSON or YAML ``data`` holds one of
    the shapes above at its place (``value`` is the key's whole value, a list too)."""
    key = path[-1] if path else None
    if not isinstance(key, str):
        return False
    parent = _at(data, path[:-1])
    above = path[-2] if len(path) >= 2 else None
    if isinstance(value, str):
        if above == "permissions" and value in _PERMISSION_LEVELS:
            return True
        if above == "env" and value in _TEST_DOUBLES:
            return True
        if env_var_default_named(value) or _CONTEXT_ALTERNATIVES.fullmatch(value):
            return True
        if value.lower() in _FLAGS and _SWITCH_WORDS & set(key_words(key)):
            return True
        if value.lower() in _BOOLEANS or value in _PUBLISHED_DEFAULTS:
            return True
        if key == "GOOGLE_APPLICATION_CREDENTIALS" and _JSON_PATH.fullmatch(value):
            return "/" in value
        if above in _DEPENDENCY_MAPS and _VERSION_RANGE.fullmatch(value):
            return True
        if above == "column_types" and _COLUMN_TYPE.fullmatch(value):
            return True
        if above == "with" and key in _CACHE_KEYS and _CACHE_NAME.fullmatch(value):
            step = _at(data, path[:-2])
            uses = step.get("uses") if isinstance(step, dict) else None
            return isinstance(uses, str) and uses.startswith(_CACHE_ACTIONS)
        if isinstance(parent, dict) and user_name_again(key, value, parent):
            return True
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        return _names_its_key(key, value[0])
    return False


def _at(data: Any, path: tuple[str | int, ...]) -> Any:
    node = data
    for step in path:
        in_mapping = isinstance(node, dict) and step in node
        in_list = isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
        if not (in_mapping or in_list):
            return None
        node = node[step]
    return node


# -- secret names in commands ---------------------------------------------------------------------
_GCLOUD_ACCESS = re.compile(r"\bgcloud[ \t]+secrets[ \t]+versions[ \t]+access\b")
_SECRET_NAME_UPPER = re.compile(r"[A-Z][A-Z0-9]*+(?:_[A-Z0-9]++)++")
_DNS_NAME = re.compile(r"[a-z0-9]++(?:-[a-z0-9]++)++")
_K8S_SECRET_CALL = re.compile(r"\bSecret\([ \t]*$|\bSecret\([ \t]*[a-z_]+[ \t]*=")
_CALL_LINES = 6  # an Airflow Secret(...) call's keyword arguments, one a line
_WINDOW = 400  # how far before a value its command or call is looked for


def _gcloud_secret_name(line: str, value: str) -> bool:
    """``--secret="NAME"`` of a ``gcloud secrets versions access`` command on the same line
    (the name may appear on the line before it too: ``export NAME=$(gcloud ...)``)."""
    if _SECRET_NAME_UPPER.fullmatch(value) is None:
        return False
    for quote in ('"', "'", ""):
        option = line.find(f"--secret={quote}{value}{quote}")
        if option >= 0:
            return _GCLOUD_ACCESS.search(line, max(0, option - _WINDOW), option) is not None
    return False


def _kubernetes_secret_name(key: str | None, value: str, number: int, lines: Lines) -> bool:
    """``secret="postgres-secrets"`` as a keyword argument of an Airflow ``Secret(`` call
    opened on the line or on one of the ``_CALL_LINES`` before it, none closing it."""
    if key != "secret" or _DNS_NAME.fullmatch(value) is None:
        return False
    for back in range(number, max(0, number - _CALL_LINES), -1):
        line = lines(back)
        if back == number:
            at = line.find(value)
            line = line[max(0, at - _WINDOW) : at]
        elif len(line) > _WINDOW or ")" in line:
            return False  # not an argument line of an open call
        if _K8S_SECRET_CALL.search(line) is not None:
            return True
    return False


# -- data that high-entropy plugins find ----------------------------------------------------------
# dbt's surrogate keys (md5), hashed ids and SaaS record ids (Zuora's 32 hex digits) in models and
# their YAML: a digest's width, under no key or a key that is not a credential's.
_DIGEST_WIDTHS = frozenset({32, 64})
_DBT_FILES = (".sql", ".yml", ".yaml")
# Alembic's migration ids: revision = "6828cc5b1a4f" (uuid4's last 12 hex digits, 48 bits).
_ALEMBIC_KEYS = frozenset({"revision", "down_revision", "Revision ID", "Revises"})
_ALEMBIC_REVISION = re.compile(r"[0-9a-f]{12}")
# Images in Jupyter notebooks' outputs: base64 of a PNG, JPEG or GIF, by its magic number.
_IMAGE_KEYS = frozenset({"image/png", "image/jpeg", "image/gif"})
_IMAGE_MAGIC = ("iVBORw0KGgo", "/9j/", "R0lGODdh", "R0lGODlh")
_GRAFANA_TYPE = "Grafana Token"  # tokens' name for the format whose base64 JSON starts {"k":
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SCRIPT_FILES = (".js", ".mjs", ".cjs", ".html", ".htm")
_JOINED_CALL = re.compile(
    r"[ \t]*+\+[ \t]*+(?=[^+]*\()(?=[^+]*\.)[A-Za-z0-9_$.(), ]{3,120}+\+[ \t]*+"
)
_NUCLEOTIDES = frozenset("ACGT")
# Codecov's graph token: read-only, and printed by Codecov itself in its badge snippets.
_CODECOV_BADGE = "/graph/badge.svg?token="
_CODECOV_TOKEN = re.compile(r"[A-Z0-9]{10}(?![A-Za-z0-9])")
_CODECOV_LINK_END = re.compile(r"(?:\)\]\(https://codecov\.io/[A-Za-z0-9_./-]{0,200}+\)?)?")
# The Fetch API's credentials mode: fetch(url, {credentials: "include"}).
_FETCH_CREDENTIALS = frozenset({"include", "same-origin", "omit"})
# password = os.environ["DB_PASSWORD"] / config("SF_PASSWORD") / Variable.get("pg_password"): the
# value read at run time by a getter whose only argument is the name, the statement ending there.
_GETTER = re.compile(
    r"(?:os\.environ(?:\.get)?|os\.getenv|getenv|environ\.get|config|Variable\.get)"
    r"[(\[][ \t]*+(?P<q>[\"'])[A-Za-z_][A-Za-z0-9_.-]{0,127}+(?P=q)[ \t]*+[)\]][ \t]*+(?:[,;)#].*)?$"
)
# An Airflow hook's form labels: get_ui_field_behaviour() -> {"relabeling": {"password": "..."}}.
_RELABELING = re.compile(r"[\"'](?:relabeling|placeholders)[\"'][ \t]*:[ \t]*\{[ \t]*$")
_LABEL = re.compile(r"[A-Z][A-Za-z0-9]{0,31}(?: [A-Za-z0-9()/-]{1,32}){1,7}")


def _entropy_data(kind: str, value: str, line: str, path: str) -> bool:
    at = line.find(value)
    if at < 0:
        return False
    key = key_before(line, at)
    if kind == _BASE64_TYPE:
        # JSON's escaped line breaks: nbformat ends the string with one, or breaks it every 76
        body = value.replace("\\n", "")
        return key in _IMAGE_KEYS and body.startswith(_IMAGE_MAGIC) and _base64(body)
    if key in _ALEMBIC_KEYS and _ALEMBIC_REVISION.fullmatch(value):
        return True
    if len(value) not in _DIGEST_WIDTHS or not path.lower().endswith(_DBT_FILES):
        return False
    return key is None or not credential_key(key)


def _base64(value: str) -> bool:
    try:
        binascii.a2b_base64(value.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError):
        return False
    return True


def _power_bi_embed(value: str) -> bool:
    """``{"k": <uuid>, "t": <uuid>, "c": <n>}`` in base64: the ``r`` of a Power BI / Fabric
    "publish to web" link, public by design; a Grafana API key decodes to ``{"k", "n", "id"}``."""
    if len(value) > _WINDOW:
        return False
    try:
        data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (ValueError, binascii.Error):
        return False
    if not isinstance(data, dict) or set(data) not in ({"k", "t"}, {"k", "t", "c"}):
        return False
    uuids = [data["k"], data["t"]]
    if not all(isinstance(u, str) and _UUID.fullmatch(u) for u in uuids):
        return False
    return isinstance(data.get("c", 0), int)


def _concatenated_code(line: str, at: int, value: str, path: str) -> bool:
    """``"Resolvable(token: "+(0,a.As)(this.token)+", requires"``: in a JavaScript or HTML
    file, the "value" between two string literals is code that joins them: a call on a member
    between ``+`` signs, the quotes around it closing one literal and opening the next."""
    if not path.lower().endswith(_SCRIPT_FILES) or _JOINED_CALL.fullmatch(value) is None:
        return False
    before, after = line[at - 1 : at], line[at + len(value) : at + len(value) + 1]
    return before in ("'", '"') and after == before


def _codecov_graph_token(line: str, value: str) -> bool:
    """``codecov.io/.../graph/badge.svg?token=<10 upper-case letters or digits>``; the URL rule's
    value may run on into the Markdown link after it (``)](https://codecov.io/gh/o/r)``), and
    only into that: a parameter after it (``?password=``) is part of the value, never hidden."""
    token = _CODECOV_TOKEN.match(value)
    if token is None or _CODECOV_LINK_END.fullmatch(value, token.end()) is None:
        return False
    at = line.find(_CODECOV_BADGE + value)
    return at >= 0 and "codecov.io/" in line[max(0, at - _WINDOW) : at]


def _relabeled_field(value: str, number: int, lines: Lines) -> bool:
    """A label in the ``relabeling`` mapping opened within ``_CALL_LINES`` * 2 lines above,
    none closing it: words of a form, the first capitalized (``"Astro Cloud API Token"``)."""
    if _LABEL.fullmatch(value) is None:
        return False
    for back in range(number - 1, max(0, number - 2 * _CALL_LINES), -1):
        line = lines(back)
        if len(line) > _WINDOW or "}" in line:
            return False
        if _RELABELING.search(line) is not None:
            return True
    return False


def line_false_alarm(kind: str, value: str, number: int, lines: Lines, path: str = "") -> bool:
    """Whether a find ``value`` on line ``number`` of the file at ``path`` is one of the shapes
    above at its place, read from the file's lines (any file: YAML, .ini, .env, shell, Python).
    Keyed finds (detect-secrets' keyword plugin, the assignment rule) by their key; the high
    entropy plugins' finds only as the data named above; a token found by its format only as
    Codecov's graph token in its badge URL."""
    line = lines(number)
    if kind in (_HEX_TYPE, _BASE64_TYPE):
        return _entropy_data(kind, value, line, path)
    if kind == _URL_PARAMETER_TYPE:
        return _codecov_graph_token(line, value)
    if kind == _GRAFANA_TYPE:
        return _power_bi_embed(value)
    if kind == _AWS_TYPE:
        # DNA (a genomics notebook's ACCAGACC...): AWS's "ACCA" prefix then 16 of A, C, G, T,
        # which an issued key id (16 random base32 characters) is with one chance in 2**48.
        return set(value) <= _NUCLEOTIDES
    if kind not in _KEYED_KINDS:
        return False
    at = line.find(value)
    if at < 0:
        return False
    if value.rstrip(";,").lower() in _BOOLEANS or value in _PUBLISHED_DEFAULTS:
        return True
    if _gcloud_secret_name(line, value) or _concatenated_code(line, at, value, path):
        return True
    if _GETTER.match(line, at) is not None:
        return True
    key = key_before(line, at)
    last = line.rfind(value)
    if key is None and last != at:
        key = key_before(line, last)  # the value is also the key before it: KEY="KEY"
    if key is None:
        return False
    if value == key:
        return True  # SALT_PASSWORD="SALT_PASSWORD": the key's own name, printed beside it
    if key == "credentials" and value in _FETCH_CREDENTIALS:
        return True
    if _kubernetes_secret_name(key, value, number, lines):
        return True
    if _relabeled_field(value, number, lines):
        return True
    return _line_user_name_again(key, value, number, lines)
