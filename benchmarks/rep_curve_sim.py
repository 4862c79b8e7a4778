"""Memory per rep with two numbers (multiplier and decay) in the simulator.

``planner_refit`` (main) plans each rep with a forgetting multiplier adopted
only when it wins the rep's later fifth and its 90% interval excludes 1.
Variants, registered for this run only (same reps, same process):

- ``planner_refit_curve``: every rep with MIN_ANSWERS is planned with their
  shrunk multiplier and decay (``memory.rep_curve``), no gate;
- ``planner_refit_curve_gated``: the same, kept only when the candidate fitted
  on the earlier answers predicts the rep's later fifth no worse;
- ``planner_refit_curve_clear``: kept only under main's rule (that, and the
  multiplier's 90% interval excludes 1);
- ``planner_refit_curve_narrow``: no gate, priors of 0.25 instead of 0.5.

Usage:

    .venv/bin/python benchmarks/rep_curve_sim.py --reps 60 --seed 0 --json out.json
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from reinforcement.memory import rep_curve  # noqa: E402
from reinforcement.memory.scheduling import MemoryModel  # noqa: E402
from reinforcement.simulation import planners, runner  # noqa: E402


class PlannerRefitCurve(planners.PlannerRefit):
    name = "planner_refit_curve"
    gated = False
    clear_only = False
    prior = (rep_curve.PRIOR_SD, rep_curve.DECAY_PRIOR_SD)

    def _rep_models(self, data):
        saved = rep_curve.PRIOR_SD, rep_curve.DECAY_PRIOR_SD
        rep_curve.PRIOR_SD, rep_curve.DECAY_PRIOR_SD = self.prior
        try:
            fits = rep_curve.rep_curve_holdout(
                data=data,
                rep_of_answer=self._answer_reps(data),
                parameters=self.parameters,
                reps=self.reps,
            )
        finally:
            rep_curve.PRIOR_SD, rep_curve.DECAY_PRIOR_SD = saved
        model = MemoryModel(self.parameters)
        models = []
        for f in fits:
            keep = f is not None and (
                not self.gated or f.holdout_log_loss <= f.organization_log_loss
            )
            keep = keep and (not self.clear_only or f.clear)
            models.append(
                model.with_curve(f.fitted.forgetting, f.fitted.decay) if keep else model
            )
        return models


class PlannerRefitCurveGated(PlannerRefitCurve):
    name = "planner_refit_curve_gated"
    gated = True


class PlannerRefitCurveClear(PlannerRefitCurve):
    """Main's rule (interval off 1 and the later fifth borne out), richer curve."""

    name = "planner_refit_curve_clear"
    clear_only = True


class PlannerRefitCurveNarrow(PlannerRefitCurve):
    """No gate, priors half as wide (0.25 on log f and log d)."""

    name = "planner_refit_curve_narrow"
    prior = (0.25, 0.25)


VARIANTS = (
    PlannerRefitCurve,
    PlannerRefitCurveGated,
    PlannerRefitCurveClear,
    PlannerRefitCurveNarrow,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--settings", default="0.75,0.8,0.85,0.9")
    parser.add_argument("--scenario", default="post-training")
    parser.add_argument("--learners", default="/work/shared/data/fsrs6_users.jsonl")
    parser.add_argument("--json", default=None)
    parser.add_argument(
        "--variants", default="planner_refit_curve,planner_refit_curve_gated"
    )
    parser.add_argument(
        "--extra", default="planner_refit", help="at their own settings"
    )
    args = parser.parse_args()
    settings = tuple(float(s) for s in args.settings.split(","))
    names = args.variants.split(",")
    for policy in VARIANTS:
        runner.POLICIES[policy.name] = policy
        runner.SETTINGS[policy.name] = settings
    call_command(
        "simulate",
        learners=args.learners,
        reps=args.reps,
        seed=args.seed,
        scenario=args.scenario,
        workers=1,  # the variants are registered in this process only
        policies=",".join([*names, *filter(None, args.extra.split(","))]),
        json_path=args.json,
    )


if __name__ == "__main__":
    main()
