"""Where planner_refit's log-loss gap to the truth comes from (issue 14).

Runs the production policy (``planner_refit``) with a recorder, then scores the
same answers (from day 60, as the target) under other predictions, so every
figure is on identical answers:

- ``product``: what planner_refit predicted (org refit + memory per rep);
- ``org``: the organization's parameters in use, per-rep multiplier off;
- ``rolling_f``: a per-rep multiplier refitted every 30 days on the rep's
  earlier answers (no prior, no gate), out of sample;
- ``rolling_fd``: a per-rep multiplier and decay (the curve of
  ``memory.rep_curve``), the same way, with priors, posterior-mean prediction;
- ``oracle_f`` / ``oracle_fd``: the multiplier (and decay) fitted on all of the
  rep's answers from day 60 (in sample, no prior: flatters by ~1/(2n) each);
- ``true_params``: each rep's true 21 parameters, advanced by the product's
  ratings (the limit of any per-rep parameter model fed the product's states);
  ``true_params_f`` with an in-sample multiplier on top; ``true_params_good``
  with Easy rated Good; ``true_params_d0`` from the rep's own first difficulty;
  ``true_guess_hard`` / ``true_guess_good`` with a right answer called a guess
  rated Hard / Good; ``true_grades_d0`` with the truth's own grades (the check:
  it must equal the truth);
- ``later_*``: a per-rep fit of all 21 parameters (the refit's likelihood and
  prior, from the final org parameters) on the rep's answers before day
  ``--split``, scored on the answers after it, beside the product, the org
  model, the true parameters and the truth on those later answers;
- ``truth``: the true recall (the limit of the target).

Every figure is printed as the log loss per answer and its gap to the truth's.
See docs/benchmarks.md, "Memory per rep and the log-loss target".

Usage (workers 1: the recorder lives in this process):

    .venv/bin/python benchmarks/rep_memory_decomposition.py --reps 60 --seed 0 \
        --settings 0.75,0.85
"""

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402

from reinforcement.memory import fsrs_forward  # noqa: E402
from reinforcement.memory.answer_fit import (  # noqa: E402
    AnswerHistory,
    answer_data,
    likelihood_fit,
)
from reinforcement.simulation import planners, runner, truth  # noqa: E402

RUNS: list = []
_TRUE_RECALL: list = []
_GRADE: list = []
_answer = truth.TeamTruth.answer


def _recording_answer(self, r, q, day, *, true_recall, **kwargs):
    _TRUE_RECALL.append(float(true_recall))
    _GRADE.append(3 if kwargs["u_recall"] < true_recall else 1)
    return _answer(self, r, q, day, true_recall=true_recall, **kwargs)


truth.TeamTruth.answer = _recording_answer


class PlannerRefitTrace(planners.PlannerRefit):
    """planner_refit, recording each answer's predictions and the truth."""

    name = "planner_refit_trace"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.true_params = [tuple(w) for w in kwargs["true_params"]]
        self.log = []  # (r, q, day, correct, product, org, true recall)
        RUNS.append(self)
        self.grades = {}

    def observe(self, r, q, day, *, correct, confidence):
        model = self.models[r]
        s = self.stability[r, q]
        elapsed = day - self.last[r, q]
        product = self.predicted_one(r, q, day)
        org_factor = model.factor / model.forgetting
        org = (1.0 + org_factor * elapsed / s) ** (-model.decay)
        self.log.append((r, q, day, correct, product, org, _TRUE_RECALL[-1]))
        self.grades[(r, q, day)] = _GRADE[-1]
        super().observe(r, q, day, correct=correct, confidence=confidence)


def _loss(recall, correct, chance):
    p = np.clip(recall + (1.0 - recall) * chance, 1e-6, 1 - 1e-6)
    return -(correct * np.log(p) + (1 - correct) * np.log(1 - p))


def _best_f(recall, correct, rep, reps, chance, decay):
    """Each rep's in-sample multiplier on a grid (no prior): the rescaled recall."""
    scaled = np.clip(recall, 1e-12, 1.0) ** (-1.0 / decay) - 1.0
    grid = np.exp(np.arange(np.log(0.2), np.log(5.0), 0.01))
    best = np.full(reps, np.inf)
    out = recall.copy()
    for f in grid:
        r = (1.0 + f * scaled) ** (-decay)
        loss = np.bincount(rep, _loss(r, correct, chance), minlength=reps)
        better = loss < best
        best[better] = loss[better]
        pick = better[rep]
        out[pick] = r[pick]
    return out


