"""Run the simulator's jobs in parallel processes, the longest first.

A job is one policy setting for one team of reps (``runner._job_simulate``);
jobs are independent, so their results do not depend on where or in which
order they ran.
"""

import ctypes
import functools
import multiprocessing
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

# Relative CPU time of one team's run of a policy (measured: the refit's
# policies take 3-7 times a planner's, the published baselines about half).
JOB_COST = {"none": 0.05, "planner_refit": 5.0, "planner_refit_org": 4.0}


def jobs_run(function: Callable, jobs: list, workers: int) -> list:
    """``function(job)`` for every job, in the jobs' order.

    The costliest go first (``jobs_order``), so the processes finish together.
    One BLAS thread per process: the simulation makes only small BLAS calls,
    and a second thread spins on the core the other process needs. Worker
    processes also keep freed memory for reuse (``_malloc_keep_freed``).
    """
    order = jobs_order([job[-1] for job in jobs])
    ordered = [jobs[i] for i in order]
    if workers > 1 and len(jobs) > 1:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(workers, len(jobs)), initializer=_worker_setup) as pool:
            done = pool.map(function, ordered, chunksize=1)
    else:
        with threadpool_limits(limits=1, user_api="blas"):
            done = [function(job) for job in ordered]
        team_draws.cache_clear()
    outputs: list = [None] * len(jobs)
    for i, output in zip(order, done, strict=True):
        outputs[i] = output
    return outputs


def jobs_order(runs: list[tuple[str, float | None]]) -> list[int]:
    """Job indices, the costliest policies first (a stable sort by JOB_COST).

    ``runs`` are the jobs' (policy, setting). Jobs of one cost keep their
    order, so consecutive jobs mostly share a team and its draws.
    """

    def cost(i):
        name = runs[i][0]
        return JOB_COST.get(name, 1.0 if name.startswith("planner") else 0.5)

    return sorted(range(len(runs)), key=cost, reverse=True)


def _worker_setup() -> None:
    threadpool_limits(limits=1, user_api="blas")
    _malloc_keep_freed()


# glibc's mallopt parameters.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3


def _malloc_keep_freed() -> None:
    """Let glibc keep freed memory for reuse in this (worker) process.

    The refit's forward pass makes temporaries of a few hundred KB at every
    step; by default glibc maps each from the kernel and hands it back when
    freed, so every step pays its page faults again (a fifth of a refit's CPU
    time, measured). Values are unchanged; elsewhere than glibc, nothing.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(M_TRIM_THRESHOLD, 256 << 20)
    libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)


@functools.lru_cache(maxsize=2)
def team_draws(seed: int, first_rep: int, reps: int, days: int, questions: int):
    """Common random numbers: rep i gets the same draws under every policy.

    Uniform (recall, guess) draws per (rep, day, question); read-only, and
    cached for the process's next job of the same team.
    """
    draws = np.stack(
        [
            np.random.default_rng([seed, 1, first_rep + i]).random((days, questions, 2))
            for i in range(reps)
        ]
    )
    draws.flags.writeable = False
    return draws
