"""Crediting a right guess by how likely it was a recall (issue 14), in the simulator.

The product grades a right answer marked *guess* as a lapse (Again). About half
of them are recalls (docs/science.md, "Why the figure misses at target 0.8").
This experiment advances the memory of such an answer between Again and Hard,
by the posterior that the rep recalled:

    w = r a / (r a + (1 - r) c b)

with r the recall predicted before the answer, c the chance level,
a = P(say guess | recalled, r) and b = P(say guess | guessed) from the
confidence model of ``answer_fit.ConfidenceModel`` (an ordered logit in logit r
and fixed shares, fitted on the team's answers at every refit; no rule of the
simulator's reps is assumed). The new state is the Again and the Hard states
blended: log stability and difficulty linear in w. The refit's forward pass
blends the same way (a right guess is packed as rating 1.5, which the patched
``fsrs_forward.memory_update`` blends), so belief and fit share one update.

Policies registered for this run only:

- ``planner_refit_credit``: planner_refit (production) with the blend;
- ``planner_true_credit``: the true-parameter reference with the blend (its
  confidence model fitted every 30 days; no parameter refit).

``--free all`` lets the organization's refit fit all 21 parameters instead of
the first stabilities; ``--always-adopt`` adopts every candidate whose hold-out
log loss is lower (no z gate). Compare with planner_refit and
planner_true_params in the same run, e.g. (about 2 minutes per scenario and seed):

    .venv/bin/python benchmarks/guess_credit_sim.py --seed 0 \\
        --policies planner,planner_refit,planner_refit_credit,planner_true_params,planner_true_credit
"""

import argparse
import math
import os
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from scipy.special import expit, log_softmax  # noqa: E402

from reinforcement.memory import (  # noqa: E402
    answer_refit,
    fsrs_forward,
    rep_curve,
    rep_memory,
)
from reinforcement.memory.answer_fit import (  # noqa: E402
    ConfidenceModel,
    likelihood_fit,
)
from reinforcement.memory.scheduling import Confidence, MemoryModel, Rating  # noqa: E402
from reinforcement.simulation import planners, runner  # noqa: E402

# A right guess with a memory before it, as the forward pass sees it.
GUESS_CODE = 1.5
OPTIONS = {"free": "first", "always_adopt": False, "rep_memory": "gated"}
# The confidence model and chance level of the policy running in this process
# (the simulator runs one (team, policy, setting) at a time per process).
CURRENT = {"confidence": ConfidenceModel(), "chance": 0.25}


def recalled_weight(confidence: ConfidenceModel, recall, chance):
    """P(recalled | a right answer marked guess), for predicted recall r."""
    v = confidence.vector()
    r = np.clip(recall, 1e-4, 0.999)
    said_guess_recalled = expit(v[0] - v[2] * np.log(r / (1 - r)))
    said_guess_guessed = float(np.exp(log_softmax(np.array([0.0, v[3], v[4]])))[0])
    credit = r * said_guess_recalled
    return credit / (credit + (1 - r) * chance * said_guess_guessed)


def _blend(s_again, d_again, s_hard, d_hard, w):
    s = np.exp((1 - w) * np.log(s_again) + w * np.log(s_hard))
    return s, (1 - w) * d_again + w * d_hard


_memory_update = fsrs_forward.memory_update


def credited_update(w, s, d, rating, delta, *, split=True):
    """fsrs_forward.memory_update, with rating 1.5 blended between Again and Hard."""
    soft = rating == GUESS_CODE
    if not soft.any():
        return _memory_update(w, s, d, rating, delta, split=split)
    new_s, new_d, r = _memory_update(
        w, s, d, np.where(soft, 1.0, rating), delta, split=split
    )
    c = np.flatnonzero(soft & (delta > 0))
    if len(c):
        hard_s, hard_d, _ = _memory_update(
            w, s[:, c], d[:, c], np.full(len(c), 2.0, dtype=rating.dtype), delta[c]
        )
        weight = recalled_weight(CURRENT["confidence"], r[:, c], CURRENT["chance"])
        new_s[:, c], new_d[:, c] = _blend(
            new_s[:, c], new_d[:, c], hard_s, hard_d, weight
        )
    return new_s, new_d, r


fsrs_forward.memory_update = credited_update


class GuessCredit:
    """The product's belief advanced with a right guess credited by its posterior."""

    confidence = ConfidenceModel()

    def observe(self, r, q, day, *, correct, confidence):
        self._credit = correct and confidence == Confidence.GUESS
        super().observe(r, q, day, correct=correct, confidence=confidence)
        if self._credit and getattr(self, "answers", None) is not None:
            review = self.answers[(r, q)][-1]
            if self._had_memory:
                self.answers[(r, q)][-1] = replace(review, rating=GUESS_CODE)
        self._credit = False

    def _advance(self, r, q, day, rating):
        s = float(self.stability[r, q])
        self._had_memory = not np.isnan(s)
        if not getattr(self, "_credit", False) or np.isnan(s) or day <= self.last[r, q]:
            return super()._advance(r, q, day, rating)
        model, d = self.models[r], float(self.difficulty[r, q])
        elapsed = day - float(self.last[r, q])
        w = float(
            recalled_weight(self.confidence, model.recall(s, elapsed), 1 / self.choices)
        )
        again = model.next_state(s, d, Rating.AGAIN, elapsed)
        hard = model.next_state(s, d, Rating.HARD, elapsed)
        s_new, d_new = _blend(again[0], again[1], hard[0], hard[1], w)
        self.stability[r, q], self.difficulty[r, q] = float(s_new), float(d_new)
        self.last[r, q] = day


