"""The published baselines follow their rules on hand-worked sequences."""

import numpy as np
import pytest

from reinforcement.memory.scheduling import Confidence, Rating
from reinforcement.simulation.baselines import Leitner, QstreamClassic, Sm2, sm2_next
from tests.reinforcement.simulation.conftest import LEARNER_PARAMETERS


def policy_make(cls, *, questions=3, budget=1):
    return cls(
        reps=1,
        questions=questions,
        budget=budget,
        true_params=LEARNER_PARAMETERS[:1],
        topic=np.zeros(questions, dtype=int),
    )


def answer(policy, q, day, correct, confidence=Confidence.FAIRLY_SURE):
    policy.observe(0, q, day, correct=correct, confidence=confidence)


def test_qstream_repeats_wrong_in_three_weeks_right_in_six():
    policy = policy_make(QstreamClassic)
    assert policy.choose(0, 0) == [0]
    answer(policy, 0, 0, correct=True)
    assert policy.choose(0, 1) == [1]
    answer(policy, 1, 1, correct=False)
    assert policy.due[0, 0] == 42
    assert policy.due[0, 1] == 22


def test_qstream_retires_after_two_consecutive_right_answers():
    policy = policy_make(QstreamClassic, questions=1)
    answer(policy, 0, 0, correct=True)
    answer(policy, 0, 42, correct=False)
    answer(policy, 0, 63, correct=True)
    assert not policy.retired[0, 0]
    answer(policy, 0, 105, correct=True)
    assert policy.retired[0, 0]
    assert policy.choose(0, 1000) == []


def test_qstream_priority_right_repeats_then_wrong_repeats_then_new():
    policy = policy_make(QstreamClassic, questions=4, budget=3)
    answer(policy, 0, 0, correct=False)  # due day 21
    answer(policy, 1, 0, correct=True)  # due day 42
    answer(policy, 2, 1, correct=False)  # due day 22
    # Day 42: all three repeats are due; the right one leads, then the wrong
    # ones oldest first; the new question waits.
    assert policy.choose(0, 42) == [1, 0, 2]
    policy.budget = 4
    assert policy.choose(0, 42) == [1, 0, 2, 3]


def test_leitner_moves_up_on_right_and_back_to_box_one_on_wrong():
    policy = policy_make(Leitner, questions=1)
    expected = [(True, 2, 2), (True, 3, 4), (True, 4, 8), (True, 5, 16), (True, 5, 16)]
    day = 0
    for correct, box, interval in expected:
        answer(policy, 0, day, correct=correct)
        assert (policy.box[0, 0], policy.due[0, 0] - day) == (box, interval)
        day = int(policy.due[0, 0])
    answer(policy, 0, day, correct=False)
    assert (policy.box[0, 0], policy.due[0, 0]) == (1, day + 1)


def test_leitner_asks_lower_boxes_first():
    policy = policy_make(Leitner, questions=3, budget=1)
    answer(policy, 0, 0, correct=True)  # box 2, due day 2
    answer(policy, 1, 1, correct=False)  # box 1, due day 2
    assert policy.choose(0, 2) == [1]


@pytest.mark.parametrize(
    ("interval", "ease", "delay", "rating", "expected"),
    [
        # Again: a lapse restarts at the 1-day minimum, ease -20 points.
        (10, 2.5, 0, Rating.AGAIN, (1, 2.3)),
        # Hard: interval x 1.2, ease -15 points.
        (10, 2.5, 0, Rating.HARD, (12, 2.35)),
        # Good: interval x ease; half the delay counts.
        (10, 2.5, 0, Rating.GOOD, (25, 2.5)),
        (10, 2.5, 4, Rating.GOOD, (30, 2.5)),
        # Easy: (interval + delay) x ease x 1.3, ease +15 points.
        (10, 2.5, 0, Rating.EASY, (32, 2.65)),
        # Each button is at least a day longer than the one before it.
        (1, 2.5, 0, Rating.GOOD, (3, 2.5)),
        # Ease never falls below 130%.
        (10, 1.3, 0, Rating.AGAIN, (1, 1.3)),
    ],
)
def test_sm2_follows_anki(interval, ease, delay, rating, expected):
    got = sm2_next(interval=interval, ease=ease, delay=delay, rating=rating)
    assert got[0] == expected[0]
    assert got[1] == pytest.approx(expected[1])


