"""Run every policy on the same simulated reps, same draws, same budget.

Teams of TEAM_SIZE reps are the unit of simulation: a team shares one refit
(as an organization does in production). Each (team, policy setting) is one
job; jobs run in parallel processes (``parallel``) and are pooled over teams
in team order.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reinforcement.memory import plan_scoring
from reinforcement.simulation.learners import learners_draw, learners_load
from reinforcement.simulation.parallel import jobs_run, team_draws
from reinforcement.simulation.policies import EXPERIMENTS, POLICIES
from reinforcement.simulation.truth import TeamTruth

SCENARIOS = ("post-training", "onboarding")
# A run compares every policy but the experiments unless told otherwise.
POLICY_NAMES = tuple(name for name in POLICIES if name not in EXPERIMENTS)
EXPERIMENT_NAMES = EXPERIMENTS
# The planner's workload knob is the organization's target retention T: a
# review is asked only when its predicted recall is at most T and it buys at
# least the value floor derived from T (plan_scoring.PlanPolicy.value_floor).
# The organization model accepts 0.7 to 0.97; 0.76 lands at about Qstream
# Classic's workload on the target configuration.
PLANNER_TARGETS = (0.7, 0.75, 0.76, 0.8, 0.85, 0.9, 0.95)
# Fewer points suffice for the refit and true-parameter curves.
REFERENCE_TARGETS = (0.75, 0.8, 0.85, 0.9)
# Anki's desired retention for FSRS in due order; 0.9 is Anki's default.
FSRS_DESIRED_RETENTIONS = (0.8, 0.9, 0.95)
SETTINGS = {
    "fsrs_due": FSRS_DESIRED_RETENTIONS,
    "fsrs_due_kickoff": FSRS_DESIRED_RETENTIONS,
    "planner": PLANNER_TARGETS,
    "planner_refit": REFERENCE_TARGETS,
    "planner_true_params": REFERENCE_TARGETS,
    "planner_year": PLANNER_TARGETS,
    "planner_lookahead": PLANNER_TARGETS,
}
# A frontline manager's team; the KPI is judged per team.
TEAM_SIZE = 20
# The KPI and the log loss are judged from day 60 on, once every question has
# been asked.
KPI_FROM_DAY = 60
# Topics the curriculum is split into, in order (interleaving needs several).
TOPICS = 6
# Equal-width bins of the predicted probability for RMSE(bins).
CALIBRATION_BINS = 20
RETENTION_FLOOR = 0.7


@dataclass(frozen=True)
class SimulationConfig:
    reps: int = 200
    questions: int = 60
    days: int = 365
    budget: int = 3
    choices: int = 4
    scenario: str = "post-training"
    seed: int = 0
    policies: tuple[str, ...] = POLICY_NAMES
    learners: str | Path | None = None
    workers: int = 2
    rating_map: dict | None = None
    settings: dict = field(default_factory=lambda: dict(SETTINGS))

    def __post_init__(self):
        if self.scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {self.scenario!r}; use {SCENARIOS}")
        unknown = set(self.policies) - set(POLICIES)
        if unknown:
            raise ValueError(
                f"unknown policies {sorted(unknown)}; use {tuple(POLICIES)}"
            )
        if self.choices < 2 or self.reps < 1 or self.questions < 1 or self.days < 1:
            raise ValueError("need choices >= 2 and positive reps, questions, days")


@dataclass
class PolicyResult:
    name: str
    setting: str
    target: float | None
    questions_per_rep: float
    time_avg_true_retention: float
    final_true_retention: float
    share_below_70: float
    daily_true_retention: np.ndarray
    team_kpi_error_pp: list[float]
    # Of the predicted probability of a right answer, r + (1 - r) c, over the
    # answers from KPI_FROM_DAY on; truth_log_loss is the true model's own
    # prediction of the same answers (the limit a memory model can reach).
    log_loss: float
    rmse_bins: float
    refits_adopted: int = 0
    truth_log_loss: float = float("nan")

    @property
    def max_team_abs_error_pp(self) -> float:
        return max(self.team_kpi_error_pp) if self.team_kpi_error_pp else float("nan")


@dataclass
class SimulationResult:
    config: SimulationConfig
    policies: list[PolicyResult]
    seconds: float

    def find(self, name: str, target: float | None = None) -> PolicyResult | None:
        for p in self.policies:
            if p.name == name and (target is None or p.target == target):
                return p
        return None


def simulate(config: SimulationConfig) -> SimulationResult:
    """Simulate every requested policy and setting; return their metrics."""
    started = time.perf_counter()
    params = learners_draw(
        learners_load(config.learners), config.reps, seed=config.seed
    )
    starts = range(0, config.reps, TEAM_SIZE)
    runs = list(dict.fromkeys(policy_runs(config)))
    jobs = [
        (config, start, params[start : start + TEAM_SIZE], run)
        for start in starts
        for run in runs
    ]
    done = jobs_run(_job_simulate, jobs, config.workers)
    outputs = {(job[1], job[3]): output for job, output in zip(jobs, done, strict=True)}
    # Pooled over teams in team order, whatever order the jobs ran in.
    results = [_combine(run, [outputs[start, run] for start in starts]) for run in runs]
    return SimulationResult(config, results, time.perf_counter() - started)


def policy_runs(config: SimulationConfig) -> list[tuple[str, float | None]]:
    """The (policy, setting) pairs of a run, in the order the report lists them."""
    runs = []
    for name in config.policies:
        for setting in config.settings.get(name, (None,)):
            runs.append((name, setting))
    return runs


def _job_simulate(args) -> dict:
    """One policy setting for one team of reps."""
    config, first_rep, params, (name, setting) = args
    q_count = config.questions
    post = config.scenario == "post-training"
    draws = team_draws(config.seed, first_rep, len(params), config.days, q_count)
    truth = TeamTruth(params, q_count, taught_on_day_zero=post)
    policy = POLICIES[name](
        reps=len(params),
        questions=q_count,
        budget=config.budget,
        true_params=params,
        topic=(np.arange(q_count) * TOPICS) // q_count,
        rating_map=config.rating_map,
        taught_on_day_zero=post,
        setting=setting,
        choices=config.choices,
    )
    return _policy_simulate(config, policy, truth, draws)


@dataclass
class _Trace:
    """What one policy's run records day by day, index day - 1 for a morning."""

    true_daily: np.ndarray
    # The team's retention KPI as the product computes it, and the truth over
    # the same (rep, question) pairs: see kpi_pair.
    pred_daily: np.ndarray
    kpi_true_daily: np.ndarray
    predicted: list = field(default_factory=list)
    observed: list = field(default_factory=list)
    # The true recall at each answer and its day, for the log losses.
    true_recall: list = field(default_factory=list)
    answer_day: list = field(default_factory=list)

    @classmethod
    def empty(cls, days: int) -> "_Trace":
        return cls(np.zeros(days), np.full(days, np.nan), np.full(days, np.nan))


