"""Every secret of a file: what the engine finds, less references, placeholders and digests at
their known places, and what our rules find besides; each a ``Hit``, never the value.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import chain
from typing import TYPE_CHECKING, Any

from detect_secrets.core.potential_secret import PotentialSecret

from migration_checks import fs
from migration_checks.documents import (
    Document,
    DocumentError,
    Limits,
    format_of,
    parse_document,
)
from migration_checks.fs import TooLarge, UnsafePath
from migration_checks.model import Location
from migration_checks.parallel import spread
from migration_checks.pointers import pointer
from migration_checks.secret_detection.baseline import DEFAULT_BASELINE
from migration_checks.secret_detection.ci_files import line_false_alarm
from migration_checks.secret_detection.containers import (
    Inflated,
    credential_container,
    decompressed,
    fingerprint,
)
from migration_checks.secret_detection.decoding import (
    Unescaped,
    is_binary_head,
    joining_lines,
    named_text,
    read_text,
    unescaped_lines,
)
from migration_checks.secret_detection.digests import (
    known_digests,
    may_hold_digests,
    sha256sum_digest,
)
from migration_checks.secret_detection.engine import KEYWORD_TYPE, engine
from migration_checks.secret_detection.hits import FileScan, Hit, identifies
from migration_checks.secret_detection.linear import fold
from migration_checks.secret_detection.notebooks import is_notebook, notebook_sources
from migration_checks.secret_detection.precision import false_alarm, own_false_alarm
from migration_checks.secret_detection.reading import engine_scan_lines, yaml_format_scan_lines
from migration_checks.secret_detection.references import (
    DEFAULT_REF_SCHEMES,
    KEY_QUALIFIERS,
    key_words,
    names_a_property,
    not_a_secret,
)
from migration_checks.secret_detection.rules import (
    CREDENTIAL_VALUE,
    credential_values,
    kubernetes_secret_values,
    named_values,
    url_secrets,
)
from migration_checks.secret_detection.statements import statement_secrets
from migration_checks.secret_detection.tokens import token_secrets

if TYPE_CHECKING:
    from migration_checks.context import MigrationContext
    from migration_checks.policy import Policy


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


_KEY_CHARS = re.compile(r"[A-Za-z0-9_.\-]+")
_OPERATORS = (":=", "=>", "===", "==", "!==", "!=", ":", "=")


def key_before(line: str, at: int) -> str | None:
    """The key of the assignment that ``line[:at]`` ends with (``password_ref = "``), or None:
    what ``([A-Za-z0-9_.\\-]+)["'\\]\\)]*\\s*(?::=|=>|===?|!==?|[:=])\\s*[@"'`]?\\s*\\Z``
    searched in ``line[:at]`` finds as its group 1, read from the right in linear time (the
    search backtracks quadratically on a long run of white space or of key characters)."""
    head = line[:at].rstrip()  # str.rstrip() strips what \\s matches: Py_UNICODE_ISSPACE
    if head.endswith(("@", '"', "'", "`")):
        head = head[:-1].rstrip()
    found: tuple[int, str] | None = None
    for operator in _OPERATORS:
        if head.endswith(operator):
            rest = head[: -len(operator)].rstrip().rstrip("\"'])")
            key = _KEY_CHARS.match(rest[::-1])
            if key is not None and (found is None or len(rest) - key.end() < found[0]):
                found = (len(rest) - key.end(), key.group()[::-1])  # the leftmost match
    return found[1] if found else None


_STRUCTURED_GATE_WORDS = "password|passwd|pwd|pass|passphrase|secret|token|credential|bearer|key"


def _keyword_names_property(line: str, value: str) -> bool:
    """Whether the keyword plugin's find is the value of a key such as ``password_ref`` or
    ``password_policy``: its keyword matched a key that names a reference or a property."""
    at = line.find(value)
    if at <= 0:
        return False
    key = key_before(line, at)
    return key is not None and names_a_property(key)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# A file with this many secrets is blocked whatever the rest of it holds; judging the rest would
# only cost time (each find is judged against the lines around it), so the scan of the file
# stops there and says so: a file of a million keyword lines takes a fraction of a second.
MAX_HITS_PER_FILE = 1000


class ScanStopped(Exception):
    """``scan_text`` found ``most`` secrets and read no further; ``hits`` are those found."""

    def __init__(self, hits: list[Hit]) -> None:
        super().__init__(f"stopped after {len(hits)} secrets")
        self.hits = sorted(hits, key=_hit_order)


def _hit_order(hit: Hit) -> tuple[int, int, str]:
    return (hit.line or 0, hit.column or 0, hit.kind)


class _Lines:
    """A text's lines (``\\n``, ``\\r\\n`` or ``\\r`` ended), split only when first needed."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: list[str] | None = None
        self._starts: list[int] | None = None

    def all(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return self._lines

    def __getitem__(self, number: int) -> str:
        lines = self.all()
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset of the text (the line starts found
        once, so that many findings in a big file stay linear)."""
        if self._starts is None:
            self._starts = [0, *(m.end() for m in _LINE_BREAK.finditer(self.text))]
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


# A YAML tag before a value (``password: !secret "x"``, ``- !!str x``, CloudFormation's ``!Sub``):
# the readers of values skip a tagged scalar, and an artifact with one does not parse at all.
_YAML_TAG = re.compile(
    r"(?<=[:\-\[{,?][ \t])[ \t]*+!(?:<[^>\n]{0,200}+>|!?[\w.:/-]{0,200}+)(?=[ \t]|$)", re.M
)


def untagged(text: str) -> str | None:
    """A YAML text with each tag before a value turned into spaces (lines and columns kept), or
    None when it has none."""
    if "!" not in text or _YAML_TAG.search(text) is None:
        return None
    return _YAML_TAG.sub(lambda tag: " " * len(tag.group()), text)


def scan_text(
    path: str,
    text: str,
    options: Options,
    document: Callable[[], Document | None] = lambda: None,
    *,
    most: int | None = None,
) -> list[Hit]:
    """Every secret of a file's text, inside ``engine()``. ``document`` gives the file parsed
    (JSON or YAML), when it is one, for the credential-value rule and the known digests. With
    ``most``, ``ScanStopped`` is raised as soon as that many are found. A YAML text with tags is
    also read with its tags blanked out (a tag must not hide the value after it); what only that
    reading finds is added."""
    hits = _scan_text(path, text, options, document, most=most)
    plain = untagged(text) if format_of(path) == "yaml" else None
    if plain is None:
        return hits

    def plain_document() -> Document | None:
        try:
            return parse_document(path, plain.encode("utf-8"), "yaml", _LOOSE, plain_data=False)
        except DocumentError:
            return None

    seen = {(hit.line, hit.hashed_secret) for hit in hits}
    more = [
        hit
        for hit in _scan_text(path, plain, options, plain_document, most=most)
        if (hit.line, hit.hashed_secret) not in seen
    ]
    if most is not None and len(hits) + len(more) >= most:
        raise ScanStopped([*hits, *more])
    return sorted([*hits, *more], key=_hit_order)


_LOOSE = Limits()


def _scan_text(
    path: str,
    text: str,
    options: Options,
    document: Callable[[], Document | None],
    *,
    most: int | None,
) -> list[Hit]:
    lines = _Lines(text)
    hits: list[Hit] = []
    engine_hashes: set[str] = set()
    structured = format_of(path) is not None or path == options.baseline
    digests: dict[str, set[int | tuple[str | int, ...]]] | None = None

    def known_digest(value: str, where: int | tuple[str | int, ...] | None) -> bool:
        """Whether ``value`` is a digest at one of its known places: ``where`` is the line of
        an engine's find, or the path of a parsed value (the same text elsewhere in the file is
        not excused)."""
        nonlocal digests
        if digests is None:
            digests = {}
            parsed = document() if structured and may_hold_digests(text) else None
            if parsed is not None:
                for digest, places in known_digests(parsed.data).items():
                    lines = {parsed.at(pointer(*place)).line or 0 for place in places}
                    digests[digest] = {*places, *lines}
        return where is not None and where in digests.get(value, ())

    # Whether a find is a reference, a placeholder or a property, by its value and the line it
    # was read on (asked once for each, where a file repeats a line by the thousand).
    dismissed: dict[tuple[str, str, str], bool] = {}

    def engine_hits(scanned: str, source_of: Callable[[int], str]) -> Iterator[Hit]:
        judged: set[tuple[str, int, str]] = set()
        for secret, read_line in chain(
            engine_scan_lines(path, scanned), yaml_format_scan_lines(path, scanned)
        ):
            identity = (secret.type, secret.line_number, secret.secret_hash)
            if identity in judged:
                continue
            judged.add(identity)
            value = secret.secret_value or ""
            key = (secret.type, value, read_line)
            dismiss = dismissed.get(key)
            if dismiss is None:
                dismiss = dismissed[key] = not_a_secret(value, options.schemes) or (
                    secret.type == KEYWORD_TYPE and _keyword_names_property(read_line, value)
                )
            if dismiss:
                continue
            source = source_of(secret.line_number)
            if sha256sum_digest(source) == value or known_digest(value, secret.line_number):
                continue
            if false_alarm(secret.type, value, secret.line_number, source_of):
                continue
            if line_false_alarm(secret.type, value, secret.line_number, source_of, path):
                continue
            column = source.find(value)
            yield Hit(
                secret.type,
                path,
                secret.line_number,
                column + 1 if column >= 0 else None,
                secret.secret_hash,
                identifies=identifies(secret.type, value),
            )

    own: dict[tuple[int | None, str], Hit] = {}

    def enough() -> None:
        # own's finds on the engine's lines are dropped below: each is a secret all the same
        if most is not None and len(hits) + len(own) >= most:
            raise ScanStopped([*hits, *own.values()])

    for hit in engine_hits(text, lines.__getitem__):
        hits.append(hit)
        engine_hashes.add(hit.hashed_secret)
        enough()
    folded = fold(text)
    for found in chain(
        url_secrets(text, options.schemes),
        token_secrets(text, folded),
        statement_secrets(path, text, folded, structured=structured, schemes=options.schemes),
    ):
        line, column = lines.position(found.offset)
        if line_false_alarm(found.kind, found.value, line, lines.__getitem__, path):
            continue
        if own_false_alarm(path, found.value, lines[line], column - 1):
            continue
        hashed = _hash(found.value)
        own.setdefault((line, hashed), Hit(found.kind, path, line, column, hashed))
        enough()
    # Lines with escapes (``\u0041KIA...``) or string literals joined (``"ghp_" "Zq8w..."``),
    # scanned once more as read: what is found there only is reported at its line, at the column
    # of the file where its text begins.
    joined = joining_lines(text)
    renderings = unescaped_lines(lines.all(), joined) if "\\" in text or joined else {}
    notebook = is_notebook(path) and "\\" in text
    if notebook:  # a cell's code, its quotes escaped in JSON, read decoded too
        renderings.update(notebook_sources(lines.all()))
    if renderings:
        shadow = _Lines(_shadow_text(renderings))
        for hit in engine_hits(shadow.text, shadow.__getitem__):
            if hit.hashed_secret in engine_hashes or hit.line is None:
                continue
            at = hit.column
            if at is not None:
                at = renderings[hit.line].column(at - 1) + 1
            hits.append(replace(hit, column=at))
            engine_hashes.add(hit.hashed_secret)
            enough()
        # the code a rendering shows (a notebook's cell, joined literals) is not structured
        cells = statement_secrets(
            path, shadow.text, fold(shadow.text), structured=False, schemes=options.schemes
        )
        for found in chain(
            url_secrets(shadow.text, options.schemes),
            token_secrets(shadow.text, fold(shadow.text)),
            cells,
        ):
            hashed = _hash(found.value)
            line, at = shadow.position(found.offset)
            if line_false_alarm(found.kind, found.value, line, shadow.__getitem__, path):
                continue
            at = renderings[line].column(at - 1) + 1 if line in renderings else at
            own.setdefault((line, hashed), Hit(found.kind, path, line, at, hashed))
            enough()
    rules = _parsed_data_rules(text, options) if structured else ()
    if rules:
        parsed = document()
        if parsed is not None:
            for where, key, value in chain.from_iterable(
                rule(parsed.data, options) for rule in rules
            ):
                location = parsed.at(pointer(*where))
                if known_digest(value, where) or _judged_as_keyword(value, location, lines):
                    continue
                hashed = _hash(value)
                own.setdefault(
                    (location.line, hashed),
                    Hit(CREDENTIAL_VALUE, path, location.line, location.column, hashed, key=key),
                )
                enough()
    # A value the engine found (anywhere in the file), or a line it found something on, is not
    # reported again by our rules (a private key in a block scalar: the engine's "Private Key"
    # covers the credential-value rule's whole value).
    engine_lines = {hit.line for hit in hits}
    hits.extend(
        hit
        for hit in own.values()
        if hit.hashed_secret not in engine_hashes and hit.line not in engine_lines
    )
    return sorted(hits, key=_hit_order)


def _judged_as_keyword(value: str, location: Location, lines: _Lines) -> bool:
    """A value under a credential's key is what the keyword plugin finds: the same places and
    shapes make it a false alarm (judged where the parsed value starts)."""
    if location.line is None or location.column is None:
        return False
    start = location.column - 1
    return false_alarm(KEYWORD_TYPE, value, location.line, lines.__getitem__, start=start)


def _shadow_text(renderings: dict[int, Unescaped]) -> str:
    """A text whose lines are the renderings at their numbers, and empty elsewhere."""
    last = max(renderings)
    return "\n".join(renderings[n].text if n in renderings else "" for n in range(1, last + 1))


_Found = Iterator[tuple[tuple[str | int, ...], str, str]]
_ParsedRule = Callable[[Any, Options], _Found]


def _credential_values(data: Any, options: Options) -> _Found:
    return credential_values(data, options.extra_keys, options.schemes)


def _kubernetes_secret_values(data: Any, options: Options) -> _Found:
    return kubernetes_secret_values(data, options.schemes)


def _named_values(data: Any, options: Options) -> _Found:
    return named_values(data, options.extra_keys, options.schemes)


@cache
def _gate_patterns(extra_keys: frozenset[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A credential word as a key (``password:``), and the credential words themselves."""
    words = "|".join([_STRUCTURED_GATE_WORDS, *(re.escape(k) for k in sorted(extra_keys))])
    return re.compile(rf"(?:{words})s?[\"'\]]?\s*[:=]"), re.compile(rf"{words}|pw\b")


# "key" names a credential only after a qualifier (api_key; primary_key names none)
_KEY_QUALIFIED = re.compile(rf"(?:{'|'.join(sorted(KEY_QUALIFIERS))})[_.-]?\Z")


_KUBERNETES_SECRET = re.compile(r"kind:[ \t]*+[\"']?secret\b")
_VALUE_KEY = re.compile(r"\bvalue[\"']?[ \t]*+[:=]")
_NAME_KEY = re.compile(r"(?:name|key)[\"']?[ \t]*+[:=][^\n]{0,80}+\Z")
_OPTION_BEFORE = re.compile(r"(?:^|[^a-z0-9_-])--?(?:[a-z]{1,20}+-)?\Z")
_PAIR_BEFORE = re.compile(r"\[[ \t]*+[\"']?[a-z0-9_.-]{0,40}+\Z")
_ASSIGNED_AFTER = re.compile(r"[a-z0-9_]*+=")
_BEFORE = 100  # characters before a credential word where its name's place is looked for


def _names_a_credential(folded: str, named: re.Pattern[str]) -> bool:
    """Whether a folded JSON or YAML text gives a credential's name a value without a
    credential-named key: ``- POSTGRES_PASSWORD=x``, ``--password``, ``[X-Api-Key, ...]``, or
    ``name: DB_PASSWORD`` in a text with a ``value`` key. Each credential word is looked at
    from where it is (a search from every ``-`` or ``[`` of a big file costs far more)."""
    pairs = None
    for word in named.finditer(folded):
        start, end = word.span()
        if (
            word.group() == "key"
            and _KEY_QUALIFIED.search(folded, max(0, start - 13), start) is None
        ):
            continue
        line_start = folded.rfind("\n", max(0, start - _BEFORE), start) + 1
        head = folded[max(line_start, start - _BEFORE) : start]
        if _ASSIGNED_AFTER.match(folded, end) is not None:
            return True
        if _OPTION_BEFORE.search(head) is not None or _PAIR_BEFORE.search(head) is not None:
            return True
        if _NAME_KEY.search(head) is not None:
            if pairs is None:
                pairs = _VALUE_KEY.search(folded) is not None
            if pairs:
                return True
    return False


def _parsed_data_rules(text: str, options: Options) -> tuple[_ParsedRule, ...]:
    """The rules on parsed data that could find anything in a JSON or YAML text (all of them
    when it has escapes: any key could be spelled with them)."""
    if "\\" in text:
        return (_credential_values, _kubernetes_secret_values, _named_values)
    keys, named = _gate_patterns(options.extra_keys)
    folded = fold(text)
    rules: list[_ParsedRule] = []
    if keys.search(folded) is not None:
        rules.append(_credential_values)
    if _KUBERNETES_SECRET.search(folded) is not None:
        rules.append(_kubernetes_secret_values)
    if _names_a_credential(folded, named):
        rules.append(_named_values)
    return tuple(rules)


def scan_file(ctx: MigrationContext, path: str, options: Options) -> FileScan:
    """Scan one file of the migration directory, read under its containment and size rules."""
    try:
        raw = ctx.read_bytes(path)
    except TooLarge as exc:
        if _binary_head(ctx, path) and not named_text(path):
            return FileScan(path)
        return FileScan(path, not_scanned=f"{exc} (limits.max_file_bytes)")
    except (UnsafePath, OSError):
        return FileScan(path)  # a link or a special file: file_structure refuses it
    reading = read_text(raw, path)
    text = reading.text
    if text is None:
        return _binary_file(path, raw, options)
    as_read = text  # UTF-16/32, a BOM, stray bytes: the parsers read UTF-8, so they get this

    def document() -> Document | None:
        if reading.encoding == "utf-8":
            return _parsed(ctx, path, options)
        return _parsed_text(ctx, path, as_read)

    try:
        hits = scan_text(path, text, options, document, most=MAX_HITS_PER_FILE)
    except ScanStopped as stopped:
        return _stopped(path, stopped)
    except Exception as exc:  # fail closed on this file, and never quote its text
        return FileScan(path, not_scanned=f"internal {type(exc).__name__} while scanning it")
    return FileScan(path, tuple(hits))


def _stopped(path: str, stopped: ScanStopped) -> FileScan:
    return FileScan(
        path,
        tuple(stopped.hits),
        not_scanned=f"the scan stopped after the first {len(stopped.hits)} secrets found in it, "
        "and did not judge the rest of it",
    )


def _binary_file(path: str, raw: bytes, options: Options) -> FileScan:
    """A binary file: reported when it is a credential (a key store, a DER private key), read
    once decompressed when it is compressed text, and otherwise not scanned."""
    kind = credential_container(path, raw)
    if kind is not None:
        return FileScan(path, (Hit(kind, path, None, None, fingerprint(raw)),))
    try:
        inner = decompressed(raw)
    except Inflated:
        return FileScan(path, not_scanned="it inflates past the decompression limits")
    if inner is None:
        return FileScan(path)
    inner_path = path.rsplit(".", 1)[0]  # prod.env.gz holds prod.env: its rules are a .env's
    text = read_text(inner, inner_path).text
    if text is None:
        return FileScan(path)
    try:
        hits = scan_text(inner_path, text, options, most=MAX_HITS_PER_FILE)
        return FileScan(path, tuple(replace(hit, path=path) for hit in hits))
    except ScanStopped as stopped:
        stopped.hits = [replace(hit, path=path) for hit in stopped.hits]
        return _stopped(path, stopped)
    except Exception as exc:  # fail closed on this file, and never quote its text
        return FileScan(path, not_scanned=f"internal {type(exc).__name__} while scanning it")


_HEAD_BYTES = 8192


def _binary_head(ctx: MigrationContext, path: str) -> bool:
    """Whether a file's first bytes say it is binary (then it is not scanned, whatever its
    size)."""
    try:
        head = fs.read_head_contained(ctx.root, path, _HEAD_BYTES)
    except (UnsafePath, OSError):
        return False
    return is_binary_head(head)


def _parsed(ctx: MigrationContext, path: str, options: Options) -> Document | None:
    if path == options.baseline:
        # detect-secrets' JSON, whatever its name: its hashed_secret values are known digests.
        try:
            return parse_document(path, ctx.read_bytes(path), "json", ctx.limits)
        except (DocumentError, TooLarge, UnsafePath, OSError):
            return None
    outcome = ctx.parse(path)
    return outcome if isinstance(outcome, Document) else None


def _parsed_text(ctx: MigrationContext, path: str, text: str) -> Document | None:
    """A JSON or YAML file that is not UTF-8, parsed as it reads (a UTF-16 Kubernetes Secret
    hides nothing from the credential-value rule)."""
    kind = format_of(path)
    if kind is None:
        return None
    try:
        return parse_document(path, text.encode("utf-8"), kind, ctx.limits, plain_data=False)
    except DocumentError:
        return None


# What a file's path is read as by the engine (its format plugins: a path is no assignment).
_NAME_READ_AS = "name.txt"
_NOT_IN_NAMES = frozenset(
    {KEYWORD_TYPE, "Base64 High Entropy String", "Hex High Entropy String", "Public IP (ipv4)"}
)


def name_hits(path: str) -> tuple[Hit, ...]:
    """Credentials of a known format in a file's path (``code/AKIA....txt``): a name is in the
    repository's history as its content is. Only formats count: a path is no assignment, and a
    digest or an address in a name is no secret."""
    found = {
        (secret.type, secret.secret_value or "")
        for secret, _ in engine_scan_lines(_NAME_READ_AS, path)
        if secret.type not in _NOT_IN_NAMES
    }
    found |= {(token.kind, token.value) for token in token_secrets(path, fold(path))}
    # One hit for each type: the engine's GitHub plugin reports a token's prefix where ours
    # reports the whole token, which is what tells it from another.
    by_kind: dict[str, str] = {}
    for kind, value in sorted(found, key=lambda item: len(item[1])):
        by_kind[kind] = value
    return tuple(
        Hit(kind, path, None, None, _hash(value), identifies=identifies(kind, value), in_name=True)
        for kind, value in sorted(by_kind.items())
    )


def _with_name_hits(scan: FileScan) -> FileScan:
    named = name_hits(scan.path)
    return replace(scan, hits=(*named, *scan.hits)) if named else scan


# Below this many bytes (a file counts at least _FILE_WEIGHT), one process scans faster than
# forking workers does.
PARALLEL_BYTES = 1 << 20
_FILE_WEIGHT = 4096


def scan_files(
    ctx: MigrationContext, paths: Sequence[str], options: Options, *, workers: int | None = None
) -> Iterator[FileScan]:
    """Scan each file, with detect-secrets configured for the whole run; a big tree on every
    usable core (``parallel.spread``: the same results, in the same order, as one process)."""
    sizes = ctx.tree.files
    with engine():
        yield from spread(
            paths,
            lambda path: max(sizes.get(path, 0), _FILE_WEIGHT),
            lambda path: _with_name_hits(scan_file(ctx, path, options)),
            min_weight=PARALLEL_BYTES,
            workers=workers,
        )
