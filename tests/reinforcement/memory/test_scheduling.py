"""The memory module over the real FSRS library."""

import numpy as np
import pytest

from reinforcement.memory.scheduling import (
    DEFAULT_RATING_MAP,
    Memory,
    MemoryModel,
    Rating,
    rating_for,
)

MODEL = MemoryModel()
LEARNED = Memory(stability=10.0, difficulty=5.0)


def test_correct_answer_after_longer_gap_grows_stability_more():
    short = MODEL.next_memory(LEARNED, Rating.GOOD, elapsed_days=2)
    long = MODEL.next_memory(LEARNED, Rating.GOOD, elapsed_days=20)
    assert long.stability > short.stability > LEARNED.stability


def test_wrong_answer_lowers_stability():
    after = MODEL.next_memory(LEARNED, Rating.AGAIN, elapsed_days=10)
    assert after.stability < LEARNED.stability
    assert after.difficulty > LEARNED.difficulty


def test_predicted_recall_decays_with_time():
    recall = MODEL.recall(10.0, np.array([0, 1, 10, 100]))
    assert recall[0] == pytest.approx(1.0)
    assert np.all(np.diff(recall) < 0)
    assert recall[2] == pytest.approx(0.9)  # FSRS: R = 0.9 when t = S


def test_recall_agrees_with_the_library_interval():
    for stability in (0.5, 3.0, 40.0):
        days = MODEL.interval(stability, 0.8)
        assert MODEL.recall(stability, days) == pytest.approx(0.8, abs=1e-4)


def test_first_review_rating_orders_initial_stability():
    stabilities = [MODEL.next_memory(Memory(), r, 0).stability for r in Rating]
    assert stabilities == sorted(stabilities)


def test_mean_recall_matches_numeric_integral():
    t = np.linspace(5, 35, 30001)
    numeric = np.trapezoid(MODEL.recall(8.0, t), t) / 30
    assert MODEL.mean_recall(8.0, 5.0, 30.0) == pytest.approx(numeric, rel=1e-6)


@pytest.mark.parametrize(
    ("correct", "confidence", "rating"),
    [
        (False, "certain", Rating.AGAIN),
        (False, "guess", Rating.AGAIN),
        (True, "guess", Rating.AGAIN),
        (True, "fairly_sure", Rating.GOOD),
        (True, "certain", Rating.EASY),
    ],
)
def test_rating_mapping(correct, confidence, rating):
    assert (
        rating_for(correct=correct, confidence=confidence, mapping=DEFAULT_RATING_MAP)
        == rating
    )


def test_mean_recall_is_finite_when_decay_is_one():
    params = list(MODEL.parameters)
    params[20] = 1.0
    model = MemoryModel(params)
    t = np.linspace(0, 30, 30001)
    numeric = np.trapezoid(model.recall(8.0, t), t) / 30
    assert model.mean_recall(8.0, 0.0, 30.0) == pytest.approx(numeric, rel=1e-6)


def test_unknown_confidence_is_rejected():
    with pytest.raises(ValueError, match="unknown confidence"):
        rating_for(correct=True, confidence="very", mapping=DEFAULT_RATING_MAP)


def test_wrong_parameter_count_is_rejected():
    with pytest.raises(ValueError, match="21 parameters"):
        MemoryModel([1.0] * 19)
