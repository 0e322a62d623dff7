"""parallel.spread: the results of one process, in order, whatever happens to a worker."""

from __future__ import annotations

import os
import signal

import pytest

from migration_checks import parallel

ITEMS = [f"item-{n:03}" for n in range(60)]
PARENT = os.getpid()


def weight(item: str) -> int:
    return 1000 + int(item[-3:])


def pid_and_item(item: str) -> tuple[int, str]:
    return os.getpid(), item.upper()


def test_many_items_are_done_by_workers_and_come_back_in_order() -> None:
    results = list(parallel.spread(ITEMS, weight, pid_and_item, min_weight=1, workers=2))
    assert [item for _, item in results] == [item.upper() for item in ITEMS]
    pids = {pid for pid, _ in results}
    assert PARENT not in pids and len(pids) == 2  # two forked workers shared the batches


def test_too_little_work_is_done_in_this_process() -> None:
    total = sum(map(weight, ITEMS))
    results = list(parallel.spread(ITEMS, weight, pid_and_item, min_weight=total + 1, workers=2))
    assert {pid for pid, _ in results} == {PARENT}
    single = list(parallel.spread(ITEMS, weight, pid_and_item, min_weight=1, workers=1))
    assert {pid for pid, _ in single} == {PARENT}


def killed_in_a_worker(item: str) -> tuple[int, str]:
    if item == "item-007" and os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
    return pid_and_item(item)


def test_a_killed_worker_loses_no_item() -> None:
    results = list(parallel.spread(ITEMS, weight, killed_in_a_worker, min_weight=1, workers=2))
    assert [item for _, item in results] == [item.upper() for item in ITEMS]
    assert {item: pid for pid, item in results}["ITEM-007"] == PARENT


def failing(item: str) -> str:
    if item == "item-042":
        raise ValueError("the function's own error")
    return item


def test_an_error_of_the_function_is_raised_here_as_in_one_process() -> None:
    with pytest.raises(ValueError, match="the function's own error"):
        list(parallel.spread(ITEMS, weight, failing, min_weight=1, workers=2))


def test_batches_hold_every_item_once_the_heaviest_first() -> None:
    weights = {item: weight(item) for item in ITEMS} | {"huge": 10**6}
    batches = parallel._batches([*ITEMS, "huge"], weights, 8)
    assert batches[0] == ["huge"]  # heavier than a share: a batch of its own, first
    assert sorted(item for batch in batches for item in batch) == sorted([*ITEMS, "huge"])
