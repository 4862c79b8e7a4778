"""What the benchmarks that rescore a simulated run's answers share.

Importing it sets Django up, records the truth of every simulated answer (its
true recall and the grade the rep truly earned) in ``TRUTH``, and
``run_pooled`` runs one recording policy in this process and pools the sums
its ``team`` function returns per setting.
"""

import os
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402

from reinforcement.simulation import runner, truth  # noqa: E402

LEARNERS = "/work/shared/data/fsrs6_users.jsonl"
RUNS: list = []  # every recording policy instance of the run, appended by itself
TRUTH: list = []  # [(true recall, the truth's grade)] of the latest answer
_answer = truth.TeamTruth.answer


def _recording_answer(self, r, q, day, *, true_recall, **kwargs):
    TRUTH[:] = [(float(true_recall), 3 if kwargs["u_recall"] < true_recall else 1)]
    return _answer(self, r, q, day, true_recall=true_recall, **kwargs)


truth.TeamTruth.answer = _recording_answer


def log_loss_terms(recall, correct, chance):
    """Each answer's negative log-likelihood of right-or-wrong under recall."""
    p = np.clip(recall + (1.0 - recall) * chance, 1e-6, 1 - 1e-6)
    return -(correct * np.log(p) + (1 - correct) * np.log(1 - p))


def run_pooled(
    policy, *, settings: str, reps: int, seed: int, learners: str, team: Callable
) -> dict[str, dict[str, float]]:
    """Run ``policy`` (workers 1: the recorder lives in this process) at the
    comma-separated settings; ``team(policy)`` sums per team, pooled by setting."""
    runner.POLICIES[policy.name] = policy
    runner.SETTINGS[policy.name] = tuple(float(s) for s in settings.split(","))
    call_command(
        "simulate",
        learners=learners,
        reps=reps,
        seed=seed,
        workers=1,
        policies=policy.name,
    )
    pooled = defaultdict(lambda: defaultdict(float))
    for run in RUNS:
        for key, value in team(run).items():
            pooled[run.setting][key] += value
    return pooled
