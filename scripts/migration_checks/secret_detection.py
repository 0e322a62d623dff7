"""Secrets in pull-request files: detect-secrets as the judge, made fast, and rules of our own.

Shared by ``secrets_scan`` (every file outside ``configs/``) and ``credential_validation``
(``configs/``), so that both judge a value the same way. A secret value never leaves this
module: a ``Hit`` carries the secret's type, where it is, and detect-secrets' ``hashed_secret``
(SHA-1 of the value), whose first 8 hex digits are the fingerprint reports show.

**The engine** is detect-secrets 1.5 with every plugin and its default filters, reading each file
the way ``detect_secrets.core.scan.scan_file`` does: through the INI transformer when the file is
INI, through its values when it is YAML (each string value of a mapping as a ``key: "value"``
line, so unquoted and multi-line values, block scalars included, are judged like quoted ones),
line by line otherwise, and, when that found nothing in a file of detect-secrets' ``OTHER``
type, once more as ``key = value`` pairs (its eager transformer). Three things differ:

- *Speed.* detect-secrets runs every plugin's Python on every line. Here one pass of regular
  expressions in C over a file's whole text finds the lines that could hold a finding (what each
  plugin's pattern cannot match without: its literal prefix or shape, the keyword plugin's
  keywords, quoted strings with enough distinct characters to pass the entropy plugins' limits),
  and each such line goes to the filters and to the plugins whose anchors it holds, no other
  (which also keeps lines that one plugin's pattern backtracks on for seconds, such as a keyword
  and a long run of spaces for the IBM Cloud IAM plugin, away from that plugin). The anchors are
  derived by hand from the plugins' patterns, so they are pinned: ``ENGINE_PINNED`` is a digest
  of every pattern, keyword and limit they were derived from, and with any other detect-secrets
  the prefilter is off (every line goes to every plugin: slower, never blind). Tests prove that
  the prefiltered scan equals ``scan_file`` over the public corpus and the fixtures.
- *YAML positions.* detect-secrets parses YAML in pure Python (17 s for a 3.4 MB mapping) and
  numbers its value lines by the parser's read-ahead, so values in flow mappings drift by many
  lines. Here the same values come from libyaml's events with the same YAML 1.1 typing, and a
  secret is on the line of the file where its text is (a private key in a block scalar: the
  line of ``-----BEGIN``), or where its value starts when its text is not there verbatim
  (escapes, folded lines, an alias); a YAML file is parsed only when its text holds an anchor.
- *ReDoS.* detect-secrets' ``is_indirect_reference`` filter backtracks catastrophically on long
  lines of spaces (Yelp/detect-secrets#977); it is replaced by ``is_indirect_reference`` below,
  which answers the same for every line in linear-quadratic time.

**Our rules** add what detect-secrets misses: a password in a connection URL even with characters
its ``BasicAuthDetector`` refuses, or in the URL's query (``?password=``, JDBC ``;password=``);
and, in parsed YAML and JSON, a literal value under a credential-like key (``password``,
``token``, ``client_secret``, ``access_key``, ...), which catches the low-entropy values and keys
that detect-secrets' keyword list lacks. References are never secrets: a value with an allowed
secret-store scheme (``vault://...``), an environment or template interpolation (``${VAR}``,
``$VAR``, ``{{ var }}``, ``%(var)s``, ``<var>``), or a mask (``***``, ``xxxx``, empty); nor is a key
that names a reference or a property of a credential (``password_ref``, ``token_type``,
``password_policy``). Digests and signatures at their known places are not secrets either:
values of ``sha256``, ``sha256_reviewed``, ``public_key`` and ``signature.value``, and the hex
digests of sha256sum manifest lines.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import codecs
import hashlib
import io
import itertools
import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import yaml  # type: ignore[import-untyped]  # PyYAML ships no types; detect-secrets needs it
from detect_secrets.core import scan as ds_scan
from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.core.potential_secret import PotentialSecret
from detect_secrets.plugins import keyword as ds_keyword
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.high_entropy_strings import (
    Base64HighEntropyString,
    HexHighEntropyString,
)
from detect_secrets.settings import get_filters, get_plugins, transient_settings
from detect_secrets.transformers.config import ConfigFileTransformer, EagerConfigFileTransformer
from detect_secrets.transformers.exceptions import ParsingError
from detect_secrets.types import NamedIO
from detect_secrets.util.code_snippet import get_code_snippet
from detect_secrets.util.filetype import FileType, determine_file_type

from migration_checks import fs
from migration_checks.blockers import BlockerId
from migration_checks.documents import Document, DocumentError, format_of, parse_document
from migration_checks.fs import TooLarge, UnsafePath
from migration_checks.git_base import BaseError, BaseView
from migration_checks.model import Location, Problem, Severity
from migration_checks.pointers import pointer

if TYPE_CHECKING:
    from migration_checks.context import MigrationContext
    from migration_checks.policy import Policy

# --- the engine's settings ---------------------------------------------------------------------

_STOCK_INDIRECT = "detect_secrets.filters.heuristic.is_indirect_reference"
_OWN_INDIRECT = f"{__name__}.is_indirect_reference"
# detect-secrets checks that the file exists on disk under the name it is given; files here are
# read by the caller (contained, size-capped), and named relative to the migration directory.
_ON_DISK = "detect_secrets.filters.common.is_invalid_file"


class _DropSecretEchoes(logging.Filter):
    """detect-secrets logs skipped secrets' values at INFO ("Skipping "<value>" due to ...");
    it sets its logger to ERROR, but a caller's logging setup must not be able to undo that."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


logging.getLogger("detect-secrets").addFilter(_DropSecretEchoes())


def plugin_classes() -> dict[str, type[BasePlugin]]:
    """Every plugin class detect-secrets ships, by secret type (its own return type is a TypeVar
    that mypy cannot solve)."""
    return cast(dict[str, type[BasePlugin]], get_mapping_from_secret_type_to_class())


@contextmanager
def engine() -> Iterator[None]:
    """detect-secrets configured with every plugin and its default filters, for one check run."""
    plugins = [{"name": cls.__name__} for cls in plugin_classes().values()]
    with transient_settings({"plugins_used": plugins}) as settings:
        settings.disable_filters(_ON_DISK, _STOCK_INDIRECT)
        settings.filters[_OWN_INDIRECT] = {}
        get_filters.cache_clear()
        yield


_INDIRECT_REFERENCE = re.compile(r"(?::=?|[!=]{1,3})\s*+[\w.-]++[\[\(][^\v]*[\]\)]")


def is_indirect_reference(line: str) -> bool:
    """detect-secrets' filter of ``secret = get_secret_key()`` and ``secret = headers['key']``.

    Its pattern, ``([^\\v=!:]*)\\s*(:=?|[!=]{1,3})\\s*([\\w.-]+[\\[\\(][^\\v]*[\\]\\)])``, is
    searched, so its first group may be empty and never decides whether a line matches; without
    it (and with possessive quantifiers where nothing could backtrack into them), the search finds
    the same lines without the catastrophic backtracking.
    """
    if len(line) > 1000:  # as detect-secrets: the heuristic targets lines that look like calls
        return False
    return _INDIRECT_REFERENCE.search(line) is not None


# --- the prefilter -----------------------------------------------------------------------------
# Each anchor is something a plugin's pattern cannot match without, written for the text folded
# to lower case (``_fold``), so that it also stands for the case-insensitive patterns. None may
# match a line break: a match marks the line it is on.


