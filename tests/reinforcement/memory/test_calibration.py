"""The model report's reliability bins, log loss and RMSE, on hand-known data."""

import math

import pytest

from reinforcement.memory.calibration import calibration_summary, reliability_bins


def test_bins_count_mean_predicted_and_observed_rate():
    """Each answer lands in the bin of its prediction; 1.0 goes to the last bin."""
    predicted = [0.05, 0.31, 0.35, 0.39, 0.95, 1.0]
    observed = [0, 1, 0, 1, 1, 1]
    bins = reliability_bins(predicted, observed)
    assert len(bins) == 10 and bins[3]["low"] == pytest.approx(0.3)
    assert bins[0] == {
        "low": 0.0, "high": 0.1, "answers": 1, "predicted": 0.05, "observed": 0.0
    }  # fmt: skip
    assert bins[3]["answers"] == 3
    assert bins[3]["predicted"] == pytest.approx((0.31 + 0.35 + 0.39) / 3)
    assert bins[3]["observed"] == pytest.approx(2 / 3)
    assert bins[9]["answers"] == 2 and bins[9]["observed"] == 1.0
    assert bins[5] == {
        "low": 0.5, "high": 0.6, "answers": 0, "predicted": None, "observed": None
    }  # fmt: skip


def test_log_loss_and_rmse_over_the_bins():
    """RMSE weighs each bin's gap between predicted and observed by its answers."""
    predicted = [0.8, 0.8, 0.8, 0.8, 0.3, 0.3]
    observed = [1, 1, 1, 0, 0, 1]
    summary = calibration_summary(predicted, observed)
    expected_loss = -(3 * math.log(0.8) + math.log(0.2) + math.log(0.7) + math.log(0.3))
    assert summary["log_loss"] == pytest.approx(expected_loss / 6)
    # Bin 0.8: gap 0.8 - 0.75 over 4 answers; bin 0.3: 0.3 - 0.5 over 2.
    expected_rmse = math.sqrt((4 * 0.05**2 + 2 * 0.2**2) / 6)
    assert summary["rmse_bins"] == pytest.approx(expected_rmse)
    assert summary["answers"] == 6


def test_no_answers_gives_no_scores():
    summary = calibration_summary([], [])
    assert summary["answers"] == 0 and summary["log_loss"] is None
    assert all(b["answers"] == 0 for b in summary["bins"])
