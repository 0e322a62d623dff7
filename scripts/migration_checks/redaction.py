"""What no finding may carry: a secret value, whichever check quoted it.

Checks quote what they judge (a requirement line, a key name, a decision's question, a test's
failure text), and the pull request's author writes all of it: a token pasted there would reach
every report, annotation and comment. So every finding's message passes through ``redact`` where
it is made (the runner's stamp, the engine's own findings, the gate's reading of stage results):
a password in a URL or after ``password=`` (and the like), a token of a well-known kind (also in
fullwidth letters), a PEM private key, a run of 32 hex digits or more and a long random-looking
string are replaced by ``[redacted]``. The secret scan (stage 4) still reports the value where it
is, by its fingerprint; this only keeps other checks from repeating it.

Nor may a finding carry a character that UTF-8 cannot encode: a file name that is not UTF-8
(git keeps names as bytes) is read as lone surrogates, which no report, annotation or step
output can write. ``redact`` shows them escaped, as Python shows such bytes (``caf\\xe9.md``).
"""

from __future__ import annotations

import math
import re
from collections import Counter

REDACTED = "[redacted]"

# scheme://user:password@host: the password goes, the user and host stay.
URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s:\"']*:)[^/?#@\s\"']+@")
# Tokens whose shape says what they are (GitHub, GitLab, Slack, AWS key ids, Stripe, Vault, a JWT
# whose header and payload are base64 of JSON objects, PEM).
WELL_KNOWN_TOKEN = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}|[sr]k_live_[A-Za-z0-9]{20,}"
    r"|hvs\.[A-Za-z0-9_-]{20,}|eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----(?:.*?-----END [A-Z ]*PRIVATE KEY-----)?",
    re.DOTALL,
)
# key=value where the key names a secret (a query string, a JDBC or libpq connection string).
_KEY_VALUE = re.compile(
    r"(?i)(?P<key>\b[a-z0-9_.-]*(?:pass(?:word|wd|phrase)?|pwd|secret|token|api_?key|access_?key"
    r"|auth)\s*=\s*)(?P<value>[^\s&;,'\"]+)"
)
# Hex of 32 digits or more: an API key, a hex-encoded token (digests are shown as 12-digit
# prefixes, commits as 12 digits).
_HEX_RUN = re.compile(r"\b[0-9a-fA-F]{32,}\b")
# Fullwidth forms of ASCII (U+FF01-FF5E) read as ASCII: a token written in them is still a token.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# A run of token characters long enough to be a generated secret.
_CANDIDATE = re.compile(r"[A-Za-z0-9+/=_\-]{20,}")
_MIN_ENTROPY = 3.5  # bits per character; English identifiers stay well below with three classes


# What UTF-8 cannot encode: a byte of a name that was not UTF-8 (U+DC80-U+DCFF, Python's
# surrogateescape) or another lone surrogate (a JSON "\\ud800" escape in a key).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escaped_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def redact(text: str) -> str:
    """``text`` with every secret-looking value replaced by ``[redacted]``, and every lone
    surrogate escaped."""
    if not text:
        return text
    text = _SURROGATE.sub(_escaped_surrogate, text)
    text = text.translate(_FULLWIDTH)
    text = URL_PASSWORD.sub(lambda m: f"{m.group('head')}{REDACTED}@", text)
    text = _KEY_VALUE.sub(lambda m: f"{m.group('key')}{REDACTED}", text)
    text = WELL_KNOWN_TOKEN.sub(REDACTED, text)
    text = _HEX_RUN.sub(REDACTED, text)
    return _CANDIDATE.sub(_random_looking, text)


def redact_credentials(text: str) -> str:
    """``text`` with what is a credential by its shape or its place replaced by ``[redacted]``: a
    password in a URL or after ``password=`` (and the like), a token of a well-known kind, a PEM
    private key. Unlike ``redact``, digests and random-looking strings stay: this is for data
    (a sample of the source's rows), where hashes and generated ids are ordinary values."""
    if not text:
        return text
    text = URL_PASSWORD.sub(lambda m: f"{m.group('head')}{REDACTED}@", text)
    text = _KEY_VALUE.sub(lambda m: f"{m.group('key')}{REDACTED}", text)
    text = WELL_KNOWN_TOKEN.sub(REDACTED, text)
    # A token in fullwidth letters is still a token: the whole value goes.
    return REDACTED if WELL_KNOWN_TOKEN.search(text.translate(_FULLWIDTH)) else text


def _random_looking(match: re.Match[str]) -> str:
    value = match.group(0)
    classes = (
        any(c.islower() for c in value)
        + any(c.isupper() for c in value)
        + any(c.isdigit() for c in value)
    )
    if classes < 3 or _entropy(value) < _MIN_ENTROPY:
        return value
    return REDACTED


def _entropy(value: str) -> float:
    counts = Counter(value)
    length = len(value)
    return -sum(n / length * math.log2(n / length) for n in counts.values())