def _is_working_day(day: int, *, post: bool) -> bool:
    """Weekdays, except the kickoff day itself, which has no quiz."""
    return day % 7 < 5 and not (post and day == 0)


def _policy_simulate(config, policy, truth, draws) -> dict:
    days = config.days
    post = config.scenario == "post-training"
    trace = _Trace.empty(days)
    for day in range(days):
        _day_simulate(config, policy, truth, draws, trace, day, post=post)
    final = truth.retention(days)
    trace.true_daily[days - 1] = final.mean()
    if days >= KPI_FROM_DAY:
        trace.pred_daily[days - 1], trace.kpi_true_daily[days - 1] = kpi_pair(
            policy, policy.predicted(days), final
        )
    return _policy_metrics(config, policy, trace, final)


def _day_simulate(config, policy, truth, draws, trace, day, *, post) -> None:
    """One day: the morning's truth and KPI, then the working day's answers."""
    morning = truth.retention(day)
    if day >= 1:
        trace.true_daily[day - 1] = morning.mean()
    working = _is_working_day(day, post=post)
    if working:
        policy.before_day(day)  # refits happen before the day's plans
    elif day < KPI_FROM_DAY:
        return  # a day off before the KPI is judged: nothing to record
    belief = policy.predicted(day)
    if day >= KPI_FROM_DAY:
        trace.pred_daily[day - 1], trace.kpi_true_daily[day - 1] = kpi_pair(
            policy, belief, morning
        )
    if working:
        _answers_simulate(
            config, policy, truth, draws[:, day], trace, day, morning, belief
        )


def _answers_simulate(config, policy, truth, draws, trace, day, morning, belief):
    """Every rep answers the questions the policy chose for them today.

    ``draws`` are the day's uniform draws per (rep, question); ``morning`` the
    true recall and ``belief`` the product's predicted recall at the start of it.
    """
    for r in range(policy.reps):
        for q in policy.choose(r, day):
            trace.predicted.append(belief[r, q])
            trace.true_recall.append(morning[r, q])
            trace.answer_day.append(day)
            correct, confidence = truth.answer(
                r,
                q,
                day,
                true_recall=morning[r, q],
                u_recall=draws[r, q, 0],
                u_guess=draws[r, q, 1],
                choices=config.choices,
            )
            trace.observed.append(correct)
            policy.observe(r, q, day, correct=correct, confidence=confidence)


