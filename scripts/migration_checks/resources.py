"""Files that ship inside the package: schemas and the default policy.

Installed, they are package data (the wheel force-includes ``schemas/``); run from the source
tree, as the actions do, the schemas are read from the repository's ``schemas/`` folder.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

SCHEMA_BASE_URI = "https://migration-checks.dev/schemas/v1/"
SCHEMA_SUFFIX = ".schema.json"


@cache
def schemas_dir() -> Traversable:
    packaged = files("migration_checks") / "schemas"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "schemas"


def schema_names() -> list[str]:
    return sorted(
        entry.name.removesuffix(SCHEMA_SUFFIX)
        for entry in schemas_dir().iterdir()
        if entry.name.endswith(SCHEMA_SUFFIX)
    )


def schema_text(name: str) -> str:
    if name not in schema_names():
        raise KeyError(name)
    return (schemas_dir() / f"{name}{SCHEMA_SUFFIX}").read_text(encoding="utf-8")


@cache
def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text(name))
    return loaded


def default_policy_bytes() -> bytes:
    return (files("migration_checks") / "data" / "default_policy.json").read_bytes()


def template_text(name: str) -> str:
    return (files("migration_checks") / "templates" / name).read_text(encoding="utf-8")