@dataclass(frozen=True, slots=True)
class _Anchor:
    plugin: str
    pattern: re.Pattern[str]
    # Substrings the pattern cannot match without, looked for first (memchr speed) where the
    # pattern itself has no rare literal prefix for the regular expression engine to look for.
    triggers: tuple[str, ...] = ()


def _anchors(spec: dict[str, tuple[str, ...] | str]) -> tuple[_Anchor, ...]:
    anchors = []
    for plugin, patterns in spec.items():
        for pattern in (patterns,) if isinstance(patterns, str) else patterns:
            triggers = _TRIGGERS.get(pattern, ())
            anchors.append(_Anchor(plugin, re.compile(pattern), triggers))
    return tuple(anchors)


# The keyword plugin's keywords are regular expressions (``api_?key``): each holds one of these.
_KEYWORD_TRIGGERS = ("key", "pass", "pwd", "secret", "contrase")
_KEYWORDS = "|".join(ds_keyword.DENYLIST)
_IBM_KEYS = r"(?:key|pwd|password|pass|token)"
_TRIGGERS = {
    _KEYWORDS: _KEYWORD_TRIGGERS,
    rf"{_IBM_KEYS}[\"']?\]?[ =:>]+[\"']?[a-z0-9_-]{{44}}": ("key", "pwd", "pass", "token"),
}
_ANCHORS: dict[str, tuple[str, ...] | str] = {
    "ArtifactoryDetector": (r"akc[a-z0-9]{10}", r"ap[\da-f][a-z0-9]{8}"),
    "AWSKeyDetector": (
        r"(?:a3t[a-z0-9]|abia|acca|akia|asia)[0-9a-z]{16}",
        r"aws.{0,20}?(?:key|pwd|pw|password|pass|token).{0,20}?['\"][0-9a-z/+]{40}['\"]",
    ),
    "AzureStorageKeyDetector": r"accountkey=[a-z0-9+/=]{88}",
    "BasicAuthDetector": r"://[^:/?#\[\]@!$&'()*+,;=\s]+:[^:/?#\[\]@!$&'()*+,;=\s]+@",
    "CloudantDetector": (
        r"cl(?:oudant|ou)?[_-]?(?:api)?(?:key|pwd|pw|pass|token)",
        r"\.cloudant\.com",
    ),
    "DiscordBotTokenDetector": r"\.[a-z\d_-]{6}\.[a-z\d_-]{27}",
    "GitHubTokenDetector": r"gh[pousr]_",
    "GitLabTokenDetector": (r"gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-", r"gr1348941"),
    "IbmCloudIamDetector": rf"{_IBM_KEYS}[\"']?\]?[ =:>]+[\"']?[a-z0-9_-]{{44}}",
    "IbmCosHmacDetector": r"secret",
    "IPPublicDetector": r"\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]",
    "JwtTokenDetector": r"eyj",
    "KeywordDetector": _KEYWORDS,
    "MailchimpDetector": r"-us[0-9]",
    "NpmDetector": r"_authtoken=",
    "OpenAIDetector": r"t3blbkfj",
    "PrivateKeyDetector": (r"private key", r"putty-user-key-file-2"),
    "PypiTokenDetector": r"pypi-age",
    "SendGridDetector": r"sg\.[a-z0-9_-]{22}\.",
    "SlackDetector": (r"xox[abposr]-", r"hooks\.slack\.com/services/t"),
    "SoftlayerDetector": (r"softlayer", r"sl[_-]?(?:api)?[_-]?(?:key|pwd|pass|token)"),
    "SquareOAuthDetector": r"sq0csp-",
    "StripeDetector": r"k_live_",
    "TelegramBotTokenDetector": r":[0-9a-z_-]{35}",
    "TwilioKeyDetector": (r"ac[a-z0-9]{32}", r"sk[a-z0-9]{32}"),
}
# In a YAML file's values a key and its value are not adjacent in the text (aliases, values on
# the next line), and multi-line values are folded with a space: the anchors that span a key
# and a value keep only the value's shape, and spaces match any run of white space.
_YAML_SPEC: dict[str, tuple[str, ...] | str] = {
    **_ANCHORS,
    "AWSKeyDetector": (r"(?:a3t[a-z0-9]|abia|acca|akia|asia)[0-9a-z]{16}", r"aws"),
    "IbmCloudIamDetector": r"[a-z0-9_-]{44}",
    "PrivateKeyDetector": (r"private\s+key", r"putty-user-key-file-2"),
}
_LINE_ANCHORS = _anchors(_ANCHORS)
_YAML_ANCHORS = _anchors(_YAML_SPEC)
_HE_RUN_CHARS = re.escape(Base64HighEntropyString().charset)


def _distinct_needed(limit: float) -> int:
    """The fewest distinct characters a string needs for its Shannon entropy to pass ``limit``."""
    return math.floor(2**limit) + 1


_BASE64_DISTINCT = _distinct_needed(Base64HighEntropyString().entropy_limit)  # 23
_HEX_DISTINCT = _distinct_needed(HexHighEntropyString().entropy_limit)  # 9
# Strings the entropy plugins could report: quoted runs of their characters, long enough to
# hold the distinct characters their limits need; whether they do is counted per match.
_QUOTED_HEX = re.compile(rf"[\"']([0-9a-fA-F]{{{_HEX_DISTINCT},}})(?=[\"'])")
_QUOTED_BASE64 = re.compile(rf"[\"']([{_HE_RUN_CHARS}]{{{_BASE64_DISTINCT},}})(?=[\"'])")
# The YAML reading quotes every value, and puts a backslash before a quote inside one (a run may
# gain that backslash): there a run of the text need not be quoted.
_BARE_HEX = re.compile(rf"[0-9a-fA-F]{{{_HEX_DISTINCT},}}")
_BARE_BASE64 = re.compile(rf"[{_HE_RUN_CHARS}]{{{_BASE64_DISTINCT - 1},}}")


def engine_pinned_digest() -> str:
    """A digest of what the anchors were derived from: every regex plugin's patterns and flags,
    the keyword plugin's keywords and patterns, the entropy plugins' charsets and limits."""
    parts: list[str] = []
    for secret_type, cls in sorted(plugin_classes().items()):
        parts.append(f"{cls.__module__}.{cls.__name__}:{secret_type}")
        if issubclass(cls, RegexBasedDetector):
            parts.extend(f"{p.pattern}|{int(p.flags)}" for p in cast(Any, cls).denylist)
    parts.extend(ds_keyword.DENYLIST)
    parts.extend(f"{p.pattern}|{int(p.flags)}" for p in ds_keyword.REGEX_BY_FILETYPE[FileType.YAML])
    for plugin in (Base64HighEntropyString(), HexHighEntropyString()):
        parts.append(f"{plugin.charset}|{plugin.entropy_limit}|{plugin.regex.pattern}")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


ENGINE_PINNED = "f323a6011e1ded070420554987eb75d6ce05f200b60211cd1cf0802e9833237f"
_ENGINE_DIGEST = engine_pinned_digest()  # of the detect-secrets installed


def prefilter_on() -> bool:
    """Whether the installed detect-secrets is the one the anchors were derived from; with any
    other, every line goes to the plugins."""
    return _ENGINE_DIGEST == ENGINE_PINNED


def _fold(text: str) -> str:
    """Lower case, length for length, matching what the case-insensitive patterns match: under
    ``re.IGNORECASE`` the letters a-z also match U+0130, U+0131, U+017F and the Kelvin sign,
    and U+0130 is the one character whose lower case is two characters long."""
    return text.replace("\u0130", "i").lower().replace("\u0131", "i").replace("\u017f", "s")


