"""Linear-time equivalents of detect-secrets' regular expressions that backtrack, put in place by
``engine()``: each answers what the one it replaces answers, for every input (tests compare them
on random and corpus lines), without trying every split of a long run.

*The allowlist filter.* ``detect_secrets.filters.allowlist.is_line_allowlisted`` searches each
line for ``[ \\t]*# *pragma: ?(allow|white)list[ -]secret.*?[ \\t]*$`` and five like it (one per
comment syntax), and the line before for their ``nextline`` forms: on a line of spaces its
leading ``[ \\t]*`` is tried from every position (``password=`` and 80 KB of spaces: 46 s). Here:

- the leading ``[ \\t]*`` of a searched pattern never decides whether it matches: dropped;
- ``<!--[# \\t]*? *pragma`` matches what ``<!--[# \\t]*pragma`` does (the spaces are in the class),
  and a run before ``pragma`` is taken whole (``*+``): ``p`` is in no run's class;
- the tail ``.*?{end}[ \\t]*$`` (``$``: the end, or before a final line break; ``.`` never crosses
  a line break) holds after a comment start iff that start is on the text's last line and, when
  the syntax has an end (``*/``, ``-->``), the last line, less trailing blanks, ends with it after
  the comment: that is checked once per text, and the comment start is searched only there;
- the ``nextline`` forms are anchored at the start, so their tails are written ``.*+$`` and
  ``.*{end}[ \\t]*+$``, which match the same texts from one start in linear time.

*The keyword plugin.* Its patterns start with the alternation of its keywords
(``(api_?key|...|password|...)\\w*``), which the regular expression engine tries at every
position of a line (1.5 s for a line of a megabyte): each is tried only where a keyword starts,
and not at all on a line without the punctuation it needs (``_FromKeyword``). ``fold`` is here
too, for the keywords are found in the line folded to lower case.
"""

from __future__ import annotations

import os
import re
import re._constants as sre_constants  # type: ignore[import-not-found]  # no stubs: the parser of re
import re._parser as sre_parse  # type: ignore[import-not-found]
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from string import punctuation
from typing import Any, Generic, TypeVar

from detect_secrets.filters import allowlist as ds_allowlist
from detect_secrets.plugins import keyword as ds_keyword
from detect_secrets.transformers import config as ds_config
from detect_secrets.util.code_snippet import CodeSnippet

T = TypeVar("T")


class Last(Generic[T]):
    """A function's results for the two texts it was last given (the same objects): a file's
    text, and the text folded, are folded and their words found by several readings and rules in
    turn, and a line is searched by each pattern of the keyword plugin in turn."""

    def __init__(self, function: Callable[[str], T]) -> None:
        self._function = function
        self._last: list[tuple[str, T]] = []  # holds the texts: their ids are not reused

    def __call__(self, text: str) -> T:
        for given, result in self._last:
            if given is text:
                return result
        result = self._function(text)
        self._last = [(text, result), *self._last[:1]]
        return result


def _fold(text: str) -> str:
    return text.replace("\u0130", "i").lower().replace("\u0131", "i").replace("\u017f", "s")


fold = Last(_fold)
"""Lower case, length for length, matching what the case-insensitive patterns match: under
``re.IGNORECASE`` the letters a-z also match U+0130, U+0131, U+017F and the Kelvin sign, and
U+0130 is the one character whose lower case is two characters long."""

STOCK_ALLOWLIST = "detect_secrets.filters.allowlist.is_line_allowlisted"
OWN_ALLOWLIST = f"{__name__}.is_line_allowlisted"


@dataclass(frozen=True, slots=True)
class _Comment:
    start: str  # the pattern of the comment's start, as detect-secrets writes it
    end: str  # and of its end ("" for a comment that runs to the end of the line)

    @property
    def head(self) -> str:
        start = "<!--[# \\t]*+" if self.start == "<!--[# \\t]*?" else self.start
        return f"{start} *+pragma: ?"

    @property
    def end_text(self) -> str:
        """The literal text the end pattern must end with (its leading spaces are optional)."""
        return {"": "", r" *\*/": "*/", " *?-->": "-->"}[self.end]


