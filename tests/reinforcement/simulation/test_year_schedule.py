"""planner_schedule (issue 14, item 3 experiment): the year's schedule under the cap."""

from collections import Counter

import numpy as np

from reinforcement.simulation.planners import PlannerSchedule, PlannerScheduleGated
from reinforcement.simulation.runner import SETTINGS, SimulationConfig, simulate
from tests.reinforcement.simulation.conftest import LEARNER_PARAMETERS


def test_schedule_stays_within_the_daily_cap_and_its_price_sets_the_workload(
    learners_file,
):
    """A year after a kickoff of 60 questions: no rep is ever asked more than
    the 3 a day, and a cheaper review (price 35 recall-days) asks more
    questions than a dearer one (50)."""
    asked = Counter()
    choose = PlannerSchedule.choose

    def counted(self, r, day):
        chosen = choose(self, r, day)
        asked[(self.setting, r, day)] += len(chosen)
        assert len(set(chosen)) == len(chosen)
        return chosen

    PlannerSchedule.choose = counted
    try:
        settings = dict(SETTINGS, planner_schedule=(35.0, 50.0))
        result = simulate(
            SimulationConfig(
                reps=2,
                questions=60,
                days=365,
                learners=str(learners_file),
                workers=1,
                policies=("planner_schedule",),
                settings=settings,
            )  # fmt: skip
        )
    finally:
        PlannerSchedule.choose = choose
    assert max(asked.values()) <= 3
    cheap, dear = (result.find("planner_schedule", p) for p in (35.0, 50.0))
    assert cheap.questions_per_rep > dear.questions_per_rep > 0


def test_gated_schedule_asks_every_kickoff_question_before_recall_falls_below_the_gate():
    """With the gate at 0.7 every question of a kickoff is asked by the first
    working day its predicted recall is below 0.7 (here with 6 questions, so
    the cap does not force a delay)."""
    policy = PlannerScheduleGated(
        reps=1, questions=6, budget=3, true_params=LEARNER_PARAMETERS[:1],
        topic=np.zeros(6, dtype=int), setting=50.0,
    )  # fmt: skip
    model = policy.models[0]
    first = {}
    for day in range(1, 120):
        if day % 7 >= 5:
            continue
        for q in policy.choose(0, day):
            first.setdefault(q, day)
            policy.observe(0, q, day, correct=True, confidence="fairly_sure")
        if len(first) == 6:
            break
    taught = model.taught_memory().stability
    below = next(
        d for d in range(1, 120) if d % 7 < 5 and model.recall(taught, d) < 0.7
    )
    assert len(first) == 6
    assert max(first.values()) <= below
