"""Tiny wheels written by hand into a local PEP 503 index: installs without reaching PyPI
(tests of unit_tests' dependency step, and benchmarks/stage3_dependencies.py)."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel(index: Path, name: str, version: str, body: str) -> str:
    """A pure-Python wheel of one package ``name`` (``__init__.py`` holds ``body``), listed in
    ``index/name/index.html``; the sha256 of the wheel file."""
    dist = f"{name}-{version}"
    files = {
        f"{name}/__init__.py": body.encode(),
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{dist}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }  # fmt: skip
    record = [f"{path},sha256={_digest(data)},{len(data)}" for path, data in files.items()]
    record.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    project = index / name
    project.mkdir(parents=True, exist_ok=True)
    path = project / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in files.items():
            archive.writestr(member, data)
    (project / "index.html").write_text(f'<a href="{path.name}">{path.name}</a>\n')
    return hashlib.sha256(path.read_bytes()).hexdigest()
