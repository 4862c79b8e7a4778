"""Plan a kickoff's year: each question's next review day, the daily cap shared.

Pure numpy (issue 14, item 3; an experiment, docs/benchmarks.md). The value of
a question's memory over the year is solved once per memory model by backward
induction over (day, stability just after a review):

    J(t, s) = max( recall-days from t to H if never asked again + end * R(H),
                   max over working days u > t of
                     recall-days from t to u - price
                     + R(u) J(u, s_success) + (1 - R(u)) J(u, s_lapse) )

with the product's FSRS-6 (the vectorized step of ``fsrs_forward``, tested
equal to the library) for the stabilities after a success ("Good") and a
lapse ("Again"), and the product's closed-form recall integral. ``price`` is
what a review costs in recall-days (the workload knob); ``end`` weighs recall
on the horizon's last day. Difficulty is held at the taught difficulty inside
the table; a question's own difficulty is used for its next step.

Each day, a question's value of being asked on each coming working day
follows from the table; the day's slots are then given by an assignment over
the next weeks' slots (the daily cap on each day), so that a wave of
questions falling due together is spread where it loses least, and only the
questions assigned to today are asked.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from reinforcement.memory.fsrs_forward import memory_update, parameters_clip
from reinforcement.memory.scheduling import TAUGHT_DIFFICULTY, MemoryModel

# The stability grid of the value table (days, log-spaced).
GRID_MIN, GRID_MAX, GRID_POINTS = 0.2, 20_000.0, 72
# The assignment looks this many working days ahead.
WINDOW_WORKING_DAYS = 20
GOOD, AGAIN = 3.0, 1.0
_NEVER = -1e18


@dataclass(frozen=True)
class YearTable:
    """J(t, s) on days 0..horizon and the stability grid, for one model."""

    model: MemoryModel
    price: float
    end_weight: float
    horizon: int
    working: np.ndarray  # (horizon + 1,) bool: a review may happen that day
    log_grid: np.ndarray
    value: np.ndarray  # (horizon + 1, GRID_POINTS)
    # A review may not wait until predicted recall is below this (0: no gate).
    min_recall: float = 0.0

    def at(self, day: np.ndarray, stability: np.ndarray) -> np.ndarray:
        """J at (day, stability) pairs, linear in log stability between grid points."""
        x = (np.log(np.clip(stability, GRID_MIN, GRID_MAX)) - self.log_grid[0]) / (
            self.log_grid[1] - self.log_grid[0]
        )
        k = np.clip(x.astype(int), 0, GRID_POINTS - 2)
        f = x - k
        day = np.broadcast_to(day, k.shape)
        return self.value[day, k] * (1 - f) + self.value[day, k + 1] * f


def memory_step(model: MemoryModel, stability, difficulty, rating: float, elapsed):
    """The product's FSRS-6 step for arrays of states: (stability, difficulty)."""
    w = parameters_clip(model.parameters)[None, :]
    shape = np.broadcast(stability, difficulty, elapsed).shape
    s = np.broadcast_to(stability, shape).reshape(1, -1)
    d = np.broadcast_to(difficulty, shape).reshape(1, -1)
    e = np.broadcast_to(elapsed, shape).reshape(1, -1).astype(float)
    new_s, new_d, _ = memory_update(w, s, d, np.full_like(s, rating), np.round(e))
    return new_s.reshape(shape), new_d.reshape(shape)


def _recall_days(model: MemoryModel, stability, start, stop):
    """Integral of predicted recall from start to stop days after the review."""
    s = np.asarray(stability, dtype=float)
    power = 1.0 - model.decay

    def primitive(t):
        return s / (model.factor * power) * (1.0 + model.factor * t / s) ** power

    start = np.maximum(start, 0.0)
    return primitive(np.maximum(stop, start)) - primitive(start)


def _gated(values, recall, min_recall):
    """Values of days when predicted recall has fallen below the gate: -inf,
    except the first such day (a memory already below it may still be asked)."""
    if min_recall <= 0:
        return values
    below = recall < min_recall
    first = np.argmax(below, axis=1)
    keep = np.zeros_like(below)
    keep[np.arange(len(below)), first] = True
    return np.where(below & ~keep, -np.inf, values)


