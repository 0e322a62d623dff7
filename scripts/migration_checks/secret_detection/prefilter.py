"""The prefilter: which lines of a text could hold a finding, and for which plugins.

*Speed.* detect-secrets runs every plugin's Python on every line. Here one pass of regular
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
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from detect_secrets.plugins import keyword as ds_keyword
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.high_entropy_strings import (
    Base64HighEntropyString,
    HexHighEntropyString,
)
from detect_secrets.util.filetype import FileType

from migration_checks.secret_detection.engine import plugin_classes
from migration_checks.secret_detection.linear import KEYWORD_ANCHORS, Last, fold
from migration_checks.secret_detection.yaml_values import line_numbers_in_order

# Each anchor is something a plugin's pattern cannot match without, written for the text folded
# to lower case (``fold``), so that it also stands for the case-insensitive patterns. None may
# match a line break: a match marks the line it is on. Each starts with a literal or at the
# start of a run, so that the regular expression engine skips to where it could match (a
# pattern that starts with a character class or an alternation is tried at every position).


@dataclass(frozen=True, slots=True)
class _Anchor:
    plugin: str
    pattern: re.Pattern[str]
    # The anchor, or for one that can match white space a part of it that cannot: looked for in
    # the text's words first (``words``), and the anchor in the text only when it is there.
    word: re.Pattern[str]


def _anchors(spec: dict[str, tuple[str, ...] | str]) -> tuple[_Anchor, ...]:
    return tuple(
        _Anchor(plugin, re.compile(pattern), re.compile(_SPANNING.get(pattern, pattern)))
        for plugin, patterns in spec.items()
        for pattern in ((patterns,) if isinstance(patterns, str) else patterns)
    )


# detect-secrets' ``(?:key|pwd|password|pass|token)["']?\]?[ =:>]+["']?[a-z0-9_-]{44}``, one
# pattern for each word (the run of "[ =:>]" taken whole: nothing after it can match in it).
_IBM = tuple(
    rf"{word}[\"']?\]?[ =:>]++[\"']?[a-z0-9_-]{{44}}"
    for word in ("key", "pwd", "pass(?:word)?", "token")
)
_AWS_PAIR = r"aws.{0,20}?(?:key|pwd|pw|password|pass|token).{0,20}?['\"][0-9a-z/+]{40}['\"]"
# The anchors that can match white space (a space, ``.``, ``\s``), each with a part that cannot.
_SPANNING = {
    "private key": "private",
    r"private\s+key": "private",
    _AWS_PAIR: r"['\"][0-9a-z/+]{40}['\"]",
    **dict.fromkeys(_IBM, "[a-z0-9_-]{44}"),
}
_ANCHORS: dict[str, tuple[str, ...] | str] = {
    "ArtifactoryDetector": (r"akc[a-z0-9]{10}", r"ap[\da-f][a-z0-9]{8}"),
    "AWSKeyDetector": (
        r"(?:a3t[a-z0-9]|abia|acca|akia|asia)[0-9a-z]{16}",
        _AWS_PAIR,
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
    "IbmCloudIamDetector": _IBM,
    "IbmCosHmacDetector": r"secret",
    "IPPublicDetector": r"\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]",
    "JwtTokenDetector": r"eyj",
    "KeywordDetector": KEYWORD_ANCHORS,
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


_WORDS_FROM = 1 << 16  # characters; in a smaller text, the text is searched at once


def _words(folded: str) -> str:
    return "\n".join(set(folded.split())) if len(folded) >= _WORDS_FROM else folded


words = Last(_words)
"""The distinct words (runs without white space) of a text, one a line. A pattern that
matches no white space and no line break matches a text only if it matches its words, which in
a big file of data are a small part of it (a 3 MB JSON file has 15 KB of words): each anchor
and literal is looked for there first, and in the text only when it is there. A small text is
its own words (finding them would cost more than it saves)."""


def _anchor_matches(
    anchors: tuple[_Anchor, ...], folded: str
) -> Iterator[tuple[str, re.Match[str]]]:
    """Each anchor's first match on each line where it has one (a match marks its lines: a
    megabyte of ``password=x&`` need not be matched a hundred thousand times)."""
    vocabulary = words(folded)
    for anchor in anchors:
        if vocabulary is folded or anchor.word.search(vocabulary) is not None:
            at = 0
            while (match := anchor.pattern.search(folded, at)) is not None:
                yield anchor.plugin, match
                at = folded.find("\n", match.end()) + 1
                if at == 0:
                    break


_HEX_PLUGIN = HexHighEntropyString.__name__
_BASE64_PLUGIN = Base64HighEntropyString.__name__
# The plugins the prefilter knows; one it does not know (there is none with the pinned engine)
# is run on every line that goes to the plugins.
GATED = frozenset({*_ANCHORS, _HEX_PLUGIN, _BASE64_PLUGIN})


def _he_candidates(
    text: str, hex_runs: re.Pattern[str], base64_runs: re.Pattern[str], *, spare: int = 0
) -> Iterator[tuple[str, int]]:
    """The entropy plugin and the offset of each run with the distinct characters its limit
    needs (a base64 run may have ``spare`` fewer: a backslash the reading adds). A hex run must
    be all of a quoted string; in a bare text it must also not be part of a longer base64 run,
    but that is not checked (the condition stays necessary)."""
    vocabulary = words(text)  # the runs match no white space: first among the words
    for plugin, runs, distinct in (
        (_HEX_PLUGIN, hex_runs, _HEX_DISTINCT),
        (_BASE64_PLUGIN, base64_runs, _BASE64_DISTINCT - spare),
    ):
        if vocabulary is text or any(
            len(set(m.group(m.lastindex or 0))) >= distinct for m in runs.finditer(vocabulary)
        ):
            for match in runs.finditer(text):
                if len(set(match.group(match.lastindex or 0))) >= distinct:
                    yield plugin, match.start()


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
    # fold keeps every character's offset, so the offsets of the folded text are the text's.
    for plugin, match in _anchor_matches(_LINE_ANCHORS, fold(joined)):
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
    folded = fold(text)  # same lines as the text, whatever the case mapping did to lengths
    found: dict[int, set[str]] = {}
    for source, matches in (
        (folded, [(plugin, m.start()) for plugin, m in _anchor_matches(_LINE_ANCHORS, folded)]),
        (text, list(_he_candidates(text, _QUOTED_HEX, _QUOTED_BASE64))),
    ):
        lines = line_numbers_in_order(source, [offset for _, offset in matches])
        for (plugin, _), line in zip(matches, lines, strict=True):
            found.setdefault(line, set()).add(plugin)
    return {line: frozenset(found[line]) for line in sorted(found)}


def yaml_spans(text: str) -> list[tuple[int, int]] | None:
    """Where in a YAML text a value could be reported once read as a ``key: "value"`` line: the
    spans (sorted, disjoint) of the lines that hold an anchor or a run the entropy plugins could
    report, which lie in the value's key, its text, the text of the node it aliases, or the
    comment after it; and of the lines that hold a pragma comment (the allowlist filter reads
    the line before a value). Empty: nowhere; None: anywhere (the prefilter is off, or values
    may be spelled otherwise than written: escapes in double-quoted scalars, ``!!binary``)."""
    if not prefilter_on() or "\\" in text:
        return None
    folded = fold(text)
    if "!" in text and "binary" in folded:  # a tag (!!binary, or its handle by %TAG)
        return None
    bounds = [(m.start(), m.end()) for _, m in _anchor_matches(_YAML_ANCHORS, folded)]
    bounds += [(at, at) for _, at in _he_candidates(text, _BARE_HEX, _BARE_BASE64, spare=1)]
    bounds += [(m.start(), m.end()) for m in _PRAGMA.finditer(folded)]
    bounds.sort()
    spans: list[tuple[int, int]] = []
    for start, end in bounds:
        if spans and start <= spans[-1][1]:  # on a line already taken
            if end > spans[-1][1]:
                spans[-1] = (spans[-1][0], _line_end(text, end))
            continue
        spans.append((text.rfind("\n", 0, start) + 1, _line_end(text, end)))
    return spans


_PRAGMA = re.compile("pragma")


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


# --- our own rules ----------------------------------------------------------------------------
# Each of our rules (``tokens``, ``statements``) names the literals, in the folded text, that
# its patterns cannot match without; a rule runs on a text only when one of them is there. The
# literals that end with a separator (``ghp_``, ``glpat-``, ``hvs.``) are found together in one
# pass: the regular expression engine skips to each separator (a character set, in C) and
# tests the literals that end there by fixed-width look-behinds; the few other literals by a
# substring search each.
_SEPARATORS = "_.~=-"


def _spaced(literal: str) -> bool:
    return literal.split() != [literal]  # empty, or holds white space


class Triggers:
    """The literals (in the folded text) of named rules, found in one pass."""

    def __init__(self, rules: dict[str, tuple[str, ...]]) -> None:
        self._rules = rules
        literals = {t for ts in rules.values() for t in ts}
        self._by_literal = {t: [n for n, ts in rules.items() if t in ts] for t in literals}
        ending = sorted(t for t in literals if t[-1] in _SEPARATORS and not _spaced(t))
        self._others = sorted(literals.difference(ending))
        self._spaced = {t: _spaced(t) for t in self._others}
        self._lengths: dict[int, set[str]] = {}
        for literal in ending:
            self._lengths.setdefault(len(literal), set()).add(literal)
        behinds = "|".join(
            "(?<=" + "|".join(re.escape(t) for t in sorted(group)) + ")"
            for _, group in sorted(self._lengths.items())
        )
        self._pattern = re.compile(f"[{re.escape(_SEPARATORS)}](?:{behinds})") if ending else None

    def on(self, folded: str) -> set[str]:
        """The rules one of whose literals occurs in ``folded`` (a text folded with ``fold``)."""
        found: set[str] = set()
        # A literal without white space occurs in the text if, and only if, in its words.
        vocabulary = words(folded)
        for literal in self._others:
            if literal in (folded if self._spaced[literal] else vocabulary):
                found.update(self._by_literal[literal])
        if self._pattern is not None:
            for match in self._pattern.finditer(vocabulary):
                end = match.end()
                for length, group in self._lengths.items():
                    literal = vocabulary[end - length : end]
                    if literal in group:
                        found.update(self._by_literal[literal])
        return found