def _best_fd(recall, correct, rep, reps, chance, decay):
    """Each rep's in-sample multiplier and decay of the curve (two degrees of
    freedom, prediction only: R(S) stays 0.9), on a grid, no prior."""
    x = (np.clip(recall, 1e-12, 1.0) ** (-1.0 / decay) - 1.0) / (
        0.9 ** (-1.0 / decay) - 1.0
    )  # t / S
    best = np.full(reps, np.inf)
    out = recall.copy()
    for d in np.exp(np.linspace(np.log(0.05), np.log(1.0), 25)):
        factor = 0.9 ** (-1.0 / d) - 1.0
        for f in np.exp(np.arange(np.log(0.2), np.log(5.0), 0.04)):
            r = (1.0 + f * factor * x) ** (-d)
            loss = np.bincount(rep, _loss(r, correct, chance), minlength=reps)
            better = loss < best
            best[better] = loss[better]
            pick = better[rep]
            out[pick] = r[pick]
    return out


FD_DECAYS = np.exp(np.linspace(np.log(0.05), np.log(1.0), 19))
FD_FS = np.exp(np.arange(np.log(0.25), np.log(4.0) + 0.01, 0.05))


def _rolling_fd(org, correct, rep, day, reps, chance, decay, prior_sd=0.5):
    """Each month's answers predicted with (multiplier, decay) fitted on the
    rep's earlier answers: posterior mean on a grid, normal priors on log f
    and log(decay / the org's decay), refitted every 30 days (out of sample)."""
    x = (np.clip(org, 1e-12, 1.0) ** (-1.0 / decay) - 1.0) / (
        0.9 ** (-1.0 / decay) - 1.0
    )
    out = org.copy()
    grid = [(f, d) for d in FD_DECAYS for f in FD_FS]
    prior = np.array(
        [
            -0.5 * (np.log(f) ** 2 + np.log(d / decay) ** 2) / prior_sd**2
            for f, d in grid
        ]
    )
    curves = []
    for f, d in grid:
        curves.append((1.0 + f * (0.9 ** (-1.0 / d) - 1.0) * x) ** (-d))
    curves = np.array(curves)
    ll = -_loss(curves, correct, chance)
    for start in range(30, int(day.max()) + 1, 30):
        before = day < start
        month = (day >= start) & (day < start + 30)
        if not month.any():
            continue
        post = np.array(
            [np.bincount(rep[before], g[before], minlength=reps) for g in ll]
        )
        post += prior[:, None]
        w = np.exp(post - post.max(axis=0))
        w /= w.sum(axis=0)
        # Posterior mean of each answer's predicted recall this month.
        out[month] = (w[:, rep[month]] * curves[:, month]).sum(axis=0)
    return out


def _certain_as_good(packed):
    """The same histories with every Easy (a right answer called certain) as Good."""
    rating = np.where(packed.rating == 4, 3, packed.rating)
    return fsrs_forward.Packed(
        rating, packed.delta, packed.lengths, packed.active,
        packed.start_difficulty, packed.order,
    )  # fmt: skip


def _start_difficulty(packed, difficulty):
    """The same histories starting from the taught memory at this difficulty."""
    start = np.where(np.isnan(packed.start_difficulty), np.nan, difficulty)
    return fsrs_forward.Packed(
        packed.rating, packed.delta, packed.lengths, packed.active, start,
        packed.order,
    )  # fmt: skip


def _true_grades(packed, policy, keys):
    """The histories with the truth's grades (Good if recalled, else Again)."""
    rating = packed.rating.copy()
    for row, index in enumerate(packed.order):
        r, q = keys[index]
        for j, review in enumerate(policy.answers[(r, q)]):
            rating[row, j] = policy.grades[(r, q, int(review.at))]
    return fsrs_forward.Packed(
        rating, packed.delta, packed.lengths, packed.active,
        packed.start_difficulty, packed.order,
    )  # fmt: skip


def _right_guess_as(packed, policy, keys, value):
    """The histories with every right answer called a guess rated ``value``."""
    rating = packed.rating.copy()
    for row, index in enumerate(packed.order):
        for j, review in enumerate(policy.answers[keys[index]]):
            if review.correct and review.confidence == "guess":
                rating[row, j] = value
    return fsrs_forward.Packed(
        rating, packed.delta, packed.lengths, packed.active,
        packed.start_difficulty, packed.order,
    )  # fmt: skip


