"""Lint the migration directory's YAML: block on what changes meaning, warn on style (yamllint).

YAML that two readers read differently is a silent data bug: ``country: NO`` is the string "NO"
to a YAML 1.2 reader (this suite's) and ``false`` to a YAML 1.1 one (PyYAML, most tools a team
uses downstream). Without a yamllint configuration, every ``.yml``/``.yaml`` file is checked for:

- ``truthy``, blocking: a plain (unquoted) ``yes``, ``no``, ``on`` or ``off`` in any of the
  capitalisations yamllint's truthy rule names, as a value or a key; quote it or write
  ``true``/``false``. ``True``, ``TRUE``, ``False``, ``FALSE`` mean the same to every reader,
  so they are style: warnings.
- ``syntax`` and ``key-duplicates`` are Stage 1's findings (json_yaml_syntax parses every YAML
  file of the directory, ``code/dbt/schema.yml`` too, and reports them with
  SCHEMA_VALIDATION_FAILED), so one problem is reported once: a file that did not parse is
  passed over here.
- style, as warnings, for files under ``code/`` only (artifacts are written by tools): yamllint's
  line rules with its default options (``line-length`` 80, ``trailing-spaces``,
  ``new-line-at-end-of-file``, ``new-lines``, ``empty-lines``), honouring ``# yamllint
  disable-line``/``disable``/``enable``/``disable-file`` comments. yamllint's token rules are
  not run by default: its pure-Python tokenizer needs tens of seconds on a mapping of a few
  megabytes, and every rule that changes meaning is answered above without it.

With a yamllint configuration in the migration directory (``.yamllint``, ``.yamllint.yaml``,
``.yamllint.yml``; the nearest to each file, up to the directory's root), yamllint runs in full
with it, files spread over worker processes: its ``error`` level blocks, ``warning`` warns.
``extends`` may name yamllint's presets only, and ``ignore-from-file`` is refused: both read
files the suite has not vetted. The files are read from the migration directory itself, always
before any code of the pull request runs (``_tools.start_pr_code``).

Passes: ``enabled: true``; ``country: "NO"``; a long line in ``contracts/schema_mapping.yml``.
Fails: ``enabled: yes`` or ``on: push`` in ``code/dbt/dbt_project.yml``; a key written twice in
``code/dbt/models/schema.yml``; with ``rules: {document-start: {level: error}}`` in a
``.yamllint``, a file without ``---``.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from typing import Any

from migration_checks.blockers import BlockerId
from migration_checks.checks.stage3_code_quality import _tools
from migration_checks.checks.stage3_code_quality._tools import ConfigFile, ConfigRefused, Groups
from migration_checks.context import MigrationContext
from migration_checks.documents import DocumentError, format_of
from migration_checks.fs import TooLarge, UnsafePath
from migration_checks.model import Location, Problem, Severity, Stage

ID = "lint_yaml"
STAGE = Stage.CODE_QUALITY
BLOCKING = True
RAISES = (BlockerId.CI_FAILURE,)
POLICY = ("code_quality",)

CONFIG_NAMES = (".yamllint", ".yamllint.yaml", ".yamllint.yml")
YAMLLINT = _tools.Tool("yamllint")
PRESETS = frozenset({"default", "relaxed"})
LINE_RULES = (
    "empty-lines",
    "line-length",
    "new-line-at-end-of-file",
    "new-lines",
    "trailing-spaces",
)
# Above this many bytes of YAML under a user's configuration, files go to worker processes.
PARALLEL_BYTES = 512 * 1024

_AMBIGUOUS = frozenset(
    form for word in ("yes", "no", "on", "off") for form in (word, word.capitalize(), word.upper())
)
_NON_CANONICAL = frozenset({"True", "TRUE", "False", "FALSE"})
_TRUTHY = _AMBIGUOUS | _NON_CANONICAL
# A fast pass over the bytes: a truthy word standing alone where a plain scalar can end. Only a
# file with such a candidate is parsed for positions, to tell scalars from quotes and comments.
_CANDIDATE = re.compile(
    rb"(?:^|(?<=[\s\[{,:?-]))(?:[Yy]es|YES|[Nn]o|NO|[Oo]n|ON|[Oo]ff|OFF|True|TRUE|False|FALSE)"
    rb"(?=[ \t]+#|[ \t]*(?:\r?$|[,\]}]|:(?:[ \t]|\r?$)))",
    re.MULTILINE,
)
_DIRECTIVE = re.compile(
    r"#\s*yamllint\s+(disable-line|disable|enable|disable-file)((?:\s+rule:\S+)*)\s*$"
)


def applies(ctx: MigrationContext) -> str | None:
    return None if _yaml_files(ctx) else "no YAML files in the migration directory"


def _yaml_files(ctx: MigrationContext) -> list[str]:
    return sorted(p for p in ctx.tree.files if format_of(p) == "yaml")


def check(ctx: MigrationContext) -> Iterator[Problem]:
    found = ctx.derived(_READ_KEY, _read)
    if isinstance(found, Exception):
        raise found
    yield from found


def read_before_pr_code(ctx: MigrationContext) -> None:
    """Lint the directory's YAML now, if not yet done: the PR's code is about to run and could
    rewrite the files this check reads from the PR directory (see ``_tools.start_pr_code``)."""
    if applies(ctx) is None:
        ctx.derived(_READ_KEY, _read)


_READ_KEY = "stage3_code_quality.lint_yaml"


def _read(ctx: MigrationContext) -> list[Problem] | Exception:
    try:
        return list(_lint(ctx))
    except Exception as exc:  # raised again in check, where the runner reports it
        return exc


def _lint(ctx: MigrationContext) -> Iterator[Problem]:
    ws = _tools.workspace(ctx)  # the stage's other tools run while YAML is linted here
    groups = _tools.group_by_config(ctx, ws, _yaml_files(ctx), CONFIG_NAMES, blocking=True)
    yield from groups.problems
    yield from _defaults(ctx, groups.by_config.get(None, []))
    yield from _configured(ctx, groups)


# --- the default ---------------------------------------------------------------------------------


def _defaults(ctx: MigrationContext, paths: list[str]) -> Iterator[Problem]:
    styled = []
    for path in paths:
        # A parse failure is Stage 1's finding (json_yaml_syntax parses every YAML file).
        if not ctx.is_artifact(path) and isinstance(ctx.parse(path), DocumentError):
            continue
        try:
            source = ctx.read_bytes(path)
        except (UnsafePath, TooLarge, OSError):
            continue  # unreadable or over the size limit: Stage 1 (json_yaml_syntax) says so
        yield from _truthy(path, source)
        if path.startswith(f"{_tools.CODE_DIR}/"):
            styled.append((path, source))
    if styled:
        rules = _line_rules()
        if rules is None:
            yield _tools.missing_problem(YAMLLINT, ID, blocking=True)
            return
        for path, source in styled:
            for line, column, rule, desc in _style(source, rules):
                yield Problem(
                    f"yamllint {rule}: {desc}",
                    location=Location(path=path, line=line, column=column),
                    severity=Severity.WARNING,
                )


def _maybe_truthy(source: bytes) -> bool:
    """Whether a truthy word may stand as a plain scalar: a candidate outside a comment and a
    double-quoted scalar of its line. Only then is the file parsed for positions; a line this
    reading gets wrong (a quoted scalar over several lines) only costs that parse."""
    for match in _CANDIDATE.finditer(source):
        start = source.rfind(b"\n", 0, match.start()) + 1
        if not _quoted_or_comment(source[start : match.start()]):
            return True
    return False


def _quoted_or_comment(prefix: bytes) -> bool:
    """Whether what follows ``prefix`` (the start of a line) is inside a double-quoted scalar
    that opened on this line, or in a comment."""
    quoted = escaped = False
    previous = b""  # the last character outside a scalar that is not a space
    for i in range(len(prefix)):
        char = prefix[i : i + 1]
        if quoted:
            if escaped:
                escaped = False
            elif char == b"\\":
                escaped = True
            elif char == b'"':
                quoted = False
                previous = b'"'
        elif char == b'"' and previous in (b"", b":", b"-", b"[", b"{", b",", b"?"):
            quoted = True
        elif char == b"#" and (i == 0 or prefix[i - 1 : i] in (b" ", b"\t")):
            return True
        elif char not in (b" ", b"\t"):
            previous = char
    return quoted


def truthy_scalars(source: bytes) -> Iterator[tuple[int, int, str]]:
    """(line, column, word) of every plain truthy scalar, key or value, in the first document."""
    if not _maybe_truthy(source):
        return
    from migration_checks.positions import PositionIndex

    try:
        index = PositionIndex(source)
    except Exception:  # the data parser accepted it; without positions, no finding
        return
    for node, _, _ in index.walk():
        key = index.key_text(node)
        if key in _TRUTHY:
            offset = index.node_offset(node)
            if offset is not None and source[offset : offset + 1] not in (b'"', b"'"):
                yield (*index.line_column(offset), key)
        if index.is_plain_scalar(node):
            value = index.value_bytes(node)
            if value is not None and value.decode("utf-8", "replace") in _TRUTHY:
                offset = index.value_offset(node)
                if offset is not None:
                    yield (*index.line_column(offset), value.decode())


def _truthy(path: str, source: bytes) -> Iterator[Problem]:
    for line, column, word in truthy_scalars(source):
        location = Location(path=path, line=line, column=column)
        if word in _AMBIGUOUS:
            yield Problem(
                f'yamllint truthy: "{word}" is a boolean to YAML 1.1 readers and a string to YAML '
                "1.2 readers; write true or false, or quote it",
                BlockerId.CI_FAILURE,
                location,
            )
        else:
            yield Problem(
                f'yamllint truthy: "{word}" should be written true or false',
                location=location,
                severity=Severity.WARNING,
            )


_LineRule = tuple[Any, dict[str, Any]]


@cache
def _line_rules() -> tuple[_LineRule, ...] | None:
    try:
        rules = importlib.import_module("yamllint.rules")
        config = importlib.import_module("yamllint.config")
    except ImportError:
        return None
    conf = config.YamlLintConfig("extends: default")
    return tuple((rules.get(rid), conf.rules[rid]) for rid in LINE_RULES if conf.rules.get(rid))


def _style(source: bytes, rules: Sequence[_LineRule]) -> Iterator[tuple[int, int, str, str]]:
    """yamllint's line rules over one file, with its disable/enable comments honoured."""
    parser = importlib.import_module("yamllint.parser")
    text = source.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    every = frozenset(rule.ID for rule, _ in rules)
    disabled: set[str] = set()
    next_line: frozenset[str] = frozenset()
    for line in parser.line_generator(text):
        content = line.content
        this_line = next_line
        next_line = frozenset()
        if "yamllint" in content:
            found = _DIRECTIVE.search(content)
            if found is not None:
                kind = found.group(1)
                named = frozenset(r[5:] for r in found.group(2).split()) or every
                own_line = content.lstrip().startswith("#")
                if kind == "disable-file" and line.line_no == 1:
                    return
                if kind == "disable-line":
                    if own_line:
                        next_line = named
                    else:
                        this_line = this_line | named
                elif kind == "disable" and own_line:
                    disabled |= named
                elif kind == "enable" and own_line:
                    disabled -= named
        for rule, conf in rules:
            if rule.ID in disabled or rule.ID in this_line:
                continue
            for problem in rule.check(conf, line):
                yield problem.line, problem.column, rule.ID, str(problem.desc)