def _anchor_matches(
    anchors: tuple[_Anchor, ...], folded: str
) -> Iterator[tuple[str, re.Match[str]]]:
    for anchor in anchors:
        if not anchor.triggers or any(trigger in folded for trigger in anchor.triggers):
            for match in anchor.pattern.finditer(folded):
                yield anchor.plugin, match


_HEX_PLUGIN = HexHighEntropyString.__name__
_BASE64_PLUGIN = Base64HighEntropyString.__name__
# The plugins the prefilter knows; one it does not know (there is none with the pinned engine)
# is run on every line that goes to the plugins.
_GATED = frozenset({*_ANCHORS, _HEX_PLUGIN, _BASE64_PLUGIN})


def _he_candidates(
    text: str, hex_runs: re.Pattern[str], base64_runs: re.Pattern[str], *, spare: int = 0
) -> Iterator[tuple[str, int]]:
    """The entropy plugin and the offset of each run with the distinct characters its limit
    needs (a base64 run may have ``spare`` fewer: a backslash the reading adds). A hex run must
    be all of a quoted string; in a bare text it must also not be part of a longer base64 run,
    but that is not checked (the condition stays necessary)."""
    for match in hex_runs.finditer(text):
        if len(set(match.group(match.lastindex or 0))) >= _HEX_DISTINCT:
            yield _HEX_PLUGIN, match.start()
    for match in base64_runs.finditer(text):
        if len(set(match.group(match.lastindex or 0))) >= _BASE64_DISTINCT - spare:
            yield _BASE64_PLUGIN, match.start()


# The plugins that could report anything on a line (by class name); None: every plugin, the
# prefilter being off.
Plugins = frozenset[str] | None


