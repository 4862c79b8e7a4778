"""The issue's targets judged from a run's (workload, retention) points."""

import numpy as np

from reinforcement.simulation.report import targets_check
from reinforcement.simulation.runner import (
    PolicyResult,
    SimulationConfig,
    SimulationResult,
)


def run(name, questions, avg, final, target=None):
    return PolicyResult(
        name=name,
        setting="" if target is None else f"target_retention={target:g}",
        target=target,
        questions_per_rep=questions,
        time_avg_true_retention=avg,
        final_true_retention=final,
        share_below_70=0.0,
        daily_true_retention=np.array([avg]),
        team_kpi_error_pp=[],
        log_loss=float("nan"),
        rmse_bins=float("nan"),
    )


PLANNER = [
    run("planner", 40.0, 0.80, 0.82, 0.75),
    run("planner", 60.0, 0.86, 0.88, 0.85),
    run("planner", 80.0, 0.90, 0.92, 0.9),
]


def checks(*others):
    result = SimulationResult(SimulationConfig(days=100), [*PLANNER, *others], 1.0)
    return {c.target: c for c in targets_check(result)}


FSRS = "planner vs FSRS due order (0.9) at equal retention"


def test_fsrs_saving_is_the_planners_workload_at_fsrs_retention():
    """At FSRS's retention the planner needs 60 questions, 40% fewer than 100."""
    check = checks(run("fsrs_due", 100.0, 0.86, 0.87, 0.9))[FSRS]
    assert check.met is True
    assert "asks 60 questions per rep vs 100 (40% fewer" in check.detail


def test_fsrs_outside_the_planners_range_is_unjudged_below_and_missed_above():
    """Below the planner's lightest setting nothing is judged; above its heaviest, a miss."""
    below = checks(run("fsrs_due", 30.0, 0.70, 0.71, 0.9))[FSRS]
    above = checks(run("fsrs_due", 100.0, 0.95, 0.96, 0.9))[FSRS]
    assert below.met is None and above.met is False
    assert "outside the planner's range 80.0%-90.0%" in above.detail


def test_qstream_beyond_the_planners_workloads_is_judged_at_the_nearest_setting():
    """Qstream's workload outside the range: no interpolation, nearest setting only."""
    found = checks(run("qstream_classic", 200.0, 0.70, 0.75))
    name = "planner vs Qstream Classic at equal workload"
    assert found[f"{name} (interpolated)"].met is None
    nearest = found[f"{name} (nearest setting, target_retention=0.9)"]
    assert nearest.met is True  # 92% vs 75% on the last day, 90% vs 70% on average
