import datetime as dt

import pytest

from enablement.models import Question
from reinforcement import kpi_rules
from reinforcement.kpi_rules import (
    RECALL_BINS,
    answer_day_streak,
    chance_level,
    corrected_score,
    is_mastered,
    plan_day_streaks,
    recall_bin,
    week_start,
)
from reinforcement.models import Answer


def test_kind_and_confidence_strings_match_the_models():
    """kpi_rules keeps these as strings to stay free of models; they must agree."""
    assert kpi_rules.SELECT_ALL_KIND == Question.Kind.MULTIPLE_CHOICE
    assert kpi_rules.CERTAIN == Answer.Confidence.CERTAIN


def test_chance_level_of_four_options():
    """1/4 for single choice; any non-empty subset of 4, 1/15, for select-all."""
    assert chance_level(kind=Question.Kind.SINGLE_CHOICE, choice_count=4) == 0.25
    assert chance_level(kind=kpi_rules.SELECT_ALL_KIND, choice_count=4) == (
        pytest.approx(1 / 15)
    )


def test_chance_level_counts_at_least_two_options():
    """A question with fewer than two options is guessed like true/false."""
    assert chance_level(kind=Question.Kind.SINGLE_CHOICE, choice_count=1) == 0.5


@pytest.mark.parametrize(
    ("correct", "chance", "expected"),
    [(True, 0.25, 1.0), (False, 0.25, -1 / 3), (True, 0.5, 1.0), (False, 0.5, -1.0)],
)
def test_corrected_score_removes_the_guessing_rate(correct, chance, expected):
    """(correct - c) / (1 - c): right is 1, wrong is below 0 by the odds of a guess."""
    assert corrected_score(correct=correct, chance=chance) == pytest.approx(expected)


def test_corrected_scores_average_to_recall():
    """A rep recalling half and guessing 1/4 of the rest scores 0.5 on average."""
    recall, chance = 0.5, 0.25
    p_right = recall + (1 - recall) * chance
    mean = p_right * corrected_score(correct=True, chance=chance) + (
        1 - p_right
    ) * corrected_score(correct=False, chance=chance)
    assert mean == pytest.approx(recall)


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [(0.2, 1), (1.0, 1), (1.99, 1), (2.0, 2), (6.9, 4), (7.0, 7), (59.9, 30),
     (60.0, 60), (400.0, 60)],
)  # fmt: skip
def test_recall_bin_bounds(elapsed, expected):
    """A bin holds from its lower bound up to the next; the last is open-ended."""
    assert recall_bin(elapsed) == expected
    assert expected in RECALL_BINS


def test_mastery_starts_at_exactly_the_threshold():
    """Stability of exactly MASTERY_STABILITY_DAYS is mastered; just under is not."""
    assert is_mastered(kpi_rules.MASTERY_STABILITY_DAYS)
    assert not is_mastered(kpi_rules.MASTERY_STABILITY_DAYS - 0.01)
    assert not is_mastered(None)


@pytest.mark.parametrize(
    "day",
    [dt.date(2026, 11, 23), dt.date(2026, 11, 25), dt.date(2026, 11, 29)],
)
def test_week_start_is_the_monday(day):
    """Monday, Wednesday and Sunday of one ISO week all start on Monday the 23rd."""
    assert week_start(day) == dt.date(2026, 11, 23)


def test_plan_day_streaks_skip_days_without_prompts_and_open_days():
    """Runs break on a closed day with nothing on time, not on empty or open days."""
    d = dt.date(2026, 6, 1)
    days = [
        (d, 3, 3, 3, 0),  # on time
        (d + dt.timedelta(1), 3, 2, 2, 1),  # on time
        (d + dt.timedelta(2), 0, 0, 0, 0),  # weekend: nothing delivered
        (d + dt.timedelta(3), 3, 3, 1, 0),  # on time
        (d + dt.timedelta(4), 3, 0, 0, 3),  # all expired: breaks
        (d + dt.timedelta(5), 3, 1, 1, 0),  # on time
        (d + dt.timedelta(6), 3, 0, 0, 0),  # still open: neither
    ]
    assert plan_day_streaks(days) == (1, 3)
    assert plan_day_streaks([]) == (0, 0)


def _weekdays(day: dt.date) -> bool:
    return day.isoweekday() <= 5


# Wednesday 25 November 2026.
TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("answered", "expected"),
    [
        # Mon and Tue answered, today not yet: 2.
        ({dt.date(2026, 11, 23), dt.date(2026, 11, 24)}, 2),
        # Today too: 3.
        ({dt.date(2026, 11, 23), dt.date(2026, 11, 24), TODAY}, 3),
        # Friday before as well: the weekend does not break the run.
        ({dt.date(2026, 11, 20), dt.date(2026, 11, 23), dt.date(2026, 11, 24)}, 3),
        # A Saturday answer counts although Saturday is a day off.
        ({dt.date(2026, 11, 21), dt.date(2026, 11, 23), dt.date(2026, 11, 24)}, 3),
        # Tuesday missed: nothing since.
        ({dt.date(2026, 11, 23)}, 0),
        (set(), 0),
    ],
)
def test_answer_day_streak_counts_working_days_back_from_today(answered, expected):
    """Consecutive working days answered; days off never break the run."""
    assert (
        answer_day_streak(answered_days=answered, today=TODAY, is_working_day=_weekdays)
        == expected
    )
