"""The issue's targets (issue 14), judged on one simulation run.

Meaningful for the target configuration (post-training, 60 questions, 4
choices, 365 days, up to 3 a working day); on other runs they are indications.
Each target is judged for the production policy (``planner_refit``) and for
the planner with the default parameters, whichever the run has.
"""

from dataclasses import dataclass

import numpy as np

from reinforcement.memory import plan_scoring
from reinforcement.simulation.runner import (
    KPI_FROM_DAY,
    POLICY_NAMES,
    SimulationResult,
)

# At Qstream Classic's workload, with at most this much more work: day-365 true
# retention at least QSTREAM_FINAL_GAIN higher and time-averaged no lower.
QSTREAM_EXTRA_WORK = 0.10
QSTREAM_FINAL_GAIN = 0.08
# At the time-averaged retention of fsrs_due_kickoff (0.9): this many fewer questions.
FSRS_QUESTIONS_SAVING = 0.20
FSRS_DESIRED = 0.9
# From Qstream's workload up, at most this far below the true-parameter planner.
TRUE_PARAMS_GAP = 0.010
# The manager's retention figure, every team, from target KPI_FROM_TARGET up.
KPI_MAX_ERROR_PP = 3.0
KPI_FROM_TARGET = 0.8
# The product's log loss at most this far above the true model's.
LOG_LOSS_GAP = 0.01
# All policies for SPEED_REPS reps x SPEED_QUESTIONS questions x a year.
SECONDS_LIMIT = 180.0
SPEED_REPS, SPEED_QUESTIONS = 500, 120
SUBJECTS = ("planner_refit", "planner")


@dataclass(frozen=True)
class TargetCheck:
    target: str
    met: bool | None
    detail: str

    def __post_init__(self):
        # Comparisons of numpy numbers give numpy booleans; keep plain ones.
        if self.met is not None:
            object.__setattr__(self, "met", bool(self.met))


def default_target() -> float:
    """The planner's default target retention (the product default)."""
    return plan_scoring.DEFAULT_TARGET_RETENTION


def headline(result: SimulationResult, name: str):
    """A policy's run at its default setting, or the setting nearest it."""
    runs = [p for p in result.policies if p.name == name]
    if not runs:
        return None
    if name.startswith("fsrs_due"):
        return min(runs, key=lambda p: abs(p.target - FSRS_DESIRED))
    if runs[0].target is None:
        return runs[0]
    return min(runs, key=lambda p: abs(p.target - default_target()))


def curve(result, name):
    """A policy's (questions, time-averaged, day-365) points, lightest first."""
    runs = sorted(
        (p for p in result.policies if p.name == name),
        key=lambda p: p.questions_per_rep,
    )
    q = np.array([p.questions_per_rep for p in runs])
    avg = np.array([p.time_avg_true_retention for p in runs])
    final = np.array([p.final_true_retention for p in runs])
    return q, avg, final


def at(x, xs, ys):
    """Linear interpolation inside the measured range; None outside it."""
    if len(xs) == 0 or x < xs[0] or x > xs[-1]:
        return None
    return float(np.interp(x, xs, ys))


def targets_check(result: SimulationResult) -> list[TargetCheck]:
    """Judge every target the run can measure."""
    checks = []
    subjects = [s for s in SUBJECTS if result.find(s) is not None]
    for subject in subjects:
        checks += _qstream_check(result, subject)
        checks += _fsrs_check(result, subject)
        checks += _true_params_check(result, subject)
    checks += _refit_helps_check(result)
    for subject in subjects:
        checks += _kpi_check(result, subject)
        checks += _log_loss_check(result, subject)
    checks += _speed_check(result)
    return checks


def _qstream_check(result, subject) -> list[TargetCheck]:
    """Both Qstream conditions at some workload up to 10% above Qstream's."""
    qstream = result.find("qstream_classic")
    q, avg, final = curve(result, subject)
    if qstream is None or not len(q):
        return []
    name = f"{subject} vs Qstream Classic, at most 10% more questions"
    q0 = qstream.questions_per_rep
    limit = q0 * (1 + QSTREAM_EXTRA_WORK)
    grid = [w for w in np.linspace(q0, limit, 21) if at(w, q, avg) is not None]
    if not grid:
        return [
            TargetCheck(
                name,
                None,
                f"Qstream asks {q0:.0f} questions per rep, outside {subject}'s "
                f"measured range {q[0]:.0f}-{q[-1]:.0f}",
            )
        ]

    def holds(w):
        return (
            at(w, q, final) - qstream.final_true_retention >= QSTREAM_FINAL_GAIN
            and at(w, q, avg) >= qstream.time_avg_true_retention
        )

    first = next((w for w in grid if holds(w)), None)

    def point(w):
        return (
            f"at {w:.0f} questions per rep: day {result.config.days} "
            f"{at(w, q, final):.1%} ({(at(w, q, final) - qstream.final_true_retention) * 100:+.1f} pp), "
            f"time-averaged {at(w, q, avg):.1%} "
            f"({(at(w, q, avg) - qstream.time_avg_true_retention) * 100:+.1f} pp)"
        )

    detail = (
        f"Qstream {q0:.0f} questions, {qstream.final_true_retention:.1%} on day "
        f"{result.config.days}, {qstream.time_avg_true_retention:.1%} time-averaged; "
        f"{subject} {point(grid[0])}"
    )
    if first is not None and first > grid[0]:
        detail += f"; both hold {point(first)}"
    elif first is None:
        detail += f"; {point(grid[-1])}"
    return [TargetCheck(name, first is not None, detail)]


