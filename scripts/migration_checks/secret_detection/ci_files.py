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
"""

from __future__ import annotations

import re
from typing import Any

from migration_checks.secret_detection.engine import KEYWORD_TYPE
from migration_checks.secret_detection.precision import Lines, key_before
from migration_checks.secret_detection.references import key_words
from migration_checks.secret_detection.statements import ASSIGNMENT

# Only a value found for the key it is assigned to: a token found by its own format (a Slack
# token is a lower-case DNS name too) is reported wherever it stands.
_KEYED_KINDS = frozenset({KEYWORD_TYPE, ASSIGNMENT})

# -- the user name again --------------------------------------------------------------------------
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "pass"})
_USER_WORDS = frozenset({"user", "username", "usr", "login"})
# A container image's password variable whose user is fixed when no user variable is set.
_IMAGE_USERS = {("postgres",): "postgres", ("mysql", "root"): "root", ("mariadb", "root"): "root"}
_NEARBY = 6  # lines either side where the user name is looked for (beside it, in practice)
# A setting alone on its line is short; a longer line is not read as one (nor searched again for
# each finding on it, which would be quadratic in a long line of many findings).
_SETTING_LINE = 512
_USER_HINT = re.compile(r"(?i)us|login")  # what a user key's line holds, looked for first
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
    if "us" not in lower and "login" not in lower:
        return False  # no user word: not split into words (the common case, kept cheap)
    words = key_words(key)
    return bool(words) and words[-1] in _USER_WORDS and tuple(words[:-1]) == prefix


def _user_again(prefix: tuple[str, ...], value: str, users: list[str]) -> bool:
    """Whether ``value`` is the user name: the one set beside it, or the image's fixed user
    when none is set. Compared exactly: ``dbt`` is not ``Dbt`` nor ``dbt1``."""
    if users:
        return value in users
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
    any_line = _IMAGE_USERS.get(prefix) == value
    users = []
    for near in range(max(1, number - _NEARBY), number + _NEARBY + 1):
        line = lines(near)
        if near == number or not (any_line or value in line) or not _may_name_a_user(line):
            continue
        setting = _setting(line)
        if setting is not None and _user_key_of(setting["key"], prefix):
            users.append(setting["value"])
    return _user_again(prefix, value, users)


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
    rf"\$\{{\{{[ \t]*{_CONTEXT}(?:[ \t]*\|\|[ \t]*{_CONTEXT}){{1,8}}[ \t]*\}}\}}"
)
# A container image's switch about its password (MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: "1",
# MYSQL_RANDOM_ROOT_PASSWORD: "yes"): the key says what the flag does, the value is a flag.
_SWITCH_WORDS = frozenset({"allow", "random"})
_FLAGS = frozenset({"1", "0", "yes", "no", "true", "false", "on", "off"})

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


def structured_false_alarm(data: Any, path: tuple[str | int, ...], value: Any) -> bool:
    """Whether the credential-like key at ``path`` of parsed JSON or YAML ``data`` holds one of
    the shapes above at its place (``value`` is the key's whole value, a list too)."""
    key = path[-1] if path else None
    if not isinstance(key, str):
        return False
    parent = _at(data, path[:-1])
    if isinstance(value, str):
        if len(path) >= 2 and path[-2] == "permissions" and value in _PERMISSION_LEVELS:
            return True
        if len(path) >= 2 and path[-2] == "env" and value in _TEST_DOUBLES:
            return True
        if env_var_default_named(value) or _CONTEXT_ALTERNATIVES.fullmatch(value):
            return True
        if value.lower() in _FLAGS and _SWITCH_WORDS & set(key_words(key)):
            return True
        if key == "GOOGLE_APPLICATION_CREDENTIALS" and _JSON_PATH.fullmatch(value):
            return "/" in value
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


def line_false_alarm(kind: str, value: str, number: int, lines: Lines) -> bool:
    """Whether a keyed find ``value`` (detect-secrets' keyword plugin, the assignment rule) on
    line ``number`` is one of the shapes above at its place, read from the file's lines (any
    file: YAML, .ini, .env, shell, Python)."""
    if kind not in _KEYED_KINDS:
        return False
    line = lines(number)
    at = line.find(value)
    if at < 0:
        return False
    if _gcloud_secret_name(line, value):
        return True
    key = key_before(line, at)
    if key is None:
        return False
    if _kubernetes_secret_name(key, value, number, lines):
        return True
    return _line_user_name_again(key, value, number, lines)
