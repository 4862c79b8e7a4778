"""The simulator's planner_refit fits the answers as the production refit does."""

import numpy as np
import pytest

from reinforcement.memory.scheduling import DEFAULT_PARAMETERS
from reinforcement.simulation import planners
from reinforcement.simulation.planners import PlannerRefit
from tests.reinforcement.simulation.conftest import LEARNER_PARAMETERS


def make(*, taught=True, choices=4, reps=2, questions=3):
    return PlannerRefit(
        reps=reps,
        questions=questions,
        budget=3,
        true_params=LEARNER_PARAMETERS[:reps],
        topic=np.zeros(questions, dtype=int),
        taught_on_day_zero=taught,
        choices=choices,
    )


def test_answers_count_days_from_the_kickoff_and_carry_the_chance_level():
    """After a kickoff the first answer is counted from day 0; onboarding's from itself."""
    refit = make(choices=5)
    refit.observe(0, 1, 12, correct=True, confidence="guess")
    refit.observe(0, 1, 20, correct=False, confidence="certain")
    first, second = refit.answers[(0, 1)]
    assert (first.delta_days, second.delta_days) == (12, 8)
    assert first.rating == 1 and first.correct and first.chance == pytest.approx(0.2)
    assert second.confidence == "certain" and not second.correct
    onboarding = make(taught=False)
    onboarding.observe(1, 0, 9, correct=True, confidence="fairly_sure")
    assert onboarding.answers[(1, 0)][0].delta_days == 0


def test_refit_hands_the_service_refit_every_answer_and_adopts_its_verdict(
    monkeypatch,
):
    """Before a day, the answers go to likelihood_refit; an adoption replays the belief."""
    rng = np.random.default_rng(0)
    refit = make(reps=2, questions=3)
    for day in range(1, 300, 3):
        for r in range(2):
            for q in range(3):
                refit.observe(
                    r, q, day, correct=bool(rng.random() < 0.7), confidence="guess"
                )
    seen = {}
    fitted = list(DEFAULT_PARAMETERS)
    fitted[20] = 0.3

    def fake_refit(*, current, data, cutoff):
        seen.update(current=current, answers=int(data.observed.sum()), cutoff=cutoff)
        return type("R", (), {"adopted": True, "parameters": tuple(fitted)})()

    monkeypatch.setattr(planners, "likelihood_refit", fake_refit)
    refit.before_day(300)
    assert seen["current"] == tuple(DEFAULT_PARAMETERS)
    assert seen["answers"] == 2 * 3 * 100  # every answer after the kickoff is scored
    assert refit.refits == [(300, True)] and refit.models[0].decay == 0.3


def test_refit_fits_memory_per_rep_and_the_org_variant_does_not():
    """A rep who answers mostly wrong gets a multiplier above 1, and far above one
    who answers mostly right; planner_refit_org keeps the organization's model for
    both."""
    rng = np.random.default_rng(1)
    policies = [make(reps=2, questions=3), planners.PlannerRefitOrg(
        reps=2, questions=3, budget=3, true_params=LEARNER_PARAMETERS[:2],
        topic=np.zeros(3, dtype=int),
    )]  # fmt: skip
    for policy in policies:
        for day in range(1, 200, 4):
            for q in range(3):
                for r, right in ((0, 0.35), (1, 0.98)):
                    policy.observe(
                        r, q, day, correct=bool(rng.random() < right),
                        confidence="fairly_sure",
                    )  # fmt: skip
        policy.before_day(200)
    refit, org = policies
    fast, slow = refit.models[0].forgetting, refit.models[1].forgetting
    assert fast > 1.2 and fast > 2 * slow
    assert refit.models[0].parameters == refit.parameters
    assert [m.forgetting for m in org.models] == [1.0, 1.0]
