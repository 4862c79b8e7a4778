"""Memory per rep's adoption rule in the simulator: three rules side by side.

``planner_refit`` adopts a rep's multiplier only if its hold-out does and its
interval excludes 1 (``rep_memory.RepHoldout.adopted``, the production rule).
Two variants, registered here for this run only:

- ``planner_refit_nohold``: every rep with 30 answers or more gets its shrunk
  fit, unchecked (``planner_refit`` before the hold-out, main 035b33b);
- ``planner_refit_holdonly``: the hold-out alone (no interval condition).

``planner_refit_org`` (no memory per rep) is the reference. Same reps, same
process. Usage (a few minutes per seed at 120 reps):

    .venv/bin/python benchmarks/rep_memory_holdout_sim.py --reps 120 --seed 0
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402

from reinforcement.memory import rep_memory  # noqa: E402
from reinforcement.simulation import planners, runner  # noqa: E402

SETTINGS = (0.8, 0.85)


class PlannerRefitNoHoldout(planners.PlannerRefit):
    name = "planner_refit_nohold"

    def _multipliers(self, data):
        rep_of = self._answer_reps(data)
        rep = np.asarray(rep_of)[data.observed]
        counts = np.bincount(rep, minlength=self.reps)
        if not (counts >= 30).any():
            return [1.0] * self.reps
        curve = rep_memory._Curve(data, data.observed, self.parameters)
        (posterior,) = curve.posteriors(rep, self.reps, [None])
        fits = rep_memory._fits(posterior, counts, minimum=30)
        return [1.0 if f is None else f.forgetting for f in fits]


class PlannerRefitHoldoutOnly(planners.PlannerRefit):
    name = "planner_refit_holdonly"

    def _multipliers(self, data):
        rep_of = self._answer_reps(data)
        fits = rep_memory.rep_forgetting_holdout(
            data=data, rep_of_answer=rep_of, parameters=self.parameters, reps=self.reps
        )
        return [
            f.fitted.forgetting
            if f is not None and f.holdout_log_loss <= f.organization_log_loss
            else 1.0
            for f in fits
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=120)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--learners", default="../shared/data/fsrs6_users.jsonl")
    parser.add_argument("--markdown", default=None)
    args = parser.parse_args()
    names = ["planner_refit"]
    for policy in (PlannerRefitNoHoldout, PlannerRefitHoldoutOnly):
        runner.POLICIES[policy.name] = policy
        names.append(policy.name)
    for name in names:
        runner.SETTINGS[name] = SETTINGS
    call_command(
        "simulate",
        learners=args.learners,
        reps=args.reps,
        seed=args.seed,
        workers=1,  # the variants are registered in this process only
        policies=",".join([*names, "planner_refit_org"]),
        markdown_path=args.markdown,
    )


if __name__ == "__main__":
    main()