# --- a user's configuration ----------------------------------------------------------------------


def _configured(ctx: MigrationContext, groups: Groups) -> Iterator[Problem]:
    for config_path, paths in groups.by_config.items():
        if config_path is None:
            continue
        config = groups.configs[config_path]
        try:
            text = _vetted(config)
        except ConfigRefused as exc:
            yield _tools.config_problem(str(exc), config.path, blocking=True)
            continue
        items = []
        for path in paths:
            try:
                items.append((path, _relative(path, config.directory), ctx.read_bytes(path)))
            except (UnsafePath, TooLarge, OSError) as exc:
                yield _tools.config_problem(
                    f"yamllint did not examine this file: {exc}", path, blocking=True
                )
        try:
            results = _run_yamllint(text, items)
        except ImportError:
            yield _tools.missing_problem(YAMLLINT, ID, blocking=True)
            return
        except _ConfigError as exc:
            yield _tools.config_problem(
                f"{config.path} is not a valid yamllint configuration: {exc}",
                config.path,
                blocking=True,
            )
            continue
        for path, line, column, rule, desc, level in results:
            if ctx.is_artifact(path) and rule in ("syntax", "key-duplicates"):
                continue  # Stage 1's finding for an artifact
            error = level == "error"
            yield Problem(
                f"yamllint {rule}: {desc}",
                BlockerId.CI_FAILURE if error else None,
                Location(path=path, line=line, column=column),
                Severity.ERROR if error else Severity.WARNING,
            )


