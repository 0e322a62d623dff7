"""References, placeholders and credential-like keys: what is never a secret, and which keys
name one.

References are never secrets: a value with an allowed secret-store scheme (``vault://...``), an
environment or template interpolation (``${VAR}``, ``$VAR``, ``{{ var }}``, ``%(var)s``,
``<var>``), or a mask (``***``, ``xxxx``, empty); nor is a key that names a reference or a
property of a credential (``password_ref``, ``token_type``, ``password_policy``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

DEFAULT_REF_SCHEMES = ("vault://",)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
NO_ALLOWED_SCHEME = "it does not start with an allowed scheme"
# After the scheme: a path of segments, then optionally "#key". Nothing that could carry a value
# of its own (a query, user information, white space).
_REF_SEGMENT = re.compile(r"[A-Za-z0-9_.-]+")
_INTERPOLATION = re.compile(
    r"\$\{[A-Za-z_][A-Za-z0-9_.]*\}"  # ${VAR}, without a default that could be a literal
    # ${VAR:?message} / ${VAR?}: the shell stops when VAR is unset; the message is prose
    r"|\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[A-Za-z .,'_-]*\}"
    r"|\$[A-Za-z_][A-Za-z0-9_]*"  # $VAR
    # ${env:VAR}, ${ENV:VAR}, ${oc.env:VAR}: resolvers of Spring, Hydra/OmegaConf, Serverless
    r"|\$\{(?:env|ENV|oc\.env|sys):[A-Za-z_][A-Za-z0-9_]*\}"
    # GitHub Actions expressions of a context (no literal fallback: "||" is not allowed)
    r"|\$\{\{[ \t]*(?:secrets|vars|env|inputs|needs|steps|github|matrix|jobs)"
    r"\.[A-Za-z0-9_.-]+[ \t]*\}\}"
    r"|%\([A-Za-z_][A-Za-z0-9_]*\)s|%s"  # %(var)s, %s
    r"|<[^<>\n]*>"  # <password>
    r"|\{[A-Za-z_][A-Za-z0-9_.]*\}"  # {password}
    r"|\$\([A-Za-z_][A-Za-z0-9_]*\)"  # $(VAR), a make variable
    r"|:[A-Za-z_][A-Za-z0-9_]*|:'[A-Za-z_][A-Za-z0-9_]*'|\?|\$[0-9]"  # SQL bind parameters
)
# {{ ... }}: a Jinja or Go template expression; it may name its variable with a literal
# (env_var('X')), not give a literal default (env_var('X', 'hunter2')).
_TEMPLATE = re.compile(r"\{\{-?(?P<body>[^{}\n]*+)-?\}\}")
_STRING_LITERAL = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")
_NAME_LIKE = re.compile(r"[A-Za-z0-9_./: -]*")
# ${VAR:-default}, ${VAR-default}, ${VAR:=default}: a reference only if the default is one too.
_DEFAULTED = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=](?P<default>.*)\}", re.DOTALL)
# $(command ...): the output of a program that fetches a secret from a store at run time. Only
# these programs (echo or printf of a literal is not a reference), and no nested substitution.
_COMMAND = re.compile(r"\$\((?P<program>[a-z][a-z0-9_-]*+)(?:[ \t][^()`$\n]*+)?\)")
_SECRET_FETCHERS = frozenset(
    {
        "gcloud", "aws", "az", "vault", "op", "bw", "lpass", "pass", "gopass", "sops",
        "doppler", "infisical", "kubectl", "security", "cat", "akeyless", "chamber",
        "berglas", "gpg", "jq", "yq", "secret-tool", "keyring", "heroku",
    }
)  # fmt: skip
# Secret-store references other than the policy's schemes: they name where a secret is.
# A store's selector of a version or a field names which value, never holds one: a query of
# these parameters only, each with a short name-like value, before or after the "#key".
_SELECTOR = r"(?:version|versionId|versionStage|field|key|property)=[A-Za-z0-9_.-]{1,64}+"
_SELECTORS = rf"\?{_SELECTOR}(?:&{_SELECTOR}){{0,2}}+"
_FRAGMENT = r"#[A-Za-z0-9_.-]{1,128}+"
STORE_REFERENCE = re.compile(
    r"(?:vault|awssm|gcpsm|azkv|secretsmanager|ssm):(?://)?[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*+"
    rf"(?:{_FRAGMENT}(?:{_SELECTORS})?|{_SELECTORS}(?:{_FRAGMENT})?)?"
    r"|op://[A-Za-z0-9_. -]+(?:/[A-Za-z0-9_. -]+){2,3}+"  # 1Password
    # CloudFormation, its path may interpolate a parameter (!Sub '{{resolve:...:${Env}/db...}}')
    r"|\{\{resolve:(?:secretsmanager|ssm-secure|ssm):"
    r"(?:[A-Za-z0-9_./:+=@-]|\$\{[A-Za-z0-9_.:]{1,64}+\})++\}\}"
    r"|arn:aws[a-z-]*:(?:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+"
    r"|ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9/_.-]+)(?:#[A-Za-z0-9_.-]+)?"
    r"|projects/[A-Za-z0-9_-]+/secrets/[A-Za-z0-9_-]+(?:/versions/(?:[0-9]+|latest))?"  # GCP
    r"|@Microsoft\.KeyVault\((?:SecretUri|VaultName)=[A-Za-z0-9_./:;=-]+\)"  # Azure
    r"|https://[a-z0-9-]+\.vault\.azure\.net/secrets/[A-Za-z0-9-]+(?:/[0-9a-f]{32})?/?"
)
_MASK = re.compile(r"\*+|[xX]+|•+|\.+|…+|-+|_+|#+")
# Groups of mask characters (XXXX-XXXX-XXXX, ****-****), and a token's vendor prefix followed by
# a mask (sk-..., sk-ant-..., ghp_XXXX..., xoxb-<token>): nothing in either but the prefix, a
# lower-case word that every such token starts with, and characters that stand for the rest.
_MASK_RUN = r"(?:\*{2,}+|[xX]{2,}+|•{2,}+|\.{3,}+|…++|#{2,}+|<[a-z _-]{1,40}+>)"
_MASK_GROUPS = re.compile(rf"{_MASK_RUN}(?:[-_ ]{_MASK_RUN})++")
_MASKED_TOKEN = re.compile(rf"[a-z][a-z0-9]{{0,9}}+(?:[-_][a-z]{{1,8}}+){{0,3}}?[-_.]{_MASK_RUN}")
# The example key pair of AWS's documentation, exactly: detectors match their shape, and no
# account can hold them (their "EXAMPLE" would be random in a real key).
_AWS_EXAMPLES = frozenset(
    {
        "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    }
)  # fmt: skip
# A column's SQL data type (a type map: {"password": "varchar(255)"}) names the column's type.
_SQL_TYPE = re.compile(
    r"(?i)(?:n?varchar2?|n?char|character(?: varying)?|text|citext|string|bytea|blob|clob|nclob"
    r"|binary|varbinary|raw|uuid|json|jsonb|int|integer|bigint|smallint|numeric|decimal|number"
    r"|float|double|boolean|bool|date|timestamp|timestamptz|bytes)"
    r"(?:\([ \t]{0,2}+(?:[0-9]{1,5}+|max)(?:[ \t]{0,2}+,[ \t]{0,2}+[0-9]{1,3}+)?[ \t]{0,2}+\))?"
)
_PLACEHOLDER_WORDS = frozenset(
    {"redacted", "[redacted]", "***redacted***", "[filtered]", "filtered", "masked", "hidden"}
    | {"none", "null", "nil", "n/a", "tbd", "todo"}
    # documentation's stand-ins for a value, and a credential's own name as its value
    | {"changeme", "change_me", "change-me", "changeit", "dummy", "placeholder", "example"}
    | {"password", "passwd", "pwd", "pw", "pass", "secret", "token", "apikey", "api_key", "key"}
)
# A value spelled only with these words, one of them a marker (your, example, fake, insert...),
# stands for a value in documentation: "your-api-key-here", "INSERT_KEY_HERE", "somefakekey".
_MARKER_WORDS = frozenset(
    {
        "your", "yours", "example", "sample", "dummy", "fake", "placeholder", "insert",
        "replace", "changeme", "change", "redacted", "not", "enter", "paste", "put", "fill",
    }
)  # fmt: skip
_VOCABULARY = _MARKER_WORDS | frozenset(
    {
        "password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "key", "api",
        "apikey", "access", "client", "id", "user", "username", "db", "database", "the", "a",
        "an", "some", "my", "our", "here", "value", "string", "with", "for", "to", "of", "too",
        "short", "long", "goes", "set", "in", "this", "me", "it", "real", "actual", "auth",
        "private", "app", "account", "service", "bearer", "credential", "credentials",
        "cloud", "aws", "gcp", "azure", "github", "gitlab", "slack", "stripe", "openai",
        "dbt", "snowflake", "postgres", "mysql", "admin", "root", "default", "new",
    }
)  # fmt: skip
_LONGEST_WORD = max(map(len, _VOCABULARY))
_WORD_SPLIT = re.compile(r"[^A-Za-z]+")


def reference_problem(value: str, schemes: Sequence[str]) -> str | None:
    """Why ``value`` is not a well-formed reference with one of ``schemes``; None when it is.

    The reasons never quote the value (it may be a credential pasted in its place)."""
    scheme = next((s for s in schemes if value.startswith(s)), None)
    if scheme is None:
        return NO_ALLOWED_SCHEME
    rest = value[len(scheme) :]
    path, _, key = rest.partition("#")
    if not path:
        return "it has no path after the scheme"
    if any(ch.isspace() for ch in rest):
        return "it holds white space"
    if "?" in rest:
        return "it has a query string, which may carry a credential"
    if "@" in rest:
        return "it has user information before '@', which may carry a credential"
    segments = path.split("/")
    if any(segment in (".", "..") for segment in segments):
        return "it has a '.' or '..' path segment"
    if not all(_REF_SEGMENT.fullmatch(segment) for segment in segments) or (
        "#" in rest and not _REF_SEGMENT.fullmatch(key)
    ):
        return "it holds characters other than A-Z a-z 0-9 . _ - in its path or key"
    return None


def is_reference(
    value: str, schemes: Sequence[str] = DEFAULT_REF_SCHEMES, *, _depth: int = 0
) -> bool:
    """A secret-store reference or an interpolation that a deployment fills in: not a secret.

    Each syntax is matched whole: a value that only holds one (``hunter2${X}``) is not one."""
    value = value.strip()
    if (
        reference_problem(value, schemes) is None
        or _INTERPOLATION.fullmatch(value) is not None
        or STORE_REFERENCE.fullmatch(value) is not None
        or _template_reference(value)
    ):
        return True
    command = _COMMAND.fullmatch(value)
    if command is not None:
        return command.group("program") in _SECRET_FETCHERS
    defaulted = _DEFAULTED.fullmatch(value)
    if defaulted is not None and _depth < 2:
        default = defaulted.group("default")
        return not default or is_reference(default, schemes, _depth=_depth + 1)
    return False


def _template_reference(value: str) -> bool:
    """``{{ env_var('X') }}``, ``{{ .Data.password }}``, ``{{ var("x") | int }}``: a template
    expression with at most one string literal, a name (a second, a default, must be empty, or
    a secret's path when the variable names a name or a path)."""
    template = _TEMPLATE.fullmatch(value)
    if template is None:
        return False
    literals = [
        m.group(1) if m.group(1) is not None else m.group(2)
        for m in _STRING_LITERAL.finditer(template["body"])
    ]
    if len(literals) > 2:
        return False
    if len(literals) == 2 and literals[1]:
        # env_var('CRM_SECRET_NAME', 'crm/readonly'): a variable that holds a secret's name or
        # path, whose default is one too (lower-case segments): a name is not a credential.
        return names_a_property(literals[0]) and _LOWER_PATH.fullmatch(literals[1]) is not None
    return all(_NAME_LIKE.fullmatch(literal) for literal in literals)


_LOWER_PATH = re.compile(r"[a-z0-9_.-]{1,64}+(?:/[a-z0-9_.-]{1,64}+){1,8}+")


def is_placeholder(value: str) -> bool:
    """Empty, a mask (``***``, ``xxxx``, ``XXXX-XXXX``), a token's prefix and a mask
    (``sk-...``), a word that stands for a removed value, a credential's own name
    (``password``), AWS's documented example keys, a SQL data type (``varchar(255)``), or
    documentation's stand-in spelled only with placeholder words (``your-api-key-here``,
    ``changeme``). Matched on the whole value: a real
    password beside such a word (``changeme-Wq7vLp2x``) is not a placeholder."""
    value = value.strip()
    return (
        not value
        or _MASK.fullmatch(value) is not None
        or _MASK_GROUPS.fullmatch(value) is not None
        or _MASKED_TOKEN.fullmatch(value) is not None
        or value in _AWS_EXAMPLES
        or _SQL_TYPE.fullmatch(value) is not None
        or value.lower() in _PLACEHOLDER_WORDS
        or _placeholder_phrase(value)
    )


def _placeholder_phrase(value: str) -> bool:
    """Whether ``value`` is only words of ``_VOCABULARY`` (separated, or run together as in
    ``somefakekey``), one of them a marker word, and no digit."""
    if len(value) > 64 or any(ch.isdigit() for ch in value):
        return False
    words: list[str] = []
    for part in _WORD_SPLIT.split(_CAMEL.sub("_", value)):
        if part:
            split = _segment(part.lower())
            if split is None:
                return False
            words.extend(split)
    return any(word in _MARKER_WORDS for word in words)


def _segment(run: str) -> list[str] | None:
    """``run`` as a sequence of vocabulary words (longest first), or None: dynamic programming
    over positions, each trying words of at most ``_LONGEST_WORD`` letters (linear time)."""
    best: list[list[str] | None] = [None] * (len(run) + 1)
    best[0] = []
    for end in range(1, len(run) + 1):
        for start in range(max(0, end - _LONGEST_WORD), end):
            before = best[start]
            if before is not None and run[start:end] in _VOCABULARY:
                best[end] = [*before, run[start:end]]
                break
    return best[len(run)]


def not_a_secret(value: str, schemes: Sequence[str] = DEFAULT_REF_SCHEMES) -> bool:
    return is_placeholder(value) or is_reference(value, schemes)


_CREDENTIAL_WORDS = frozenset(
    {
        "password", "passwords", "passwd", "pwd", "pw", "pass", "passphrase", "secret", "secrets",
        "token", "tokens", "credential", "credentials", "apikey", "secretkey", "privatekey",
        "accesskey", "authkey", "bearer",
    }
)  # fmt: skip
# A word run together with a credential word before it (``PGPASSWORD``, ``MYSQL_PWD`` is two).
_CREDENTIAL_SUFFIXES = ("password", "passwd", "passphrase", "secret", "token")
# "...key" or "...keys" is a credential after these words (api_key, access_keys, client-key), not
# alone.
KEY_QUALIFIERS = frozenset(
    {
        "api", "access", "secret", "private", "client", "signing", "encryption", "master",
        "auth", "account", "service", "storage", "shared", "app", "application", "subscription",
        "fernet", "hmac", "jwt", "session", "webhook", "license",
    }
)  # fmt: skip
# A key that ends with one of these names a reference to a credential or a property of one.
_PROPERTY_WORDS = frozenset(
    {
        "ref", "refs", "reference", "references", "policy", "policies", "type", "types", "kind",
        "name", "names", "file", "path", "env", "var", "variable", "length", "len", "min", "max",
        "minimum", "maximum", "rotation", "expiry", "expires", "expiration", "ttl", "age", "hint",
        "prompt", "format", "algorithm", "version", "enabled", "required", "field", "header",
        "url", "endpoint", "mode", "source", "store", "manager", "provider", "count",
    }
)  # fmt: skip


def key_words(key: str) -> list[str]:
    """``"clientSecret"``, ``"client-secret"``, ``"CLIENT_SECRET"`` -> ``["client", "secret"]``."""
    return list(_key_words(key))


@lru_cache(maxsize=4096)  # keys repeat: a finding per line of a config asks for the same key
def _key_words(key: str) -> tuple[str, ...]:
    return tuple(w for w in _NOT_WORD.split(_CAMEL.sub("_", key).lower()) if w)


_NOT_WORD = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=4096)  # keys repeat: a file of records, a finding per line of a config
def credential_key(key: str, extra: frozenset[str] = frozenset()) -> bool:
    """Whether a key names a credential's value (``password``, ``api_key``, ``clientSecret``),
    not a reference to one or a property of one (``password_ref``, ``token_type``)."""
    words = key_words(key)
    if not words or words[-1] in _PROPERTY_WORDS:
        return False
    last = words[-1]
    if last in _CREDENTIAL_WORDS or last in extra or "_".join(words) in extra:
        return True
    if last.endswith(_CREDENTIAL_SUFFIXES):  # PGPASSWORD, dbpassword, apitoken, clientsecret
        return True
    return last in ("key", "keys") and len(words) > 1 and words[-2] in KEY_QUALIFIERS


