"""A file read as a reader reads it (issue 12, deliverable 2): encodings told by their byte-order
marks, stray bytes that are not UTF-8, JSON and YAML escapes; and binary files still skipped."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from migration_checks import secret_detection as sd
from migration_checks.documents import Limits
from migration_checks.fs import read_contained
from migration_checks.secret_detection.decoding import (
    is_binary_head,
    read_text,
    unescape_line,
)
from migration_checks.secret_detection.scan import scan_file

AWS_ID = "AKIAZ3MHQ7RT5LN2XW4B"
GITHUB_PAT = "github_pat_11ABCDEFG0" + "x7Kq9Lm4Xv7Nw1Zb6Hc3Jd5Fg0Ps2Ty8Ua" * 2
PLAIN = (
    "# settings\n"
    "host = db.internal\n"
    f"aws_access_key_id = {AWS_ID}\n"
    "dsn = postgres://app:Pw9xK2qLm7@db/shop\n"
)


class _Context:
    """What ``scan_file`` needs of a MigrationContext: a root to read files under."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.limits = Limits()

    def read_bytes(self, rel: str) -> bytes:
        return read_contained(self.root, rel, self.limits.max_file_bytes)

    def parse(self, rel: str) -> None:
        return None


def scan_bytes(tmp_path: Path, name: str, raw: bytes) -> Any:
    (tmp_path / name).write_bytes(raw)
    with sd.engine():
        return scan_file(_Context(tmp_path), name, sd.Options())  # type: ignore[arg-type]


def places(found: Any) -> list[tuple[str, int | None, int | None]]:
    return sorted((hit.kind, hit.line, hit.column) for hit in found.hits)


def test_a_plain_file_is_read_as_before(tmp_path: Path) -> None:
    found = scan_bytes(tmp_path, "settings.txt", PLAIN.encode("utf-8"))
    assert ("AWS Access Key", 3, 21) in places(found)
    assert any(kind == "Basic Auth Credentials" and line == 4 for kind, line, _ in places(found))
    assert found.not_scanned is None


@pytest.mark.parametrize(
    "encoding",
    ["utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom", "utf-32", "utf-32-be-bom",
     "utf-16-le", "utf-16-be"],
)  # fmt: skip
def test_a_file_in_another_unicode_encoding_is_read(tmp_path: Path, encoding: str) -> None:
    plain = places(scan_bytes(tmp_path, "plain.txt", PLAIN.encode("utf-8")))
    if encoding.endswith("-bom"):
        codec = encoding.removesuffix("-bom")
        raw = "\ufeff".encode(codec) + PLAIN.encode(codec)
    else:
        raw = PLAIN.encode(encoding)  # utf-16 and utf-32 write a BOM; -le and -be do not
    assert places(scan_bytes(tmp_path, "settings.txt", raw)) == plain
    assert len(plain) >= 2


def test_one_stray_byte_does_not_make_a_file_binary(tmp_path: Path) -> None:
    plain = places(scan_bytes(tmp_path, "plain.txt", PLAIN.encode("utf-8")))
    raw = b"# caf\xe9 \xff\n" + PLAIN.encode("utf-8").split(b"\n", 1)[1]
    assert places(scan_bytes(tmp_path, "settings.txt", raw)) == plain
    # and the bytes that are not UTF-8 keep every position: one character each
    assert read_text(b"\xff\xfex = 1").text is not None
    assert read_text(b"caf\xe9 au lait \xff.").text == "caf\xe9 au lait \xff."


def test_a_github_pat_in_utf16_with_a_bom_is_found_on_its_line(tmp_path: Path) -> None:
    text = f"# token\n\nGITHUB_TOKEN={GITHUB_PAT}\n"
    plain = places(scan_bytes(tmp_path, "plain.env", text.encode("utf-8")))
    assert plain and all(line == 3 for _, line, _ in plain)
    found = scan_bytes(tmp_path, "ci.env", codecs_bom("utf-16-le") + text.encode("utf-16-le"))
    assert places(found) == plain


def codecs_bom(codec: str) -> bytes:
    return "\ufeff".encode(codec)


def test_json_unicode_escapes_are_read_and_reported_where_written(tmp_path: Path) -> None:
    escaped = "\\u0041" + AWS_ID[1:]
    text = (
        '{\n  "name": "shop",\n'
        f'  "aws_key_id": "{escaped}",\n'
        '  "dsn": "postgres:\\/\\/app:\\u0050w9xK2qLm7@db\\/shop"\n}\n'
    )
    found = places(scan_bytes(tmp_path, "conf.json", text.encode("utf-8")))
    assert ("AWS Access Key", 3, 18) in found  # the column of the "\u0041" as written
    assert any(line == 4 for _, line, _ in found), found
    # the same file without the escapes finds the same kinds on the same lines
    unescaped = text.replace(escaped, AWS_ID).replace("\\u0050", "P").replace("\\/", "/")
    plain = places(scan_bytes(tmp_path, "plain.json", unescaped.encode("utf-8")))
    assert [(k, line) for k, line, _ in found] == [(k, line) for k, line, _ in plain]


def test_yaml_double_quoted_escapes_are_read(tmp_path: Path) -> None:
    escaped = "".join(f"\\x{ord(c):02x}" for c in AWS_ID[:4]) + AWS_ID[4:]
    text = f'jobs:\n  load:\n    aws_key: "{escaped}"\n'
    found = places(scan_bytes(tmp_path, "dbt.yml", text.encode("utf-8")))
    assert [(kind, line) for kind, line, _ in found if kind == "AWS Access Key"] == [
        ("AWS Access Key", 3)
    ]


