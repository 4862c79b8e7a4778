"""FSRS-6 over many review histories at once, in numpy: the fit's forward pass.

The answer path advances one memory at a time with fsrs-rs-python
(``scheduling.MemoryModel``); fitting needs the states and the recall before
every review of every (rep, question) history, for many candidate parameter
vectors at once. This module computes exactly what fsrs-rs does (``model.rs``
of fsrs-rs 6.6: the same formulas, clamps and parameter clipping; a test checks
it against the library to 1e-6), vectorized over histories and over parameter
vectors, so there is still one memory model.

Histories are packed longest first: at review position j the histories still
running are a prefix of the rows, so each step works on a slice, not a mask.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

S_MIN, S_MAX = 0.001, 36500.0
D_MIN, D_MAX = 1.0, 10.0
# fsrs-rs clip_parameters, as FSRS::new applies it (one relearning step, so
# w17 and w18 at most 2; short-term off, so w19 may reach 0).
PARAMETER_BOUNDS: tuple[tuple[float, float], ...] = (
    *[(S_MIN, 100.0)] * 4,
    (D_MIN, D_MAX),
    (0.001, 4.0),
    (0.001, 4.0),
    (0.001, 0.75),
    (0.0, 4.5),
    (0.0, 0.8),
    (0.001, 3.5),
    (0.001, 5.0),
    (0.001, 0.25),
    (0.001, 0.9),
    (0.0, 4.0),
    (0.0, 1.0),
    (1.0, 6.0),
    (0.0, 2.0),
    (0.0, 2.0),
    (0.0, 0.8),
    (0.1, 0.8),
)
_LOW = np.array([b[0] for b in PARAMETER_BOUNDS])
_HIGH = np.array([b[1] for b in PARAMETER_BOUNDS])


def parameters_clip(w) -> np.ndarray:
    """Clip parameter vectors (21,) or (P, 21) to the library's bounds."""
    return np.clip(np.asarray(w, dtype=float), _LOW, _HIGH)


@dataclass(frozen=True)
class Packed:
    """Review histories as padded arrays, rows sorted by length, longest first.

    ``rating`` and ``delta`` are (N, L); ``active[j]`` is how many rows have a
    review at position j. ``start_difficulty`` is NaN for a history that starts
    new (its first review initializes the memory, as in fsrs-rs) and the
    difficulty of a starting memory otherwise (a question taught live: its
    stability is the first-"Good" stability ``w2`` of the parameters, as
    ``MemoryModel.taught_memory`` makes it). ``order[i]`` is the caller's index
    of row i.
    """

    rating: np.ndarray
    delta: np.ndarray
    lengths: np.ndarray
    active: np.ndarray
    start_difficulty: np.ndarray
    order: np.ndarray

    @property
    def rows(self) -> int:
        return len(self.lengths)


def histories_pack(
    histories: Sequence[Sequence[tuple[int, int]]],
    start_difficulty: Sequence[float] | None = None,
) -> Packed:
    """Pack (rating, whole days since the previous review) histories."""
    lengths = np.array([len(h) for h in histories], dtype=np.int64)
    order = np.argsort(-lengths, kind="stable")
    width = int(lengths.max()) if len(lengths) else 0
    rating = np.zeros((len(histories), width))
    delta = np.zeros((len(histories), width))
    for row, index in enumerate(order):
        history = histories[index]
        if history:
            values = np.asarray(history, dtype=float)
            rating[row, : len(history)] = values[:, 0]
            delta[row, : len(history)] = values[:, 1]
    starts = (
        np.full(len(histories), np.nan)
        if start_difficulty is None
        else np.asarray(start_difficulty, dtype=float)
    )
    active = np.array([int((lengths > j).sum()) for j in range(width)], dtype=np.int64)
    return Packed(rating, delta, lengths[order], active, starts[order], order)


@dataclass(frozen=True)
class Forward:
    """States after, and recall before, every review: arrays (P, N, L).

    ``recall`` is NaN where there was no memory before the review (the first
    review of a new history) and beyond a history's end.
    """

    stability: np.ndarray
    difficulty: np.ndarray
    recall: np.ndarray


def _exp(x):
    # Through float64 and rounded once, as the C library's expf rounds; numpy's
    # own float32 exp differs from it by a few units in the last place.
    x = np.asarray(x)
    return np.exp(x.astype(np.float64, copy=False)).astype(x.dtype, copy=False)