def candidate_plugins(lines: Sequence[str]) -> list[Plugins]:
    """For each of ``lines`` (each may hold line breaks: a YAML value), the plugins that could
    report anything on it (empty: none), found in one pass over them all. Only they run on it:
    besides the time saved, a line that one plugin's pattern backtracks on for seconds
    (detect-secrets' IBM Cloud IAM pattern on a keyword followed by a long run of spaces) is
    not given to that plugin unless its anchor is there."""
    if not prefilter_on():
        return [None] * len(lines)
    joined = "\n".join(lines)  # no anchor matches a line break: no match spans two lines
    starts = list(itertools.accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
    found: dict[int, set[str]] = {}
    # _fold keeps every character's offset, so the offsets of the folded text are the text's.
    for plugin, match in _anchor_matches(_LINE_ANCHORS, _fold(joined)):
        found.setdefault(bisect.bisect_right(starts, match.start()) - 1, set()).add(plugin)
    for plugin, offset in _he_candidates(joined, _QUOTED_HEX, _QUOTED_BASE64):
        found.setdefault(bisect.bisect_right(starts, offset) - 1, set()).add(plugin)
    none: frozenset[str] = frozenset()
    return [frozenset(found[i]) if i in found else none for i in range(len(lines))]


def candidate_lines(text: str) -> dict[int, Plugins]:
    """The 1-based numbers of the lines of ``text`` (``\\n``-separated) where any plugin could
    report anything, in order, each with the plugins that could."""
    if not prefilter_on():
        return dict.fromkeys(range(1, text.count("\n") + 2))
    folded = _fold(text)  # same lines as the text, whatever the case mapping did to lengths
    found: dict[int, set[str]] = {}
    for source, matches in (
        (folded, [(plugin, m.start()) for plugin, m in _anchor_matches(_LINE_ANCHORS, folded)]),
        (text, list(_he_candidates(text, _QUOTED_HEX, _QUOTED_BASE64))),
    ):
        lines = _line_numbers_in_order(source, [offset for _, offset in matches])
        for (plugin, _), line in zip(matches, lines, strict=True):
            found.setdefault(line, set()).add(plugin)
    return {line: frozenset(found[line]) for line in sorted(found)}


def _yaml_may_hold_secret(text: str) -> bool:
    """Whether any value of a YAML text could be reported once read as ``key: "value"`` lines."""
    if not prefilter_on() or "\\" in text:  # escapes in double-quoted scalars may spell anything
        return True
    if next(_anchor_matches(_YAML_ANCHORS, _fold(text)), None):
        return True
    return next(_he_candidates(text, _BARE_HEX, _BARE_BASE64, spare=1), None) is not None


# --- reading a file the way detect-secrets' scan_file does -------------------------------------


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


_Judged = tuple[PotentialSecret, str]  # a secret and the line it was found on, as read


def _judge(
    filename: str, content: list[str], candidates: Iterable[tuple[int, str, Plugins]]
) -> list[_Judged]:
    """What ``detect_secrets.core.scan._process_line_based_plugins`` reports on the candidate
    lines of a file whose lines are ``content`` (each line's context is taken from all of them),
    each line given to the plugins that could report anything on it."""
    found: list[_Judged] = []
    plugins = [(plugin, type(plugin).__name__) for plugin in get_plugins()]
    for line_number, text, wanted in candidates:
        line = text.rstrip()
        snippet = get_code_snippet(lines=content, line_number=line_number)
        if ds_scan._is_filtered_out(
            required_filter_parameters=["line"], filename=filename, line=line, context=snippet
        ):
            continue
        for plugin, name in plugins:
            if wanted is not None and name not in wanted and name in _GATED:
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
                    found.append((secret, line))
    return found


def _judge_all(filename: str, lines: list[str]) -> list[_Judged]:
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
    value starts (see the module's docstring).
    """
    return [secret for secret, _ in _engine_scan(filename, text)]


def _engine_scan(filename: str, text: str) -> list[_Judged]:
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


def _first_reading(filename: str, text: str) -> list[_Judged]:
    if _may_be_ini(text):
        lines = _transform(ConfigFileTransformer(), filename, text)
        if lines:
            return _judge_all(filename, lines)
        if lines is not None:  # an INI file without values: read line by line
            return _judge_raw(filename, text)
    if determine_file_type(filename) is FileType.YAML:
        if not _yaml_may_hold_secret(text):
            return []
        values = _yaml_values(text)
        if values:
            return _judge_yaml(filename, text, values)
    return _judge_raw(filename, text)


def _judge_raw(filename: str, text: str) -> list[_Judged]:
    candidates = candidate_lines(text)
    if not candidates:
        return []
    content = _readlines(text)
    return _judge(
        filename,
        content,
        ((n, content[n - 1], plugins) for n, plugins in candidates.items() if n <= len(content)),
    )


# --- YAML values, as detect-secrets' YAML transformer reads them ------------------------------


@dataclass(frozen=True, slots=True)
class _YamlNode:
    tag: str
    value: str | None  # a scalar's text; None for a mapping or a sequence
    index: int  # character offset where it starts (an alias: where the alias is)
    end: int  # and where it ends (an alias: where the alias ends)


@dataclass(slots=True)
class _YamlFrame:
    is_mapping: bool
    reads_values: bool  # a mapping whose string values the transformer reads (tag ":map")
    key: _YamlNode | None = None
    expecting_key: bool = True
    values: dict[tuple[str, str], tuple[int, int, str, str] | None] | None = None


@dataclass(frozen=True, slots=True)
class _YamlValue:
    """A string value of a mapping: the line where it starts, its key, its text, and its span in
    the file's text (where a secret found in it is looked for, to tell its own line)."""

    line: int
    key: str
    value: str
    start: int
    end: int


_STR = "tag:yaml.org,2002:str"
_BINARY = "tag:yaml.org,2002:binary"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_RESOLVER = yaml.resolver.Resolver()
_SAFE_TAGS = frozenset(yaml.constructor.SafeConstructor.yaml_constructors) - {None}


class _Unreadable(Exception):
    """What detect-secrets' YAML transformer would fail on (it then reads the file line by line)."""


def _yaml_values(text: str) -> list[_YamlValue] | None:
    """(line, key, value) of every string value of a mapping, as detect-secrets' YAML transformer
    reads them with PyYAML's safe loader (YAML 1.1 types; ``!!binary`` values base64 again), at
    the line where each value starts; None where that transformer fails."""
    try:
        found = _walk_yaml(yaml.parse(text, Loader=yaml.CSafeLoader))
    except (yaml.YAMLError, _Unreadable, RecursionError):
        return None
    lines = _line_numbers_in_order(text, [start for start, _, _, _ in found])
    return [
        _YamlValue(line, key, value, start, end)
        for line, (start, end, key, value) in zip(lines, found, strict=True)
    ]


def _line_numbers_in_order(text: str, offsets: list[int]) -> list[int]:
    order = sorted(range(len(offsets)), key=offsets.__getitem__)
    lines = [0] * len(offsets)
    line, position = 1, 0
    for i in order:
        line += text.count("\n", position, offsets[i])
        position = offsets[i]
        lines[i] = line
    return lines


def _resolved(event: Any, kind: type[yaml.Node]) -> str:
    tag: str | None = event.tag
    if tag is None or tag == "!":
        value = event.value if kind is yaml.ScalarNode else None
        resolved: str = _RESOLVER.resolve(kind, value, event.implicit)
        return resolved
    if tag not in _SAFE_TAGS:
        raise _Unreadable  # PyYAML's safe constructor has nothing for it
    return tag


_SCALAR = yaml.ScalarEvent
_ALIAS = yaml.AliasEvent
_MAPPING_START = yaml.MappingStartEvent
_SEQUENCE_START = yaml.SequenceStartEvent
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _walk_yaml(events: Iterable[Any]) -> list[tuple[int, int, str, str]]:
    """The work of PyYAML's composer and safe constructor that the values need, on libyaml's
    events (hundreds of thousands in a large mapping: the common cases go first)."""
    found: list[tuple[int, int, str, str]] = []
    anchors: dict[str, _YamlNode] = {}
    stack: list[_YamlFrame] = []
    documents = 0
    plain_tags: dict[str, str] = {}  # a plain scalar's tag depends on its text alone
    for event in events:
        kind = type(event)
        node: _YamlNode
        if kind is _SCALAR:
            value = event.value
            if event.tag is not None:
                tag = _resolved(event, yaml.ScalarNode)
            elif not event.implicit[0]:
                tag = _STR  # quoted, or a block scalar: the resolver's default, a string
            else:
                cached = plain_tags.get(value)
                tag = cached if cached is not None else _resolved(event, yaml.ScalarNode)
                plain_tags[value] = tag
            if tag == _BINARY:
                try:
                    value = base64.b64encode(base64.decodebytes(value.encode("ascii"))).decode()
                except (binascii.Error, UnicodeEncodeError):
                    raise _Unreadable from None
            node = _YamlNode(tag, value, event.start_mark.index, event.end_mark.index)
        elif kind in _ENDS:
            frame = stack.pop()
            if frame.values:
                found.extend(value for value in frame.values.values() if value is not None)
            continue
        elif kind is _MAPPING_START or kind is _SEQUENCE_START:
            is_mapping = kind is _MAPPING_START
            tag = _resolved(event, yaml.MappingNode if is_mapping else yaml.SequenceNode)
            node = _YamlNode(tag, None, event.start_mark.index, event.end_mark.index)
        elif kind is _ALIAS:
            target = anchors.get(event.anchor)
            if target is None:
                raise _Unreadable  # "found undefined alias"
            node = _YamlNode(target.tag, target.value, event.start_mark.index, event.end_mark.index)
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Unreadable  # "expected a single document in the stream"
            continue
        else:
            continue
        if kind is not _ALIAS and event.anchor:
            anchors[event.anchor] = node
        if stack:
            _place(stack[-1], node)
        if kind is _MAPPING_START or kind is _SEQUENCE_START:
            is_mapping = kind is _MAPPING_START
            stack.append(
                _YamlFrame(
                    is_mapping=is_mapping,
                    reads_values=is_mapping and node.tag.endswith(":map"),
                    values={} if is_mapping else None,
                )
            )
    return found


def _place(frame: _YamlFrame, node: _YamlNode) -> None:
    if not frame.is_mapping:
        return
    if frame.expecting_key:
        if node.value is None:
            raise _Unreadable  # a mapping or sequence as a key: "found unhashable key"
        frame.key = node
        frame.expecting_key = False
        return
    key = frame.key
    frame.expecting_key = True
    assert key is not None and key.value is not None and frame.values is not None
    # A later duplicate key replaces the earlier value, as in the constructed dict.
    identity = (key.tag, key.value)
    if frame.reads_values and node.value is not None and node.tag in (_STR, _BINARY):
        frame.values[identity] = (node.index, node.end, key.value, node.value)
    else:
        frame.values[identity] = None


def _judge_yaml(filename: str, text: str, values: list[_YamlValue]) -> list[_Judged]:
    """The values judged as detect-secrets' YAML transformer reads them, each a ``key: "value"``
    line; a secret found in a value is then put on the line of the file where its text is (the
    line where a block scalar's private key begins, not the line of its ``|``), or, where it is
    not there verbatim (escapes, folded lines), on the line where the value starts."""
    from detect_secrets.transformers.yaml import _yaml_comment_regex

    raw = text.split("\n")
    lines: list[tuple[int, str]] = []
    spans: dict[tuple[int, str], tuple[int, int]] = {}
    seen: set[tuple[str, str, int, str]] = set()
    for item in sorted(values, key=lambda v: v.line):
        source = raw[item.line - 1].strip() if item.line <= len(raw) else ""
        if (item.key, item.value, item.line, source) in seen:
            continue
        seen.add((item.key, item.value, item.line, source))
        comment = _yaml_comment_regex().search(source) if "#" in source else None
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


# --- references, placeholders and credential-like keys -----------------------------------------

DEFAULT_REF_SCHEMES = ("vault://",)
NO_ALLOWED_SCHEME = "it does not start with an allowed scheme"
# After the scheme: a path of segments, then optionally "#key". Nothing that could carry a value
# of its own (a query, user information, white space).
_REF_SEGMENT = re.compile(r"[A-Za-z0-9_.-]+")
_INTERPOLATION = re.compile(
    r"\$\{[A-Za-z_][A-Za-z0-9_.]*\}"  # ${VAR}, without a default that could be a literal
    r"|\$[A-Za-z_][A-Za-z0-9_]*"  # $VAR
    r"|\{\{[^{}\n]*\}\}"  # {{ var }}, {{ env_var('X') }}
    r"|%\([A-Za-z_][A-Za-z0-9_]*\)s"  # %(var)s
    r"|<[^<>\n]*>"  # <password>
    r"|\{[A-Za-z_][A-Za-z0-9_.]*\}"  # {password}
)
_MASK = re.compile(r"\*+|[xX]+|•+|\.+|-+|_+|#+")
_PLACEHOLDER_WORDS = frozenset(
    {"redacted", "[redacted]", "***redacted***", "[filtered]", "filtered", "masked", "hidden"}
    | {"none", "null", "nil", "n/a", "tbd", "todo"}
)


def reference_problem(value: str, schemes: Sequence[str]) -> str | None:
    """Why ``value`` is not a well-formed reference with one of ``schemes``; None when it is.

    The reasons never quote the value (it may be a credential pasted in its place)."""
    scheme = next((s for s in schemes if value.startswith(s)), None)
    if scheme is None:
        return NO_ALLOWED_SCHEME
    rest = value[len(scheme) :]
    path, _, key = rest.partition("#")
    if not path:
        return "it has no path after the scheme"
    if any(ch.isspace() for ch in rest):
        return "it holds white space"
    if "?" in rest:
        return "it has a query string, which may carry a credential"
    if "@" in rest:
        return "it has user information before '@', which may carry a credential"
    segments = path.split("/")
    if any(segment in (".", "..") for segment in segments):
        return "it has a '.' or '..' path segment"
    if not all(_REF_SEGMENT.fullmatch(segment) for segment in segments) or (
        "#" in rest and not _REF_SEGMENT.fullmatch(key)
    ):
        return "it holds characters other than A-Z a-z 0-9 . _ - in its path or key"
    return None


def is_reference(value: str, schemes: Sequence[str] = DEFAULT_REF_SCHEMES) -> bool:
    """A secret-store reference or an interpolation that a deployment fills in: not a secret."""
    value = value.strip()
    return reference_problem(value, schemes) is None or _INTERPOLATION.fullmatch(value) is not None


def is_placeholder(value: str) -> bool:
    """Empty, a mask (``***``, ``xxxx``) or a word that stands for a removed value. Weak real
    credentials (``changeme``, ``password``) are not placeholders: they often work."""
    value = value.strip()
    return not value or _MASK.fullmatch(value) is not None or value.lower() in _PLACEHOLDER_WORDS


def not_a_secret(value: str, schemes: Sequence[str] = DEFAULT_REF_SCHEMES) -> bool:
    return is_placeholder(value) or is_reference(value, schemes)


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_CREDENTIAL_WORDS = frozenset(
    {
        "password", "passwords", "passwd", "pwd", "pass", "passphrase", "secret", "secrets",
        "token", "tokens", "credential", "credentials", "apikey", "secretkey", "privatekey",
        "accesskey", "authkey", "bearer",
    }
)  # fmt: skip
# "...key" or "...keys" is a credential after these words (api_key, access_keys, client-key), not
# alone.
_KEY_QUALIFIERS = frozenset(
    {
        "api", "access", "secret", "private", "client", "signing", "encryption", "master",
        "auth", "account", "service", "storage", "shared", "app", "application", "subscription",
    }
)  # fmt: skip
# A key that ends with one of these names a reference to a credential or a property of one.
_PROPERTY_WORDS = frozenset(
    {
        "ref", "refs", "reference", "references", "policy", "policies", "type", "types", "kind",
        "name", "names", "file", "path", "env", "var", "variable", "length", "len", "min", "max",
        "minimum", "maximum", "rotation", "expiry", "expires", "expiration", "ttl", "age", "hint",
        "prompt", "format", "algorithm", "version", "enabled", "required", "field", "header",
        "url", "endpoint", "mode", "source", "store", "manager", "provider", "count",
    }
)  # fmt: skip


def key_words(key: str) -> list[str]:
    """``"clientSecret"``, ``"client-secret"``, ``"CLIENT_SECRET"`` -> ``["client", "secret"]``."""
    return [w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", key).lower()) if w]


def credential_key(key: str, extra: frozenset[str] = frozenset()) -> bool:
    """Whether a key names a credential's value (``password``, ``api_key``, ``clientSecret``),
    not a reference to one or a property of one (``password_ref``, ``token_type``)."""
    words = key_words(key)
    if not words or words[-1] in _PROPERTY_WORDS:
        return False
    last = words[-1]
    if last in _CREDENTIAL_WORDS or last in extra or "_".join(words) in extra:
        return True
    return last in ("key", "keys") and len(words) > 1 and words[-2] in _KEY_QUALIFIERS


def names_a_property(key: str) -> bool:
    words = key_words(key)
    return bool(words) and words[-1] in _PROPERTY_WORDS


# --- digests and signatures at known places -----------------------------------------------------

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_SHA256SUM_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *]\S")
_DIGEST_KEYS = frozenset({"sha256", "sha256_reviewed"})
_HEX40 = re.compile(r"[0-9a-f]{40}")


def known_digests(data: Any) -> set[str]:
    """The values at the places SPEC section 5 names: ``sha256``, ``sha256_reviewed`` (64 hex
    digits), ``public_key`` and ``signature.value`` (base64); and a detect-secrets baseline's
    ``hashed_secret`` (40 hex digits, the SHA-1 of a value, not the value), so that the baseline
    itself is scanned like every other file."""
    found: set[str] = set()
    pending = [data]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    if (
                        (key in _DIGEST_KEYS and _HEX64.fullmatch(value))
                        or (key == "public_key" and _BASE64_TEXT.fullmatch(value))
                        or (key == "hashed_secret" and _HEX40.fullmatch(value))
                    ):
                        found.add(value)
                elif key == "signature" and isinstance(value, dict):
                    signature = value.get("value")
                    if isinstance(signature, str) and _BASE64_TEXT.fullmatch(signature):
                        found.add(signature)
                if isinstance(value, dict | list):
                    pending.append(value)
        elif isinstance(node, list):
            pending.extend(node)
    return found


def sha256sum_digest(line: str) -> str | None:
    """The digest of a sha256sum manifest line (``<64 hex>  <path>``), or None."""
    match = _SHA256SUM_LINE.match(line)
    return match.group(1) if match else None


# --- our rules ----------------------------------------------------------------------------------

URL_USERINFO = "Password in URL"
URL_PARAMETER = "Credential in URL"
CREDENTIAL_VALUE = "Credential Value"

# A URL is found at its "://", with a scheme before it; its authority runs to the path, query or
# fragment, and the rest of the token follows (JDBC URLs put parameters after ";").
_SCHEME_BEFORE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,31}\Z")
_URL_AFTER = re.compile(r"(?P<authority>[^\s/?#'\"`<>]*)[^\s'\"`<>]*")
_URL_PARAMETER = re.compile(
    r"[?&;](?P<name>password|passwd|pwd|pass|secret|client_secret|token|access_token"
    r"|auth_token|api_key|apikey|sig|x-amz-signature|x-goog-signature)="
    r"(?P<value>[^&;#\s'\"`<>]+)",
    re.IGNORECASE,
)
_SEPARATOR = re.compile("://")


@dataclass(frozen=True, slots=True)
class _Found:
    """A secret one of our rules found, before it becomes a Hit: the value stays here."""

    kind: str
    value: str
    offset: int  # where the value starts in the text


def url_secrets(text: str, schemes: Sequence[str] = DEFAULT_REF_SCHEMES) -> Iterator[_Found]:
    """Passwords in URLs' user information (``postgres://app:pw@db``) and credentials in their
    parameters (``?password=``, ``;password=``), unless empty, masked or interpolated."""
    for separator in _SEPARATOR.finditer(text):
        start = separator.start()
        if not _SCHEME_BEFORE.search(text, max(0, start - 32), start):
            continue
        url = _URL_AFTER.match(text, separator.end())
        if url is None:  # pragma: no cover - the pattern matches the empty string
            continue
        authority = url.group("authority")
        at = authority.rfind("@")
        if 0 < at < len(authority) - 1:
            user, colon, password = authority[:at].partition(":")
            if colon and not not_a_secret(password, schemes):
                yield _Found(URL_USERINFO, password, url.start() + len(user) + 1)
        for parameter in _URL_PARAMETER.finditer(text, url.start(), url.end()):
            value = parameter.group("value")
            if not not_a_secret(value, schemes):
                yield _Found(URL_PARAMETER, value, parameter.start("value"))


def credential_values(
    data: Any,
    extra_keys: frozenset[str] = frozenset(),
    schemes: Sequence[str] = DEFAULT_REF_SCHEMES,
) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    """(path, key, value) of every literal value under a credential-like key of parsed data: a
    string that is not a reference or a placeholder, or a number; in a list, each of them."""
    for path, key, value in mapping_entries(data):
        if credential_key(key, extra_keys):
            items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
            for index, item in items:
                where = path if index is None else (*path, index)
                literal = _literal(item)
                if literal is not None and not not_a_secret(literal, schemes):
                    yield where, key, literal


def mapping_entries(data: Any) -> Iterator[tuple[tuple[str | int, ...], str, Any]]:
    """(path, key, value) of every entry with a string key of every mapping in parsed data, at
    any depth, in lists too; the path ends with the key."""
    pending: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while pending:
        path, node = pending.pop()
        if isinstance(node, list):
            pending.extend(((*path, i), item) for i, item in enumerate(node))
        elif isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str):
                    yield (*path, key), key, value
                    if isinstance(value, dict | list):
                        pending.append(((*path, key), value))


