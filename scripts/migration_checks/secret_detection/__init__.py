"""Secrets in pull-request files: detect-secrets as the judge, made fast, and rules of our own.

Shared by ``secrets_scan`` (every file outside ``configs/``) and ``credential_validation``
(``configs/``), so that both judge a value the same way. A secret value never leaves this
package (``hits``).

**The engine** is detect-secrets 1.5 with every plugin and its default filters (``engine``),
reading each file the way ``detect_secrets.core.scan.scan_file`` does (``reading``). Three things
differ: its speed (``prefilter``), the lines of YAML values (``yaml_values``), and one filter's
catastrophic backtracking (``engine``). **Our rules** add what detect-secrets misses: URLs and
credential values (``rules``), token formats after gitleaks' list (``tokens``), connection
strings, SQL, .pgpass, HTTP authentication, prose and assignments (``statements``); see
docs/secrets-rules.md. References, placeholders and properties of credentials (``references``),
digests and signatures at their known places (``digests``), and the engine's false alarms
known by place and shape (``precision``: digests under other names, public keys, signature
blocks, elided keys, identifiers, ciphertext, base64 of files and documents judged by their text
with ``blobs``) are not secrets. ``scan`` puts these together
into a file's hits, ``baseline`` reads the audited false positives, and ``problems`` turns both
into what the two checks yield.

Imports flow one way, from ``scan`` and ``problems`` (which nothing in the package imports)
down to ``engine``, ``yaml_values``, ``references``, ``digests`` and ``hits`` (which import no
other module of it). This module re-exports the names the checks, the tests and the benchmarks
use.
"""

from __future__ import annotations

from migration_checks.secret_detection.baseline import Baseline, load_baseline
from migration_checks.secret_detection.engine import engine, is_indirect_reference, plugin_classes
from migration_checks.secret_detection.hits import FIXED_TEXTS, Hit
from migration_checks.secret_detection.prefilter import (
    ENGINE_PINNED,
    candidate_lines,
    candidate_plugins,
    engine_pinned_digest,
    prefilter_on,
)
from migration_checks.secret_detection.problems import (
    CONFIGS_DIR,
    baseline_problems,
    hit_problems,
    not_scanned_problem,
    suppressed_notice,
)
from migration_checks.secret_detection.reading import engine_scan
from migration_checks.secret_detection.references import (
    NO_ALLOWED_SCHEME,
    credential_key,
    key_words,
    reference_problem,
)
from migration_checks.secret_detection.rules import (
    CREDENTIAL_VALUE,
    URL_PARAMETER,
    URL_USERINFO,
    mapping_entries,
)
from migration_checks.secret_detection.scan import (
    MAX_HITS_PER_FILE,
    Options,
    ScanStopped,
    scan_file,
    scan_files,
    scan_text,
)

__all__ = [
    "CONFIGS_DIR",
    "CREDENTIAL_VALUE",
    "ENGINE_PINNED",
    "FIXED_TEXTS",
    "MAX_HITS_PER_FILE",
    "NO_ALLOWED_SCHEME",
    "URL_PARAMETER",
    "URL_USERINFO",
    "Baseline",
    "Hit",
    "Options",
    "ScanStopped",
    "baseline_problems",
    "candidate_lines",
    "candidate_plugins",
    "credential_key",
    "engine",
    "engine_pinned_digest",
    "engine_scan",
    "hit_problems",
    "is_indirect_reference",
    "key_words",
    "load_baseline",
    "mapping_entries",
    "not_scanned_problem",
    "plugin_classes",
    "prefilter_on",
    "reference_problem",
    "scan_file",
    "scan_files",
    "scan_text",
    "suppressed_notice",
]
