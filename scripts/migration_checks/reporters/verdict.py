"""A stage job's result, small enough to travel as a job output to the gate.

The reusable workflow hands each stage job's result to the gate through the job's outputs (the
gate job reads ``toJSON(needs)``) rather than through artifacts: outputs belong to one call of the
workflow, so two calls in one run never read each other's results, and no job can write another
job's outputs (an artifact can be uploaded by any job of the run, including the one that ran the
pull request's code). Outputs are small, though: the whole ``toJSON(needs)`` reaches the gate
through one environment variable (at most 128 KiB on Linux), so each stage's result is reduced to
what the gate judges and shows, then compressed:

- every check with its status (what the gate requires), every blocker with its location;
- warnings and notices are left out (the stage job's own annotations and summary show them);
- when even that is over ``BUDGET``, each check keeps its first blocking finding and one more
  finding says how many were left out. A check's status and blockers are never dropped.

The value is ``v1:`` followed by the base64 of the gzip of the JSON v1 result (the same schema).
"""

from __future__ import annotations

import base64
import gzip
import io
import json
from typing import Any

from migration_checks.model import RunResult
from migration_checks.reporters import json_v1

PREFIX = "v1:"
BUDGET = 16_000  # characters per stage; seven jobs stay well under the 128 KiB of one variable


def render(result: RunResult) -> str:
    return reduce_and_encode(json_v1.to_dict(result))


def reduce_and_encode(document: dict[str, Any]) -> str:
    """A JSON v1 result reduced to what the gate needs (changed in place), then encoded."""
    _keep(document, lambda finding: finding["blocker"] is not None)
    encoded = encode(document)
    if len(encoded) <= BUDGET:
        return encoded
    for migration in document["migrations"]:
        migration["findings"] = _first_per_check(migration["findings"])
    document["findings"] = _first_per_check(document["findings"])
    return encode(document)


def encode(document: dict[str, Any]) -> str:
    raw = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    return PREFIX + base64.b64encode(gzip.compress(raw, mtime=0)).decode("ascii")


def decode(value: str, *, limit: int = 64 * 1024 * 1024) -> Any:
    """The JSON a stage job encoded; ValueError when it is not one (never trusted for more)."""
    if not value.startswith(PREFIX):
        raise ValueError(f'does not start with "{PREFIX}"')
    try:
        compressed = base64.b64decode(value[len(PREFIX) :], validate=True)
        with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
            raw = stream.read(limit + 1)
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(f"is not base64 of gzip: {exc}") from None
    if len(raw) > limit:
        raise ValueError(f"unpacks to more than {limit} bytes")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"is not JSON: {exc}") from None
    except RecursionError:
        raise ValueError("is not JSON this suite writes: it is nested too deep") from None


def _keep(document: dict[str, Any], wanted: Any) -> None:
    document["findings"] = [f for f in document["findings"] if wanted(f)]
    for migration in document["migrations"]:
        migration["findings"] = [f for f in migration["findings"] if wanted(f)]


def _first_per_check(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    left_out: dict[tuple[str, int | None], int] = {}
    for finding in findings:
        key = (finding["check"], finding["stage"])
        if key in left_out:
            left_out[key] += 1
        else:
            left_out[key] = 0
            kept.append(finding)
    for finding in list(kept):
        more = left_out[(finding["check"], finding["stage"])]
        if more:
            kept.append(
                {
                    **finding,
                    "message": f"{more} more blocking findings of {finding['check']} are in "
                    "the stage job's log and summary",
                    "path": None,
                    "line": None,
                    "column": None,
                }
            )
            kept[-1].pop("pointer", None)
            kept[-1].pop("series", None)
    return kept