def _literal(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return None


# --- hits: what a scan reports, without the value -----------------------------------------------

FINGERPRINT_HEX = 8
DEFAULT_BASELINE = ".secrets.baseline"


@dataclass(frozen=True, slots=True)
class Hit:
    """A secret found in a file: its type, where it is and the SHA-1 of its value (detect-secrets'
    ``hashed_secret``), never the value itself."""

    kind: str
    path: str
    line: int | None
    column: int | None
    hashed_secret: str
    key: str | None = None  # the key a credential value is under
    # Whether the text hashed tells this secret from the others of its type (see ``identifies``).
    identifies: bool = True

    @property
    def fingerprint(self) -> str:
        """The first hex digits of ``hashed_secret``: stable, and found in a baseline by search."""
        return self.hashed_secret[:FINGERPRINT_HEX]


# Texts a plugin reports, and hashes, whatever the secret it found: detect-secrets 1.5's GitHub
# plugin reports only a token's prefix ("ghp"), its GitLab plugin a token's prefix ("glpat") or a CI
# build token's partition (two hex digits and "_"), its private-key plugin the key's header line.
# The hash of such a text is the same for every secret of the type, so a baseline entry for one
# would suppress every other one of the file. A length floor would not do: a private key's header
# is 21 characters and more, and a short keyword value is the whole secret. The patterns are a
# little wider than the plugins' literals, so that a new prefix of the same shape is caught too.
FIXED_TEXTS: dict[str, re.Pattern[str]] = {
    "GitHub Token": re.compile(r"gh[a-z]"),
    "GitLab Token": re.compile(r"gl[a-z]{2,6}|[0-9a-fA-F]{2}_"),
    "Private Key": re.compile(r"(?s).*"),  # every pattern of the plugin is a literal header
}


def identifies(kind: str, text: str) -> bool:
    """Whether ``text``, as a plugin of type ``kind`` reported it, tells one secret from another
    of that type; only then can a baseline entry (its hash) suppress exactly that secret."""
    fixed = FIXED_TEXTS.get(kind)
    return fixed is None or fixed.fullmatch(text) is None


@dataclass(frozen=True, slots=True)
class Options:
    schemes: tuple[str, ...] = DEFAULT_REF_SCHEMES
    extra_keys: frozenset[str] = frozenset()
    baseline: str = DEFAULT_BASELINE

    @classmethod
    def from_policy(cls, policy: Policy) -> Options:
        schemes = policy.setting("secrets", "allowed_ref_schemes")
        extra = policy.setting("secrets", "credential_keys") or []
        baseline = policy.setting("secrets", "baseline") or DEFAULT_BASELINE
        return cls(
            schemes=tuple(schemes) if schemes else DEFAULT_REF_SCHEMES,
            extra_keys=frozenset("_".join(key_words(key)) for key in extra),
            baseline=str(baseline),
        )


def _hash(value: str) -> str:
    return PotentialSecret.hash_secret(value)


_KEYWORD_TYPE = ds_keyword.KeywordDetector.secret_type
_KEY_BEFORE = re.compile(r"([A-Za-z0-9_.\-]+)[\"'\]\)]*\s*(?::=|=>|===?|!==?|[:=])\s*[@\"'`]?\s*\Z")
_STRUCTURED_GATE_WORDS = "password|passwd|pwd|pass|passphrase|secret|token|credential|bearer|key"


def _keyword_names_property(line: str, value: str) -> bool:
    """Whether the keyword plugin's find is the value of a key such as ``password_ref`` or
    ``password_policy``: its keyword matched a key that names a reference or a property."""
    at = line.find(value)
    if at <= 0:
        return False
    key = _KEY_BEFORE.search(line, 0, at)
    return key is not None and names_a_property(key.group(1))


class _Lines:
    """A text's lines (``\\n``, ``\\r\\n`` or ``\\r`` ended), split only when first needed."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._lines: list[str] | None = None

    def __getitem__(self, number: int) -> str:
        if self._lines is None:
            self._lines = self._text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return self._lines[number - 1] if 0 < number <= len(self._lines) else ""

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset of the text."""
        before = self._text[:offset].replace("\r\n", "\n").replace("\r", "\n")
        line = before.count("\n") + 1
        return line, len(before) - (before.rfind("\n") + 1) + 1


def scan_text(
    path: str,
    text: str,
    options: Options,
    document: Callable[[], Document | None] = lambda: None,
) -> list[Hit]:
    """Every secret of a file's text, inside ``engine()``. ``document`` gives the file parsed
    (JSON or YAML), when it is one, for the credential-value rule and the known digests."""
    lines = _Lines(text)
    hits: list[Hit] = []
    engine_hashes: set[str] = set()
    digests: set[str] | None = None
    for secret, read_line in _engine_scan(path, text):
        value = secret.secret_value or ""
        if not_a_secret(value, options.schemes):
            continue
        if secret.type == _KEYWORD_TYPE and _keyword_names_property(read_line, value):
            continue
        source = lines[secret.line_number]
        if sha256sum_digest(source) == value:
            continue
        if digests is None:
            parsed = document() if format_of(path) or path == options.baseline else None
            digests = known_digests(parsed.data) if parsed is not None else set()
        if value in digests:
            continue
        column = source.find(value)
        hits.append(
            Hit(
                secret.type,
                path,
                secret.line_number,
                column + 1 if column >= 0 else None,
                secret.secret_hash,
                identifies=identifies(secret.type, value),
            )
        )
        engine_hashes.add(secret.secret_hash)
    own: dict[tuple[int | None, str], Hit] = {}
    for found in url_secrets(text, options.schemes):
        hashed = _hash(found.value)
        line, column = lines.position(found.offset)
        own.setdefault((line, hashed), Hit(found.kind, path, line, column, hashed))
    structured = format_of(path) is not None or path == options.baseline
    if structured and _may_hold_credential_values(text, options):
        parsed = document()
        if parsed is not None:
            known = known_digests(parsed.data)
            for where, key, value in credential_values(
                parsed.data, options.extra_keys, options.schemes
            ):
                if value in known:
                    continue
                hashed = _hash(value)
                location = parsed.at(pointer(*where))
                own.setdefault(
                    (location.line, hashed),
                    Hit(CREDENTIAL_VALUE, path, location.line, location.column, hashed, key=key),
                )
    # A value the engine found (anywhere in the file), or a line it found something on, is not
    # reported again by our rules (a private key in a block scalar: the engine's "Private Key"
    # covers the credential-value rule's whole value).
    engine_lines = {hit.line for hit in hits}
    hits.extend(
        hit
        for hit in own.values()
        if hit.hashed_secret not in engine_hashes and hit.line not in engine_lines
    )
    return sorted(hits, key=lambda h: (h.line or 0, h.column or 0, h.kind))


@cache
def _credential_key_gate(extra_keys: frozenset[str]) -> re.Pattern[str]:
    words = "|".join([_STRUCTURED_GATE_WORDS, *(re.escape(k) for k in sorted(extra_keys))])
    return re.compile(rf"(?:{words})s?[\"'\]]?\s*[:=]")


def _may_hold_credential_values(text: str, options: Options) -> bool:
    """Whether a JSON or YAML text could have a key the credential-value rule looks for (any key
    spelled with escapes could)."""
    return "\\" in text or _credential_key_gate(options.extra_keys).search(_fold(text)) is not None


@dataclass(frozen=True, slots=True)
class FileScan:
    path: str
    hits: tuple[Hit, ...] = ()
    # Why the file could not be scanned, when that leaves a secret possible (over the size
    # limit); binary files and files that must not be read (links) are not scanned, silently.
    not_scanned: str | None = None


def scan_file(ctx: MigrationContext, path: str, options: Options) -> FileScan:
    """Scan one file of the migration directory, read under its containment and size rules."""
    try:
        raw = ctx.read_bytes(path)
    except TooLarge as exc:
        if _binary_head(ctx, path):
            return FileScan(path)  # not UTF-8, so not read by detect-secrets either
        return FileScan(path, not_scanned=f"{exc} (limits.max_file_bytes)")
    except (UnsafePath, OSError):
        return FileScan(path)  # a link or a special file: file_structure refuses it
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return FileScan(path)  # binary, as detect-secrets skips it
    try:
        hits = scan_text(path, text, options, lambda: _parsed(ctx, path, options))
    except Exception as exc:  # fail closed on this file, and never quote its text
        return FileScan(path, not_scanned=f"internal {type(exc).__name__} while scanning it")
    return FileScan(path, tuple(hits))


_HEAD_BYTES = 8192


def _binary_head(ctx: MigrationContext, path: str) -> bool:
    """Whether a file's first bytes are not UTF-8 (then the whole file is not: detect-secrets
    skips it, and so do we, whatever its size)."""
    try:
        head = fs.read_head_contained(ctx.root, path, _HEAD_BYTES)
    except (UnsafePath, OSError):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return True
    return False


def _parsed(ctx: MigrationContext, path: str, options: Options) -> Document | None:
    if path == options.baseline:
        # detect-secrets' JSON, whatever its name: its hashed_secret values are known digests.
        try:
            return parse_document(path, ctx.read_bytes(path), "json", ctx.limits)
        except (DocumentError, TooLarge, UnsafePath, OSError):
            return None
    outcome = ctx.parse(path)
    return outcome if isinstance(outcome, Document) else None


# --- the baseline: audited false positives -----------------------------------------------------

_SHA1_HEX = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True, slots=True)
class BaselineProblem:
    message: str
    location: Location
    severity: Severity = Severity.WARNING


