"""Where the manager's retention figure errs: a decomposition of the team error.

Runs the simulator's own day loop (``runner._day_simulate``: the same policies,
truth and common random draws as ``manage.py simulate``) for some policies at
some targets and, every morning from day 60, splits each team's figure error
(predicted minus true recall over the team's introduced questions, exactly
``runner.kpi_pair``) into the contributions of groups of (rep, question) pairs.
A group's contribution is its summed error over the team's introduced count, so
the groups of one kind add up to the team's error. Groups:

- how many answers the product has of the pair (1: just met);
- days since the last answer (90+: a stability extrapolated far);
- the product's predicted recall now (below the target: left by the planner);
- whether some answer of the pair was a recall the product graded Again (a
  right answer the rep called a guess while they did remember: the truth
  advanced Good, the product Again), which the truth's own grades tell.

``--grades truth`` makes the product record the truth's own grade (Good when
the rep recalled, else Again) instead of its rating map: with
``planner_true_params`` the error is then exactly 0, which checks that the
figure and the truth cover the same questions at the same moments. Usage
(planner: about 30 s per setting at 200 reps, planner_refit about 3 minutes):

    .venv/bin/python benchmarks/onboarding_figure.py --seed 0 --targets 0.8,0.85 \\
        --policies planner,planner_true_params,planner_refit_org,planner_refit \\
        --learners ../../shared/data/fsrs6_users.jsonl  # from a worktree in wt/
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

from reinforcement.memory.scheduling import Rating, rating_for  # noqa: E402
from reinforcement.simulation import runner  # noqa: E402
from reinforcement.simulation.learners import (  # noqa: E402
    DEFAULT_LEARNERS_PATH,
    learners_draw,
    learners_load,
)
from reinforcement.simulation.parallel import team_draws  # noqa: E402
from reinforcement.simulation.policies import POLICIES  # noqa: E402
from reinforcement.simulation.truth import TeamTruth  # noqa: E402

PERIODS = ((60, 120), (120, 240), (240, 366))
# (kind, group name, lower edge, upper edge) of the per-pair measures below.
GROUPS = (
    ("answers", "1 answer", 1, 2),
    ("answers", "2", 2, 3),
    ("answers", "3-4", 3, 5),
    ("answers", "5+", 5, 10**6),
    ("gap", "<7 d", 0, 7),
    ("gap", "7-29 d", 7, 30),
    ("gap", "30-89 d", 30, 90),
    ("gap", "90+ d", 90, 10**6),
    ("predicted", "<0.3", 0.0, 0.3),
    ("predicted", "0.3-0.6", 0.3, 0.6),
    ("predicted", "0.6-0.8", 0.6, 0.8),
    ("predicted", "0.8+", 0.8, 2.0),
    ("recalls graded Again", "none", 0, 1),
    ("recalls graded Again", "1", 1, 2),
    ("recalls graded Again", "2+", 2, 10**6),
)


class _Team:
    """One team's run of one policy setting, recording each morning's split."""

    def __init__(self, config, first_rep, params, run, *, truth_grades: bool):
        self.config = config
        post = config.scenario == "post-training"
        self.draws = team_draws(
            config.seed, first_rep, len(params), config.days, config.questions
        )
        self.truth = TeamTruth(params, config.questions, taught_on_day_zero=post)
        name, setting = run
        self.policy = POLICIES[name](
            reps=len(params),
            questions=config.questions,
            budget=config.budget,
            true_params=params,
            topic=(np.arange(config.questions) * runner.TOPICS) // config.questions,
            rating_map=config.rating_map,
            taught_on_day_zero=post,
            setting=setting,
            choices=config.choices,
        )
        self.misgraded = np.zeros((len(params), config.questions), dtype=int)
        self.truth_grades = truth_grades
        self.rows = []  # (day, predicted, true, {(kind, group): contribution})
        self._wrap_answers()

    def _wrap_answers(self):
        """Count the recalls the product grades Again; optionally use true grades."""
        answer, policy = self.truth.answer, self.policy
        observe, grade = policy.observe, {}

        def recorded(r, q, day, **kwargs):
            correct, confidence = answer(r, q, day, **kwargs)
            recalled = kwargs["u_recall"] < kwargs["true_recall"]
            rating = rating_for(
                correct=correct, confidence=confidence, mapping=policy.rating_map
            )
            self.misgraded[r, q] += int(recalled and rating == Rating.AGAIN)
            grade["truth"] = Rating.GOOD if recalled else Rating.AGAIN
            return correct, confidence

        def observed(r, q, day, **kwargs):
            if not self.truth_grades:
                return observe(r, q, day, **kwargs)
            saved = policy.rating_map
            policy.rating_map = dict.fromkeys(saved, grade["truth"])
            try:
                return observe(r, q, day, **kwargs)
            finally:
                policy.rating_map = saved

        self.truth.answer, policy.observe = recorded, observed

    def run(self):
        config, post = self.config, self.config.scenario == "post-training"
        trace = runner._Trace.empty(config.days)
        original = runner.kpi_pair
        for day in range(config.days):
            runner.kpi_pair = lambda policy, belief, truth, d=day: self._pair(
                original, policy, belief, truth, d
            )
            try:
                runner._day_simulate(
                    config, self.policy, self.truth, self.draws, trace, day, post=post
                )
            finally:
                runner.kpi_pair = original
        return self

    def _pair(self, original, policy, belief, truth, day):
        pred, true = original(policy, belief, truth)
        introduced = ~np.isnan(policy.stability)
        count = introduced.sum()
        if count:
            measure = {
                "answers": np.array([[len(h) for h in rep] for rep in policy.history]),
                "gap": day - policy.last,
                "predicted": belief,
                "recalls graded Again": self.misgraded,
            }
            error = np.where(introduced, belief - truth, 0.0)
            parts = {}
            for kind, group, lo, hi in GROUPS:
                cell = introduced & (measure[kind] >= lo) & (measure[kind] < hi)
                parts[kind, group] = (error[cell].sum() / count, cell.sum() / count)
            self.rows.append((day, pred, true, parts))
        return pred, true


def _errors(team) -> tuple[np.ndarray, np.ndarray]:
    days = np.array([row[0] for row in team.rows])
    return days, np.array([row[1] - row[2] for row in team.rows]) * 100


def _contributions(team) -> dict:
    """Each group's mean contribution (pp) and mean share of introduced pairs."""
    keys = team.rows[0][3]
    return {
        key: (
            np.mean([row[3][key][0] for row in team.rows]) * 100,
            np.mean([row[3][key][1] for row in team.rows]),
        )
        for key in keys
    }