def names_a_property(key: str) -> bool:
    words = key_words(key)
    return bool(words) and words[-1] in _PROPERTY_WORDS


# Kubernetes resources whose values at these places name secrets elsewhere (a store's key, a
# property, the Kubernetes secret to create), never hold one.
_EXTERNAL_SECRETS_API = "external-secrets.io/"
VAULT_ANNOTATION = "vault.hashicorp.com/agent-inject-secret-"
STORE_PATH = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)++")
EXTERNAL_SECRET_KEYS = frozenset({"secretKey", "key", "property"})


# The Secrets Store CSI driver's providers list the secrets to mount (``objects``, ``secrets``:
# YAML in a string) by these keys; each value names a secret, a version or a file, with
# characters of a name, a path or an ARN.
_MOUNT_KEYS = frozenset(
    {
        "objectName", "objectType", "objectAlias", "objectVersion", "objectVersionLabel",
        "objectFormat", "objectEncoding", "resourceName", "path", "fileName", "filePermission",
        "jmesPath", "array", "mode",
    }
)  # fmt: skip
_MOUNT_LINE = re.compile(
    r"[ \t]*+(?:-[ \t]*+)?(?:(?P<key>[A-Za-z]{1,32}+):)?[ \t]*+"
    r"(?P<value>\|[-+]?|\"[A-Za-z0-9_./:@*-]{0,512}+\"|[A-Za-z0-9_./:@*-]{0,512}+)[ \t]*+"
)