@dataclass(frozen=True, slots=True)
class Baseline:
    """The entries of a detect-secrets baseline, by (file, type, hashed_secret).

    Only entries audited as false positives (``"is_secret": false``) suppress a finding; an entry
    not audited yet, or audited as a secret, does not (detect-secrets' own hook lets every
    listed entry pass; here an entry must have been looked at). Nor does an entry whose hash is
    of a text every secret of its type shares (``identifies``)."""

    path: str | None = None
    audited: frozenset[tuple[str, str, str]] = frozenset()
    listed: frozenset[tuple[str, str, str]] = frozenset()  # every well-formed entry
    problems: tuple[BaselineProblem, ...] = ()
    # The base commit (short SHA) it was read from; None: read from the work tree, unverified.
    commit: str | None = None

    def suppresses(self, hit: Hit) -> bool:
        return hit.identifies and (hit.path, hit.kind, hit.hashed_secret) in self.audited

    def lists(self, hit: Hit) -> bool:
        return (hit.path, hit.kind, hit.hashed_secret) in self.listed


def load_baseline(ctx: MigrationContext, name: str) -> Baseline:
    """The baseline at ``name`` (relative to the migration directory), read once per directory for
    both checks. With a base commit it is the base's (SPEC 6.1): the pull request's author writes
    the work tree, so a baseline added or changed there suppresses nothing until it is merged, and
    a notice says so. Without one, the work tree's (unverified; the gate needs a base). Its
    filenames are relative to the migration directory, as ``detect-secrets scan`` writes them when
    run there. Problems make entries unusable, never the run."""
    return ctx.derived(f"secret_detection.baseline:{name}", lambda c: _load_baseline(c, name))