def test_sm2_graduates_new_cards_at_one_day_or_four_if_easy():
    policy = policy_make(Sm2, questions=2, budget=2)
    answer(policy, 0, 0, correct=True, confidence=Confidence.FAIRLY_SURE)
    answer(policy, 1, 0, correct=True, confidence=Confidence.CERTAIN)
    assert list(policy.due[0]) == [1, 4]
    answer(policy, 0, 1, correct=True, confidence=Confidence.FAIRLY_SURE)
    assert policy.due[0, 0] == 1 + 3


def kickoff_make(cls, *, taught=True, questions=4, budget=2, setting=None):
    return cls(
        reps=1,
        questions=questions,
        budget=budget,
        true_params=LEARNER_PARAMETERS[:1],
        topic=np.zeros(questions, dtype=int),
        taught_on_day_zero=taught,
        setting=setting,
    )


def test_fsrs_due_kickoff_starts_from_the_planners_taught_memory():
    """After a kickoff FSRS's state is the taught memory, due at the desired retention."""
    from reinforcement.memory.scheduling import MemoryModel
    from reinforcement.simulation.baselines import FsrsDue, FsrsDueKickoff

    taught = MemoryModel().taught_memory()
    policy = kickoff_make(FsrsDueKickoff, setting=0.9)
    assert np.all(policy.stability == taught.stability)
    assert np.all(policy.difficulty == taught.difficulty)
    due = max(round(MemoryModel().interval(taught.stability, 0.9)), 1)
    assert np.all(policy.due == due) and policy.started.all()
    # Nothing is new: before the due day it asks nothing, then the due ones.
    assert policy.choose(0, due - 1) == []
    assert policy.choose(0, due) == [0, 1]
    # The first answer advances the taught memory, as the planner's would.
    answer(policy, 0, due + 3, correct=True)
    after = MemoryModel().next_memory(taught, Rating.GOOD, due + 3)
    assert policy.stability[0, 0] == pytest.approx(after.stability)
    # As published, FSRS meets the same questions as new cards on day 0.
    published = kickoff_make(FsrsDue, setting=0.9)
    assert np.isnan(published.stability).all()
    assert published.choose(0, 0) == [0, 1]


def test_sm2_kickoff_graduates_every_card_on_day_zero():
    """The lesson is each card's first Good: due after the 1-day graduating interval."""
    from reinforcement.memory.scheduling import MemoryModel
    from reinforcement.simulation.baselines import Sm2Kickoff

    policy = kickoff_make(Sm2Kickoff)
    assert policy.started.all()
    assert np.all(policy.due == 1) and np.all(policy.interval == 1)
    assert np.all(policy.stability == MemoryModel().taught_memory().stability)
    assert policy.choose(0, 1) == [0, 1]
    answer(policy, 0, 1, correct=True)  # a review card: 1 day x 2.5, at least 3
    assert policy.due[0, 0] == 1 + 3


def test_kickoff_baselines_without_a_kickoff_are_the_published_ones():
    """In onboarding nothing is taught: the kickoff-aware baselines start from nothing."""
    from reinforcement.simulation.baselines import FsrsDueKickoff, Sm2Kickoff

    for cls, setting in ((FsrsDueKickoff, 0.9), (Sm2Kickoff, None)):
        policy = kickoff_make(cls, taught=False, setting=setting)
        assert not policy.started.any()
        assert np.isnan(policy.stability).all()
        assert policy.choose(0, 0) == [0, 1]


def test_look_ahead_starts_a_kickoffs_first_pass_before_it_all_falls_due():
    """Day 1 after a kickoff of 60 questions: nothing is worth asking yet for the
    planner, but the whole module will be within 4 weeks, more than the doses
    until then hold, so the look-ahead fills the dose (and never more)."""
    from reinforcement.simulation.planners import Planner, PlannerLookAhead

    planner = kickoff_make(Planner, questions=60, budget=3, setting=0.76)
    ahead = kickoff_make(PlannerLookAhead, questions=60, budget=3, setting=0.76)
    assert planner.choose(0, 1) == []
    assert len(ahead.choose(0, 1)) == 3
    # With only 6 questions the doses hold them all: nothing is pulled forward.
    small = kickoff_make(PlannerLookAhead, questions=6, budget=3, setting=0.76)
    assert small.choose(0, 1) == []