def _names_mounted_secrets(value: str) -> bool:
    """Whether a SecretProviderClass parameter's text is only lines of its mount keys with
    name-like values (a value written there with any other key is reported)."""
    for line in value.splitlines():
        found = _MOUNT_LINE.fullmatch(line)
        if found is None:
            return False
        key = found["key"]
        if key is None and found["value"] not in ("", "|", "|-", "|+"):
            return False
        if key is not None and key not in _MOUNT_KEYS:
            return False
    return True


def reference_place(data: Any, path: tuple[str | int, ...], value: Any) -> bool:
    """Whether the value at ``path`` of parsed data names a secret elsewhere, by its place: in
    an External Secrets Operator resource (``apiVersion: external-secrets.io/...``), the
    ``secretKey`` of a ``spec.data`` item or a value of its ``remoteRef``; a SecretProviderClass's
    list of secrets to mount (``spec.parameters``), by name; a Vault Agent
    ``vault.hashicorp.com/agent-inject-secret-<name>`` annotation whose value is a Vault path."""
    if not isinstance(value, str) or not path:
        return False
    key = path[-1]
    if isinstance(key, str) and key.startswith(VAULT_ANNOTATION):
        return STORE_PATH.fullmatch(value) is not None
    root = data
    rest = path
    if isinstance(data, list) and isinstance(path[0], int) and path[0] < len(data):
        root, rest = data[path[0]], path[1:]
    if not isinstance(root, dict):
        return False
    if root.get("kind") == "SecretProviderClass" and rest[:2] == ("spec", "parameters"):
        return _names_mounted_secrets(value)
    api = root.get("apiVersion")
    if not (isinstance(api, str) and api.startswith(_EXTERNAL_SECRETS_API)):
        return False
    if len(rest) == 4 and rest[:2] == ("spec", "data") and rest[3] == "secretKey":
        return True
    return len(rest) == 5 and rest[:2] == ("spec", "data") and rest[3] == "remoteRef"