def _fsrs_check(result, subject) -> list[TargetCheck]:
    """The subject's workload at fsrs_due_kickoff's time-averaged retention."""
    fsrs = headline(result, "fsrs_due_kickoff")
    q, avg, _ = curve(result, subject)
    if fsrs is None or not len(q):
        return []
    name = f"{subject} vs fsrs_due_kickoff ({FSRS_DESIRED:g}) at equal retention"
    saving, detail = _saving(fsrs, q, avg)
    published = headline(result, "fsrs_due")
    if published is not None:
        _, extra = _saving(published, q, avg)
        detail += f" (against FSRS as published: {extra})"
    met = None if saving is None else saving >= FSRS_QUESTIONS_SAVING
    if saving is None and fsrs.time_avg_true_retention > avg.max():
        met = False
    return [TargetCheck(name, met, detail)]


def _saving(fsrs, q, avg):
    order = np.argsort(avg)
    needed = at(fsrs.time_avg_true_retention, avg[order], q[order])
    if needed is None:
        return None, (
            f"FSRS reaches {fsrs.time_avg_true_retention:.1%} time-averaged at "
            f"{fsrs.questions_per_rep:.0f} questions, outside the range "
            f"{avg.min():.1%}-{avg.max():.1%}"
        )
    saving = 1 - needed / fsrs.questions_per_rep
    return saving, (
        f"{fsrs.time_avg_true_retention:.1%} time-averaged takes {needed:.0f} "
        f"questions per rep vs FSRS's {fsrs.questions_per_rep:.0f} "
        f"({abs(saving):.0%} {'fewer' if saving >= 0 else 'more'})"
    )


def _true_params_check(result, subject) -> list[TargetCheck]:
    """Largest shortfall from the true-parameter curve, settings from Qstream's load up."""
    tq, tavg, _ = curve(result, "planner_true_params")
    q, avg, _ = curve(result, subject)
    if not (len(tq) and len(q)) or subject == "planner_true_params":
        return []
    qstream = result.find("qstream_classic")
    low = qstream.questions_per_rep if qstream is not None else 0.0
    gaps = [
        (at(x, tq, tavg) - a, x)
        for x, a in zip(q, avg, strict=True)
        if x >= low and at(x, tq, tavg) is not None
    ]
    if not gaps:
        return []
    worst, where = max(gaps)
    return [
        TargetCheck(
            f"{subject} within 1.0 pp of planner_true_params, from Qstream's "
            "workload up",
            worst <= TRUE_PARAMS_GAP,
            f"largest shortfall in time-averaged retention at equal workload "
            f"{worst * 100:.1f} pp (at {where:.0f} questions; {len(gaps)} settings "
            "compared)",
        )
    ]


def _refit_helps_check(result) -> list[TargetCheck]:
    """planner_refit against the default-parameter planner's curve, equal workload."""
    q, avg, _ = curve(result, "planner")
    rq, ravg, _ = curve(result, "planner_refit")
    pairs = [
        (a - at(x, q, avg), x)
        for x, a in zip(rq, ravg, strict=True)
        if at(x, q, avg) is not None
    ]
    if not pairs:
        return []
    worst, where = min(pairs)
    return [
        TargetCheck(
            "planner_refit at least as good as planner at equal workload",
            worst >= 0,
            f"worst difference in time-averaged retention {worst * 100:+.1f} pp "
            f"(at {where:.0f} questions; {len(pairs)} of {len(rq)} settings inside "
            "the planner's range)",
        )
    ]


def _kpi_check(result, subject) -> list[TargetCheck]:
    """The worst team's KPI error over every setting from target 0.8 up."""
    runs = [
        p
        for p in result.policies
        if p.name == subject
        and p.target is not None
        and p.target >= KPI_FROM_TARGET - 1e-9
        and p.team_kpi_error_pp
    ]
    if not runs:
        return []
    worst = max(runs, key=lambda p: p.max_team_abs_error_pp)
    each = ", ".join(f"{p.target:g}: {p.max_team_abs_error_pp:.1f}" for p in runs)
    return [
        TargetCheck(
            f"{subject} retention KPI within 3 pp for every team, target "
            f"{KPI_FROM_TARGET:g} up ({result.config.scenario})",
            worst.max_team_abs_error_pp <= KPI_MAX_ERROR_PP,
            f"worst team's mean absolute error from day {KPI_FROM_DAY} on, per "
            f"setting (pp): {each}",
        )
    ]


def _log_loss_check(result, subject) -> list[TargetCheck]:
    """The product's log loss against the true model's, on the same answers."""
    runs = [
        p
        for p in result.policies
        if p.name == subject and not np.isnan(p.log_loss - p.truth_log_loss)
    ]
    if not runs:
        return []
    worst = max(runs, key=lambda p: p.log_loss - p.truth_log_loss)
    gap = worst.log_loss - worst.truth_log_loss
    return [
        TargetCheck(
            f"{subject} log loss within {LOG_LOSS_GAP:g} of the true model's",
            gap <= LOG_LOSS_GAP,
            f"largest gap {gap:.3f} ({worst.setting}: {worst.log_loss:.3f} vs "
            f"{worst.truth_log_loss:.3f}, answers from day {KPI_FROM_DAY} on)",
        )
    ]


def _speed_check(result) -> list[TargetCheck]:
    c = result.config
    full = (
        c.reps >= SPEED_REPS
        and c.questions >= SPEED_QUESTIONS
        and c.days >= 365
        and set(c.policies) >= set(POLICY_NAMES)
    )
    if not full:
        return []
    return [
        TargetCheck(
            f"all policies, {SPEED_REPS} reps x {SPEED_QUESTIONS} questions x a "
            "year, under 3 minutes",
            result.seconds < SECONDS_LIMIT,
            f"{result.seconds:.1f} s with {c.workers} workers",
        )
    ]
