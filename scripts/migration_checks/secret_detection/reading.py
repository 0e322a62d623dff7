"""What detect-secrets' ``scan_file`` reports for a file's text, read the way it reads it.

``detect_secrets.core.scan.scan_file`` reads a file through the INI transformer when the file is
INI, through its values when it is YAML (each string value of a mapping as a ``key: "value"``
line, so unquoted and multi-line values, block scalars included, are judged like quoted ones),
line by line otherwise, and, when that found nothing in a file of detect-secrets' ``OTHER``
type, once more as ``key = value`` pairs (its eager transformer). So does ``engine_scan``, but
only the lines the prefilter passes reach the plugins (``prefilter``), and YAML values come
from libyaml's events (``yaml_values``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import cast

from detect_secrets.core import scan as ds_scan
from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.plugins.base import BasePlugin
from detect_secrets.settings import get_plugins
from detect_secrets.transformers.config import ConfigFileTransformer, EagerConfigFileTransformer
from detect_secrets.transformers.exceptions import ParsingError
from detect_secrets.types import NamedIO
from detect_secrets.util.code_snippet import CodeSnippet, get_code_snippet
from detect_secrets.util.filetype import FileType, determine_file_type

from migration_checks.secret_detection.prefilter import (
    GATED,
    Plugins,
    candidate_lines,
    candidate_plugins,
    yaml_spans,
)
from migration_checks.secret_detection.yaml_values import YamlValue, string_values


class _NamedText(io.StringIO):
    """A text under a file name, as detect-secrets' transformers read files."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text, newline="\n")
        self.name = name


def _readlines(text: str) -> list[str]:
    """``text`` split as a text file's ``readlines()`` splits it, line ends kept."""
    lines = text.split("\n")
    content = [f"{line}\n" for line in lines[:-1]]
    if lines[-1]:
        content.append(lines[-1])
    return content


def _transform(
    transformer: ConfigFileTransformer | EagerConfigFileTransformer, filename: str, text: str
) -> list[str] | None:
    try:
        lines: list[str] = transformer.parse_file(cast(NamedIO, _NamedText(text, filename)))
    except ParsingError:
        return None
    return lines


def _may_be_ini(text: str) -> bool:
    """configparser refuses a text whose first line that is not blank or a comment is not a
    ``[section]`` header; only the others go to detect-secrets' INI transformer."""
    for line in io.StringIO(text, newline="\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", ";")):
            return stripped.startswith("[")
    return False


# A line at the start of a row that is not blank, a comment or a section header and has no "="
# or ":" is an error to configparser, even under the "[global]" header the eager reading adds.
_EAGER_INI_REFUSES = re.compile(r"(?m)^[^\s#;\[][^=:\n]*$")


# detect-secrets' YAML transformer's comment pattern, ``(\s+#[\S ]*)``, searched: its leftmost
# match starts where a run of white space starts, so only there is it tried, and the run is taken
# whole (a "#" ends it); searched from every position of a long run, it backtracks quadratically.
_YAML_COMMENT = re.compile(r"(?<!\s)\s++#[\S ]*")

Judged = tuple[PotentialSecret, str]  # a secret and the line it was found on, as read


def _judge(
    filename: str, content: list[str], candidates: Iterable[tuple[int, str, Plugins]]
) -> list[Judged]:
    """What ``detect_secrets.core.scan._process_line_based_plugins`` reports on the candidate
    lines of a file whose lines are ``content`` (each line's context is taken from all of them),
    each line given to the plugins that could report anything on it.

    What a line yields depends on its text, the plugins run and, through the allowlist filter's
    ``nextline`` pragma, the line before it (no other filter and no plugin reads the context):
    a line that repeats one judged before yields the same secrets, on its own line number, without
    being judged again (a generated file repeats lines by the thousand)."""
    found: list[Judged] = []
    plugins = [(plugin, type(plugin).__name__) for plugin in get_plugins()]
    judged: dict[tuple[str, Plugins, str], list[PotentialSecret]] = {}
    for line_number, text, wanted in candidates:
        line = text.rstrip()
        snippet = get_code_snippet(lines=content, line_number=line_number)
        previous = snippet.previous_line
        key = (line, wanted, previous if "pragma" in previous.lower() else "")
        secrets = judged.get(key)
        if secrets is None:
            secrets = judged[key] = _judge_line(
                filename, line, line_number, snippet, wanted, plugins
            )
        else:
            secrets = [_moved(secret, line_number) for secret in secrets]
        found.extend((secret, line) for secret in secrets)
    return found


def _moved(secret: PotentialSecret, line_number: int) -> PotentialSecret:
    """The same secret on another line (its attributes copied: ``copy.copy`` takes the long way
    through ``__reduce_ex__``, which a file of many repeated finds pays for each)."""
    moved: PotentialSecret = PotentialSecret.__new__(PotentialSecret)
    moved.__dict__.update(secret.__dict__)
    moved.line_number = line_number
    return moved


def _judge_line(
    filename: str,
    line: str,
    line_number: int,
    snippet: CodeSnippet,
    wanted: Plugins,
    plugins: list[tuple[BasePlugin, str]],
) -> list[PotentialSecret]:
    if ds_scan._is_filtered_out(
        required_filter_parameters=["line"], filename=filename, line=line, context=snippet
    ):
        return []
    found: list[PotentialSecret] = []
    for plugin, name in plugins:
        if wanted is not None and name not in wanted and name in GATED:
            continue
        for secret in ds_scan._scan_line(
            plugin=plugin,
            filename=filename,
            line=line,
            line_number=line_number,
            context=snippet,
        ):
            if not ds_scan._is_filtered_out(
                required_filter_parameters=["context"],
                filename=secret.filename,
                secret=secret.secret_value,
                plugin=plugin,
                line=line,
                context=snippet,
            ):
                found.append(secret)
    return found


