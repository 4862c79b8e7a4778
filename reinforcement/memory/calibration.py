"""How well a memory model's predictions of right answers match what happened.

For the model report of an organization (docs/memory.md, "Model report"): on
the refit's time-ordered hold-out, the predicted probability of a right
answer (``answer_fit.right_probability``: recalled, or forgotten and guessed
right) against the observed rate, in equal-width bins (a reliability
diagram), with the log loss and the answer-weighted RMSE over those bins.
"""

import math

import numpy as np

from reinforcement.memory import fsrs_forward
from reinforcement.memory.answer_fit import AnswerData, right_probability

REPORT_BINS = 10


def reliability_bins(
    predicted: np.ndarray, observed: np.ndarray, *, bins: int = REPORT_BINS
) -> list[dict]:
    """Per equal-width bin of predicted probability: answers, mean predicted, observed rate.

    A prediction of exactly 1 falls in the last bin; an empty bin has None
    for its rates.
    """
    predicted = np.asarray(predicted, dtype=float)
    observed = np.asarray(observed, dtype=float)
    index = np.minimum((predicted * bins).astype(int), bins - 1)
    count = np.bincount(index, minlength=bins)
    p_sum = np.bincount(index, weights=predicted, minlength=bins)
    y_sum = np.bincount(index, weights=observed, minlength=bins)
    return [
        {
            "low": b / bins,
            "high": (b + 1) / bins,
            "answers": int(count[b]),
            "predicted": float(p_sum[b] / count[b]) if count[b] else None,
            "observed": float(y_sum[b] / count[b]) if count[b] else None,
        }
        for b in range(bins)
    ]


def calibration_summary(predicted: np.ndarray, observed: np.ndarray) -> dict:
    """Log loss, RMSE over the report's bins, and the bins themselves."""
    predicted = np.clip(np.asarray(predicted, dtype=float), 1e-6, 1 - 1e-6)
    observed = np.asarray(observed, dtype=bool)
    bins = reliability_bins(predicted, observed)
    answers = len(predicted)
    if not answers:
        return {"answers": 0, "log_loss": None, "rmse_bins": None, "bins": bins}
    loss = -np.where(observed, np.log(predicted), np.log(1.0 - predicted)).mean()
    squares = sum(
        b["answers"] * (b["predicted"] - b["observed"]) ** 2
        for b in bins
        if b["answers"]
    )
    return {
        "answers": answers,
        "log_loss": float(loss),
        "rmse_bins": math.sqrt(squares / answers),
        "bins": bins,
    }


def model_calibration(parameters, data: AnswerData, mask) -> dict:
    """The calibration summary of parameters' P(right) on the masked answers."""
    recall = fsrs_forward.recall_flat(parameters, data.packed)[0, mask]
    predicted = right_probability(recall, data.chance[mask])
    return calibration_summary(predicted, data.correct[mask])