def _load_baseline(ctx: MigrationContext, name: str) -> Baseline:
    if ctx.base is not None:
        return _base_baseline(ctx, ctx.base, name)
    if ctx.tree.is_link(name):
        return _unusable(
            name, "the baseline is a symbolic link; links are refused, so it suppresses nothing"
        )
    if name not in ctx.tree.files:
        return Baseline(name)
    try:
        raw = ctx.read_bytes(name)
    except (TooLarge, UnsafePath, OSError) as exc:
        return _unusable(name, f"the baseline cannot be read ({exc}); it suppresses nothing")
    return _parsed_baseline(ctx, name, raw, None)


def _base_baseline(ctx: MigrationContext, view: BaseView, name: str) -> Baseline:
    short = view.commit.short
    try:
        raw = view.read(name, ctx.limits.max_file_bytes)
    except BaseError as exc:  # fail closed: nothing is suppressed
        return _unusable(
            name,
            f"the baseline cannot be read from the base commit {short} ({exc}); it suppresses "
            "nothing",
            short,
        )
    found = Baseline(name, commit=short) if raw is None else _parsed_baseline(ctx, name, raw, short)
    return replace(found, problems=(*found.problems, *_pull_request_change(ctx, name, raw)))


def _pull_request_change(
    ctx: MigrationContext, name: str, base_raw: bytes | None
) -> tuple[BaselineProblem, ...]:
    """A notice when the work tree's baseline is not the base's: what the pull request writes
    there takes effect only once merged."""
    in_tree = name in ctx.tree.files or name in ctx.tree.special or ctx.tree.is_link(name)
    if not in_tree:
        if base_raw is None:
            return ()
        message = (
            f"the pull request removes {name}; the base commit's copy applies until it is merged"
        )
    else:
        if base_raw is not None:
            try:
                if ctx.read_bytes(name) == base_raw:
                    return ()
            except (TooLarge, UnsafePath, OSError):
                pass  # unreadable in the work tree: not the base's regular file
        verb = "adds" if base_raw is None else "changes"
        message = f"the pull request {verb} {name}; it suppresses nothing until it is merged"
    return (BaselineProblem(message, Location(path=name), Severity.NOTICE),)


def _unusable(name: str, message: str, commit: str | None = None) -> Baseline:
    return Baseline(name, problems=(BaselineProblem(message, Location(path=name)),), commit=commit)


