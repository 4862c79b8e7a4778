"""Memory per rep without a hard gate: shrinkage by evidence, in the simulator.

``planner_refit`` (production) adopts a rep's multiplier only if it wins the
rep's later fifth and its 90% interval excludes 1. Variants, registered for
this run only (same reps, same process):

- ``planner_refit_eb``: every rep with MIN_ANSWERS gets the posterior mean of
  log f under a normal prior whose spread is estimated from the organization's
  reps (empirical Bayes: the spread that makes the reps' answers most likely);
- ``planner_refit_shrunk``: the same posterior mean under the fixed prior
  (PRIOR_SD 0.5), no gate.

Usage:

    .venv/bin/python benchmarks/rep_memory_shrinkage_sim.py --reps 60 --seed 0
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

TAU_LOG: list = []
TAUS = np.exp(np.linspace(np.log(0.03), np.log(1.5), 40))


class _Variant(planners.PlannerRefit):
    fixed_tau = None

    def _multipliers(self, data):
        rep_of = self._answer_reps(data)
        rep = np.asarray(rep_of)[data.observed]
        counts = np.bincount(rep, minlength=self.reps)
        enough = counts >= rep_memory.MIN_ANSWERS
        if not enough.any():
            return [1.0] * self.reps
        curve = rep_memory._Curve(data, data.observed, self.parameters)
        (posterior,) = curve.posteriors(rep, self.reps, [None])
        grid = rep_memory.GRID[:, None]
        ll = posterior + 0.5 * (grid / rep_memory.PRIOR_SD) ** 2
        ll = ll[:, enough]
        if self.fixed_tau is None:
            marginal = [
                _logsumexp(ll - 0.5 * (grid / t) ** 2 - np.log(t)).sum() for t in TAUS
            ]
            tau = float(TAUS[int(np.argmax(marginal))])
        else:
            tau = self.fixed_tau
        post = ll - 0.5 * (grid / tau) ** 2
        w = np.exp(post - post.max(axis=0))
        mean = (w * grid).sum(axis=0) / w.sum(axis=0)
        out = np.ones(self.reps)
        out[enough] = np.exp(mean)
        TAU_LOG.append((self.name, tau, int(enough.sum())))
        return list(out)


def _logsumexp(a):
    m = a.max(axis=0)
    return m + np.log(np.exp(a - m).sum(axis=0))


class PlannerRefitEB(_Variant):
    name = "planner_refit_eb"


class PlannerRefitShrunk(_Variant):
    name = "planner_refit_shrunk"
    fixed_tau = rep_memory.PRIOR_SD


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--settings", default="0.75,0.8,0.85")
    parser.add_argument("--learners", default="/work/shared/data/fsrs6_users.jsonl")
    parser.add_argument("--markdown", default=None)
    parser.add_argument("--json", default=None)
    parser.add_argument(
        "--extra", default="", help="more policies, at their own settings"
    )
    args = parser.parse_args()
    names = ["planner_refit"]
    settings = tuple(float(s) for s in args.settings.split(","))
    for policy in (PlannerRefitEB, PlannerRefitShrunk):
        runner.POLICIES[policy.name] = policy
        names.append(policy.name)
    for name in names:
        runner.SETTINGS[name] = settings
    call_command(
        "simulate",
        learners=args.learners,
        reps=args.reps,
        seed=args.seed,
        workers=1,  # the variants are registered in this process only
        policies=",".join([*names, *filter(None, args.extra.split(","))]),
        markdown_path=args.markdown,
        json_path=args.json,
    )
    for name in ("planner_refit_eb",):
        taus = [t for n, t, _ in TAU_LOG if n == name]
        if taus:
            print(
                name,
                "spread (tau) quartiles",
                np.quantile(taus, [0, 0.25, 0.5, 0.75, 1]),
            )


if __name__ == "__main__":
    main()
