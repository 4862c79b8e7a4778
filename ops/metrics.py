"""Prometheus metrics of answers, plans, deliveries and Celery tasks.

Counters are cheap (a lock and an add, or an mmap write in multiprocess mode),
so services count as they go. With PROMETHEUS_MULTIPROC_DIR set, every process
(gunicorn workers, Celery pool children) writes its values to files there and
the exposition sums them (prometheus_client's multiprocess mode); unset, one
process keeps them in memory.
"""

import functools
import os

from prometheus_client import REGISTRY as PROCESS_REGISTRY

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Any process of the image may count (a management command answering,
    # say), and prometheus_client needs the directory to exist.
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

ANSWERS = Counter(
    "reinforcement_answers",
    "Answer submissions by outcome (recorded, replayed, or the refusal code).",
    ["outcome"],
)
PLANS = Counter(
    "reinforcement_plans",
    "Reps the planner saw, by outcome (planned, exists, paused, ...).",
    ["outcome"],
)
DELIVERIES = Counter(
    "reinforcement_deliveries",
    "Channel send attempts by channel and outcome (sent, failed).",
    ["channel", "outcome"],
)
TASK_SECONDS = Histogram(
    "reinforcement_task_duration_seconds",
    "Celery task run time by task and final state.",
    ["task", "state"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)


def answers_counted(submit):
    """Count each call of the answer service by its outcome."""

    @functools.wraps(submit)
    def counted(*args, **kwargs):
        try:
            outcome = submit(*args, **kwargs)
        except Exception as exc:
            ANSWERS.labels(outcome=getattr(exc, "code", "error")).inc()
            raise
        ANSWERS.labels(outcome="replayed" if outcome.replayed else "recorded").inc()
        return outcome

    return counted


def plans_counted(create):
    """Count the planner's outcomes, one per rep it was given."""

    @functools.wraps(create)
    def counted(*args, **kwargs):
        outcomes = create(*args, **kwargs)
        for outcome in outcomes:
            PLANS.labels(outcome=outcome.status).inc()
        return outcomes

    return counted


def delivery_counted(*, channel: str, outcome: str) -> None:
    DELIVERIES.labels(channel=channel, outcome=outcome).inc()


def exposition() -> bytes:
    """The text exposition of this host's metrics (all its processes)."""
    return generate_latest(registry())


def registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return PROCESS_REGISTRY
    collected = CollectorRegistry()
    multiprocess.MultiProcessCollector(collected)
    return collected


def multiprocess_dir_reset() -> None:
    """Empty the multiprocess directory at a server's start (stale pids' files)."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        return
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))


def process_dead(pid: int) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)