def _policy_metrics(config, policy, trace: _Trace, final: np.ndarray) -> dict:
    """A team's sums and counts for one policy, for _combine to pool over teams."""
    n = policy.reps
    scored = np.asarray(trace.answer_day, dtype=int) >= KPI_FROM_DAY
    chance = 1.0 / config.choices
    p = right_probability(np.asarray(trace.predicted, dtype=float)[scored], chance)
    truth = right_probability(
        np.asarray(trace.true_recall, dtype=float)[scored], chance
    )
    y = np.asarray(trace.observed, dtype=float)[scored]
    bins = np.minimum((p * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    return {
        "reps": n,
        "label": policy.label,
        "asked": int(policy.asked.sum()),
        "true_daily_sum": trace.true_daily * n,
        "final_sum": float(final.mean(axis=1).sum()),
        "below_floor": int((final < RETENTION_FLOOR).sum()),
        "cells": final.size,
        "team_error_pp": _team_error_pp(config.days, trace),
        "answers": len(y),
        "log_loss_sum": log_loss_sum(p, y),
        "truth_log_loss_sum": log_loss_sum(truth, y),
        "bin_count": np.bincount(bins, minlength=CALIBRATION_BINS),
        "bin_p": np.bincount(bins, weights=p, minlength=CALIBRATION_BINS),
        "bin_y": np.bincount(bins, weights=y, minlength=CALIBRATION_BINS),
        "refits_adopted": sum(a for _, a in getattr(policy, "refits", [])),
    }


def right_probability(recall: np.ndarray, chance: float) -> np.ndarray:
    """The chance of a right answer: recalled, or forgotten and guessed right.

    ``r + (1 - r) c``, clipped away from 0 and 1 so a log loss stays finite.
    """
    return np.clip(recall + (1.0 - recall) * chance, 1e-6, 1 - 1e-6)


def log_loss_sum(p: np.ndarray, correct: np.ndarray) -> float:
    """Summed negative log-likelihood of right/wrong answers under probabilities p."""
    return float(-(correct * np.log(p) + (1 - correct) * np.log(1 - p)).sum())


def _team_error_pp(days: int, trace: _Trace) -> float:
    """Mean absolute KPI error in points from KPI_FROM_DAY on; NaN if never measured."""
    if days < KPI_FROM_DAY or np.isnan(trace.pred_daily).all():
        return np.nan
    return float(np.nanmean(np.abs(trace.pred_daily - trace.kpi_true_daily)) * 100)


def kpi_pair(policy, belief: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """A team's predicted retention KPI and the true retention it stands for.

    The product's KPI (``RepTopicSnapshot``, ``reinforcement.selectors.kpi_retention``)
    is the sum of predicted recall over the team's *introduced* questions
    (a memory state with a stability, i.e. answered at least once) divided by
    their count, pooled over reps. The truth is the mean true recall of the
    same (rep, question) pairs. NaN when nothing is introduced yet.
    """
    introduced = ~np.isnan(policy.stability)
    count = int(introduced.sum())
    if count == 0:
        return float("nan"), float("nan")
    return (
        float(belief[introduced].sum() / count),
        float(truth[introduced].sum() / count),
    )


def _combine(key, parts: list[dict]) -> PolicyResult:
    """Pool the teams' sums and counts for one (policy, setting) into its metrics."""
    name, setting = key
    reps = _total(parts, "reps")
    daily = _total(parts, "true_daily_sum") / reps
    answers = _total(parts, "answers")
    return PolicyResult(
        name=name,
        setting=parts[0]["label"],
        target=setting,
        questions_per_rep=_total(parts, "asked") / reps,
        time_avg_true_retention=float(daily.mean()),
        final_true_retention=_total(parts, "final_sum") / reps,
        share_below_70=_total(parts, "below_floor") / _total(parts, "cells"),
        daily_true_retention=daily,
        team_kpi_error_pp=[
            p["team_error_pp"] for p in parts if not np.isnan(p["team_error_pp"])
        ],
        log_loss=_per_answer(parts, "log_loss_sum", answers),
        rmse_bins=_rmse_bins(parts, answers),
        refits_adopted=_total(parts, "refits_adopted"),
        truth_log_loss=_per_answer(parts, "truth_log_loss_sum", answers),
    )


def _total(parts: list[dict], key: str):
    return sum(p[key] for p in parts)


def _per_answer(parts: list[dict], key: str, answers: int) -> float:
    return _total(parts, key) / answers if answers else float("nan")


def _rmse_bins(parts: list[dict], answers: int) -> float:
    """RMSE between mean predicted and observed correctness per bin, answer-weighted."""
    if not answers:
        return float("nan")
    count = _total(parts, "bin_count")
    gap = (_total(parts, "bin_p") - _total(parts, "bin_y")) / np.maximum(count, 1)
    return float(np.sqrt((count * gap**2).sum() / answers))


__all__ = ["SimulationConfig", "SimulationResult", "simulate", "plan_scoring"]