def _comments() -> list[_Comment]:
    return [_Comment(start, end) for start, end in ds_allowlist._get_comment_tuples()]


@cache
def _same_line(comment: _Comment) -> re.Pattern[str]:
    return re.compile(f"{comment.head}(allow|white)list[ -]secret")


@cache
def nextline_regex(comment: _Comment) -> re.Pattern[str]:
    """``get_allowlist_regexes(comment, nextline=True)``, matching the same texts linearly."""
    end = re.escape(comment.end_text)
    tail = r".*+$" if not end else f".*{end}[ \\t]*+$"
    return re.compile(f"^[ \\t]*+{comment.head}allowlist[ -]nextline[ -]secret{tail}")


@cache
def _comments_for(filename: str) -> list[_Comment]:
    """The comment syntaxes detect-secrets looks for in a file: ``#`` alone in a ``.yaml`` file."""
    comments = _comments()
    index = ds_allowlist._get_file_to_index_dict().get(os.path.splitext(filename)[1][1:])  # noqa: PTH122 - as it splits
    return [comments[index]] if index is not None else comments


def _last_line(text: str) -> tuple[int, int]:
    """Where the text's last line starts and ends: what ``.*$`` can reach (``$`` also matches
    before a final line break)."""
    end = len(text) - 1 if text.endswith("\n") else len(text)
    return text.rfind("\n", 0, end) + 1, end


def _allowlisted_here(text: str, comments: list[_Comment]) -> bool:
    if "pragma" not in text:
        return False
    start, end = _last_line(text)
    for comment in comments:
        stop = end
        if comment.end_text:
            closed = text[start:end].rstrip(" \t")
            if not closed.endswith(comment.end_text):
                continue
            stop = start + len(closed) - len(comment.end_text)
        if _same_line(comment).search(text, start, stop):
            return True
    return False


def is_line_allowlisted(filename: str, line: str, context: CodeSnippet) -> bool:
    """detect-secrets' ``is_line_allowlisted``: a ``pragma: allowlist secret`` comment on the
    line, or a ``pragma: allowlist nextline secret`` comment alone on the line before."""
    comments = _comments_for(filename)
    if _allowlisted_here(line, comments):
        return True
    previous = context.previous_line
    return "pragma" in previous and any(nextline_regex(c).search(previous) for c in comments)


def _config_nextline_regex(comment_tuple: tuple[str, str], nextline: bool) -> re.Pattern[str]:
    """What the INI transformer asks ``get_allowlist_regexes`` for (``#`` and ``;`` comments,
    ``nextline`` forms): the same, matching linearly."""
    if not nextline:  # pragma: no cover - the transformer asks for nextline forms only
        return ds_allowlist.get_allowlist_regexes(comment_tuple, nextline)
    return nextline_regex(_Comment(*comment_tuple))


_ASSIGN = " :="


def first_line_matches(line: str, key: str, value: str) -> bool:
    """Whether ``re.match(r"^\\s*" + re.escape(key) + "[ :=]+" + re.escape(value), line)``, as
    detect-secrets' INI transformer asks for each key's first line, read in linear time: the
    pattern, compiled anew for each key (a value of 1 MB is 1 MB of pattern), backtracks through
    a long run of ``[ :=]`` once for every character of it."""
    if not key or key[0].isspace() or key[0] in _ASSIGN:  # pragma: no cover - configparser
        return re.match(rf"^\s*{re.escape(key)}[ :=]+{re.escape(value)}", line) is not None
    rest = line.lstrip()  # what \s* takes: it cannot give back, the key starts with no space
    if not rest.startswith(key):
        return False
    after = rest[len(key) :]
    run = len(after) - len(after.lstrip(_ASSIGN))
    if run == 0:
        return False
    lead = len(value) - len(value.lstrip(_ASSIGN))
    if lead == len(value):  # the value is empty, or all "[ :=]": it must lie in the run
        return not value or after.find(value, 1, run) >= 0
    # The value's first other character must come right after the run: its leading "[ :=]"
    # characters are the run's last ones.
    return run - lead >= 1 and after.startswith(value, run - lead)