def _relative(path: str, directory: str) -> str:
    return path[len(directory) + 1 :] if directory else path


def _vetted(config: ConfigFile) -> str:
    """The configuration's text, if it reads nothing but itself and yamllint's presets."""
    text = config.text()
    try:
        yaml = importlib.import_module("yaml")
    except ImportError:
        return text  # yamllint, which needs PyYAML, is missing: reported when it is run
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigRefused(
            f"{config.path} is not valid YAML: {_tools.first_line(str(exc))}"
        ) from None
    if not isinstance(data, dict):
        return text
    extends = data.get("extends")
    if extends is not None and extends not in PRESETS:
        raise ConfigRefused(
            f'{config.path} extends "{extends}"; only yamllint\'s presets ({", ".join(sorted(PRESETS))}) '
            "may be extended: other files are not part of the migration directory's vetted input"
        )
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "ignore-from-file" in node:
                raise ConfigRefused(
                    f'{config.path} uses "ignore-from-file"; list the patterns under "ignore" instead'
                )
            stack.extend(node.values())
    return text


class _ConfigError(Exception):
    pass


_Result = tuple[str, int, int, str, str, str]


def _run_yamllint(text: str, items: list[tuple[str, str, bytes]]) -> list[_Result]:
    config = importlib.import_module("yamllint.config")
    try:
        config.YamlLintConfig(content=text)
    except config.YamlLintConfigError as exc:
        raise _ConfigError(_tools.first_line(str(exc))) from None
    total = sum(len(data) for _, _, data in items)
    workers = min(os.cpu_count() or 1, len(items))
    if total < PARALLEL_BYTES or workers < 2:
        return yamllint_files(text, items)
    # Largest files first, each to the least loaded worker.
    shares: list[list[tuple[str, str, bytes]]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for item in sorted(items, key=lambda i: -len(i[2])):
        least = loads.index(min(loads))
        shares[least].append(item)
        loads[least] += len(item[2])
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(yamllint_files, text, share) for share in shares if share]
        return [result for future in futures for result in future.result()]


def yamllint_files(text: str, items: list[tuple[str, str, bytes]]) -> list[_Result]:
    """yamllint in full over (PR path, path relative to the configuration, bytes); a worker."""
    linter = importlib.import_module("yamllint.linter")
    conf = importlib.import_module("yamllint.config").YamlLintConfig(content=text)
    results = []
    for path, relative, data in items:
        for problem in linter.run(data, conf, relative):
            rule = problem.rule or "syntax"
            desc = str(problem.desc)
            if problem.rule is None:  # "syntax error: <reason> (syntax)"
                desc = desc.removeprefix("syntax error: ").removesuffix(" (syntax)")
            results.append((path, problem.line, problem.column, rule, desc, str(problem.level)))
    return results
