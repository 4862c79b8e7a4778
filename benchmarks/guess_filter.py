"""Experiment (issue 14): can a memory that keeps "remembered or lucky guess" open close the log-loss gap?

Runs planner_refit with a recorder, then predicts the same answers (from day 60)
three ways, each with the rep's TRUE parameters (so only the memory state differs)
and with the organization's final parameters and multipliers, beside the product's
own prediction and the truth:

- ``hard``: the product's ratings (a right guess is Again): the product's state;
- ``blend``: one state, a right guess blended between Again and Hard by the
  posterior that it was a recall;
- ``filter``: a mixture of up to K states, each answer splitting every state into
  "recalled" (the product's recalled rating: Hard for a guess) and "not
  recalled" (Again), weighted by the answer's likelihood under a confidence model
  fitted on the team's answers; prediction = the mixture's recall.

    .venv/bin/python benchmarks/guess_filter.py --reps 60 --seed 0 --settings 0.75,0.85
"""

import argparse
import math
from collections import defaultdict

import numpy as np
from recorded_run import (  # sets Django up and records the truth
    LEARNERS,
    RUNS,
    TRUTH,
    log_loss_terms,
    run_pooled,
)
from scipy.special import expit, log_softmax

from reinforcement.memory.answer_fit import (
    AnswerHistory,
    answer_data,
    likelihood_fit,
)
from reinforcement.memory.scheduling import MemoryModel
from reinforcement.simulation import planners, runner

CONF = {"guess": 0, "fairly_sure": 1, "certain": 2}
RECALLED_RATING = {0: 2, 1: 3, 2: 4}


class PlannerRefitLog(planners.PlannerRefit):
    name = "planner_refit_log"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.true_params = [tuple(w) for w in kwargs["true_params"]]
        self.log = []
        RUNS.append(self)

    def observe(self, r, q, day, *, correct, confidence):
        product = self.predicted_one(r, q, day)
        ((true_recall, _),) = TRUTH
        self.log.append(
            (r, q, day, bool(correct), CONF[confidence], product, true_recall)
        )
        super().observe(r, q, day, correct=correct, confidence=confidence)


def _conf_probs(cm, recall):
    """(P(conf | recalled, r) for conf 0..2, P(conf | guessed) for conf 0..2)."""
    v = cm.vector()
    r = min(max(recall, 1e-6), 1 - 1e-6)
    z = v[2] * math.log(r / (1 - r))
    low, high = expit(v[0] - z), expit(v[0] + math.exp(v[1]) - z)
    rec = (low, high - low, 1 - high)
    g = np.exp(log_softmax(np.array([0.0, v[3], v[4]])))
    return rec, g


def _predict(model, answers, c, cm, mode, k):
    """Predicted recall before each answer of one (rep, question) history."""
    taught = model.taught_memory()
    branches = [(1.0, taught.stability, taught.difficulty, 0.0)]
    out = []
    for day, correct, conf in answers:
        rs = [model.recall(s, day - last) for _, s, _, last in branches]
        out.append(sum(w * r for (w, *_), r in zip(branches, rs, strict=True)))
        children = []
        for (w, s, d, last), r in zip(branches, rs, strict=True):
            rec, g = _conf_probs(cm, r)
            t = day - last
            p_rec = r * rec[conf] if correct else 0.0
            p_not = (1 - r) * (c if correct else 1 - c) * g[conf]
            if mode == "hard":
                # The product's default rating map: a right guess is Again.
                rating = RECALLED_RATING[conf] if correct and conf > 0 else 1
                s2, d2 = model.next_state(s, d, rating, t)
                children.append((w, s2, d2, day))
                continue
            tot = p_rec + p_not
            if tot <= 0:
                tot, p_not = 1.0, 1.0
            wr, wn = p_rec / tot, p_not / tot
            sa, da = model.next_state(s, d, 1, t)
            if wr > 0:
                sr, dr = model.next_state(s, d, RECALLED_RATING[conf], t)
            if mode == "blend":
                if wr <= 0:
                    children.append((w, sa, da, day))
                else:
                    children.append(
                        (
                            w,
                            math.exp(wn * math.log(sa) + wr * math.log(sr)),
                            wn * da + wr * dr,
                            day,
                        )
                    )
                continue
            # filter: reweight by the likelihood, split
            if wr > 0:
                children.append((w * tot * wr, sr, dr, day))
            if wn > 0:
                children.append((w * tot * wn, sa, da, day))
        total = sum(ch[0] for ch in children)
        children = [(w / total, *rest) for w, *rest in children]
        children.sort(key=lambda ch: -ch[0])
        if len(children) > k:
            kept = children[:k]
            total = sum(ch[0] for ch in kept)
            children = [(w / total, *rest) for w, *rest in kept]
        branches = children
    return out


_loss = log_loss_terms


def _team(policy, k):
    log = policy.log
    c = 1.0 / policy.choices
    data = answer_data(
        [
            AnswerHistory(policy.answers[key], taught=policy.taught)
            for key in policy.answers
        ]
    )
    cm = likelihood_fit(
        data,
        start=policy.parameters,
        mask=data.observed,
        use_confidence=True,
        fit_parameters=False,
    ).confidence
    by_cell = defaultdict(list)
    for i, (r, q, day, correct, conf, _, _) in enumerate(log):
        by_cell[(r, q)].append((i, day, correct, conf))
    preds = {}
    org = MemoryModel(policy.parameters)
    for name, models in (
        ("true", [MemoryModel(w) for w in policy.true_params]),
        ("org", [org.with_forgetting(f) for f in policy.forgetting]),
    ):
        for mode in ("hard", "blend", "filter"):
            arr = np.zeros(len(log))
            for (r, _q), rows in by_cell.items():
                ps = _predict(
                    models[r], [(d, co, cf) for _, d, co, cf in rows], c, cm, mode, k
                )
                for (i, *_), p in zip(rows, ps, strict=True):
                    arr[i] = p
            preds[f"{name}_{mode}"] = arr
    a = np.array([(row[2], row[3], row[5], row[6]) for row in log], dtype=float)
    day, correct, product, true_recall = a.T
    preds["product"] = product
    preds["truth"] = true_recall
    scored = day >= runner.KPI_FROM_DAY
    sums = {key: _loss(v[scored], correct[scored], c).sum() for key, v in preds.items()}
    sums["answers"] = int(scored.sum())
    return sums


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--settings", default="0.75,0.85")
    parser.add_argument("--branches", type=int, default=8)
    parser.add_argument("--learners", default=LEARNERS)
    args = parser.parse_args()
    pooled = run_pooled(
        PlannerRefitLog, settings=args.settings, reps=args.reps, seed=args.seed,
        learners=args.learners, team=lambda policy: _team(policy, args.branches),
    )  # fmt: skip
    for setting, s in sorted(pooled.items()):
        n = s["answers"]
        t = s["truth"] / n
        print(f"\nsetting {setting}: {n} answers from day {runner.KPI_FROM_DAY}")
        for key in s:
            if key != "answers":
                print(f"  {key:14s} {s[key] / n:.4f}  gap {s[key] / n - t:+.4f}")


if __name__ == "__main__":
    main()
