"""Every scheduler the simulator compares, by the name a run asks for.

``policy_base.Policy`` is what they share (the product's belief of every
memory); ``baselines`` holds the published schedulers, ``planners`` ours.
"""

from reinforcement.simulation.baselines import (
    FsrsDue,
    FsrsDueKickoff,
    Leitner,
    NoReinforcement,
    QstreamClassic,
    Sm2,
    Sm2Kickoff,
)
from reinforcement.simulation.planners import (
    Planner,
    PlannerLookAhead,
    PlannerNewAtRate,
    PlannerRefit,
    PlannerRefitOrg,
    PlannerSchedule,
    PlannerScheduleGated,
    PlannerScheduleTrueParams,
    PlannerTrueParams,
    PlannerYear,
)

POLICIES = {
    cls.name: cls
    for cls in (
        NoReinforcement,
        QstreamClassic,
        Leitner,
        Sm2,
        Sm2Kickoff,
        FsrsDue,
        FsrsDueKickoff,
        Planner,
        PlannerRefit,
        PlannerTrueParams,
        PlannerNewAtRate,
        PlannerYear,
        PlannerLookAhead,
        PlannerRefitOrg,
        PlannerSchedule,
        PlannerScheduleGated,
        PlannerScheduleTrueParams,
    )
}
# Tried, not the product: run only when asked for by name (docs/benchmarks.md).
EXPERIMENTS = (
    "planner_year",
    "planner_lookahead",
    "planner_refit_org",
    "planner_schedule",
    "planner_schedule_gated",
    "planner_schedule_true_params",
)
