"""Text as a reader reads it: a file's bytes decoded the way an editor shows them, and string
escapes decoded the way a JSON or YAML reader (or a program) reads them.

*Bytes.* A byte-order mark names the encoding (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE), and without
one, text that is UTF-16 or UTF-32 by the pattern of its zero bytes is read as such. Any other
file is UTF-8, and a byte that is not (a Latin-1 ``é``, one stray ``0xFF``) is read as the
Latin-1 character of that byte, so that one bad byte neither hides the rest of the file nor
shifts any position. A file is binary, and not read, only when it is one: it starts with a known
binary signature (PNG, JPEG, GIF, PDF, ZIP and its JAR/wheel/xlsx/docx kin, gzip, bzip2, xz,
zstd, 7z, Parquet, SQLite, ELF, Mach-O and Java classes, ...), or it holds a NUL byte (and is
not UTF-16/32), or most of its first bytes are neither text nor UTF-8.

*Escapes.* ``unescaped_lines`` renders each line that holds ``\\u``, ``\\U``, ``\\x`` or ``\\/``
escapes with them decoded (``"\\u0041KIA..."`` reads ``"AKIA..."``), keeping for each character
of the rendering the column of the file it came from, so that a secret found only in the
rendering is reported where it is written.
"""

from __future__ import annotations

import codecs
import itertools
import re
import unicodedata
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_SIGNATURES = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"%PDF-",
    b"PK\x03\x04",  # ZIP: JAR, wheel, xlsx, docx, odt, apk
    b"PK\x05\x06",  # an empty ZIP
    b"PK\x07\x08",  # a spanned ZIP
    b"\x1f\x8b",  # gzip
    b"BZh",  # bzip2 (with a block size digit and its block magic, checked below)
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",  # zstd
    b"7z\xbc\xaf\x27\x1c",
    b"PAR1",  # Parquet
    b"SQLite format 3\x00",
    b"\x7fELF",
    b"\xca\xfe\xba\xbe",  # Java class, Mach-O universal
    b"\xfe\xed\xfa\xce",  # Mach-O
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\x00asm",  # WebAssembly
    b"ARROW1",  # Arrow IPC file
    b"Obj\x01",  # Avro object container
    b"\x93NUMPY",
    b"\x89HDF\r\n\x1a\n",
    b"OggS",
    b"II*\x00",  # TIFF
    b"MM\x00*",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE: xls, doc, msi
    b"RIFF",  # WAV, AVI, WebP
    b"wOFF",
    b"wOF2",
)
_BZIP2 = re.compile(rb"BZh[1-9]1AY&SY")
_TAR_MAGIC = (b"ustar\x0000", b"ustar  \x00")
_SAMPLE = 8192
# Of the sample, the share of control bytes above which it is binary.
_NOT_TEXT_SHARE = 0.05
_CONTROL = re.compile(rb"[\x01-\x08\x0e-\x1a\x1c-\x1f\x7f]")  # not \t \n \v \f \r ESC


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    """Each byte that is not UTF-8 is its Latin-1 character: one character for one byte."""
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


_FALLBACK = "migration_checks.latin1_fallback"
codecs.register_error(_FALLBACK, _latin1_fallback)


def has_binary_signature(head: bytes) -> bool:
    """Whether ``head`` (a file's first bytes) starts with a known binary format's signature."""
    if head.startswith(b"BZh"):
        return _BZIP2.match(head) is not None
    if head.startswith(_SIGNATURES):
        return True
    return head[257:265] in _TAR_MAGIC


def _bom(head: bytes) -> tuple[str, int] | None:
    for mark, encoding in _BOMS:
        if head.startswith(mark):
            return encoding, len(mark)
    return None