def test_a_python_escape_of_a_secret_is_read(tmp_path: Path) -> None:
    text = f'KEY = "\\u0041{AWS_ID[1:]}"\n'
    assert places(scan_bytes(tmp_path, "job.py", text.encode("utf-8"))) == [
        ("AWS Access Key", 1, 8)
    ]


def test_an_escaped_backslash_is_not_an_escape() -> None:
    assert unescape_line("a \\\\u0041 b") is None
    rendering = unescape_line('"\\ud83d\\ude00\\u0041\\/x"')
    assert rendering is not None
    assert rendering.text == '"\U0001f600A/x"'
    assert [rendering.column(i) for i in range(len(rendering.text) + 1)] == [
        0,
        1,
        13,
        19,
        21,
        22,
        23,
    ]


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + f"x {AWS_ID} x".encode() + b"\xff" * 40


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("creds.txt", f"aws_access_key_id = {AWS_ID}\n")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("logo.png", _png()),
        ("bundle.zip", _zip()),
        ("shop.sqlite", b"SQLite format 3\x00\x10\x00\x01\x01\xff" + f" {AWS_ID} ".encode()),
        ("data.parquet", b"PAR1\x15\x04\x15\x90\x01\xd8" + f" {AWS_ID} ".encode() + b"PAR1"),
        ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + f"({AWS_ID})".encode()),
        ("blob.bin", f"{AWS_ID}".encode() + b"\x00\x01\x02\x03"),
        ("noise.bin", bytes(range(256)) * 8 + AWS_ID.encode()),
    ],
)
def test_a_binary_file_is_not_read_as_text(tmp_path: Path, name: str, raw: bytes) -> None:
    assert read_text(raw).text is None
    assert is_binary_head(raw[:8192])
    found = scan_bytes(tmp_path, name, raw)
    assert found.hits == () and found.not_scanned is None


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("loader.py", b"GIF89a = None\n" + f"KEY = '{AWS_ID}'\n".encode()),
        ("load.sh", f"export KEY={AWS_ID}\n# \x00\n".encode()),
        ("notes.gif", b"GIF89a\n" + f"{AWS_ID}\n".encode()),
        (
            "legacy.py",
            b"# -*- coding: latin-1 -*-\n#" + b"\x01\xff" * 6000 + f"\nK = '{AWS_ID}'\n".encode(),
        ),
        (".pgpass", b"OggS\x00\x01\n" + f"*:*:*:u:{AWS_ID}\n".encode()),
        (".env.production", f"K={AWS_ID}\n# ".encode() + b"\xff" * 400),
        ("load.env.prod", f"export K={AWS_ID}\n".encode() + b"\x00" * 100),
    ],
)
def test_a_text_file_dressed_as_binary_is_read(tmp_path: Path, name: str, raw: bytes) -> None:
    """A binary signature, a NUL byte or a run of control bytes does not hide a file whose name
    says text, nor one that is text throughout: a hostile author can write either."""
    found = scan_bytes(tmp_path, name, raw)
    assert found.hits and found.not_scanned is None


def test_text_in_a_wide_encoding_is_not_binary_from_its_head() -> None:
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-16"):
        assert not is_binary_head(PLAIN.encode(codec))
    assert not is_binary_head(b"caf\xe9 au lait\n")


def test_a_secret_found_only_in_the_decoded_text_is_never_quoted(tmp_path: Path) -> None:
    escaped = "\\u0041" + AWS_ID[1:]
    found = scan_bytes(tmp_path, "conf.json", f'{{"k": "{escaped}"}}'.encode())
    assert found.hits
    assert AWS_ID not in repr(found) and AWS_ID[1:] not in repr(found)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig", "latin-1"])
def test_a_structured_file_in_another_encoding_is_parsed_as_read(
    tmp_path: Path, encoding: str
) -> None:
    """A YAML file that is not UTF-8 still reaches the rules that judge parsed data: a
    Kubernetes Secret's value under a key no keyword names, in UTF-16 or with a stray byte."""
    text = "apiVersion: v1\nkind: Secret\nstringData:\n  conn: Qm7-vTz9Lq\n# caf\xe9\n"
    found = scan_bytes(tmp_path, "secret.yaml", text.encode(encoding))
    assert ("Credential Value", 4, 9) in places(found)
    assert found.not_scanned is None


def test_compressed_text_is_read_and_a_key_store_is_reported(tmp_path: Path) -> None:
    """A gzip file of a .env is read decompressed (a shell sources it through zcat), under the
    rules of its inner name; a key store or a DER private key is reported as one."""
    found = scan_bytes(tmp_path, "prod.env.gz", gzip.compress(b"PGPASSWORD=Wq7vR2xLp9sTz4Kd\n"))
    assert [(hit.kind, hit.path, hit.line) for hit in found.hits] == [
        ("Secret Keyword", "prod.env.gz", 1)
    ]
    store = scan_bytes(tmp_path, "loader.keytab", b"\x05\x02\x00\x00\x00\x3f" + bytes(64))
    assert [hit.kind for hit in store.hits] == ["Key Store File"]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    der = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key = scan_bytes(tmp_path, "snowflake_rsa_key.bin", der)
    assert [hit.kind for hit in key.hits] == ["Private Key"]
    assert all(hit.hashed_secret not in repr(der) for hit in key.hits)
