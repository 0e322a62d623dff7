"""One function over many files, on every core: forked workers, the biggest files first.

A check that reads every byte of a migration directory (the secret scan) is bound by one core:
Python runs one thread at a time, and detect-secrets, which it is measured against, uses every
core. ``spread`` forks workers (``fork``, so that they start with this process's modules and
state: detect-secrets' settings, compiled patterns, the parsed artifacts; nothing is pickled to
them but a batch's number) and hands them batches, the biggest first, as each worker is free.

- **The same answer as one process.** Results come back in the order of the items, and an item
  is done by the same function with the same state.
- **A lost worker loses nothing.** A worker that dies (killed, out of memory) breaks the pool;
  every batch whose result did not come back is done again here, in this process, so a crash
  never turns into a file left unread, let alone a clean one. A batch that raised in its
  worker is done again here too, where the exception is raised as it would be in one process.
- **Only where it pays.** With one usable core, one item, or less than ``min_weight`` of work,
  the items are done here: forking costs milliseconds that a small tree does not repay.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

MAX_WORKERS = 4  # each worker holds a copy of the pages it touches: memory grows with the count
_BATCHES_PER_WORKER = 8  # enough to even out what the biggest items leave
_JOB: tuple[Callable[[str], Any], list[list[str]]] | None = None


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def spread(
    items: Sequence[str],
    weight: Callable[[str], int],
    function: Callable[[str], T],
    *,
    min_weight: int,
    workers: int | None = None,
) -> Iterator[T]:
    """``function(item)`` of each item, in order; on ``workers`` forked processes (default:
    the usable cores, at most MAX_WORKERS) when the items weigh ``min_weight`` or more."""
    global _JOB
    count = min(workers or usable_cores(), MAX_WORKERS, len(items))
    weights = {item: weight(item) for item in items}
    fork = "fork" in multiprocessing.get_all_start_methods()
    if count < 2 or not fork or _JOB is not None or sum(weights.values()) < min_weight:
        yield from map(function, items)
        return
    batches = _batches(items, weights, count * _BATCHES_PER_WORKER)
    results: dict[str, T] = {}
    _JOB = (function, batches)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
            futures = [pool.submit(_run_batch, number) for number in range(len(batches))]
            for batch, future in zip(batches, futures, strict=True):
                results.update(zip(batch, _outcome(future, batch, function), strict=True))
    finally:
        _JOB = None
    for item in items:
        yield results[item]


def _batches(items: Sequence[str], weights: dict[str, int], wanted: int) -> list[list[str]]:
    """The items, heaviest first, cut into about ``wanted`` batches of about the same weight (an
    item heavier than that is a batch of its own)."""
    ordered = sorted(items, key=lambda item: -weights[item])
    share = max(1, sum(weights.values()) // wanted)
    batches: list[list[str]] = []
    current: list[str] = []
    held = 0
    for item in ordered:
        current.append(item)
        held += weights[item]
        if held >= share:
            batches.append(current)
            current, held = [], 0
    if current:
        batches.append(current)
    return batches


def _run_batch(number: int) -> list[Any]:
    assert _JOB is not None, "a worker starts with the job it was forked for"
    function, batches = _JOB
    return [function(item) for item in batches[number]]


def _outcome(future: Future[list[T]], batch: list[str], function: Callable[[str], T]) -> list[T]:
    """A batch's results from its worker; or, when the worker is lost or its batch failed there,
    from this process (where an exception of the function is raised as in one process)."""
    try:
        return future.result()
    except Exception:
        return [function(item) for item in batch]