def _judge_all(filename: str, lines: list[str]) -> list[Judged]:
    numbered = [
        (n, line, plugins)
        for n, (line, plugins) in enumerate(zip(lines, candidate_plugins(lines), strict=True), 1)
        if plugins is None or plugins
    ]
    return _judge(filename, lines, numbered) if numbered else []


def engine_scan(filename: str, text: str) -> list[PotentialSecret]:
    """What detect-secrets' ``scan_file`` reports for a file named ``filename`` (relative, for
    its file-type rules and filename filters) holding ``text``, run inside ``engine()``.

    The same secrets on the same lines, except in YAML values, which are on the line where the
    value starts (see ``yaml_values``).
    """
    return [secret for secret, _ in engine_scan_lines(filename, text)]


def engine_scan_lines(filename: str, text: str) -> list[Judged]:
    """``engine_scan``, each secret with the line it was found on, as read."""
    if ds_scan._is_filtered_out(required_filter_parameters=["filename"], filename=filename):
        return []
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # universal newlines, as open() reads
    found = _first_reading(filename, text)
    if (
        found
        or determine_file_type(filename) is not FileType.OTHER
        or _EAGER_INI_REFUSES.search(text)
    ):
        return found
    lines = _transform(EagerConfigFileTransformer(), filename, text)
    return _judge_all(filename, lines) if lines else []


# The plugins that know a credential by its issuer's format, wherever it stands (not by a key
# or by the entropy of a quoted string).
_FORMAT_PLUGINS = GATED - {"KeywordDetector", "Base64HighEntropyString", "HexHighEntropyString"}


def yaml_format_scan_lines(filename: str, text: str) -> list[Judged]:
    """A YAML file read line by line by the format plugins alone. detect-secrets' YAML reading
    judges a mapping's string values only, so an AWS key or a Slack webhook in a list item
    (``args: ["--key", "AKIA..."]``), a key or a comment of a YAML file with any string value
    was never judged; what is found on a line both readings judge is reported once, by the
    caller."""
    if determine_file_type(filename) is not FileType.YAML:
        return []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    content = _readlines(text)
    wanted = [
        (n, content[n - 1], _FORMAT_PLUGINS if plugins is None else plugins & _FORMAT_PLUGINS)
        for n, plugins in candidate_lines(text).items()
        if n <= len(content)
    ]
    return _judge(filename, content, [item for item in wanted if item[2]])


def _first_reading(filename: str, text: str) -> list[Judged]:
    if _may_be_ini(text):
        lines = _transform(ConfigFileTransformer(), filename, text)
        if lines:
            return _judge_all(filename, lines)
        if lines is not None:  # an INI file without values: read line by line
            return _judge_raw(filename, text)
    if determine_file_type(filename) is FileType.YAML:
        spans = yaml_spans(text)
        if spans is not None and not spans:
            return []
        values = string_values(text, spans)
        if values is not None:
            return _judge_yaml(filename, text, values)
    return _judge_raw(filename, text)


def _judge_raw(filename: str, text: str) -> list[Judged]:
    candidates = candidate_lines(text)
    if not candidates:
        return []
    content = _readlines(text)
    return _judge(
        filename,
        content,
        ((n, content[n - 1], plugins) for n, plugins in candidates.items() if n <= len(content)),
    )


def _judge_yaml(filename: str, text: str, values: list[YamlValue]) -> list[Judged]:
    """The values judged as detect-secrets' YAML transformer reads them, each a ``key: "value"``
    line; a secret found in a value is then put on the line of the file where its text is (the
    line where a block scalar's private key begins, not the line of its ``|``), or, where it is
    not there verbatim (escapes, folded lines), on the line where the value starts."""
    raw = text.split("\n")
    lines: list[tuple[int, str]] = []
    spans: dict[tuple[int, str], tuple[int, int]] = {}
    seen: set[tuple[str, str, int, str]] = set()
    for item in sorted(values, key=lambda v: v.line):
        source = raw[item.line - 1].strip() if item.line <= len(raw) else ""
        if (item.key, item.value, item.line, source) in seen:
            continue
        seen.add((item.key, item.value, item.line, source))
        comment = _YAML_COMMENT.search(source) if "#" in source else None
        escaped = item.value.replace('"', '\\"')
        line = f'{item.key}: "{escaped}"{comment.group(0) if comment else ""}'
        lines.append((item.line, line))
        spans.setdefault((item.line, line.rstrip()), (item.start, item.end))
    context = [""] * (lines[-1][0] if lines else 0)
    for line_number, line in reversed(lines):
        context[line_number - 1] = line
    found = _judge(
        filename,
        context,
        [
            (n, line, plugins)
            for (n, line), plugins in zip(
                lines, candidate_plugins([line for _, line in lines]), strict=True
            )
            if plugins is None or plugins
        ],
    )
    for secret, read_line in found:
        start, end = spans.get((secret.line_number, read_line), (0, 0))
        at = text.find(secret.secret_value or "\0", start, end) if end > start else -1
        if at >= 0:
            secret.line_number += text.count("\n", start, at)
    return found