def _get_value_and_line_offset(
    self: ds_config.IniFileParser, key: str, values: str
) -> list[tuple[str, int]]:
    """``IniFileParser._get_value_and_line_offset`` of detect-secrets 1.5 (Apache-2.0), with its
    first-line pattern read by ``first_line_matches``; the rest as it is."""
    values_list = ds_config._construct_values_list(values)
    if not values_list:
        return []
    current_value_list_index = 0
    output = []
    for line_offset, line in enumerate(self.lines):
        if ds_config._is_allowlist_nextline_secret_comment(line):
            output.append((line, self.line_offset + line_offset + 1))
            continue
        if not line or self._comment_regex.match(line):
            continue
        if current_value_list_index == 0:
            if first_line_matches(line, key, values_list[current_value_list_index]):
                output.append(
                    (values_list[current_value_list_index], self.line_offset + line_offset + 1)
                )
                current_value_list_index += 1
            continue
        if current_value_list_index == len(values_list):
            if line_offset == 0:
                line_offset = 1
            self.line_offset += line_offset
            self.lines = self.lines[line_offset:]
            break
        output.append((values_list[current_value_list_index], self.line_offset + line_offset + 1))
        current_value_list_index += 1
    else:
        self.lines = []
    return output


# --- the keyword plugin ---------------------------------------------------------------------------
# Its keywords (``api_?key``, ``password``) each hold one of these words.
_KEYWORD_WORDS = ("key", "pass", "pwd", "secret", "contrase")


def _keyword_forms() -> dict[str, list[tuple[str, str]]]:
    """Each keyword as the word it holds and what comes before and after it (``api_key``:
    ``("api_", "")``); ``_?`` is the only syntax the keywords use: each is one or two literals."""
    forms: dict[str, list[tuple[str, str]]] = {word: [] for word in _KEYWORD_WORDS}
    for keyword in ds_keyword.DENYLIST:
        for literal in sorted({keyword.replace("_?", "_"), keyword.replace("_?", "")}):
            word = next(w for w in _KEYWORD_WORDS if w in literal)
            before, _, after = literal.partition(word)
            forms[word].append((before, after))
    return forms


def _at_word(word: str, forms: list[tuple[str, str]]) -> str:
    alternatives = sorted(
        (f"(?<={re.escape(before + word)})" if before else "")
        + (f"(?={re.escape(after)})" if after else "")
        for before, after in forms
    )
    return word if "" in alternatives else f"{word}(?:{'|'.join(alternatives)})"


_KEYWORD_FORMS = _keyword_forms()
KEYWORD_ANCHORS = tuple(_at_word(word, forms) for word, forms in _KEYWORD_FORMS.items())
"""Patterns of a folded text that match where a keyword is, at the word it holds (look-behinds
and look-aheads for the rest of it): each starts with a literal, which the regular expression
engine skips to, where the keywords' alternation would be tried at every position."""
_KEYWORD_FINDERS = tuple(
    (word, re.compile(anchor), forms)
    for anchor, (word, forms) in zip(KEYWORD_ANCHORS, _KEYWORD_FORMS.items(), strict=True)
)


# Each keyword as a literal (``api_key``, ``apikey``), looked for in a long line: its words may
# be there by the thousand (``password=x&password=x...``), its keywords' forms each found in C.
_KEYWORD_LITERALS = tuple(
    re.compile(re.escape(before + word + after))
    for word, forms in _KEYWORD_FORMS.items()
    for before, after in forms
)
_LONG_LINE = 4096


def _keyword_starts(string: str) -> list[int]:
    folded = fold(string)
    starts: set[int] = set()
    if len(folded) > _LONG_LINE:
        for literal in _KEYWORD_LITERALS:
            at = 0
            while (match := literal.search(folded, at)) is not None:
                starts.add(match.start())
                at = match.start() + 1
        return sorted(starts)
    for word, finder, forms in _KEYWORD_FINDERS:
        for match in finder.finditer(folded):
            at = match.start()
            for before, after in forms:
                start = at - len(before)
                if (
                    start >= 0
                    and folded.startswith(before, start)
                    and folded.startswith(after, at + len(word))
                ):
                    starts.add(start)
    return sorted(starts)


keyword_starts = Last(_keyword_starts)
"""Where a keyword starts in a line (case folded), in order: found once for the plugin's
patterns, which each search the same line."""


