"""Ed25519 signatures over the RFC 8785 canonical form of a plan.

What is signed is the canonical UTF-8 of ``{"_type": "migration-checks/plan/v1", "plan": <plan>}``:
the type tag keeps a plan signature from being accepted for any other signed document. The
signature value is standard base64 of 64 bytes, decoded strictly (a lenient decoder would give
one signature many spellings). Beside the value, ``sign`` records ``sha256``, the SHA-256 of the
signed bytes: it proves nothing (whoever edits the plan can edit it too), but it lets a failed
verification say whether the plan changed since it was signed or the signature is another key's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import rfc8785

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

# cryptography is imported where it is used: loading it costs a run that verifies nothing (a
# missing plan, --version) tens of milliseconds.

PLAN_TYPE = "migration-checks/plan/v1"
ALGORITHM = "ed25519"
SIGNATURE_BYTES = 64


class SigningError(Exception):
    """A signature or key that cannot be used, with a message fit for a finding."""


class SignatureMismatch(SigningError):
    """A well-formed signature that is not the key's signature of the plan as it is now."""


def signing_payload(plan: Any) -> bytes:
    try:
        return rfc8785.dumps({"_type": PLAN_TYPE, "plan": plan})
    except rfc8785.IntegerDomainError:
        raise SigningError(
            "the plan holds an integer beyond ±(2**53 - 1), which RFC 8785 cannot represent exactly; "
            "write it as a string"
        ) from None
    except rfc8785.FloatDomainError:
        raise SigningError(
            "the plan holds a non-finite number, which RFC 8785 cannot represent"
        ) from None
    except rfc8785.CanonicalizationError:
        raise SigningError("the plan cannot be put in RFC 8785 canonical form") from None


def payload_sha256(plan: Any) -> str:
    """The SHA-256 (hex) of what a signature of ``plan`` covers."""
    return hashlib.sha256(signing_payload(plan)).hexdigest()


def decode_signature(value: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SigningError("signature value is not standard base64") from None
    if len(raw) != SIGNATURE_BYTES:
        raise SigningError(
            f"an Ed25519 signature is {SIGNATURE_BYTES} bytes, this one is {len(raw)}"
        )
    return raw


def verify_plan(plan: Any, signature_value: str, public_key: bytes) -> None:
    """Raise ``SigningError`` unless ``signature_value`` is ``public_key``'s signature of ``plan``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    signature = decode_signature(signature_value)
    payload = signing_payload(plan)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, payload)
    except InvalidSignature:
        raise SignatureMismatch(
            "signature does not verify over the plan's RFC 8785 canonical form"
        ) from None


def sign_plan(
    signed_plan: dict[str, Any], private_key: Ed25519PrivateKey, key_id: str
) -> dict[str, Any]:
    """A copy of ``signed_plan`` with a fresh signature over its ``plan``."""
    payload = signing_payload(signed_plan["plan"])
    value = base64.b64encode(private_key.sign(payload)).decode("ascii")
    signed = {key: val for key, val in signed_plan.items() if key != "signature"}
    signed["signature"] = {
        "algorithm": ALGORITHM,
        "key_id": key_id,
        "signed_at": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "value": value,
    }
    return signed


def generate_private_key() -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_key_base64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise SigningError(
            "not an unencrypted PEM private key (PKCS#8), as `keygen` writes"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError("the private key is not an Ed25519 key")
    return key
