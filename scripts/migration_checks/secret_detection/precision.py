"""What detect-secrets reports that is not a secret, known by where the value stands: each rule
below names a place and a shape, and both must hold, so that a real secret written next to such
a place is still reported (the tests show one for each rule).

- *Digests*: a value labelled with its algorithm (``sha256:<64 hex>``, ``sha512-<base64>``,
  ``h1:<base64>``), or under a key that names a digest, a revision or a hash (``revision``,
  ``rev``, ``sha1_hash``, ``digest``, ``checksum``, ``etag``, ``integrity``), when the value has
  a digest's exact length. A content address is derived from public content.
- *Public keys and signatures*: a value under a public-key or signature key with a public key's
  or a signature's shape, the body of an OpenSSH public key line (``ssh-ed25519 AAAA...``), a
  line inside an armored block that holds a public key, certificate or signature (``-----BEGIN
  PGP SIGNATURE-----``), and a minisign / signify signature or public key line.
- *Identifiers*: a value inside an AWS ARN (names a resource), a plain lower-case identifier
  (``github_database``) under a key that is not a credential's (``database_key``), GitHub's
  ``secrets: inherit``.
- *Documentation*: a private-key block whose body is elided or base64 of plain text
  (``-----BEGIN PRIVATE KEY-----\\n...\\n-----END``), a URL whose password is a stand-in
  (``user:password@localhost``) or its user name again (``postgres:postgres@``), a prefixed
  token made of one repeated character (``sk_live_AAAA...``) or glued to a word before it.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from migration_checks.secret_detection.references import (
    EXTERNAL_SECRET_KEYS,
    STORE_PATH,
    VAULT_ANNOTATION,
    credential_key,
    key_words,
)

# -- the key a value is assigned to ---------------------------------------------------------------
_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-/")
_OPENERS = " \t\"'`\\@"
_CLOSERS = " \t\"'`\\]*"
_WINDOW = 160


def key_before(line: str, at: int) -> str | None:
    """The key that the value starting at ``at`` of ``line`` is assigned to (``key: value``,
    ``key = "value"``, ``"key": "\\"value"``), or None; scans back at most ``_WINDOW``
    characters, without a regular expression."""
    lo = max(0, at - _WINDOW)
    i = at
    while i > lo and line[i - 1] in _OPENERS:
        i -= 1
    j = i
    while j > lo and line[j - 1] in ":=>!":
        j -= 1
    if j == i or i - j > 2:
        return None
    while j > lo and line[j - 1] in _CLOSERS:
        j -= 1
    k = j
    while k > lo and line[k - 1] in _KEY_CHARS:
        k -= 1
    return line[k:j] or None


# -- digests --------------------------------------------------------------------------------------
# Hex and base64 lengths of each digest an algorithm label may precede.
_DIGEST_LENGTHS = {
    "md5": (32, 24),
    "sha1": (40, 28),
    "sha224": (56, 40),
    "sha256": (64, 44),
    "sha384": (96, 64),
    "sha512": (128, 88),
    "h1": (None, 44),  # Go modules and Terraform lock files: base64 sha256
    "zh": (64, None),  # Terraform lock files: hex sha256 of a zip
}
_LABEL = re.compile(r"(?i)(md5|sha1|sha224|sha256|sha384|sha512|h1|zh)[:-]\Z")
_HEX = re.compile(r"[0-9a-fA-F]+")
_B64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
# Keys whose value is a content address: the last word of the key.
_DIGEST_WORDS = frozenset(
    {
        "sha", "sha1", "sha224", "sha256", "sha384", "sha512", "md5", "digest", "digests",
        "checksum", "checksums", "etag", "hash", "integrity", "revision", "rev", "commit",
        "fingerprint", "oid", "sum",
    }
)  # fmt: skip
_HEX_DIGEST_LENGTHS = frozenset({32, 40, 56, 64, 96, 128})


def _labelled_digest(line: str, at: int, value: str) -> bool:
    label = _LABEL.search(line, max(0, at - 7), at)
    if label is None:
        return False
    hex_length, b64_length = _DIGEST_LENGTHS[label.group(1).lower()]
    if _HEX.fullmatch(value):
        return len(value) == hex_length
    return _B64.fullmatch(value) is not None and len(value) == b64_length


def _digest_under_key(key: str, value: str) -> bool:
    words = key_words(key)
    if not words or words[-1] not in _DIGEST_WORDS or credential_key(key):
        return False
    if any(word in ("password", "passwd", "secret", "token") for word in words):
        return False  # password_hash: a hash of a credential stays reported
    if _HEX.fullmatch(value):
        return len(value) in _HEX_DIGEST_LENGTHS
    return False


# -- public keys and signatures -------------------------------------------------------------------
_PUBLIC_KEY_WORDS = (("public", "key"), ("pubkey",), ("verify", "key"), ("verifying", "key"))
_SIGNATURE_WORDS = frozenset({"signature", "signatures"})
_SSH_PUBLIC = re.compile(
    r"(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521)"
    r"|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)[ \t]+\Z"
)
_PUBLIC_BLOCKS = re.compile(
    r"-----BEGIN (?:PGP PUBLIC KEY BLOCK|PGP SIGNATURE|SSH SIGNATURE|PUBLIC KEY|RSA PUBLIC KEY"
    r"|CERTIFICATE|X509 CRL|CERTIFICATE REQUEST|NEW CERTIFICATE REQUEST|PKCS7|CMS)-----"
)
_UNTRUSTED_COMMENT = re.compile(
    r"untrusted comment: (?:signature from|minisign public key|signify public key|verify with)"
)


def _public_key_shape(value: str) -> bool:
    """A compressed or uncompressed secp256k1 / P-256 point (hex), a 32-byte key (hex or
    base64: Ed25519, X25519), or a base64 DER public key (which starts with ``MF``/``MC``/
    ``MI``: a SEQUENCE)."""
    if _HEX.fullmatch(value):
        return (len(value) == 66 and value[:2] in ("02", "03")) or (
            (len(value) == 130 and value.startswith("04")) or len(value) == 64
        )
    if _B64.fullmatch(value):
        return len(value.rstrip("=")) in (43, 44) or value.startswith(("MF", "MC", "MI"))
    return False


def _signature_shape(value: str) -> bool:
    return _B64.fullmatch(value) is not None or _HEX.fullmatch(value) is not None


def _public_under_key(key: str, value: str) -> bool:
    words = tuple(key_words(key))
    if any(words[-len(tail) :] == tail for tail in _PUBLIC_KEY_WORDS):
        return _public_key_shape(value)
    return bool(words) and words[-1] in _SIGNATURE_WORDS and _signature_shape(value)


Lines = Callable[[int], str]  # a file's line by 1-based number ("" past the end)
_BLOCK_LINES = 400


def _in_public_block(lines: Lines, number: int, before: str) -> bool:
    """Whether a value (after ``before`` on line ``number``) is inside an armored block of a
    public key, certificate or signature: the last ``-----BEGIN`` before it is one, and no
    ``-----END`` comes between (looked for up to ``_BLOCK_LINES`` lines back)."""
    in_before = "-----BEGIN " in before or "-----END " in before
    marked = number if in_before else _marked_line(lines, number)
    if marked is None:
        return False
    line = before if marked == number else lines(marked)
    begin, end = line.rfind("-----BEGIN "), line.rfind("-----END ")
    return begin > end and _PUBLIC_BLOCKS.match(line, begin) is not None


# The file, the line and the answer of the last ``_marked_line``: the values of a file come in
# the order of its lines, and the lines a value before looked at are not looked at again (a file
# of many values stays linear).
_last_marked: tuple[Lines, int, int | None] | None = None


def _marked_line(lines: Lines, number: int) -> int | None:
    """The last of the ``_BLOCK_LINES - 1`` lines before ``number`` with a ``-----BEGIN`` or
    ``-----END``, if any."""
    global _last_marked
    lowest = max(1, number - _BLOCK_LINES + 1)
    n, known = number - 1, None
    if _last_marked is not None and _last_marked[0] is lines and _last_marked[1] <= number:
        known = _last_marked[2]  # of the lines before the last value's line
        lowest = max(lowest, _last_marked[1])
    while n >= lowest and "-----BEGIN " not in (line := lines(n)) and "-----END " not in line:
        n -= 1
    found = n if n >= lowest else None
    if found is None and known is not None and known > number - _BLOCK_LINES:
        found = known
    _last_marked = (lines, number, found)
    return found


# -- private keys in documentation ----------------------------------------------------------------
# Every private key's encoding is binary (DER starts with a SEQUENCE byte, OpenSSH's with
# "openssh-key-v1" and a NUL): a body whose base64 decodes to printable text is a stand-in.
_PRINTABLE = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}
_ESCAPED_BREAK = re.compile(r"\\[nr]")
_ELISION = re.compile(r"[.…*xX#-]*+|<[^<>]*>|\[[^\[\]]*\]")
_BASE64_LINE = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def elided_private_key(lines: Lines, number: int, header_at: int) -> bool:
    """Whether the private-key block whose header starts at ``header_at`` of line ``number``
    has no key in it: its body (to ``-----END``, or the base64 lines after the header) is
    empty, elided (``...``, ``***``, ``<key>``) or base64 of printable text
    (``YWJjZGVm...``: "abcdef"), which no private key's binary encoding is."""
    text = "\n".join(lines(n) for n in range(number, number + _BLOCK_LINES))
    start = text.find("-----", header_at + 5)
    if start < 0:
        return False
    start += 5
    end = text.find("-----END", start)
    window = text[start : end if end >= 0 else len(text)]
    body_lines = []
    for raw in _ESCAPED_BREAK.sub("\n", window).split("\n"):
        line = raw.strip().strip("\"',+").strip()
        if end < 0 and line and _BASE64_LINE.fullmatch(line) is None:
            break
        body_lines.append(line)
    body = "".join(body_lines)
    if _ELISION.fullmatch(body):
        return True
    if _BASE64_LINE.fullmatch(body) is None:
        return False  # headers (Proc-Type: 4,ENCRYPTED) or anything else: a key, maybe
    try:
        decoded = base64.b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return False
    return bool(decoded) and all(byte in _PRINTABLE for byte in decoded)


# -- URLs -----------------------------------------------------------------------------------------
_URL_STAND_INS = frozenset(
    {"password", "passwd", "pass", "pwd", "secret", "pw", "changeme", "example", "test"}
)


def stand_in_url_password(user: str, password: str) -> bool:
    """A URL password that documentation writes for one: ``password``, ``secret``, or the user
    name again (``postgres:postgres@localhost``, a container image's default)."""
    return password.lower() in _URL_STAND_INS or (bool(user) and password == user)


def _url_user(line: str, at: int) -> str | None:
    """The user name before ``:`` of URL user information whose password starts at ``at``."""
    if at == 0 or line[at - 1] != ":":
        return None
    start = line.rfind("//", 0, at - 1)
    if start < 0:
        return None
    user = line[start + 2 : at - 1]
    return user if user and not any(ch in user for ch in "/@ \t") else None


# -- references by their place --------------------------------------------------------------------
_EXTERNAL_SECRET_API = re.compile(r"apiVersion:[ \t]*[\"']?external-secrets\.io/")


def _reference_place(key: str, value: str, number: int, lines: Lines) -> bool:
    """A Vault Agent annotation's Vault path (``vault.hashicorp.com/agent-inject-secret-x:
    database/creds/app``), or the ``secretKey`` / ``remoteRef`` names of an External Secrets
    Operator resource (its ``apiVersion`` above, in the same YAML document)."""
    if key.startswith(VAULT_ANNOTATION):
        return STORE_PATH.fullmatch(value) is not None
    if key not in EXTERNAL_SECRET_KEYS or _IDENTIFIER_PATH.fullmatch(value) is None:
        return False
    for n in range(number - 1, max(0, number - _BLOCK_LINES), -1):
        line = lines(n)
        if line.startswith("---"):
            return False
        if _EXTERNAL_SECRET_API.match(line):
            return True
    return False


_IDENTIFIER_PATH = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*+")


# -- the rules together ---------------------------------------------------------------------------
_ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(?:[0-9]{12})?:[^\s\"'`,;]{1,1024}+")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9]*+(?:[_-][a-z0-9]++)*+")
_WORD_BEFORE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_PREFIXED_KINDS = frozenset({"Stripe Access Key"})
_TOKEN_BODY = re.compile(r"[A-Za-z0-9]{1,8}[_-](?:[A-Za-z0-9]{1,8}[_-])?+(?P<rest>.*)")


