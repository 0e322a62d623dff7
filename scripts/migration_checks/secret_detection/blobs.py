"""Base64 that the engine reports for its entropy and that decodes to what no credential is: a
file of a known binary format (an image in a notebook's output, a gzip test fixture, an Avro
container), a JSON document (an in-toto statement, a cosign payload, an Avro schema), or a PEM
file (kubeconfig's certificate-authority-data) whose blocks are public (a private key block in
it is the engine's "Private Key", and is reported).

Either may carry text, so ``decoded_text`` gives the text inside (a binary's printable runs, a
gzip or zlib stream's content as well, the JSON as it is), for the caller to scan as if it were
written out: the blob is not a secret only when that text holds none. A stream that inflates
more than text does (a zip bomb) is not judged: it stays reported.
"""

from __future__ import annotations

import json
import re
import zlib

# The first bytes of each format (PNG, GIF, JPEG, WebP, PDF, ZIP, gzip, Avro object container,
# Parquet); zlib streams are told by their two-byte header.
_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"RIFF",
    b"%PDF-",
    b"PK\x03\x04",
    b"\x1f\x8b\x08",
    b"Obj\x01",
    b"PAR1",
)
_ZLIB_HEADS = frozenset({b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda"})
_GZIP = b"\x1f\x8b\x08"
_RUN = re.compile(rb"[\x20-\x7e\t]{6,}+")
# Inflated bytes read from one stream, per byte of it and in all: text compresses a few times
# over, and a stream that inflates further (a zip bomb) is not judged, so that the text scanned
# stays proportional to the file.
_INFLATION = 8
_MAX_TEXT = 1 << 16


def _inflated(data: bytes) -> bytes | None:
    """What a gzip or zlib stream inflates to, as far as it goes (a line may hold part of it);
    None when it inflates beyond the budget."""
    wbits = 31 if data.startswith(_GZIP) else 15
    inflater = zlib.decompressobj(wbits)
    budget = min(_MAX_TEXT, _INFLATION * len(data))
    try:
        text = inflater.decompress(data, budget)
    except zlib.error:
        return b""
    return None if inflater.unconsumed_tail else text


def printable_runs(data: bytes) -> list[str]:
    """The runs of six or more printable ASCII characters in ``data``, as ``strings`` finds."""
    return [run.decode("ascii") for run in _RUN.findall(data)]


def binary_format(data: bytes) -> bool:
    return data.startswith(_MAGIC) or data[:2] in _ZLIB_HEADS


def decoded_text(data: bytes) -> tuple[str, str] | None:
    """(a file name for its kind, the text) that ``data``, a base64 value's bytes, holds when
    it is a known binary format, a PEM file or a JSON document; None otherwise."""
    if binary_format(data):
        runs = printable_runs(data)
        if data.startswith(_GZIP) or data[:2] in _ZLIB_HEADS:
            inflated = _inflated(data)
            if inflated is None:
                return None
            runs += printable_runs(inflated)
        return "decoded.txt", "\n".join(runs)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.lstrip().startswith("-----BEGIN "):
        return "decoded.txt", text  # kubeconfig's certificate-authority-data: a PEM file
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return ("decoded.json", text) if isinstance(document, dict | list) else None