def _rolling_f(org, correct, rep, day, reps, chance, decay):
    """Each month's answers predicted with a multiplier fitted on the rep's
    earlier answers (no prior, no gate), refitted every 30 days."""
    out = org.copy()
    for start in range(30, int(day.max()) + 1, 30):
        before = day < start
        month = (day >= start) & (day < start + 30)
        if not month.any():
            continue
        fitted = _best_f(org[before], correct[before], rep[before], reps, chance, decay)
        scaled = np.clip(org[before], 1e-12, 1.0) ** (-1.0 / decay) - 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = (np.clip(fitted, 1e-12, 1.0) ** (-1.0 / decay) - 1.0) / scaled
        f = np.ones(reps)
        for r in range(reps):
            m = rep[before] == r
            if m.any():
                f[r] = np.nanmedian(ratio[m])
        x = np.clip(org[month], 1e-12, 1.0) ** (-1.0 / decay) - 1.0
        out[month] = (1.0 + f[rep[month]] * x) ** (-decay)
    return out


def _team(policy, split):
    """Every figure of one team's run, as summed losses and counts."""
    log = np.array(policy.log, dtype=float)
    rep, q, day = log[:, 0].astype(int), log[:, 1].astype(int), log[:, 2]
    correct, product, org, true_recall = log[:, 3], log[:, 4], log[:, 5], log[:, 6]
    chance = 1.0 / policy.choices
    reps = policy.reps
    keys = list(policy.answers)
    data = answer_data(
        [AnswerHistory(policy.answers[k], taught=policy.taught) for k in keys]
    )
    rep_of = np.repeat(
        np.array([r for r, _ in keys], dtype=float)[data.packed.order][:, None],
        data.packed.rating.shape[1], axis=1,
    )  # fmt: skip
    q_of = np.repeat(
        np.array([k for _, k in keys], dtype=float)[data.packed.order][:, None],
        data.packed.rating.shape[1], axis=1,
    )  # fmt: skip
    flat_rep = fsrs_forward.flat(data.packed, rep_of).astype(int)
    flat_q = fsrs_forward.flat(data.packed, q_of).astype(int)
    # Map the flat order onto the log's order by (rep, question, day).
    index = {
        (a, b, c): i
        for i, (a, b, c) in enumerate(
            zip(flat_rep, flat_q, data.at.astype(int), strict=True)
        )
    }
    where = np.array(
        [index[(a, b, int(c))] for a, b, c in zip(rep, q, day, strict=True)]
    )
    true_all = fsrs_forward.recall_flat(np.array(policy.true_params), data.packed)
    true_params = true_all[flat_rep, np.arange(len(flat_rep))][where]
    good = _certain_as_good(data.packed)
    true_good_all = fsrs_forward.recall_flat(np.array(policy.true_params), good)
    true_good = true_good_all[flat_rep, np.arange(len(flat_rep))][where]
    true_d0 = np.empty(len(flat_rep))
    for r, w in enumerate(policy.true_params):
        w = np.array([w])
        d0 = float(np.clip(fsrs_forward._init_difficulty(w, 3.0)[0, 0], 1.0, 10.0))
        own = _start_difficulty(data.packed, d0)
        m = flat_rep == r
        true_d0[m] = fsrs_forward.recall_flat(w, own)[0, m]
    true_d0 = true_d0[where]
    graded = _true_grades(data.packed, policy, keys)
    true_gr = np.empty(len(flat_rep))
    for r, w in enumerate(policy.true_params):
        w = np.array([w])
        d0 = float(np.clip(fsrs_forward._init_difficulty(w, 3.0)[0, 0], 1.0, 10.0))
        m = flat_rep == r
        true_gr[m] = fsrs_forward.recall_flat(w, _start_difficulty(graded, d0))[0, m]
    true_gr = true_gr[where]
    mapped = {}
    for rating in (2, 3):
        right_guess = _right_guess_as(data.packed, policy, keys, rating)
        out = fsrs_forward.recall_flat(np.array(policy.true_params), right_guess)
        mapped[rating] = out[flat_rep, np.arange(len(flat_rep))][where]
    scored = day >= runner.KPI_FROM_DAY
    rolling = _rolling_f(org, correct, rep, day, reps, chance, policy.models[0].decay)
    decay = policy.models[0].decay
    oracle_f = _best_f(org[scored], correct[scored], rep[scored], reps, chance, decay)
    rolling_fd = _rolling_fd(org, correct, rep, day, reps, chance, decay)[scored]
    oracle_fd = _best_fd(org[scored], correct[scored], rep[scored], reps, chance, decay)
    true_decays = np.array([w[20] for w in policy.true_params])
    tp_f = true_params[scored].copy()
    for r in range(reps):
        m = rep[scored] == r
        if m.any():
            tp_f[m] = _best_f(
                true_params[scored][m], correct[scored][m], np.zeros(m.sum(), int), 1,
                chance, true_decays[r],
            )  # fmt: skip
    y = correct[scored]
    sums = {
        "product": _loss(product[scored], y, chance).sum(),
        "org": _loss(org[scored], y, chance).sum(),
        "oracle_f": _loss(oracle_f, y, chance).sum(),
        "oracle_fd": _loss(oracle_fd, y, chance).sum(),
        "rolling_fd": _loss(rolling_fd, y, chance).sum(),
        "true_params": _loss(true_params[scored], y, chance).sum(),
        "true_params_f": _loss(tp_f, y, chance).sum(),
        "true_params_good": _loss(true_good[scored], y, chance).sum(),
        "true_params_d0": _loss(true_d0[scored], y, chance).sum(),
        "true_grades_d0": _loss(true_gr[scored], y, chance).sum(),
        "true_guess_hard": _loss(mapped[2][scored], y, chance).sum(),
        "true_guess_good": _loss(mapped[3][scored], y, chance).sum(),
        "rolling_f": _loss(rolling[scored], y, chance).sum(),
        "truth": _loss(true_recall[scored], y, chance).sum(),
        "answers": int(scored.sum()),
    }
    # Honest per-rep fit: 21 parameters per rep on answers before the split.
    later = day >= split
    fit = np.full(len(day), np.nan)
    for r in range(reps):
        rows = [i for i, k in enumerate(keys) if k[0] == r]
        sub = answer_data(
            [AnswerHistory(policy.answers[keys[i]], taught=policy.taught) for i in rows]
        )
        train = sub.mask(ends_before=split)
        if train.sum() < 20:
            continue
        w = likelihood_fit(sub, start=policy.parameters, mask=train).parameters
        rec = fsrs_forward.recall_flat(np.array([w]), sub.packed)[0]
        sub_q = fsrs_forward.flat(
            sub.packed,
            np.repeat(
                np.array([keys[i][1] for i in rows], dtype=float)[sub.packed.order][
                    :, None
                ],
                sub.packed.rating.shape[1],
                axis=1,
            ),  # fmt: skip
        ).astype(int)
        lookup = {(b, int(c)): v for b, c, v in zip(sub_q, sub.at, rec, strict=True)}
        m = rep == r
        fit[m] = [lookup[(b, int(c))] for b, c in zip(q[m], day[m], strict=True)]
    ok = later & ~np.isnan(fit)
    sums.update(
        later_answers=int(ok.sum()),
        later_fit21=_loss(fit[ok], correct[ok], chance).sum(),
        later_product=_loss(product[ok], correct[ok], chance).sum(),
        later_org=_loss(org[ok], correct[ok], chance).sum(),
        later_true_params=_loss(true_params[ok], correct[ok], chance).sum(),
        later_truth=_loss(true_recall[ok], correct[ok], chance).sum(),
    )
    return sums


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--settings", default="0.75,0.85")
    parser.add_argument("--split", type=int, default=183)
    parser.add_argument("--learners", default="/work/shared/data/fsrs6_users.jsonl")
    args = parser.parse_args()
    runner.POLICIES[PlannerRefitTrace.name] = PlannerRefitTrace
    runner.SETTINGS[PlannerRefitTrace.name] = tuple(
        float(s) for s in args.settings.split(",")
    )
    call_command(
        "simulate",
        learners=args.learners,
        reps=args.reps,
        seed=args.seed,
        workers=1,
        policies=PlannerRefitTrace.name,
    )
    pooled = defaultdict(lambda: defaultdict(float))
    for policy in RUNS:
        for key, value in _team(policy, args.split).items():
            pooled[policy.setting][key] += value
    for setting, s in sorted(pooled.items()):
        n, later = s["answers"], s["later_answers"]
        t = s["truth"] / n
        print(f"\nsetting {setting}: {n} answers from day {runner.KPI_FROM_DAY}")
        for key in (
            "product",
            "org",
            "rolling_f",
            "rolling_fd",
            "oracle_f",
            "oracle_fd",
            "true_params",
            "true_params_f",
            "true_params_good",
            "true_params_d0",
            "true_guess_hard",
            "true_guess_good",
            "true_grades_d0",
            "truth",
        ):
            print(f"  {key:14s} {s[key] / n:.4f}  gap {s[key] / n - t:+.4f}")
        lt = s["later_truth"] / later
        print(
            f"  from day {args.split} ({later} answers), per-rep 21 fitted before it:"
        )
        for key in (
            "later_product",
            "later_org",
            "later_fit21",
            "later_true_params",
            "later_truth",
        ):
            print(f"  {key:18s} {s[key] / later:.4f}  gap {s[key] / later - lt:+.4f}")


if __name__ == "__main__":
    main()