def false_alarm(kind: str, value: str, number: int, lines: Lines) -> bool:
    """Whether the engine's find ``value`` of type ``kind`` on line ``number`` of a file whose
    lines ``lines`` gives is one of the places and shapes above, not a secret."""
    line = lines(number)
    at = line.find(value)
    if kind == "Basic Auth Credentials":  # the password of user information: ":<value>@"
        at = line.find(f":{value}@") + 1 or at
    if at < 0:
        return False
    if kind == "Private Key":
        return elided_private_key(lines, number, at)
    if _labelled_digest(line, at, value):
        return True
    key = key_before(line, at)
    if key is not None and (_digest_under_key(key, value) or _public_under_key(key, value)):
        return True
    if key is not None and _reference_place(key, value, number, lines):
        return True
    if kind == "Secret Keyword" and key is not None:
        if key == "secrets" and value == "inherit":
            return True  # GitHub Actions: pass the caller's secrets to a reusable workflow
        if not credential_key(key) and _IDENTIFIER.fullmatch(value):
            return True
    for arn in _ARN.finditer(line, max(0, at - 1100), at + len(value) + 1100):
        if arn.start() < at and at + len(value) <= arn.end():
            return True
    if _SSH_PUBLIC.search(line, max(0, at - 40), at) is not None:
        return True
    if _in_public_block(lines, number, line[:at]):
        return True
    if number > 1 and _UNTRUSTED_COMMENT.match(lines(number - 1)) is not None:
        return True
    user = _url_user(line, at)
    at_sign = line[at + len(value) : at + len(value) + 1] == "@"
    if user is not None and at_sign and stand_in_url_password(user, value):
        return True
    if kind in _PREFIXED_KINDS:
        if at > 0 and line[at - 1] in _WORD_BEFORE:
            return True  # xsk_live_...: a word that ends in "sk", not a key
        body = _TOKEN_BODY.fullmatch(value)
        if body is not None and len(set(body.group("rest"))) == 1:
            return True
    return False
