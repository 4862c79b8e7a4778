"""Answers simulated from known FSRS-6 parameters, for the fit's tests and benchmark.

The product's belief and the truth are one: each history's memory is advanced
by the ratings the product records (``rating_for``), so parameters fitted to
these answers can be compared with the ones that made them.
"""

import numpy as np

from reinforcement.memory.answer_fit import AnswerHistory, AnswerReview
from reinforcement.memory.scheduling import (
    DEFAULT_PARAMETERS,
    DEFAULT_RATING_MAP,
    TAUGHT_DIFFICULTY,
    Confidence,
    Memory,
    MemoryModel,
    rating_for,
)

# A team that forgets faster than the defaults assume (decay 0.35, not 0.15)
# and whose first lesson lasts longer (4 days, not 2.3).
TRUE = list(DEFAULT_PARAMETERS)
TRUE[2], TRUE[8], TRUE[10], TRUE[20] = 4.0, 1.4, 1.2, 0.35


def answers_simulate(
    parameters=TRUE,
    *,
    histories=1500,
    seed=0,
    choices=4,
    max_gap=45,
    forgetting=1.0,
    decay=None,
) -> list[AnswerHistory]:
    """Taught (rep, question) histories of 2 to 8 answers at gaps of 1 to max_gap days.

    A rep recalls with the model's recall; one who does not guesses and is
    right 1 time in ``choices``. Confidence is stated as the simulator's reps
    state it: certain when recalled at recall >= 0.9, fairly sure at >= 0.5,
    otherwise a guess. ``forgetting`` makes a rep who forgets that many times
    as fast as the parameters say (``MemoryModel.with_forgetting``); ``decay``
    gives the rep a curve of their own shape too (``MemoryModel.with_curve``).
    """
    rng = np.random.default_rng(seed)
    model = MemoryModel(parameters).with_curve(forgetting, decay)
    start = Memory(model.taught_memory().stability, TAUGHT_DIFFICULTY)
    out = []
    for _ in range(histories):
        memory, day, reviews = start, 0, []
        for _ in range(int(rng.integers(2, 9))):
            gap = int(rng.integers(1, max_gap))
            day += gap
            recall = model.recall(memory.stability, gap)
            recalled = rng.random() < recall
            correct = recalled or rng.random() < 1 / choices
            confidence = Confidence.GUESS
            if recalled and recall >= 0.9:
                confidence = Confidence.CERTAIN
            elif recalled and recall >= 0.5:
                confidence = Confidence.FAIRLY_SURE
            rating = rating_for(
                correct=correct, confidence=confidence, mapping=DEFAULT_RATING_MAP
            )
            reviews.append(
                AnswerReview(
                    int(rating), gap, bool(correct), confidence, 1 / choices, float(day)
                )
            )
            memory = model.next_memory(memory, rating, gap)
        out.append(AnswerHistory(tuple(reviews), taught=True))
    return out
