"""detect-secrets 1.5 as the engine: every plugin it ships and its default filters, with one
filter replaced and three dropped (the file's existence on disk, and the two that skip files by
name), configured for one check run by ``engine()``.

*ReDoS.* detect-secrets' ``is_indirect_reference`` filter backtracks catastrophically on long
lines of spaces (Yelp/detect-secrets#977); it is replaced by ``is_indirect_reference`` below,
which answers the same for every line in linear time. Its allowlist filter and the INI
transformer's allowlist patterns are replaced likewise (``linear``).

*Scope.* detect-secrets applies that filter to every plugin's finds on a line that looks like a
call (``x = f(...)``), which hides issuer-prefixed tokens passed to one:
``Client("SK<32 hex>", ...)``, ``boto3.client("s3", aws_access_key_id="AKIA...")``. The heuristic
is about a credential-named key given an expression, so here it judges only the plugins that
judge a key or a shape: the keyword and the entropy plugins (``is_indirect_reference_find``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.plugins import keyword as ds_keyword
from detect_secrets.plugins.base import BasePlugin
from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
from detect_secrets.settings import get_filters, transient_settings

from migration_checks.secret_detection.linear import (
    OWN_ALLOWLIST,
    STOCK_ALLOWLIST,
    linear_transformers,
)

_STOCK_INDIRECT = "detect_secrets.filters.heuristic.is_indirect_reference"
_OWN_INDIRECT = f"{__name__}.is_indirect_reference_find"
# detect-secrets checks that the file exists on disk under the name it is given; files here are
# read by the caller (contained, size-capped), and named relative to the migration directory.
_ON_DISK = "detect_secrets.filters.common.is_invalid_file"
# detect-secrets skips files by name: any path with "swagger" in it, and extensions it takes for
# binary (.css, .svg, .prefs, .sum, .map, .lock, .iml, ... besides real binaries). A hostile author
# names a file so; here a file is binary by its bytes (``decoding.read_text``), and every other
# file is read.
_BY_NAME = (
    "detect_secrets.filters.heuristic.is_swagger_file",
    "detect_secrets.filters.heuristic.is_non_text_file",
)


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
    with transient_settings({"plugins_used": plugins}) as settings, linear_transformers():
        settings.disable_filters(_ON_DISK, _STOCK_INDIRECT, STOCK_ALLOWLIST, *_BY_NAME)
        settings.filters[_OWN_INDIRECT] = {}
        settings.filters[OWN_ALLOWLIST] = {}
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


KEYWORD_TYPE = ds_keyword.KeywordDetector.secret_type
_REFERENCE_JUDGED = (ds_keyword.KeywordDetector, HighEntropyStringsPlugin)


def is_indirect_reference_find(secret: str, line: str, plugin: BasePlugin) -> bool:
    """The filter as registered (its parameters make detect-secrets call it for each find, with
    the plugin that found it): a keyword or entropy find on an indirect-reference line."""
    del secret  # a parameter so that detect-secrets passes the plugin; the line decides
    return isinstance(plugin, _REFERENCE_JUDGED) and is_indirect_reference(line)