class PlannerRefitCredit(GuessCredit, planners.PlannerRefit):
    name = "planner_refit_credit"
    fit_parameters = True

    def before_day(self, day):
        saved = answer_refit.REFIT_FREE, answer_refit.ADOPT_Z
        if OPTIONS["free"] == "all":
            answer_refit.REFIT_FREE = None
        if OPTIONS["always_adopt"]:
            answer_refit.ADOPT_Z = -math.inf
        CURRENT.update(confidence=self.confidence, chance=1 / self.choices)
        try:
            super().before_day(day)
        finally:
            answer_refit.REFIT_FREE, answer_refit.ADOPT_Z = saved

    def _rep_models(self, data):
        """Memory per rep: production's gated multiplier, or (``--rep-memory``) every
        rep's shrunk multiplier, or its shrunk multiplier and decay, ungated."""
        if OPTIONS["rep_memory"] == "gated":
            return super()._rep_models(data)
        model = MemoryModel(self.parameters)
        if OPTIONS["rep_memory"] == "shrunk":
            fits = rep_memory.rep_forgetting_holdout(
                data=data, rep_of_answer=self._answer_reps(data),
                parameters=self.parameters, reps=self.reps,
            )  # fmt: skip
            self.forgetting = [1.0 if f is None else f.fitted.forgetting for f in fits]
            return [model.with_forgetting(f) for f in self.forgetting]
        fits = rep_curve.rep_curve_holdout(
            data=data, rep_of_answer=self._answer_reps(data),
            parameters=self.parameters, reps=self.reps,
        )  # fmt: skip
        gated = OPTIONS["rep_memory"] == "curve_gated"
        return [
            model
            if f is None or (gated and f.holdout_log_loss > f.organization_log_loss)
            else model.with_curve(f.fitted.forgetting, f.fitted.decay)
            for f in fits
        ]

    def _organization_refit(self, day, data):
        adopted = False
        if self.fit_parameters:
            adopted = super()._organization_refit(day, data)
        else:
            self.refits.append((day, False))
        if data.observed.sum() >= planners.MIN_TRAIN_ITEMS:
            self.confidence = likelihood_fit(
                data, start=self.parameters, mask=data.observed, use_confidence=True,
                fit_parameters=False, confidence_start=self.confidence,
            ).confidence  # fmt: skip
            CURRENT["confidence"] = self.confidence
            adopted = True  # replay the belief under the new confidence model
        return adopted

    def _replay(self):
        self._belief_start()
        for (r, q), reviews in self.answers.items():
            for review in reviews:
                self._credit = review.rating == GUESS_CODE
                rating = Rating.AGAIN if self._credit else review.rating
                self._advance(r, q, review.at, rating)
        self._credit = False


class PlannerTrueCredit(PlannerRefitCredit):
    """The true-parameter reference with the credit; only the confidence is fitted."""

    name = "planner_true_credit"
    per_rep_memory = False
    fit_parameters = False

    def __init__(self, **kwargs):
        self._true = [MemoryModel(w) for w in kwargs["true_params"]]
        super().__init__(**kwargs)

    def _models(self, true_params):
        return [MemoryModel(w) for w in true_params]

    def _rep_models(self, data):
        return self._true


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--scenario", default="post-training")
    parser.add_argument("--policies", default="planner_refit,planner_refit_credit")
    parser.add_argument("--free", choices=("first", "all"), default="first")
    parser.add_argument("--always-adopt", action="store_true")
    parser.add_argument(
        "--rep-memory",
        choices=("gated", "shrunk", "curve", "curve_gated"),
        default="gated",
    )
    parser.add_argument("--learners", default="/work/shared/data/fsrs6_users.jsonl")
    parser.add_argument("--markdown", default="")
    args = parser.parse_args()
    OPTIONS.update(
        free=args.free, always_adopt=args.always_adopt, rep_memory=args.rep_memory
    )
    for cls in (PlannerRefitCredit, PlannerTrueCredit):
        runner.POLICIES[cls.name] = cls
        runner.SETTINGS[cls.name] = runner.REFERENCE_TARGETS
    call_command(
        "simulate",
        learners=args.learners,
        reps=args.reps,
        seed=args.seed,
        scenario=args.scenario,
        policies=args.policies,
        markdown_path=args.markdown or None,
    )


if __name__ == "__main__":
    main()