class _FromKeyword:
    """A pattern of the keyword plugin whose ``search`` answers as the pattern's. Searched, it
    is tried at every position of a line (its keywords are an alternation): a second for a line
    of a megabyte. A pattern that starts with a keyword can match only where one starts, and is
    tried only there, in order (the first that matches is the leftmost match); one that holds a
    keyword elsewhere is searched only when the line holds a keyword."""

    def __init__(self, compiled: re.Pattern[str]) -> None:
        self.compiled = compiled
        self.pattern = compiled.pattern  # as detect-secrets' own, for whoever reads them
        self.flags = compiled.flags
        self._leading = compiled.pattern.startswith(ds_keyword.DENYLIST_REGEX)
        self._needs = _needed_characters(sre_parse.parse(compiled.pattern, compiled.flags))

    def search(self, string: str) -> re.Match[str] | None:
        # A line without the quote, ";", ":" or "=" a pattern needs is not searched (a megabyte
        # of URL parameters holds a keyword every few characters, and no quote).
        if not all(any(char in string for char in chars) for chars in self._needs):
            return None
        starts = keyword_starts(string)
        if not self._leading:
            return self.compiled.search(string) if starts else None
        for start in starts:
            match = self.compiled.match(string, start)
            if match is not None:
                return match
        return None


_PUNCTUATION = frozenset(punctuation)


def _needed_characters(parsed: Any) -> list[frozenset[str]]:
    """Sets of punctuation characters a pattern cannot match without one of each: its literals
    and classes of literals that are not optional (in sequence, in groups, repeated at least
    once). Letters are left out: under ``re.IGNORECASE`` they match more than themselves."""
    needs: list[frozenset[str]] = []
    for op, argument in parsed:
        if op is sre_constants.LITERAL:
            chars = frozenset({chr(argument)})
        elif op is sre_constants.IN and all(o is sre_constants.LITERAL for o, _ in argument):
            chars = frozenset(chr(code) for _, code in argument)
        elif op is sre_constants.SUBPATTERN:
            needs += _needed_characters(argument[3])
            continue
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and argument[0] >= 1:
            needs += _needed_characters(argument[2])
            continue
        else:
            continue
        if chars <= _PUNCTUATION:
            needs.append(chars)
    return needs


def _keyword_tables() -> list[dict[re.Pattern[str], int]]:
    """The keyword plugin's tables of patterns (by file type, and its default), each once."""
    tables = [
        *ds_keyword.REGEX_BY_FILETYPE.values(),
        ds_keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
    ]
    return list({id(table): table for table in tables}.values())


_KEYWORD_TABLES = _keyword_tables()
_FROM_KEYWORD = {pattern: _FromKeyword(pattern) for table in _KEYWORD_TABLES for pattern in table}


@contextmanager
def linear_transformers() -> Iterator[None]:
    """detect-secrets' INI transformer with the linear allowlist patterns and first-line match,
    and its keyword plugin's patterns searched from the keywords, while in effect."""
    stock = getattr(ds_config, "get_allowlist_regexes")  # noqa: B009 - not re-exported
    stock_offsets = ds_config.IniFileParser._get_value_and_line_offset
    stock_tables = [list(table.items()) for table in _KEYWORD_TABLES]
    setattr(ds_config, "get_allowlist_regexes", _config_nextline_regex)  # noqa: B010
    ds_config.IniFileParser._get_value_and_line_offset = _get_value_and_line_offset  # type: ignore[method-assign]
    # The tables are changed in place (the plugin reads them by file type, and its default by
    # name), in their order: the plugin yields a find for each pattern in turn.
    for table, items in zip(_KEYWORD_TABLES, stock_tables, strict=True):
        table.clear()
        table.update((_FROM_KEYWORD[pattern], group) for pattern, group in items)  # type: ignore[misc]
    try:
        yield
    finally:
        setattr(ds_config, "get_allowlist_regexes", stock)  # noqa: B010
        ds_config.IniFileParser._get_value_and_line_offset = stock_offsets  # type: ignore[method-assign]
        for table, items in zip(_KEYWORD_TABLES, stock_tables, strict=True):
            table.clear()
            table.update(items)
