"""A pure generator of stage entries for the proof tests of retention against
outcomes (no Django): reps whose retention at entry varies around their own
mean, and a chance of converting out of the stage that rises with retention
by ``effect`` (log-odds per unit of retention; 0 plants nothing).

Reps also differ in how well they convert regardless of what they know
(``rep_spread``), which is why the analysis clusters by rep: without it the
null data would look significant too often.
"""

import math
import random

from revenue.outcome_stats import Cell


def stage_cells_simulate(
    *,
    seed: int,
    reps: int = 30,
    entries_per_rep: int = 25,
    effect: float = 0.0,
    base_rate: float = 0.45,
    rep_spread: float = 0.4,
) -> list[Cell]:
    """Resolved entries as cells of (rep, retention in whole percent)."""
    rng = random.Random(seed)
    cells: dict[tuple[int, float], list[int]] = {}
    base = math.log(base_rate / (1 - base_rate))
    for rep in range(reps):
        mean = rng.uniform(0.55, 0.95)
        skill = rng.gauss(0.0, rep_spread)
        for _ in range(entries_per_rep):
            retention = min(1.0, max(0.0, rng.gauss(mean, 0.08)))
            logit = base + skill + effect * (retention - 0.75)
            converted = rng.random() < 1 / (1 + math.exp(-logit))
            key = (rep, round(retention, 2))
            counts = cells.setdefault(key, [0, 0])
            counts[0] += 1
            counts[1] += int(converted)
    return [Cell(rep, r, n, k) for (rep, r), (n, k) in sorted(cells.items())]
