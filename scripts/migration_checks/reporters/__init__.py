"""Reporters: pure functions from a run result to text; the CLI does the writing."""

from __future__ import annotations

from collections.abc import Callable

from migration_checks.model import RunResult
from migration_checks.reporters import json_v1, markdown, sarif, text

REPORTERS: dict[str, Callable[[RunResult], str]] = {
    "text": text.render,
    "json": json_v1.render,
    "sarif": sarif.render,
    "markdown": markdown.render,
}
FORMATS = (*REPORTERS, "github")
