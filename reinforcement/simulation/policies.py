"""Every scheduler the simulator compares, by the name a run asks for.

``policy_base.Policy`` is what they share (the product's belief of every
memory); ``baselines`` holds the published schedulers, ``planners`` ours.
"""

from reinforcement.simulation.baselines import (
    FsrsDue,
    Leitner,
    NoReinforcement,
    QstreamClassic,
    Sm2,
)
from reinforcement.simulation.planners import (
    Planner,
    PlannerNewAtRate,
    PlannerRefit,
    PlannerTrueParams,
)

POLICIES = {
    cls.name: cls
    for cls in (
        NoReinforcement,
        QstreamClassic,
        Leitner,
        Sm2,
        FsrsDue,
        Planner,
        PlannerRefit,
        PlannerTrueParams,
        PlannerNewAtRate,
    )
}
