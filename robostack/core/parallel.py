"""Evaluation episodes, in this process or shared among worker processes.

A state (a policy and the world it acts in: simulators such as libsumo hold one simulation per
process) is built once per process and runs the episodes that process is handed. An episode must
depend on its seed alone; then the results of any number of workers equal the sequential ones,
returned in seed order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from typing import Any, TypeVar

Result = TypeVar("Result")
State = TypeVar("State")

_state: Any = None
"""This worker's state, made once by `_start_worker` and kept for all its episodes."""


def use_one_torch_thread() -> None:
    """Evaluations run networks on one thread, in a worker or not: workers already share the cores,
    and more threads sum a network in another order, which can end an episode differently, so the
    figures would depend on the machine and on ``--workers``."""
    import torch

    torch.set_num_threads(1)


def keep(state: State) -> State:
    """``partial(keep, state)`` is a ``make_state`` that hands over a state already built here."""
    return state


def _start_worker(make_state: Callable[[], Any]) -> None:
    global _state
    use_one_torch_thread()
    _state = make_state()


def _run_episode(episode: Callable[[Any, int], Result], seed: int) -> Result:
    return episode(_state, seed)


def run_episodes(
    make_state: Callable[[], State],
    episode: Callable[[State, int], Result],
    seeds: Sequence[int],
    workers: int = 1,
    on_result: Callable[[Result], None] | None = None,
    close: Callable[[State], None] | None = None,
) -> list[Result]:
    """``episode(state, seed)`` for every seed. With ``workers`` > 1 they run in that many spawned
    processes, each with its own ``make_state()``, and both callables must be picklable
    (module-level functions or partials of them); otherwise in this process, ending with
    ``close(state)``. ``on_result`` sees each result as it finishes; the list is in seed order.
    More workers than seeds would only start idle processes, so there are never more."""
    workers = min(workers, len(seeds))
    if workers > 1:
        return _run_in_workers(make_state, episode, seeds, workers, on_result)
    state = make_state()
    results = []
    try:
        for seed in seeds:
            results.append(episode(state, seed))
            if on_result is not None:
                on_result(results[-1])
    finally:
        if close is not None:
            close(state)
    return results


def _run_in_workers(
    make_state: Callable[[], Any],
    episode: Callable[[Any, int], Result],
    seeds: Sequence[int],
    workers: int,
    on_result: Callable[[Result], None] | None,
) -> list[Result]:
    with ProcessPoolExecutor(workers, get_context("spawn"), _start_worker, (make_state,)) as pool:
        futures = [pool.submit(_run_episode, episode, seed) for seed in seeds]
        for future in as_completed(futures):
            if on_result is not None:
                on_result(future.result())
        return [f.result() for f in futures]