def _parsed_baseline(ctx: MigrationContext, name: str, raw: bytes, commit: str | None) -> Baseline:
    where = "" if commit is None else f" at the base commit {commit}"
    try:
        document = parse_document(name, raw, "json", ctx.limits)
    except DocumentError as exc:
        return Baseline(
            name,
            problems=tuple(
                BaselineProblem(
                    f"the baseline{where} is not a detect-secrets baseline ({p.message}); it "
                    "suppresses nothing until it parses",
                    Location(path=name, line=p.line, column=p.column),
                )
                for p in exc.problems
            ),
            commit=commit,
        )
    return replace(_baseline_entries(name, document, where), commit=commit)


def _baseline_entries(name: str, document: Document, where: str) -> Baseline:
    problems: list[BaselineProblem] = []

    def problem(ptr: str, what: str) -> None:
        problems.append(
            BaselineProblem(
                f"{ptr or '/'}{where}: {what}; this entry suppresses nothing", document.at(ptr)
            )
        )

    results = document.data.get("results") if isinstance(document.data, dict) else None
    if not isinstance(results, dict):
        problem(
            "/results" if isinstance(document.data, dict) else "",
            (
                'expected an object "results" mapping file names to lists of entries, as '
                "detect-secrets writes it"
            ),
        )
        return Baseline(name, problems=tuple(problems))
    audited: set[tuple[str, str, str]] = set()
    listed: set[tuple[str, str, str]] = set()
    for filename, entries in results.items():
        file_ptr = pointer("results", filename)
        if not isinstance(entries, list):
            problem(file_ptr, "expected a list of entries")
            continue
        path = filename.replace("\\", "/").removeprefix("./")
        for i, entry in enumerate(entries):
            entry_ptr = pointer("results", filename, i)
            if not isinstance(entry, dict):
                problem(entry_ptr, "expected an object with type and hashed_secret")
                continue
            kind, hashed = entry.get("type"), entry.get("hashed_secret")
            verdict = entry.get("is_secret")
            if not isinstance(kind, str) or not kind:
                problem(f"{entry_ptr}/type", "expected the secret's type, a string")
            elif not isinstance(hashed, str) or not _SHA1_HEX.fullmatch(hashed):
                problem(
                    f"{entry_ptr}/hashed_secret",
                    "expected the secret's hashed_secret, 40 lower-case hex digits",
                )
            elif verdict is not None and not isinstance(verdict, bool):
                problem(f"{entry_ptr}/is_secret", "expected true, false or no is_secret")
            else:
                listed.add((path, kind, hashed))
                if verdict is False:
                    audited.add((path, kind, hashed))
    return Baseline(name, frozenset(audited), frozenset(listed), tuple(problems))


# --- findings -----------------------------------------------------------------------------------

_SAFE_KEY = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


# Types that judge a value by its shape in general come after those that recognise what it is.
_GENERIC_TYPES = ("Base64 High Entropy String", "Hex High Entropy String", _KEYWORD_TYPE)


def hit_message(hits: Sequence[Hit], baseline: Baseline) -> str:
    """What to tell about a value found (by one or more plugins): its types and fingerprint,
    never the value, and how to fix it."""
    first = hits[0]
    ordered = sorted(hits, key=lambda h: (h.kind in _GENERIC_TYPES, h.kind))
    kinds = list(dict.fromkeys(h.kind for h in ordered))
    fingerprints = ", ".join(dict.fromkeys(h.fingerprint for h in ordered))
    if kinds == [CREDENTIAL_VALUE]:
        key = first.key if first.key and _SAFE_KEY.fullmatch(first.key) else None
        what = f'literal credential under "{key}"' if key else "literal credential"
    else:
        what = "secret of type " + " and ".join(f'"{k}"' for k in kinds)
    name = baseline.path or DEFAULT_BASELINE
    fixed = [h.kind for h in ordered if not h.identifies]
    if fixed:
        audit = (
            f'a baseline entry cannot suppress it: for a "{fixed[0]}" detect-secrets hashes only '
            "a text every such secret shares (a prefix or a header), so an entry would hide every "
            "one of the file"
        )
    elif any(baseline.lists(h) for h in hits):
        audit = (
            f"it is listed in {name} but not audited as a false positive: audit it "
            '("is_secret": false) if it is not a secret'
        )
    else:
        audit = f'or audit it into {name} ("is_secret": false) if it is not a secret'
    label = "fingerprints" if "," in fingerprints else "fingerprint"
    return (
        f"{what} ({label} {fingerprints}): remove and rotate it, keep it in the secret "
        f"store and reference it from configs/secrets_refs.yml (vault://...); {audit}"
    )


def not_scanned_message(scan: FileScan) -> str:
    return (
        f"not scanned for secrets: {scan.not_scanned}; a secret in it cannot be ruled out, so "
        "remove the file from the pull request (or raise the limit in the policy)"
    )


# --- what the two checks share ------------------------------------------------------------------

# credential_validation owns the configuration directory; secrets_scan every other file.
CONFIGS_DIR = "configs/"


def scan_files(ctx: MigrationContext, paths: Iterable[str], options: Options) -> Iterator[FileScan]:
    """Scan each file in turn, with detect-secrets configured for the whole run."""
    with engine():
        for path in paths:
            yield scan_file(ctx, path, options)


def hit_problems(hits: Iterable[Hit], baseline: Baseline) -> tuple[list[Problem], int]:
    """One problem per value found on a line, whatever the number of plugins that found it, and
    the number of values the baseline suppresses (every type it was found as, audited).

    A value is its place (line and column) where it has one: plugins do not all report the same
    text for one token (detect-secrets' GitHub plugin reports only its ``ghp`` prefix, so its
    ``hashed_secret`` is the same for every GitHub token; the entropy plugin reports the whole
    token), and each of those hashes must be audited for the token to be suppressed."""
    groups: dict[tuple[str, int | None, int | str], list[Hit]] = {}
    for hit in hits:
        place = hit.column if hit.column is not None else hit.hashed_secret
        groups.setdefault((hit.path, hit.line, place), []).append(hit)
    problems: list[Problem] = []
    suppressed = 0
    for group in groups.values():
        shown = [hit for hit in group if not baseline.suppresses(hit)]
        if not shown:
            suppressed += 1
            continue
        first = group[0]
        problems.append(
            Problem(
                hit_message(shown, baseline),
                BlockerId.SECRETS_EXPOSED,
                Location(path=first.path, line=first.line, column=first.column),
            )
        )
    return problems, suppressed


def not_scanned_problem(scan: FileScan) -> Problem:
    return Problem(not_scanned_message(scan), BlockerId.SECRETS_EXPOSED, Location(path=scan.path))


def baseline_problems(baseline: Baseline) -> Iterator[Problem]:
    """A baseline that cannot be used is a warning: it suppresses nothing, so every finding it
    would have suppressed stands (the scan fails closed). A baseline the pull request adds or
    changes is a notice: it takes effect once merged."""
    for problem in baseline.problems:
        yield Problem(problem.message, None, problem.location, problem.severity)


def suppressed_notice(count: int, baseline: Baseline) -> Problem:
    """Suppressions are shown, so that a reviewer sees what the baseline hides, and where the
    baseline was read from."""
    findings = "finding" if count == 1 else "findings"
    if baseline.commit is not None:
        origin = f" at the base commit {baseline.commit}; review changes to it like code"
    else:
        origin = (
            "; the baseline was not verified against a base commit (no --base), so the pull "
            "request may have written it; the actions pass the base, run with --base SHA to "
            "verify it locally"
        )
    return Problem(
        f"{count} {findings} suppressed as audited false positives of {baseline.path} "
        f'("is_secret": false){origin}',
        None,
        Location(path=baseline.path or DEFAULT_BASELINE),
        Severity.NOTICE,
    )
