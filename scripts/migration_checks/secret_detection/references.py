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

DEFAULT_REF_SCHEMES = ("vault://",)
NO_ALLOWED_SCHEME = "it does not start with an allowed scheme"
# After the scheme: a path of segments, then optionally "#key". Nothing that could carry a value
# of its own (a query, user information, white space).
_REF_SEGMENT = re.compile(r"[A-Za-z0-9_.-]+")
_INTERPOLATION = re.compile(
    r"\$\{[A-Za-z_][A-Za-z0-9_.]*\}"  # ${VAR}, without a default that could be a literal
    r"|\$[A-Za-z_][A-Za-z0-9_]*"  # $VAR
    r"|\{\{[^{}\n]*\}\}"  # {{ var }}, {{ env_var('X') }}
    r"|%\([A-Za-z_][A-Za-z0-9_]*\)s"  # %(var)s
    r"|<[^<>\n]*>"  # <password>
    r"|\{[A-Za-z_][A-Za-z0-9_.]*\}"  # {password}
)
_MASK = re.compile(r"\*+|[xX]+|•+|\.+|-+|_+|#+")
_PLACEHOLDER_WORDS = frozenset(
    {"redacted", "[redacted]", "***redacted***", "[filtered]", "filtered", "masked", "hidden"}
    | {"none", "null", "nil", "n/a", "tbd", "todo"}
)


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


def is_reference(value: str, schemes: Sequence[str] = DEFAULT_REF_SCHEMES) -> bool:
    """A secret-store reference or an interpolation that a deployment fills in: not a secret."""
    value = value.strip()
    return reference_problem(value, schemes) is None or _INTERPOLATION.fullmatch(value) is not None


def is_placeholder(value: str) -> bool:
    """Empty, a mask (``***``, ``xxxx``) or a word that stands for a removed value. Weak real
    credentials (``changeme``, ``password``) are not placeholders: they often work."""
    value = value.strip()
    return not value or _MASK.fullmatch(value) is not None or value.lower() in _PLACEHOLDER_WORDS


def not_a_secret(value: str, schemes: Sequence[str] = DEFAULT_REF_SCHEMES) -> bool:
    return is_placeholder(value) or is_reference(value, schemes)


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_CREDENTIAL_WORDS = frozenset(
    {
        "password", "passwords", "passwd", "pwd", "pass", "passphrase", "secret", "secrets",
        "token", "tokens", "credential", "credentials", "apikey", "secretkey", "privatekey",
        "accesskey", "authkey", "bearer",
    }
)  # fmt: skip
# "...key" or "...keys" is a credential after these words (api_key, access_keys, client-key), not
# alone.
_KEY_QUALIFIERS = frozenset(
    {
        "api", "access", "secret", "private", "client", "signing", "encryption", "master",
        "auth", "account", "service", "storage", "shared", "app", "application", "subscription",
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
    return [w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", key).lower()) if w]


def credential_key(key: str, extra: frozenset[str] = frozenset()) -> bool:
    """Whether a key names a credential's value (``password``, ``api_key``, ``clientSecret``),
    not a reference to one or a property of one (``password_ref``, ``token_type``)."""
    words = key_words(key)
    if not words or words[-1] in _PROPERTY_WORDS:
        return False
    last = words[-1]
    if last in _CREDENTIAL_WORDS or last in extra or "_".join(words) in extra:
        return True
    return last in ("key", "keys") and len(words) > 1 and words[-2] in _KEY_QUALIFIERS


def names_a_property(key: str) -> bool:
    words = key_words(key)
    return bool(words) and words[-1] in _PROPERTY_WORDS
