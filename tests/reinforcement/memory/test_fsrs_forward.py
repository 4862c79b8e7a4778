"""The vectorized FSRS-6 forward pass is the library's model, not a second one."""

import numpy as np
import pytest

from reinforcement.memory import fsrs_forward
from reinforcement.memory.scheduling import (
    DEFAULT_PARAMETERS,
    TAUGHT_DIFFICULTY,
    Memory,
    MemoryModel,
)


def _random_histories(rng, count):
    histories, starts = [], []
    for _ in range(count):
        length = int(rng.integers(1, 16))
        # Same-day repeats (0) included: they take FSRS's short-term path.
        histories.append(
            [(int(rng.integers(1, 5)), int(rng.integers(0, 60)) if j else 0)
             for j in range(length)]
        )  # fmt: skip
        starts.append(TAUGHT_DIFFICULTY if rng.random() < 0.5 else np.nan)
    return histories, starts


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_states_and_recall_equal_the_library_to_1e_6(seed):
    """Random parameters and histories (new or taught): every state and recall matches.

    The library computes in float32; so does the pass here (``dtype``), to
    within 1e-6 relative for stabilities and difficulties and 1e-6 absolute
    for recall along whole histories.
    """
    rng = np.random.default_rng(seed)
    w = fsrs_forward.parameters_clip(
        np.array(DEFAULT_PARAMETERS) * rng.uniform(0.5, 1.5, 21)
    )
    model = MemoryModel(w)
    histories, starts = _random_histories(rng, 80)
    packed = fsrs_forward.histories_pack(histories, starts)
    out = fsrs_forward.forward(w, packed, dtype=np.float32)
    checked = 0
    for row, index in enumerate(packed.order):
        memory = (
            Memory()
            if np.isnan(starts[index])
            else Memory(model.taught_memory().stability, starts[index])
        )
        for j, (rating, delta) in enumerate(histories[index]):
            if memory.is_new:
                assert np.isnan(out.recall[0, row, j])
            else:
                expected = model.recall(memory.stability, delta)
                assert abs(out.recall[0, row, j] - expected) < 1e-6
            memory = model.next_memory(memory, rating, delta)
            assert out.stability[0, row, j] == pytest.approx(memory.stability, rel=1e-6)
            assert out.difficulty[0, row, j] == pytest.approx(
                memory.difficulty, rel=1e-6
            )
            checked += 1
        assert np.isnan(out.stability[0, row, len(histories[index]) :]).all()
    assert checked > 300


def test_float64_pass_differs_from_the_library_only_by_float32_rounding():
    """The fit's float64 pass: recall within 1e-5 of the library's on long histories."""
    rng = np.random.default_rng(5)
    histories, starts = _random_histories(rng, 60)
    packed = fsrs_forward.histories_pack(histories, starts)
    wide = fsrs_forward.forward(DEFAULT_PARAMETERS, packed).recall
    narrow = fsrs_forward.forward(DEFAULT_PARAMETERS, packed, dtype=np.float32).recall
    assert np.nanmax(np.abs(wide - narrow)) < 1e-5


def test_many_parameter_vectors_at_once_equal_one_at_a_time():
    """A (P, 21) batch gives each vector's own result (the fit's gradients rely on it)."""
    rng = np.random.default_rng(3)
    histories, starts = _random_histories(rng, 30)
    packed = fsrs_forward.histories_pack(histories, starts)
    batch = np.array(DEFAULT_PARAMETERS) * rng.uniform(0.7, 1.3, (4, 21))
    together = fsrs_forward.recall_flat(batch, packed)
    for i, w in enumerate(batch):
        alone = fsrs_forward.recall_flat(w, packed)[0]
        np.testing.assert_array_equal(together[i], alone)
    flat = fsrs_forward.flat(packed, fsrs_forward.forward(batch[1], packed).recall[0])
    np.testing.assert_array_equal(flat, together[1])


def test_parameters_are_clipped_as_the_library_clips_them():
    """Out-of-range parameters give the library's clipped model, not a different one."""
    wild = list(DEFAULT_PARAMETERS)
    wild[20], wild[7] = 3.0, -1.0  # decay above 0.8, mean reversion below 0.001
    packed = fsrs_forward.histories_pack([[(3, 0), (1, 5), (3, 9)]])
    out = fsrs_forward.forward(wild, packed, dtype=np.float32)
    model = MemoryModel(fsrs_forward.parameters_clip(wild))
    memory = Memory()
    for j, (rating, delta) in enumerate([(3, 0), (1, 5), (3, 9)]):
        memory = model.next_memory(memory, rating, delta)
        assert out.stability[0, 0, j] == pytest.approx(memory.stability, rel=1e-6)
    assert MemoryModel(wild).next_memory(Memory(), 3, 0) == model.next_memory(
        Memory(), 3, 0
    )


def test_last_states_are_each_historys_final_state_in_the_callers_order():
    rng = np.random.default_rng(5)
    histories, starts = _random_histories(rng, 60)
    packed = fsrs_forward.histories_pack(histories, starts)
    out = fsrs_forward.forward(DEFAULT_PARAMETERS, packed)
    stability, difficulty = fsrs_forward.last_states(DEFAULT_PARAMETERS, packed)
    for row, index in enumerate(packed.order):
        last = len(histories[index]) - 1
        assert stability[index] == out.stability[0, row, last]
        assert difficulty[index] == out.difficulty[0, row, last]
