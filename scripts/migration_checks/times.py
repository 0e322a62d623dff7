"""Times written in pull-request files: RFC 3339 with a UTC offset, or why a value is not one.

Shared by the gate (approval records) and the waivers (``expires_at``), which both compare a
time the pull request's author wrote with "now": a time without an offset names no moment, so it
is refused rather than read in some time zone.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?P<offset>[Zz]|[+-]\d{2}:\d{2})?$"
)


def parse_time(value: Any) -> datetime | str:
    """An RFC 3339 time with a UTC offset, or why it is not one."""
    if not isinstance(value, str):
        return "is not an RFC 3339 date-time"
    match = _RFC3339.match(value)
    if match is None:
        return "is not an RFC 3339 date-time (e.g. 2026-01-05T14:30:00Z)"
    if match["offset"] is None:
        return "has no UTC offset, so the moment it names is unknown; add Z or +hh:mm"
    text = value[:-1] + "+00:00" if value[-1] in "Zz" else value
    try:
        return datetime.fromisoformat(text.replace("t", "T"))
    except ValueError:
        return "is not a valid date-time"
