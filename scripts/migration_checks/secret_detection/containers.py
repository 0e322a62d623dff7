"""Binary files that are credentials, or that hold text: key stores and private keys in DER
(``snowflake_rsa_key.p8``, ``client.p12``, ``loader.keytab``, a Java keystore, a KeePass
database), and compressed text (``prod.env.gz``), which a client or a shell reads as it is.
A binary file is otherwise not scanned; these are reported, or read once decompressed.
"""

from __future__ import annotations

import bz2
import hashlib
import lzma
import posixpath
import zlib

KEY_STORE = "Key Store File"
PRIVATE_KEY = "Private Key"

# Named as a key store: PKCS#12, PKCS#8, Kerberos keytabs, Java and BouncyCastle keystores,
# KeePass, PuTTY; their contents are keys whatever their encryption.
_KEY_STORE_SUFFIXES = frozenset(
    {".p12", ".pfx", ".p8", ".pk8", ".keytab", ".jks", ".jceks", ".keystore", ".bcfks", ".kdbx"}
)
_KEY_STORE_MAGIC = (
    b"\x05\x02",  # Kerberos keytab, version 2
    b"\xfe\xed\xfe\xed",  # Java KeyStore
    b"\xce\xce\xce\xce",  # JCEKS
    b"\x03\xd9\xa2\x9a",  # KeePass 2
)
_DER_LIMIT = 1 << 16  # a private key's DER is a few kilobytes
# Compressed streams are inflated to at most this many bytes, and at most this many times their
# size (a bomb is not inflated, and its file is reported as unreadable by the caller).
_INFLATED_LIMIT = 16 << 20
_INFLATED_RATIO = 64


def fingerprint(raw: bytes) -> str:
    """A file's SHA-1, as a hit's ``hashed_secret`` (never its bytes)."""
    return hashlib.sha1(raw, usedforsecurity=False).hexdigest()


def credential_container(path: str, raw: bytes) -> str | None:
    """The kind of credential a binary file is, or None."""
    name = posixpath.basename(path.replace("\\", "/")).lower()
    suffix = name[name.rfind(".") :] if "." in name else ""
    if suffix in _KEY_STORE_SUFFIXES or raw.startswith(_KEY_STORE_MAGIC):
        return KEY_STORE
    if raw[:1] == b"\x30" and len(raw) <= _DER_LIMIT and _der_private_key(raw):
        return PRIVATE_KEY
    return None


def _der_private_key(raw: bytes) -> bool:
    """Whether DER bytes are a private key, in clear or encrypted (PKCS#1, PKCS#8, SEC 1)."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    try:
        serialization.load_der_private_key(raw, password=None)
    except TypeError:
        return True  # encrypted: a key all the same
    except (ValueError, UnsupportedAlgorithm):
        return False
    return True


class Inflated(Exception):
    """A compressed stream that inflates past the limits."""


def decompressed(raw: bytes) -> bytes | None:
    """The bytes a gzip, bzip2 or xz file holds, or None when it is not one. Raises
    ``Inflated`` past the limits."""
    limit = min(_INFLATED_LIMIT, max(len(raw), 1) * _INFLATED_RATIO)
    if raw.startswith(b"\x1f\x8b"):
        try:
            data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, limit + 1)
        except zlib.error:
            return b""
    elif raw.startswith(b"BZh"):
        data = _bounded(bz2.BZ2Decompressor(), raw, limit)
    elif raw.startswith(b"\xfd7zXZ\x00"):
        data = _bounded(lzma.LZMADecompressor(), raw, limit)
    else:
        return None
    if len(data) > limit:
        raise Inflated
    return data


def _bounded(
    decompressor: bz2.BZ2Decompressor | lzma.LZMADecompressor, raw: bytes, limit: int
) -> bytes:
    try:
        return decompressor.decompress(raw, max_length=limit + 1)
    except (OSError, EOFError, lzma.LZMAError):
        return b""