def year_table(
    model: MemoryModel,
    *,
    price: float,
    end_weight: float,
    horizon: int,
    working: np.ndarray,
    min_recall: float = 0.0,
) -> YearTable:
    """Solve J backwards from the horizon (one call per model and knob)."""
    log_grid = np.linspace(np.log(GRID_MIN), np.log(GRID_MAX), GRID_POINTS)
    grid = np.exp(log_grid)
    table = YearTable(
        model, price, end_weight, horizon, np.asarray(working, bool), log_grid,
        np.zeros((horizon + 1, GRID_POINTS)), min_recall,
    )  # fmt: skip
    for t in range(horizon, -1, -1):
        left = horizon - t
        never = _recall_days(model, grid, 0.0, float(left)) + end_weight * (
            model.recall(grid, float(left))
        )
        best = never
        days = np.arange(t + 1, horizon + 1)
        days = days[table.working[days]]
        if len(days):
            e = (days - t).astype(float)[None, :]
            s = grid[:, None]
            recall = model.recall(s, e)
            success, _ = memory_step(model, s, TAUGHT_DIFFICULTY, GOOD, e)
            lapse, _ = memory_step(model, s, TAUGHT_DIFFICULTY, AGAIN, e)
            u = np.broadcast_to(days[None, :], success.shape)
            cont = (
                _recall_days(model, s, 0.0, e)
                - price
                + recall * table.at(u, success)
                + (1 - recall) * table.at(u, lapse)
            )
            cont = _gated(cont, recall, min_recall)
            best = np.maximum(never, cont.max(axis=1))
        table.value[t] = best
    return table


def review_values(
    table: YearTable,
    *,
    stability: np.ndarray,
    difficulty: np.ndarray,
    last_day: np.ndarray,
    today: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per question: value of its next review on each day today..horizon, and of none.

    Returns (days, values (n, len(days)), never (n,)): the first
    WINDOW_WORKING_DAYS working days from today, then every fifth working day.
    Values count recall-days from today on.
    """
    h = table.horizon
    days = np.arange(today, h + 1)
    days = days[table.working[days]]
    # The window's working days, then one day a week: beyond the window only
    # the best later value matters, and it changes slowly.
    days = np.concatenate([days[:WINDOW_WORKING_DAYS], days[WINDOW_WORKING_DAYS::5]])
    s = stability[:, None]
    since = (today - last_day)[:, None].astype(float)
    e = days[None, :] - last_day[:, None].astype(float)
    model = table.model
    recall = model.recall(s, e)
    success, _ = memory_step(model, s, difficulty[:, None], GOOD, e)
    lapse, _ = memory_step(model, s, difficulty[:, None], AGAIN, e)
    u = np.broadcast_to(days[None, :], success.shape)
    values = (
        _recall_days(model, s, since, e)
        - table.price
        + recall * table.at(u, success)
        + (1 - recall) * table.at(u, lapse)
    )
    values = _gated(values, recall, table.min_recall)
    end = (h - last_day).astype(float)
    never = _recall_days(model, stability, today - last_day, end) + (
        table.end_weight * model.recall(stability, end)
    )
    return days, values, never


def year_choose(
    table: YearTable,
    *,
    stability: np.ndarray,
    difficulty: np.ndarray,
    last_day: np.ndarray,
    today: int,
    budget: int,
) -> list[int]:
    """The reviewed questions to ask today (indices), at most ``budget``.

    Each question whose best next review falls within the next
    WINDOW_WORKING_DAYS working days takes part in an assignment to those
    days' slots (``budget`` a day) or to "later"; the assignment maximizes the
    summed value, so a question is moved off its best day only where the cap
    forces it, to the day where it loses least.
    """
    if budget <= 0 or len(stability) == 0 or today > table.horizon:
        return []
    if not table.working[today]:
        return []
    days, values, never = review_values(
        table, stability=stability, difficulty=difficulty, last_day=last_day,
        today=today,
    )  # fmt: skip
    inside = values[:, :WINDOW_WORKING_DAYS]
    beyond = np.maximum(
        never, values[:, WINDOW_WORKING_DAYS:].max(axis=1, initial=-np.inf)
    )
    rows = np.flatnonzero(inside.max(axis=1) > beyond)
    if len(rows) == 0:
        return []
    gain = inside[rows] - beyond[rows, None]  # (m, W): what a slot that day buys
    slots = np.repeat(gain, budget, axis=1)  # each day's budget slots
    # A question may also stay unasked in the window (gain 0).
    stay = np.full((len(rows), len(rows)), _NEVER)
    np.fill_diagonal(stay, 0.0)
    matrix = np.concatenate([np.where(np.isfinite(slots), slots, _NEVER), stay], 1)
    r, c = linear_sum_assignment(matrix, maximize=True)
    today_slots = c < budget  # the first budget columns are today (a working day)
    return [int(rows[i]) for i in r[today_slots]]