def _wide_encoding(sample: bytes) -> str | None:
    """UTF-16 or UTF-32 without a mark, told by where its zero bytes are: most of its code units
    are ASCII characters (one non-zero byte, the rest zero), never a whole zero unit."""
    for encoding, width in (("utf-32-le", 4), ("utf-32-be", 4), ("utf-16-le", 2), ("utf-16-be", 2)):
        units = len(sample) // width
        if units < 2:
            continue
        text = sample[: units * width].decode(encoding, errors="replace")
        if "\0" in text or "\ufffd" in text:
            continue
        ascii_units = sum(1 for char in text if " " <= char < "\x7f" or char in "\t\n\r")
        if ascii_units >= 0.75 * len(text):
            return encoding
    return None


def _looks_binary(sample: bytes) -> bool:
    """Whether a sample without a NUL byte holds control characters beyond text's share: bytes
    that are not UTF-8 are Latin-1 text (a padding of 0xFF hides nothing), control bytes are
    not (random data has one in nine)."""
    if not sample:
        return False
    return len(_CONTROL.findall(sample)) > _NOT_TEXT_SHARE * len(sample)


@dataclass(frozen=True, slots=True)
class Reading:
    """How a file's bytes are read: ``text`` (None: binary) and the encoding it was read in."""

    text: str | None
    encoding: str | None = None


# Names that say text: a file so named is read as text whatever its bytes (a Python script that
# starts "GIF89a = None", a shell script with one NUL byte still runs), and files without an
# extension (.pgpass, Dockerfile, Makefile, scripts).
_TEXT_SUFFIXES = frozenset(
    {
        ".py", ".pyi", ".sh", ".bash", ".zsh", ".ksh", ".ps1", ".psm1", ".bat", ".cmd", ".sql",
        ".ddl", ".psql", ".pgsql", ".hql", ".yml", ".yaml", ".json", ".jsonl", ".ipynb", ".env",
        ".txt", ".md", ".markdown", ".rst", ".adoc", ".ini", ".cfg", ".conf", ".cnf",
        ".properties", ".prefs", ".tf", ".tfvars", ".hcl", ".toml", ".xml", ".csv", ".tsv",
        ".js", ".mjs", ".ts", ".go", ".java", ".scala", ".kt", ".rb", ".php", ".cs", ".r",
        ".jinja", ".j2", ".tpl", ".html", ".htm", ".css", ".svg", ".pgpass", ".netrc", ".npmrc",
        ".pypirc", ".gradle", ".groovy", ".lua", ".pl", ".swift", ".rs", ".c", ".h", ".cpp",
    }
)  # fmt: skip


_PACKED_SUFFIXES = frozenset({"gz", "tgz", "bz2", "xz", "zst", "zip", "7z", "tar", "jar", "whl"})
_TEXT_STEMS = frozenset({"env", "pgpass", "netrc", "npmrc", "pypirc", "dockerfile", "makefile"})


def named_text(path: str | None) -> bool:
    """Whether any part of a file's name says text: ``load.env.prod``, ``pgpass.prod``,
    ``settings.json.bak`` are read by what their names also hold."""
    if path is None:
        return False
    name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    parts = name.lstrip(".").split(".")
    if len(parts) == 1:
        return True  # no extension: .pgpass, Dockerfile, a script
    if parts[-1] in _PACKED_SUFFIXES:
        return False  # prod.env.gz is a gzip file (read once decompressed)
    return any(f".{part}" in _TEXT_SUFFIXES or part in _TEXT_STEMS for part in parts)


def _text_throughout(raw: bytes) -> bool:
    """Whether bytes that look binary at first (a signature, a NUL) are text all the same: UTF-8
    throughout once NUL bytes are set aside, with hardly a control character (a real binary
    format is neither)."""
    rest = raw.replace(b"\0", b"")
    try:
        rest.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return len(_CONTROL.findall(rest)) <= 0.01 * len(rest)


