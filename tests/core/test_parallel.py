"""core.parallel: episodes in this process or in workers, in seed order, with the state closed."""

from __future__ import annotations

import operator
from functools import partial

from robostack.core.parallel import run_episodes


def test_episodes_come_back_in_seed_order_in_process_and_in_workers() -> None:
    seen: list[int] = []
    closed: list[int] = []
    make_state = partial(int, 10)  # picklable: every process's state is 10
    one = run_episodes(make_state, operator.add, [3, 1, 2], on_result=seen.append, close=closed.append)
    assert one == [13, 11, 12] and seen == one and closed == [10]
    seen.clear()
    two = run_episodes(make_state, operator.add, [3, 1, 2], workers=2, on_result=seen.append)
    assert two == one and sorted(seen) == sorted(one)
