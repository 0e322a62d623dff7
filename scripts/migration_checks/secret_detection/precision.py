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
  token made of one repeated character (``sk_live_AAAA...``) or a mask, or glued to a word
  before it; prose that says which password manager holds the password.
- *Identifiers services return*: trace, span and request ids of their exact lengths under the
  keys that name them; a JSON Web Key's public members (``x``, ``y``, ``n`` beside ``kty``).
- *Ciphertext*: SOPS values (``ENC[AES256_GCM,...]``), SealedSecret ``encryptedData``, age
  recipients.
- *Encoded data*: base64 of a binary format or of a JSON document (``blobs``), judged by the
  text inside it, scanned as a file would be.
- *Our own rules' finds* (``own_false_alarm``): placeholders, psql variables, SQL literals a
  template builds from a variable, a reference followed by a URL's other parameters.

Only the engine's entropy and keyword finds (and our credential values, judged as keyword finds)
are judged by place: a credential's own format (``AKIA...``, ``ghp_...``) under any key or in any
syntax stays reported. docs/secrets-rules.md says, for each rule, why it cannot hide a secret.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from migration_checks.secret_detection.blobs import decoded_text, printable_runs
from migration_checks.secret_detection.linear import fold
from migration_checks.secret_detection.reading import engine_scan_lines
from migration_checks.secret_detection.references import (
    EXTERNAL_SECRET_KEYS,
    STORE_PATH,
    STORE_REFERENCE,
    VAULT_ANNOTATION,
    credential_key,
    is_placeholder,
    is_reference,
    key_words,
    not_a_secret,
)
from migration_checks.secret_detection.statements import statement_secrets
from migration_checks.secret_detection.tokens import token_secrets

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
        "fingerprint", "oid", "sum", "ref", "keyid", "fp", "pgp",
    }
)  # fmt: skip
# Keys whose last words name a content address: a key's id is its fingerprint (TUF, in-toto),
# If-Match / If-None-Match send an ETag.
_DIGEST_TAILS = (("key", "id"), ("if", "match"), ("if", "none", "match"))
_HEX_DIGEST_LENGTHS = frozenset({32, 40, 56, 64, 96, 128})
# Bytes of each digest a key may name by its algorithm (ChecksumSHA256, Content-MD5), and of
# any of them under a key that names a digest without one (checksum, digest).
_DIGEST_BYTES = {"md5": 16, "sha1": 20, "sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64}
_ANY_DIGEST_BYTES = frozenset(_DIGEST_BYTES.values())


_LABEL_PREFIX = re.compile(r"(?i)(md5|sha1|sha224|sha256|sha384|sha512|h1|zh)[:-]")


def _labelled_digest(line: str, at: int, value: str) -> bool:
    label = _LABEL.search(line, max(0, at - 7), at)
    if label is None:
        # base64 and "-" are one token to the engine: integrity="sha384-<base64>"
        label = _LABEL_PREFIX.match(value)
        if label is None:
            return False
        value = value[label.end() :]
    hex_length, b64_length = _DIGEST_LENGTHS[label.group(1).lower()]
    if _HEX.fullmatch(value):
        return len(value) == hex_length and opaque(bytes.fromhex(value))
    decoded = decode_base64(value) if len(value) == b64_length else None
    return decoded is not None and opaque(decoded)


def _digest_under_key(key: str, value: str) -> bool:
    words = tuple(key_words(key))
    named = bool(words) and (
        words[-1] in _DIGEST_WORDS or any(words[-len(t) :] == t for t in _DIGEST_TAILS)
    )
    if not named or credential_key(key):
        return False
    if any(word in ("password", "passwd", "secret", "token") for word in words):
        return False  # password_hash: a hash of a credential stays reported
    if _HEX.fullmatch(value):
        return len(value) in _HEX_DIGEST_LENGTHS and opaque(bytes.fromhex(value))
    decoded = decode_base64(value)
    if decoded is None:
        return False
    algorithms = [_DIGEST_BYTES[word] for word in words if word in _DIGEST_BYTES]
    return len(decoded) in (algorithms[-1:] or _ANY_DIGEST_BYTES) and opaque(decoded)


# A content hash beside the name of its algorithm: CycloneDX {"alg": "SHA-256", "content": ...},
# SPDX {"algorithm": "SHA256", "checksumValue": ...}, Rekor and in-toto {"algorithm": "sha256",
# "value": ...}, Sigstore "SHA2_256". The names, folded (no "-" or "_", lower case), and bytes.
_ALGORITHM = re.compile(
    r"(?:^|[{,\s])[\"']?(?:alg|algorithm|hashAlgorithm|hash_algorithm)[\"']?[ \t]*:[ \t]*"
    r"[\"']?(?P<name>[A-Za-z0-9_-]{2,16}+)"
)
_ALGORITHM_BYTES = {
    "md5": 16, "sha1": 20, "sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64,
    "sha2256": 32, "sha2384": 48, "sha2512": 64, "sha3256": 32, "sha3384": 48, "sha3512": 64,
    "blake2b": 64, "blake2b512": 64, "blake2s": 32, "blake3": 32,
}  # fmt: skip


def _digest_beside_algorithm(value: str, number: int, lines: Lines) -> bool:
    """Whether ``value`` is a digest whose object names its algorithm, with that algorithm's
    length (hex or base64) and opaque bytes."""
    decoded = _hex_or_base64(value)
    if decoded is None or len(decoded) not in _ANY_DIGEST_BYTES:
        return False
    named = _sibling(value, number, lines, _ALGORITHM)
    if named is None:
        return False
    folded = named["name"].replace("-", "").replace("_", "").lower()
    return _ALGORITHM_BYTES.get(folded) == len(decoded) and opaque(decoded)


def decode_base64(value: str) -> bytes | None:
    """The bytes of standard or URL-safe base64, padded or not; None if it is not base64."""
    if _B64.fullmatch(value) is None or "=" in value.rstrip("="):
        return None
    body = value.rstrip("=")
    if len(body) % 4 == 1:
        return None
    try:
        return base64.b64decode(body.replace("-", "+").replace("_", "/") + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None


# -- public keys and signatures -------------------------------------------------------------------
_PUBLIC_KEY_WORDS = (("public", "key"), ("pubkey",), ("verify", "key"), ("verifying", "key"))
_SIGNATURE_WORDS = frozenset({"signature", "signatures", "sig", "sigs"})
# signature_b64, sigHex, signature.value: the signature, in an encoding
_ENCODING_WORDS = frozenset({"b64", "base64", "hex", "value", "bytes", "raw"})
# Bytes of a signature: Ed25519 and raw ECDSA (P-256, P-384, P-521), their DER encodings
# (which vary by a few bytes), RSA 1024 to 4096.
_SIGNATURE_BYTES = frozenset(
    {64, 96, 132, 128, 256, 384, 512, *range(68, 73), *range(100, 105), *range(135, 140)}
)
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
    """A signature's length of bytes, in hex or base64."""
    decoded = _hex_or_base64(value)
    return decoded is not None and len(decoded) in _SIGNATURE_BYTES and opaque(decoded)


def _hex_or_base64(value: str) -> bytes | None:
    if _HEX.fullmatch(value) and len(value) % 2 == 0:
        return bytes.fromhex(value)
    return decode_base64(value)


def _names_signature(words: tuple[str, ...]) -> bool:
    if words and words[-1] in _ENCODING_WORDS:
        words = words[:-1]
    return bool(words) and words[-1] in _SIGNATURE_WORDS


def _public_under_key(key: str, value: str) -> bool:
    words = tuple(key_words(key))
    if any(words[-len(tail) :] == tail for tail in _PUBLIC_KEY_WORDS):
        decoded = _hex_or_base64(value)
        return _public_key_shape(value) and decoded is not None and opaque(decoded)
    if words and words[-1] in _RECIPIENT_WORDS:
        return _AGE_RECIPIENT.fullmatch(value) is not None
    return _names_signature(words) and _signature_shape(value)


# SOPS and age: a recipient is a public key (age1 and 58 bech32 characters; the secret key is
# AGE-SECRET-KEY-1...).
_RECIPIENT_WORDS = frozenset({"recipient", "recipients", "age"})
_AGE_RECIPIENT = re.compile(r"age1[0-9a-z]{58}")


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


# Demonstration accounts that database documentation writes in every example: Oracle's
# scott/tiger (SQLAlchemy's docs use it for every dialect).
_DEMO_ACCOUNTS = frozenset({("scott", "tiger")})


def stand_in_url_password(user: str, password: str) -> bool:
    """A URL password that documentation writes for one: ``password``, ``secret``, the user name
    again (``postgres:postgres@localhost``, a container image's default), a demo account."""
    return (
        password.lower() in _URL_STAND_INS
        or (bool(user) and password == user)
        or (user.lower(), password.lower()) in _DEMO_ACCOUNTS
    )


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


# -- JSON Web Keys --------------------------------------------------------------------------------
# The public members of a JWK (an EC or OKP key's x and y, an RSA key's n) with their lengths:
# curve coordinates (P-256, P-384, P-521, Ed25519/X25519, Ed448/X448) and RSA moduli. The
# private members (d, p, q, dp, dq, qi) and a symmetric key's k are never among them.
_JWK_PUBLIC = {
    "x": frozenset({32, 48, 56, 57, 66}),
    "y": frozenset({32, 48, 66}),
    "n": frozenset(range(128, 1025)),
}
_JWK_LINES = 20  # keys of a YAML mapping looked at, either side
_JWK_WINDOW = 4096  # characters of the object around the member looked at, either side


def _jwk_public_member(key: str, value: str, number: int, lines: Lines) -> bool:
    """Whether ``value`` is a public member of a JSON Web Key: under ``x``, ``y`` or ``n`` of an
    object that has a ``kty``, with that member's length."""
    sizes = _JWK_PUBLIC.get(key)
    decoded = decode_base64(value) if sizes else None
    if sizes is None or decoded is None or len(decoded) not in sizes or not opaque(decoded):
        return False
    return _sibling(value, number, lines, _KTY) is not None


def _sibling(
    value: str, number: int, lines: Lines, member: re.Pattern[str]
) -> re.Match[str] | None:
    """``member`` searched among the other keys of the object that holds ``value`` on line
    ``number``: the JSON object around it (its braces, within ``_JWK_WINDOW`` characters either
    side), else its YAML mapping (the keys at its indentation, up to the mapping's ends: a
    line less indented, or a list item's dash)."""
    line = lines(number)
    at = line.find(value)
    before, after = line[max(0, at - _JWK_WINDOW) : at], line[at : at + len(value) + _JWK_WINDOW]
    n = number
    while "{" not in before and len(before) < _JWK_WINDOW and n > 1:
        n -= 1
        before = lines(n)[-_JWK_WINDOW:] + "\n" + before
    n = number
    while "}" not in after and len(after) < 2 * _JWK_WINDOW and lines(n + 1):
        n += 1
        after += "\n" + lines(n)[:_JWK_WINDOW]
    opened, closed = before.rfind("{"), after.find("}")
    if opened >= 0 and closed >= 0:
        return member.search(before[opened:] + after[:closed])
    return member.search("\n".join(_yaml_mapping(lines, number)))


_YAML_KEY = re.compile(r"(?P<indent>[ \t]*(?:-[ \t]+)?)(?P<key>[A-Za-z0-9_\"'-]{1,64}+)[ \t]*:")


def _yaml_mapping(lines: Lines, number: int) -> list[str]:
    """The lines of the keys of the YAML mapping that holds line ``number``'s key."""
    own = _YAML_KEY.match(lines(number))
    if own is None:
        return []
    column = len(own["indent"])
    found = [lines(number)]
    for step in (-1, 1):
        n = number + step
        if step < 0 and own["indent"].strip().startswith("-"):
            continue
        for _ in range(_JWK_LINES):
            sibling = _YAML_KEY.match(lines(n))
            if sibling is None or len(sibling["indent"]) != column:
                break
            found.append(lines(n))
            if sibling["indent"].strip().startswith("-"):
                break  # the first key of this list item: nothing above belongs to it
            n += step
    return found


# A member's name, as a key: after "{", ",", a line's start or white space, quoted or not.
_KTY = re.compile(r"(?:^|[{,\s])[\"']?kty[\"']?[ \t]*:")


# -- identifiers that services return -------------------------------------------------------------
# Trace and request identifiers under the keys that name them, with their lengths: W3C trace
# context and OpenTelemetry (16-byte trace, 8-byte span ids, in hex), request ids (hex), and
# S3's extended request id (x-amz-id-2, HostId: base64 of 48 to 64 bytes; an AWS secret key
# is 30).
_ID_TAILS: dict[tuple[str, ...], frozenset[int]] = {
    ("trace", "id"): frozenset({32}),
    ("span", "id"): frozenset({16}),
    ("parent", "id"): frozenset({16}),
    ("parent", "span", "id"): frozenset({16}),
    ("request", "id"): frozenset({16, 32}),
    ("correlation", "id"): frozenset({16, 32}),
}
_BASE64_ID_TAILS = (("host", "id"), ("amz", "id", "2"))
_BASE64_ID_BYTES = range(48, 65)
_TRACEPARENT = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")


def _service_identifier(key: str, value: str, line: str, at: int) -> bool:
    words = tuple(key_words(key))
    if words[-1:] == ("traceparent",):
        start = max(0, at - 36)
        span = _TRACEPARENT.search(line, start, at + len(value) + 36)
        return span is not None and span.start() <= at and at + len(value) <= span.end()
    if _HEX.fullmatch(value):
        named = any(
            words[-len(tail) :] == tail and len(value) in sizes for tail, sizes in _ID_TAILS.items()
        )
        return named and opaque(bytes.fromhex(value))
    if any(words[-len(tail) :] == tail for tail in _BASE64_ID_TAILS):
        decoded = decode_base64(value)
        return decoded is not None and len(decoded) in _BASE64_ID_BYTES and opaque(decoded)
    return False


# -- encrypted values -----------------------------------------------------------------------------
# A SOPS value: AES-GCM ciphertext with its 32-byte IV and 16-byte tag; its data is ciphertext,
# which is not printable text (a plain value written in its place would be).
_SOPS_VALUE = re.compile(
    r"ENC\[AES256_GCM,data:(?P<data>[A-Za-z0-9+/=]*+),iv:(?P<iv>[A-Za-z0-9+/=]{1,64}+),"
    r"tag:(?P<tag>[A-Za-z0-9+/=]{1,64}+),type:(?:str|int|float|bool|bytes|comment)\]"
)
_SOPS_MIN_TEXT = 6  # a plain text this long written as "data" would be printable


def _sops_value(line: str, at: int, value: str) -> bool:
    start = line.rfind("ENC[", max(0, at - 4096), at + 4)
    found = _SOPS_VALUE.match(line, start) if start >= 0 else None
    if found is None or at + len(value) > found.end():
        return False
    iv, tag = decode_base64(found["iv"]), decode_base64(found["tag"])
    if iv is None or tag is None or len(iv) != 32 or len(tag) != 16:
        return False
    data = _decode_prefix(found["data"])
    return (len(data) < _SOPS_MIN_TEXT or not printable(data)) and opaque(data)


def _decode_prefix(value: str) -> bytes:
    """The bytes of the longest whole base64 quanta at the start of ``value``."""
    body = value.rstrip("=")
    return decode_base64(body[: len(body) - len(body) % 4]) or b""


def printable(data: bytes) -> bool:
    return all(byte in _PRINTABLE for byte in data)


# A SealedSecret's encryptedData value: the length of the RSA-encrypted session key (two bytes,
# 512 for the controller's 4096-bit key: 0x02..) and then ciphertext. Base64 of any text starts
# with a printable byte, never 0x02.
_SEALED_API = re.compile(r"[ \t]*[\"']?kind[\"']?:[ \t]*[\"']?SealedSecret\b")
_ENCRYPTED_DATA = re.compile(r"[ \t]*[\"']?encryptedData[\"']?:[ \t]*\{?[ \t]*")  # YAML or JSON
_SEALED_MIN_BYTES = 64


def _sealed_value(value: str, number: int, lines: Lines) -> bool:
    data = _decode_prefix(value)
    if len(data) < _SEALED_MIN_BYTES or data[0] != 0x02 or not opaque(data):
        return False
    line = lines(number)
    indent = len(line) - len(line.lstrip(" "))
    parent = False
    for n in range(number - 1, max(0, number - _BLOCK_LINES), -1):
        above = lines(n)
        if above.startswith("---"):
            return False
        stripped = above.lstrip(" ")
        if not parent and stripped and len(above) - len(stripped) < indent:
            if _ENCRYPTED_DATA.fullmatch(above) is None:
                return False
            parent = True
        if parent and _SEALED_API.match(above):  # kind is above its spec, in YAML and JSON
            return True
    return False


# -- references the engine finds in part ----------------------------------------------------------
def _inside_reference(line: str, at: int, value: str) -> bool:
    """Whether ``value`` is part of a secret-store reference on its line (the keyword plugin
    takes ``prod/db:SecretString:password}}`` of ``{{resolve:secretsmanager:...}}``)."""
    lo = max(0, at - 256)
    for found in STORE_REFERENCE.finditer(line, lo, at + len(value) + 256):
        if found.start() <= at and at + len(value) <= found.end():
            return True
    return False


# -- names ----------------------------------------------------------------------------------------
# Helm charts' convention: existingSecret names a Kubernetes Secret that holds the credential;
# its value is a Kubernetes object name (DNS-1123).
_K8S_NAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?")


def _names_k8s_secret(key: str, value: str) -> bool:
    words = key_words(key)
    return (
        len(words) >= 2
        and words[0] == "existing"
        and words[-1] == "secret"
        and len(value) <= 253
        and _K8S_NAME.fullmatch(value) is not None
    )


# -- prose that says where a password is ----------------------------------------------------------
_MANAGER_POINTER = re.compile(
    r"(?i)[ \t]*(?:see|in|stored in|kept in|ask|from|via|use|check|lives in)[ \t]+(?:the[ \t]+)?"
    r"(?:1password|vault|lastpass|bitwarden|keepass(?:xc)?|keeper|dashlane|passbolt|password"
    r" manager|secrets manager|key vault|cyberark|secret server)\b(?P<rest>[^\n]{0,200}+)\Z"
)
# ... or a store's path of such words: see Vault path secret/data/admin
_PROSE_PATH = re.compile(r"[a-z_-]{1,64}+(?:/[a-z_-]{1,64}+){1,8}+[.,;]?")
# a word of prose: lower case, or capitalised once ("Admin"); a run of letters with inner
# capitals ("XkTqwzRmPvLxKbNfQ") is a password of letters, not a word
_PROSE_WORD = re.compile(
    "[\"'\u2018\u2019\u201c\u201d(]*+(?:[A-Za-z][a-z]*+|[A-Z]{1,6}+)"
    "[\"'\u2018\u2019\u201c\u201d),.:;!?]*+"
)


def _points_to_manager(line: str, at: int) -> bool:
    """Whether the text after a credential word (``Password: see 1Password item "Admin"``) says
    where the password is kept, in words only: nothing with a digit or a symbol could be one."""
    key_end = line.rfind(":", max(0, at - 64), at + 1)
    pointer = _MANAGER_POINTER.match(line, key_end + 1) if key_end >= 0 else None
    if pointer is None:
        return False
    return all(
        _PROSE_WORD.fullmatch(word) or _PROSE_PATH.fullmatch(word)
        for word in pointer["rest"].split()
    )


# -- the rules together ---------------------------------------------------------------------------
_ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(?:[0-9]{12})?:[^\s\"'`,;]{1,1024}+")
# A lower-case identifier, or a path of them (airflow/connections: a name's prefix).
_IDENTIFIER = re.compile(
    r"[a-z][a-z0-9]*+(?:[_-][a-z0-9]++)*+(?:/[a-z][a-z0-9]*+(?:[_-][a-z0-9]++)*+)*+"
)
_WORD_BEFORE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_TOKEN_BODY = re.compile(r"[A-Za-z0-9]{1,8}[_-](?:[A-Za-z0-9]{1,8}[_-])?+(?P<rest>.*)")
KEYWORD = "Secret Keyword"
BASE64_ENTROPY = "Base64 High Entropy String"
# The rules of a place judge what the engine finds for its entropy or its keyword only: a find
# of a format (AWS Access Key, GitHub Token, JSON Web Token, ...) is a credential's own shape,
# and no key name or surrounding syntax can make it something else.
_PLACE_KINDS = frozenset({KEYWORD, BASE64_ENTROPY, "Hex High Entropy String"})
_UNJUDGED_KINDS = frozenset({"Private Key", "Basic Auth Credentials", *_PLACE_KINDS})
_BLOCK_SCALAR = re.compile(r"[^#\n]*:[ \t]*[|>][-+0-9]{0,2}+[ \t]*(?:#[^\n]*+)?\Z")
_MAX_DEPTH = 2  # base64 JSON inside base64 JSON: judged twice at most


def _locate(value: str, number: int, lines: Lines, start: int | None) -> tuple[int, str, int, str]:
    """Where the find is: (line number, its text, column, the value as written there), or
    column -1. ``start``, where the parsed value starts (its quote, maybe), decides when it is
    known: the same text may stand earlier on the line under another key. The engine reads a
    YAML block scalar on its key's line, and may keep a quote's escape at the end of a value
    (``see 1Password item \\``); the value is then looked for in the block, or without it."""
    line = lines(number)
    if start is not None:
        at = next((a for a in (start, start + 1) if line.startswith(value, a)), -1)
        return number, line, at, value
    for text in (value, value.rstrip("\\")):
        at = line.find(text) if text else -1
        if at >= 0:
            return number, line, at, text
    text = value.rstrip("\\")
    if text and _BLOCK_SCALAR.match(line):
        indent = len(line) - len(line.lstrip(" "))
        for n in range(number + 1, number + _BLOCK_LINES):
            below = lines(n)
            if below.strip() and len(below) - len(below.lstrip(" ")) <= indent:
                break
            at = below.find(text)
            if at >= 0:
                return n, below, at, text
    return number, line, -1, value


def false_alarm(
    kind: str, value: str, number: int, lines: Lines, depth: int = 0, start: int | None = None
) -> bool:
    """Whether the engine's find ``value`` of type ``kind`` on line ``number`` of a file whose
    lines ``lines`` gives is one of the places and shapes above, not a secret (text decoded from
    a value is judged to ``_MAX_DEPTH``: below that, every find counts)."""
    if depth >= _MAX_DEPTH:
        return False
    if kind == "Private Key":
        line = lines(number)
        at = line.find(value)
        return at >= 0 and elided_private_key(lines, number, at)
    if kind not in _UNJUDGED_KINDS:
        line = lines(number)
        at = line.find(value)
        return _prefixed_filler(line, value) or (at >= 0 and _in_public_text(line, at, value))
    if kind == KEYWORD and _continues_a_fetch(value, number, lines):
        return True
    if start is None and kind in _PLACE_KINDS:
        # the same text twice on a line (label: x, password: x): each place must be a false alarm
        found = _occurrences(lines(number), value)
        if len(found) > 1:
            return len(found) <= _MAX_OCCURRENCES and all(
                false_alarm(kind, value, number, lines, depth, at) for at in found
            )
    number, line, at, value = _locate(value, number, lines, start)
    if kind == "Basic Auth Credentials":  # the password of user information: ":<value>@"
        at = line.find(f":{value}@") + 1 or at
    if at < 0:
        return False
    if _labelled_digest(line, at, value):
        return True
    key = key_before(line, at)
    if key is None and line[max(0, at - 3) : at] == 'W/"':
        key = key_before(line, at - 3)  # a weak ETag: etag: W/"<digest>"
    if key is not None and _judged_by_key(kind, key, value, line, at, number, lines):
        return True
    if kind == KEYWORD and _points_to_manager(line, at):
        return True
    if kind in (KEYWORD, BASE64_ENTROPY) and (
        _sops_value(line, at, value) or _inside_reference(line, at, value)
    ):
        return True
    if kind in (KEYWORD, BASE64_ENTROPY) and _sealed_value(value, number, lines):
        return True
    if kind == BASE64_ENTROPY and _harmless_blob(value, depth):
        return True
    if _in_public_text(line, at, value):
        return True
    if _in_public_block(lines, number, line[:at]):
        return True
    if number > 1 and _UNTRUSTED_COMMENT.match(lines(number - 1)) is not None:
        return True
    user = _url_user(line, at)
    at_sign = line[at + len(value) : at + len(value) + 1] == "@"
    return user is not None and at_sign and stand_in_url_password(user, value)


_FETCH_ASSIGNMENT = re.compile(
    r"[ \t]*(?:export[ \t]+)?[A-Za-z_][A-Za-z0-9_]{0,64}+=(?P<value>\$\([^()`$\n]{1,512}+\))[ \t]*\\\Z"
)
_COMMAND_LINE = re.compile(r"[ \t]*[a-z][a-z0-9_.-]{0,64}+[ \t]+-[^\n]*+")


def _continues_a_fetch(value: str, number: int, lines: Lines) -> bool:
    """A shell line continued after ``PGPASSWORD=$(vault kv get ...) \\``, that the engine's
    INI reading takes for the rest of PGPASSWORD's value: the assignment fetches the secret
    from a store at run time, and the continued line is a command with options (``psql -h
    ...``), where the find is."""
    line = lines(number)
    if number < 2 or value.rstrip("\\").strip() not in line or not _COMMAND_LINE.fullmatch(line):
        return False
    above = _FETCH_ASSIGNMENT.fullmatch(lines(number - 1))
    return above is not None and is_reference(above["value"])


def _in_public_text(line: str, at: int, value: str) -> bool:
    """Inside an AWS ARN (a resource's name) or the body of an OpenSSH public key line."""
    for arn in _ARN.finditer(line, max(0, at - 1100), at + len(value) + 1100):
        if arn.start() < at and at + len(value) <= arn.end():
            return True
    return _SSH_PUBLIC.search(line, max(0, at - 40), at) is not None


_MAX_OCCURRENCES = 8


def _occurrences(line: str, value: str) -> list[int]:
    """Where ``value`` stands on ``line``, up to one more than ``_MAX_OCCURRENCES``."""
    found: list[int] = []
    at = line.find(value) if value else -1
    while at >= 0 and len(found) <= _MAX_OCCURRENCES:
        found.append(at)
        at = line.find(value, at + 1)
    return found


def _judged_by_key(
    kind: str, key: str, value: str, line: str, at: int, number: int, lines: Lines
) -> bool:
    if _digest_under_key(key, value) or _public_under_key(key, value):
        return True
    if _reference_place(key, value, number, lines):
        return True
    if kind in _PLACE_KINDS and (
        _jwk_public_member(key, value, number, lines)
        or _service_identifier(key, value, line, at)
        or (not credential_key(key) and _digest_beside_algorithm(value, number, lines))
    ):
        return True
    if kind == KEYWORD:
        if key == "secrets" and value == "inherit":
            return True  # GitHub Actions: pass the caller's secrets to a reusable workflow
        if not credential_key(key) and _IDENTIFIER.fullmatch(value):
            return True
        if _names_k8s_secret(key, value) or _word_for_a_token(key, value):
            return True
    return False


# Tokens and API keys are issued, never chosen: random characters, digits among them. A plain
# lower-case word or two (token: incremental) under such a key is a setting's value; a password
# or a secret, which people choose, is not judged so.
_ISSUED_WORDS = frozenset({"token", "tokens", "apikey", "apikeys"})
_ISSUED_TAILS = (("api", "key"), ("api", "keys"), ("access", "key"))  # not secret_key: chosen
_PLAIN_WORDS = re.compile(r"[a-z]{2,12}+(?:[_-][a-z]{2,12}+){0,2}+")


def _word_for_a_token(key: str, value: str) -> bool:
    words = tuple(key_words(key))
    issued = bool(words) and (
        words[-1] in _ISSUED_WORDS or any(words[-2:] == tail for tail in _ISSUED_TAILS)
    )
    return issued and _PLAIN_WORDS.fullmatch(value) is not None


# -- our own rules' finds -------------------------------------------------------------------------
_SQL_FILES = (".sql", ".psql", ".pgsql")
_PSQL_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}+")
# A SQL literal built by a template or a host language: the literal's quote, the host string's
# quote and a concatenation of a name or a call of one (env_var('X'), var("x")), never of a
# literal value: PASSWORD = '" ~ env_var('PW') ~ "'.
_CONCATENATED = re.compile(
    r"'(?P<q>[\"'])[ \t]{0,4}+(?:~|\+|\|\|)[ \t]{0,4}+[A-Za-z_][A-Za-z0-9_.]{0,64}+"
    r"(?:\([ \t]{0,4}+(?:'[A-Za-z0-9_./-]{0,128}+'|\"[A-Za-z0-9_./-]{0,128}+\")?[ \t]{0,4}+\))?"
    r"[ \t]{0,4}+(?:~|\+|\|\|)[ \t]{0,4}+(?P=q)'"
)
_QUERY_PARAMETER = re.compile(r"&[A-Za-z0-9_.-]{1,64}+=[^&\s]{0,256}+")


def own_false_alarm(path: str, value: str, line: str, at: int) -> bool:
    """Whether a find of our token, URL or statement rules (``value`` at column ``at`` of
    ``line``) is a placeholder, a psql variable (``PASSWORD :'new_password'``), a literal a
    template builds from a variable, or a reference that a URL's next parameter follows."""
    if is_placeholder(value) or _sops_value(line, at, value):
        return True
    if path.lower().endswith(_SQL_FILES) and line[max(0, at - 2) : at] in (":'", ':"'):
        return _PSQL_VARIABLE.fullmatch(value) is not None
    if at > 0 and _CONCATENATED.match(line, at - 1) is not None:
        return True
    return _reference_then_parameters(value)


def _reference_then_parameters(value: str) -> bool:
    """``${DB_PASSWORD}&ssl=true``: in a URL's query the password ends at "&"; what follows is
    other parameters, none of them a credential's."""
    head, amp, rest = value.partition("&")
    if not amp or not is_reference(head):
        return False
    parameters = list(_QUERY_PARAMETER.finditer(amp + rest))
    if "".join(p.group() for p in parameters) != amp + rest:
        return False
    names = (p.group()[1 : p.group().index("=")] for p in parameters)
    return not any(credential_key(name) or name.lower() in ("pwd", "pass") for name in names)


_TOKEN_RUN = re.compile(r"[A-Za-z0-9_.-]{1,512}+")


def _prefixed_filler(line: str, value: str) -> bool:
    """A vendor's token written as documentation fills one in: its prefix, then one character
    repeated (``sk_live_AAAA...``, ``ghp_XXXX...``) or a mask (``ghp_...``), or glued to a word
    before it (``xsk_live_...``: a word that ends in "sk", not a key). The token is read from
    the line, as the engine may give only its prefix (GitHub's plugin: ``ghp``)."""
    at = line.find(value)
    if at < 0:
        return False
    if at > 0 and line[at - 1] in _WORD_BEFORE and value[:1].islower():
        return True
    run = _TOKEN_RUN.match(line, at)
    token = run.group() if run is not None else value
    if is_placeholder(token):
        return True
    body = _TOKEN_BODY.fullmatch(token)
    return body is not None and len(set(body.group("rest"))) == 1


def _harmless_blob(value: str, depth: int) -> bool:
    """Base64 of a binary format or of a JSON document (``blobs``) whose text holds no secret,
    judged as the engine and our token and statement rules would judge it written out."""
    data = decode_base64(value) or _decode_prefix(value)
    found = decoded_text(data) if data else None
    return found is not None and _clean_text(*found, depth)


def opaque(data: bytes) -> bool:
    """Whether bytes that a rule takes for a digest, a signature, a key's coordinate or
    ciphertext hold no credential as text: random bytes have few long printable runs, and what
    runs they have, scanned as a file's text, hold none (``0x02`` then ``AKIA...`` does)."""
    runs = printable_runs(data)
    return not runs or _clean_text("decoded.txt", "\n".join(runs), _MAX_DEPTH - 1)


def _clean_text(name: str, text: str, depth: int) -> bool:
    """Whether ``text`` (decoded from a value, named ``name`` for its kind) holds nothing that
    our token and statement rules, or the engine less these precision rules, would report."""
    folded = fold(text)
    if next(token_secrets(text, folded), None) is not None:
        return False
    if next(statement_secrets(name, text, folded, structured=False), None) is not None:
        return False
    decoded_lines = text.split("\n")

    def line_of(n: int) -> str:
        return decoded_lines[n - 1] if 0 < n <= len(decoded_lines) else ""

    for secret, _ in engine_scan_lines(name, text):
        inner = secret.secret_value or ""
        if not not_a_secret(inner) and not false_alarm(
            secret.type, inner, secret.line_number, line_of, depth + 1
        ):
            return False
    return True
