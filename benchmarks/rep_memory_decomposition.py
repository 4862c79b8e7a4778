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
- ``truth``: the true recall (the limit of the target). Printed: log loss per
  answer and its gap to the truth's (docs/benchmarks.md).

Usage (workers 1: the recorder lives in this process):

    .venv/bin/python benchmarks/rep_memory_decomposition.py --reps 60 --seed 0 \
        --settings 0.75,0.85
"""

import argparse
from dataclasses import replace

import numpy as np
from recorded_run import (  # sets Django up and records the truth
    LEARNERS,
    RUNS,
    TRUTH,
    log_loss_terms,
    run_pooled,
)

from reinforcement.memory import fsrs_forward
from reinforcement.memory.answer_fit import (
    AnswerHistory,
    answer_data,
    likelihood_fit,
)
from reinforcement.simulation import planners, runner


class PlannerRefitTrace(planners.PlannerRefit):
    """planner_refit, recording each answer's predictions and the truth."""

    name = "planner_refit_trace"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.true_params = [tuple(w) for w in kwargs["true_params"]]
        self.log = []  # (r, q, day, correct, product, org, true recall)
        self.grades = {}
        RUNS.append(self)

    def observe(self, r, q, day, *, correct, confidence):
        model = self.models[r]
        s = self.stability[r, q]
        elapsed = day - self.last[r, q]
        product = self.predicted_one(r, q, day)
        org_factor = model.factor / model.forgetting
        org = (1.0 + org_factor * elapsed / s) ** (-model.decay)
        ((true_recall, self.grades[(r, q, day)]),) = TRUTH
        self.log.append((r, q, day, correct, product, org, true_recall))
        super().observe(r, q, day, correct=correct, confidence=confidence)


_loss = log_loss_terms


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
    return replace(packed, rating=rating)


def _start_difficulty(packed, difficulty):
    """The same histories starting from the taught memory at this difficulty."""
    start = np.where(np.isnan(packed.start_difficulty), np.nan, difficulty)
    return replace(packed, start_difficulty=start)


def _true_grades(packed, policy, keys):
    """The histories with the truth's grades (Good if recalled, else Again)."""
    rating = packed.rating.copy()
    for row, index in enumerate(packed.order):
        r, q = keys[index]
        for j, review in enumerate(policy.answers[(r, q)]):
            rating[row, j] = policy.grades[(r, q, int(review.at))]
    return replace(packed, rating=rating)


def _right_guess_as(packed, policy, keys, value):
    """The histories with every right answer called a guess rated ``value``."""
    rating = packed.rating.copy()
    for row, index in enumerate(packed.order):
        for j, review in enumerate(policy.answers[keys[index]]):
            if review.correct and review.confidence == "guess":
                rating[row, j] = value
    return replace(packed, rating=rating)


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


def _per_review(packed, per_history):
    """A per-history value (in the caller's order) for every review, flat order."""
    grid = np.repeat(
        np.asarray(per_history, dtype=float)[packed.order][:, None],
        packed.rating.shape[1], axis=1,
    )  # fmt: skip
    return fsrs_forward.flat(packed, grid).astype(int)


def _first_difficulty(w):
    """A rep's own difficulty after a first Good (the truth's kickoff memory)."""
    return float(np.clip(fsrs_forward._init_difficulty(w, 3.0)[0, 0], 1.0, 10.0))


def _true_variants(policy, data, keys, flat_rep):
    """Recall before every review under each rep's true parameters, with the
    product's states and with the variants of them (flat order)."""
    params = np.array(policy.true_params)
    cells = np.arange(len(flat_rep))

    def own(packed, first_difficulty=False):
        if not first_difficulty:
            return fsrs_forward.recall_flat(params, packed)[flat_rep, cells]
        out = np.empty(len(flat_rep))
        for r, w in enumerate(params):
            m = flat_rep == r
            start = _start_difficulty(packed, _first_difficulty(w[None]))
            out[m] = fsrs_forward.recall_flat(w[None], start)[0, m]
        return out

    packed = data.packed
    return {
        "true_params": own(packed),
        "true_params_good": own(_certain_as_good(packed)),
        "true_params_d0": own(packed, first_difficulty=True),
        "true_grades_d0": own(_true_grades(packed, policy, keys), True),
        "true_guess_hard": own(_right_guess_as(packed, policy, keys, 2)),
        "true_guess_good": own(_right_guess_as(packed, policy, keys, 3)),
    }


