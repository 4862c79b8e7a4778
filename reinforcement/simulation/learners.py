"""Simulated reps' true memory parameters, drawn from real Anki users' FSRS-6 fits."""

import json
from pathlib import Path

import numpy as np

from reinforcement.memory.scheduling import PARAMETER_COUNT

# The shared data set sits beside the repository, never inside it.
DEFAULT_LEARNERS_PATH = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "fsrs6_users.jsonl"
)
# Fits on fewer reviews than this are mostly noise (the smallest has 15).
MIN_REVIEWS = 1000
# FSRS caps initial stability at 100 days; a user stuck there is a degenerate fit.
INITIAL_STABILITY_CAP = 100.0


def learners_load(path: Path | str | None = None) -> list[tuple[float, ...]]:
    """Read the FSRS-6 parameter vectors of typical learners from a JSONL file.

    Keeps users fitted on at least MIN_REVIEWS reviews whose initial
    stabilities are below the cap; if that leaves none (a tiny test file),
    every well-formed line is used.
    """
    path = Path(path) if path is not None else DEFAULT_LEARNERS_PATH
    if not path.exists():
        raise FileNotFoundError(
            f"learners file {path} not found: pass --learners with a JSONL file of "
            "FSRS-6 parameters (one object per line with its 21 parameters "
            'under "w"), e.g. ../shared/data/fsrs6_users.jsonl'
        )
    every, typical = [], []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        w = _parameters(record, where=f"{path}:{number}")
        every.append(w)
        if _is_typical(record, w):
            typical.append(w)
    if not every:
        raise ValueError(f"{path} holds no learners")
    return typical or every


def _parameters(record: dict, *, where: str) -> tuple[float, ...]:
    w = tuple(float(x) for x in record["w"])
    if len(w) != PARAMETER_COUNT:
        raise ValueError(
            f"{where}: expected {PARAMETER_COUNT} parameters, got {len(w)}"
        )
    return w


def _is_typical(record: dict, w: tuple[float, ...]) -> bool:
    """Fitted on enough reviews, with initial stabilities below the cap."""
    return (
        record.get("size", MIN_REVIEWS) >= MIN_REVIEWS
        and max(w[:4]) < INITIAL_STABILITY_CAP
    )


def learners_draw(
    learners: list[tuple[float, ...]], count: int, *, seed: int
) -> list[tuple[float, ...]]:
    """Draw count learners, without replacement while the file has enough."""
    rng = np.random.default_rng([seed, 0])
    replace = count > len(learners)
    picks = rng.choice(len(learners), size=count, replace=replace)
    return [learners[int(i)] for i in picks]