def report(name, setting, teams) -> None:
    """Print the team errors, their course over the year and the decomposition."""
    print(f"\n## {name} at {setting}")
    absolute = []
    for t, team in enumerate(teams):
        days, error = _errors(team)
        periods = " ".join(
            f"{error[(days >= lo) & (days < hi)].mean():+5.1f}" for lo, hi in PERIODS
        )
        adopted = [day for day, ok in getattr(team.policy, "refits", []) if ok]
        own = sum(f != 1.0 for f in getattr(team.policy, "forgetting", []))
        absolute.append(np.abs(error).mean())
        print(
            f"team {t}: |error| {absolute[-1]:4.1f}, signed {error.mean():+5.1f} "
            f"(days 60-119 / 120-239 / 240-365: {periods}); refits adopted on days "
            f"{adopted}; reps with a multiplier of their own {own}"
        )
    worst = int(np.argmax(absolute))
    signed = np.array([_errors(team)[1].mean() for team in teams])
    print(
        f"worst team {worst}: {absolute[worst]:.1f} pp; population bias "
        f"{signed.mean():+.2f} pp; spread (sd) of team means {signed.std():.2f} pp"
    )
    every = [_contributions(team) for team in teams]
    print("contribution to the signed error, pp [share of introduced pairs]:")
    for label, parts in (("all teams", every), (f"team {worst}", [every[worst]])):
        for kind in dict.fromkeys(kind for kind, *_ in GROUPS):
            cells = "  ".join(
                f"{group} {np.mean([p[kind, group][0] for p in parts]):+.2f}"
                f" [{np.mean([p[kind, group][1] for p in parts]):.2f}]"
                for k, group, *_ in GROUPS
                if k == kind
            )
            print(f"  {label:9s} {kind:21s} {cells}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--targets", default="0.8")
    parser.add_argument("--policies", default="planner,planner_true_params")
    parser.add_argument("--scenario", default="onboarding")
    parser.add_argument("--learners", default=str(DEFAULT_LEARNERS_PATH))
    parser.add_argument("--grades", choices=("product", "truth"), default="product")
    args = parser.parse_args()
    config = runner.SimulationConfig(
        reps=args.reps, scenario=args.scenario, seed=args.seed, learners=args.learners
    )
    params = learners_draw(learners_load(config.learners), config.reps, seed=args.seed)
    for name in args.policies.split(","):
        for setting in (float(t) for t in args.targets.split(",")):
            teams = [
                _Team(
                    config,
                    start,
                    params[start : start + runner.TEAM_SIZE],
                    (name, setting),
                    truth_grades=args.grades == "truth",
                ).run()
                for start in range(0, config.reps, runner.TEAM_SIZE)
            ]
            report(name, setting, teams)


if __name__ == "__main__":
    main()