def _later_fit21(policy, keys, rep, q, day, split):
    """Each rep's 21 parameters fitted on their answers before ``split``
    (the refit's likelihood and prior, from the final org parameters): the
    recall they predict for every logged answer (NaN: too few to fit)."""
    fit = np.full(len(day), np.nan)
    for r in range(policy.reps):
        rows = [i for i, k in enumerate(keys) if k[0] == r]
        sub = answer_data(
            [AnswerHistory(policy.answers[keys[i]], taught=policy.taught) for i in rows]
        )
        train = sub.mask(ends_before=split)
        if train.sum() < 20:
            continue
        w = likelihood_fit(sub, start=policy.parameters, mask=train).parameters
        rec = fsrs_forward.recall_flat(np.array([w]), sub.packed)[0]
        sub_q = _per_review(sub.packed, [keys[i][1] for i in rows])
        lookup = {(b, int(c)): v for b, c, v in zip(sub_q, sub.at, rec, strict=True)}
        m = rep == r
        fit[m] = [lookup[(b, int(c))] for b, c in zip(q[m], day[m], strict=True)]
    return fit


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
    flat_rep = _per_review(data.packed, [r for r, _ in keys])
    flat_q = _per_review(data.packed, [k for _, k in keys])
    # Map the flat order onto the log's order by (rep, question, day).
    index = {
        cell: i
        for i, cell in enumerate(
            zip(flat_rep, flat_q, data.at.astype(int), strict=True)
        )
    }
    where = np.array(
        [index[(a, b, int(c))] for a, b, c in zip(rep, q, day, strict=True)]
    )
    true = {
        k: v[where] for k, v in _true_variants(policy, data, keys, flat_rep).items()
    }
    scored = day >= runner.KPI_FROM_DAY
    decay = policy.models[0].decay
    args = (org[scored], correct[scored], rep[scored], reps, chance, decay)
    predictions = {
        "product": product[scored],
        "org": org[scored],
        "rolling_f": _rolling_f(org, correct, rep, day, reps, chance, decay)[scored],
        "rolling_fd": _rolling_fd(org, correct, rep, day, reps, chance, decay)[scored],
        "oracle_f": _best_f(*args),
        "oracle_fd": _best_fd(*args),
        **{k: v[scored] for k, v in true.items()},
        "truth": true_recall[scored],
    }
    tp_f = predictions["true_params"].copy()
    for r, w in enumerate(policy.true_params):
        m = rep[scored] == r
        if m.any():
            tp_f[m] = _best_f(
                tp_f[m], correct[scored][m], np.zeros(m.sum(), int), 1, chance, w[20]
            )
    predictions["true_params_f"] = tp_f
    y = correct[scored]
    sums = {k: _loss(v, y, chance).sum() for k, v in predictions.items()}
    sums["answers"] = int(scored.sum())
    # Honest per-rep fit: 21 parameters per rep on answers before the split.
    fit = _later_fit21(policy, keys, rep, q, day, split)
    ok = (day >= split) & ~np.isnan(fit)
    later = {
        "fit21": fit,
        "product": product,
        "org": org,
        "true_params": true["true_params"],
        "truth": true_recall,
    }
    sums["later_answers"] = int(ok.sum())
    for k, v in later.items():
        sums[f"later_{k}"] = _loss(v[ok], correct[ok], chance).sum()
    return sums


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--settings", default="0.75,0.85")
    parser.add_argument("--split", type=int, default=183)
    parser.add_argument("--learners", default=LEARNERS)
    args = parser.parse_args()
    pooled = run_pooled(
        PlannerRefitTrace, settings=args.settings, reps=args.reps, seed=args.seed,
        learners=args.learners, team=lambda policy: _team(policy, args.split),
    )  # fmt: skip
    for setting, s in sorted(pooled.items()):
        n, later = s["answers"], s["later_answers"]
        t = s["truth"] / n
        print(f"\nsetting {setting}: {n} answers from day {runner.KPI_FROM_DAY}")
        shown = [k for k in s if k != "answers" and not k.startswith("later_")]
        for key in shown:
            print(f"  {key:16s} {s[key] / n:.4f}  gap {s[key] / n - t:+.4f}")
        lt = s["later_truth"] / later
        print(f"  from day {args.split} ({later} answers), 21 fitted before it:")
        for key in [k for k in s if k.startswith("later_") and k != "later_answers"]:
            print(f"  {key:18s} {s[key] / later:.4f}  gap {s[key] / later - lt:+.4f}")


if __name__ == "__main__":
    main()