def read_text(raw: bytes, path: str | None = None) -> Reading:
    """A file's bytes as a reader shows them, or a binary file. A file whose name says text
    (``path``) is read as text whatever its bytes; so is one whose bytes are text throughout
    after a binary signature or among NUL bytes (a hostile author can write either)."""
    bom = _bom(raw)
    if bom is not None:
        encoding, skip = bom
        errors = _FALLBACK if encoding == "utf-8" else "replace"
        return Reading(raw[skip:].decode(encoding, errors=errors), f"{encoding} (BOM)")
    says_text = named_text(path)
    if has_binary_signature(raw[:_SAMPLE]) and not says_text and not _text_throughout(raw):
        return Reading(None)
    if b"\0" in raw:
        wide = _wide_encoding(raw[:_SAMPLE])
        if wide is not None:
            return Reading(raw.decode(wide, errors="replace"), wide)
        if not says_text and not _text_throughout(raw):
            return Reading(None)
    try:
        return Reading(raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if not says_text and _looks_binary(raw[:_SAMPLE]):
        return Reading(None)
    return Reading(raw.decode("utf-8", errors=_FALLBACK), "utf-8 (Latin-1 for bytes that are not)")


def is_binary_head(head: bytes) -> bool:
    """Whether a file whose first bytes are ``head`` is binary (``read_text`` of the whole file
    would say so, as far as its first bytes can tell)."""
    if _bom(head) is not None:
        return False
    if has_binary_signature(head):
        return True
    if b"\0" in head:
        return _wide_encoding(head) is None
    return _looks_binary(head[:_SAMPLE])


# --- escapes -------------------------------------------------------------------------------------

# \uXXXX, \UXXXXXXXX, \xXX, \/ (JSON), \" (a quote inside a JSON string: a notebook's code),
# \ooo (octal: Python, C, shell $'...'), \N{NAME} (Python), and \\ (kept as written).
_ESCAPE = re.compile(
    r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|x[0-9A-Fa-f]{2}|/|\"|[0-3][0-7]{2}|N\{[A-Z0-9 -]{1,60}+\}|\\)"
)
_HAS_ESCAPE = re.compile(
    r"\\(?:u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|x[0-9A-Fa-f]{2}|/|\"|[0-3][0-7]{2}|N\{[A-Z0-9 -]{1,60}+\})"
)
# What an escape must not become in a one-line rendering: a line break (it would move the rest
# of the line to another line) is read as a space.
_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


@dataclass(frozen=True, slots=True)
class Unescaped:
    """A line with its escapes decoded, and for each of its characters (and its end) the 0-based
    column of the line as written where that character's text begins."""

    text: str
    columns: tuple[int, ...]

    def column(self, index: int) -> int:
        """The 0-based column of the line as written of the rendering's character ``index``."""
        return self.columns[min(max(index, 0), len(self.columns) - 1)]


def _surrogate_pair(line: str, at: int) -> int | None:
    r"""The code point of ``\uD8xx\uDCxx`` at ``at``, or None."""
    high = int(line[at + 2 : at + 6], 16)
    low_escape = line[at + 6 : at + 12]
    if 0xD800 <= high < 0xDC00 and low_escape[:2] == "\\u" and len(low_escape) == 6:
        try:
            low = int(low_escape[2:], 16)
        except ValueError:
            return None
        if 0xDC00 <= low < 0xE000:
            return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
    return None


def unescape_line(line: str) -> Unescaped | None:
    r"""``line`` with its ``\uXXXX`` (surrogate pairs joined), ``\UXXXXXXXX``, ``\xXX``, ``\/``,
    ``\"``, octal ``\ooo`` and ``\N{NAME}`` escapes decoded, or None when it holds none. ``\\``
    stays as written (so that ``\\u0041`` is not read as an escape), and so do the escapes that
    cannot hide a letter (``\n``, ``\t``)."""
    if "\\" not in line or _HAS_ESCAPE.search(line) is None:
        return None
    parts: list[str] = []
    columns: list[int] = []
    position = 0
    while (match := _ESCAPE.search(line, position)) is not None:
        start, end = match.span()
        parts.append(line[position:start])
        columns.extend(range(position, start))
        escape = match.group()
        kind = escape[1]
        if kind == "\\":  # an escaped backslash stays as written
            parts.append(escape)
            columns.extend((start, start + 1))
            position = end
            continue
        if kind in '/"':
            char = kind
        elif kind == "N":
            try:
                char = unicodedata.lookup(escape[3:-1])
            except KeyError:
                char = escape  # not a name Python knows: it stays as written
        elif kind.isdigit():
            char = chr(int(escape[1:], 8))
        elif kind == "u" and (pair := _surrogate_pair(line, start)) is not None:
            char, end = chr(pair), start + 12
        else:
            code = int(escape[2:], 16)
            char = chr(code) if code < 0x110000 and not 0xD800 <= code < 0xE000 else "\ufffd"
        if char in _BREAKS:
            char = " "
        parts.append(char)
        columns.extend([start] * len(char))
        position = end
    parts.append(line[position:])
    columns.extend(range(position, len(line) + 1))
    text = "".join(parts)
    return Unescaped(text, tuple(columns)) if text != line else None


# String literals that the language joins into one: adjacent (Python, C), or joined by "+"
# (Python, Java, JavaScript), "~" (Jinja), "||" (SQL) or "." (PHP, Perl).
_LITERAL = re.compile(r"\"(?:[^\"\\\n]|\\.){0,400}+\"|'(?:[^'\\\n]|\\.){0,400}+'")
_JOIN = re.compile(r"[ \t]*+(?:\+|~|\|\||\.)?[ \t]*+")
# Two quotes with a join between them (or nothing): where literals may be joined. The caller
# checks the characters around (``joins_literals``): an empty literal ("") joins nothing.
_QUOTES_JOINED = re.compile(r"[\"'][ \t]*+(?:\+|~|\|\||\.)?[ \t]*+[\"']")


def joining_lines(text: str) -> set[int]:
    """The 1-based numbers of the lines of ``text`` that may join two non-empty string literals
    (a quote-led search: a text without such quotes costs a scan for its quotes)."""
    found: set[int] = set()
    line, position = 1, 0
    for match in _QUOTES_JOINED.finditer(text):
        start, end = match.span()
        inside = start > 0 and end < len(text)
        if inside and text[start - 1] not in "\"'\n" and text[end] not in "\"'\n":
            line += text.count("\n", position, start)
            position = start
            found.add(line)
    return found


def join_literals(line: str) -> Unescaped | None:
    """``line`` with string literals that the language joins written as one (``"ghp_Zq8w"
    "X2mN..."`` reads ``"ghp_Zq8wX2mN..."``), or None when it joins none: a token split into
    short pieces, each under every detector's limit, is read whole."""
    literals = list(_LITERAL.finditer(line))
    if len(literals) < 2:
        return None
    parts: list[str] = []
    columns: list[int] = []
    position = 0
    joined = False
    for left, right in itertools.pairwise(literals):
        gap = line[left.end() : right.start()]
        if line[left.start()] == line[right.start()] and _JOIN.fullmatch(gap):
            # drop the left literal's closing quote, the operator and the right one's opening
            parts.append(line[position : left.end() - 1])
            columns.extend(range(position, left.end() - 1))
            position = right.start() + 1
            joined = True
    if not joined:
        return None
    parts.append(line[position:])
    columns.extend(range(position, len(line) + 1))
    return Unescaped("".join(parts), tuple(columns))


def unescaped_lines(
    lines: list[str], joined: AbstractSet[int] = frozenset()
) -> dict[int, Unescaped]:
    """The 1-based numbers of the lines that hold escapes, or string literals that the language
    joins (``joined``: the lines ``joining_lines`` gives), each with its rendering."""
    found: dict[int, Unescaped] = {}
    for number, line in enumerate(lines, 1):
        rendering = unescape_line(line) if "\\" in line else None
        if rendering is None and number in joined:
            rendering = join_literals(line)
        if rendering is not None:
            found[number] = rendering
    return found