def _pow(x, y):
    x, y = np.asarray(x), np.asarray(y)
    wide = np.power(x.astype(np.float64, copy=False), y.astype(np.float64, copy=False))
    return wide.astype(np.result_type(x, y), copy=False)


def curve(w: np.ndarray, elapsed, stability):
    """The FSRS-6 forgetting curve, w of shape (P, 21) against (P, n) arrays.

    Written in fsrs-rs's order of operations, so that in float32 it rounds
    as the library does.
    """
    decay = -w[:, 20:21]
    factor = _exp(np.log(w.dtype.type(0.9)) / decay) - 1
    return _pow(elapsed / stability * factor + 1, decay)


def _init_difficulty(w, rating):
    return w[:, 4:5] - _exp(w[:, 5:6] * (rating - 1.0)) + 1.0


def memory_update(
    w: np.ndarray,
    s: np.ndarray,
    d: np.ndarray,
    rating: np.ndarray,
    delta: np.ndarray,
    *,
    split: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One review: fsrs-rs ``step`` for (P, n) states, ratings 1-4.

    Each history takes one branch (same-day, lapse or success, by its rating
    and delta, the same for every parameter vector). With ``split`` each
    branch is computed only for its own columns; without, every branch for
    every column and the right one picked: elementwise the same numbers (a
    test checks them equal bit for bit), the split in fewer operations.
    """
    last_s = np.clip(s, S_MIN, S_MAX)
    last_d = np.clip(d, D_MIN, D_MAX)
    r = curve(w, delta, last_s)
    same_day = delta == 0.0
    lapse = ~same_day & (rating == 1.0)
    success = ~same_day & ~lapse
    if split:
        new_s = np.empty_like(last_s)
        if same_day.any():
            c = _columns(same_day)
            new_s[:, c] = _short(w, last_s[:, c], rating[c])
        if lapse.any():
            c = _columns(lapse)
            new_s[:, c] = _failure(w, last_s[:, c], last_d[:, c], r[:, c])
        if success.any():
            c = _columns(success)
            new_s[:, c] = _success(w, last_s[:, c], last_d[:, c], r[:, c], rating[c])
    else:
        new_s = np.where(
            same_day,
            _short(w, last_s, rating),
            np.where(lapse, _failure(w, last_s, last_d, r), _success(w, last_s, last_d, r, rating)),
        )  # fmt: skip
    new_d = last_d + (10.0 - last_d) * (-w[:, 6:7] * (rating - 3.0)) / 9.0
    new_d = w[:, 7:8] * (_init_difficulty(w, 4.0) - new_d) + new_d
    return np.clip(new_s, S_MIN, S_MAX), np.clip(new_d, D_MIN, D_MAX), r


def _columns(mask: np.ndarray):
    """Index of the columns a branch takes: all of them as a view, else a list."""
    return slice(None) if mask.all() else np.flatnonzero(mask)


def _success(w, last_s, last_d, r, rating):
    """Stability after a successful review (Hard, Good, Easy) a day or more later."""
    return last_s * (
        _exp(w[:, 8:9])
        * (11.0 - last_d)
        * _pow(last_s, -w[:, 9:10])
        * (_exp((1.0 - r) * w[:, 10:11]) - 1.0)
        * np.where(rating == 2.0, w[:, 15:16], 1.0)
        * np.where(rating == 4.0, w[:, 16:17], 1.0)
        + 1.0
    )


def _failure(w, last_s, last_d, r):
    """Stability after a lapse (Again) a day or more later."""
    return np.minimum(
        w[:, 11:12]
        * _pow(last_d, -w[:, 12:13])
        * (_pow(last_s + 1.0, w[:, 13:14]) - 1.0)
        * _exp((1.0 - r) * w[:, 14:15]),
        last_s / _exp(w[:, 17:18] * w[:, 18:19]),
    )


def _short(w, last_s, rating):
    """Stability after a same-day review (the short-term formula)."""
    sinc = _exp(w[:, 17:18] * (rating - 3.0 + w[:, 18:19])) * _pow(last_s, -w[:, 19:20])
    return last_s * np.where(rating >= 2.0, np.maximum(sinc, 1.0), sinc)


# Rows per block: a block's (P, rows) arrays stay in cache for all its steps,
# which saves about a quarter of a 22-vector pass over 100k answers.
BLOCK_ROWS = 4096


def _steps(parameters, packed: Packed, dtype):
    """Yield (position, first row, rows, stability, difficulty, recall) per step.

    Rows are taken in blocks of BLOCK_ROWS, each run through all its reviews.
    """
    w = parameters_clip(np.atleast_2d(parameters)).astype(dtype)
    p = len(w)
    taught = ~np.isnan(packed.start_difficulty)
    for a in range(0, packed.rows, BLOCK_ROWS):
        b = min(a + BLOCK_ROWS, packed.rows)
        s = np.where(taught[a:b], w[:, 2:3], 0).astype(dtype)
        d = np.tile(np.where(taught[a:b], packed.start_difficulty[a:b], 0), (p, 1))
        d = d.astype(dtype)
        for j in range(int(packed.lengths[a])):
            m = min(int(packed.active[j]), b) - a
            rating = packed.rating[a : a + m, j].astype(dtype)
            delta = packed.delta[a : a + m, j].astype(dtype)
            new_s, new_d, r = memory_update(w, s[:, :m], d[:, :m], rating, delta)
            if j == 0:
                # A new history's first review initializes the memory.
                fresh = ~taught[a : a + m]
                first = np.clip(rating, 1, 4).astype(int) - 1
                new_s = np.clip(np.where(fresh, w[:, first], new_s), S_MIN, S_MAX)
                new_d = np.where(
                    fresh, np.clip(_init_difficulty(w, rating), D_MIN, D_MAX), new_d
                )
                r = np.where(fresh, np.nan, r)
            s[:, :m], d[:, :m] = new_s, new_d
            yield j, a, m, new_s, new_d, r


def forward(parameters, packed: Packed, *, dtype=np.float64) -> Forward:
    """Run FSRS-6 over every packed history for each parameter vector.

    ``parameters`` is (21,) or (P, 21); they are clipped as the library clips
    them. The result's arrays are (P, N, L) in packed row order. The fit runs
    in float64 (its finite differences need it); ``dtype=np.float32`` computes
    in the library's own precision, which is how the test compares the two.
    """
    p = len(np.atleast_2d(parameters))
    shape = (p, *packed.rating.shape)
    out = Forward(*(np.full(shape, np.nan, dtype=dtype) for _ in range(3)))
    for j, a, m, s, d, r in _steps(parameters, packed, dtype):
        out.stability[:, a : a + m, j], out.difficulty[:, a : a + m, j] = s, d
        out.recall[:, a : a + m, j] = r
    return out


def last_states(parameters, packed: Packed) -> tuple[np.ndarray, np.ndarray]:
    """Each history's (stability, difficulty) after its last review, in the
    caller's order (``histories_pack``'s input), for one parameter vector.

    Only the states a history ends on are kept, so a whole organization's
    memory is recomputed in the size of its histories, not of its answers.
    """
    stability, difficulty = np.full(packed.rows, np.nan), np.full(packed.rows, np.nan)
    for j, a, m, s, d, _ in _steps(parameters, packed, np.float64):
        ends = np.flatnonzero(packed.lengths[a : a + m] == j + 1)
        stability[a + ends], difficulty[a + ends] = s[0, ends], d[0, ends]
    out_s, out_d = np.empty(packed.rows), np.empty(packed.rows)
    out_s[packed.order], out_d[packed.order] = stability, difficulty
    return out_s, out_d


def flat(packed: Packed, values: np.ndarray) -> np.ndarray:
    """A per-review (N, L) array in the flat order ``recall_flat`` returns."""
    return np.concatenate(
        [values[:m, j] for j, m in enumerate(packed.active)]
        or [np.zeros(0, dtype=values.dtype)]
    )


def recall_flat(parameters, packed: Packed) -> np.ndarray:
    """Recall before every review, (P, reviews) in ``flat`` order, float64.

    What the fit needs and nothing more: states are not kept, so the memory
    is the size of the answers, not of the padded histories.
    """
    p = len(np.atleast_2d(parameters))
    out = np.empty((p, int(packed.active.sum())))
    offset = np.concatenate([[0], np.cumsum(packed.active)])
    for j, a, m, _, _, r in _steps(parameters, packed, np.float64):
        out[:, offset[j] + a : offset[j] + a + m] = r
    return out
