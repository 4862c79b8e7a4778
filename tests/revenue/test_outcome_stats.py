"""The pure statistics of outcomes, and the proof on simulated data: with no
planted effect the analysis rarely reports one, with one it finds it."""

import math

import pytest

from revenue import outcome_stats as st
from revenue.outcome_simulation import stage_cells_simulate

NULL_SEEDS = range(100)
EFFECT_SEEDS = range(1000, 1030)


def test_histogram_median_matches_the_middle_values():
    """Odd totals give the middle value, even ones the mean of the two middle."""
    assert st.histogram_median({3: 1, 5: 1, 9: 1}) == 5
    assert st.histogram_median({1: 2, 10: 2}) == 5.5
    assert st.histogram_median({4: 10}) == 4
    assert st.histogram_median({}) is None
    assert st.histogram_median({2: 0}) is None


def test_wilson_interval_brackets_the_rate_and_stays_in_range():
    """Wilson's interval of 0 of 10 starts at 0 and stays above it at the top."""
    zero = st.wilson_interval(0, 10)
    assert zero.low == 0 and 0.2 < zero.high < 0.35
    half = st.wilson_interval(50, 100)
    assert half.low < 0.5 < half.high and math.isclose(half.high - 0.5, 0.5 - half.low)
    assert st.wilson_interval(0, 0) is None


def test_target_comparison_says_not_enough_below_the_minimum():
    """Fewer than the minimum resolved entries in a group: no interval."""
    cells = [st.Cell(rep, 0.9, 2, 1) for rep in range(20)]
    result = st.target_comparison(cells, target=0.8)
    assert not result.enough and result.difference is None
    assert result.above_resolved == 40 and result.below_resolved == 0


def test_target_comparison_difference_is_the_difference_of_rates():
    """The estimate is conversion above minus below, the interval around it."""
    cells = [st.Cell(r, 0.9, 10, 8) for r in range(10)]
    cells += [st.Cell(r + 10, 0.6, 10, 4) for r in range(10)]
    cells[0] = st.Cell(0, 0.9, 10, 6)
    result = st.target_comparison(cells, target=0.8)
    assert result.enough
    assert math.isclose(result.difference.estimate, 0.78 - 0.4)
    assert result.difference.low < 0.38 < result.difference.high
    assert result.significant


def test_logistic_refuses_degenerate_data():
    """Everyone converting leaves nothing to fit: "not enough data", no crash."""
    cells = [st.Cell(r, 0.5 + r / 100, 10, 10) for r in range(20)]
    fit = st.logistic_clustered(cells)
    assert not fit.enough and fit.failed


def test_did_recovers_a_planted_change():
    """Treated reps gain 10 points after, controls 2: the DiD is 8 points."""
    rows = []
    for rep in range(20):
        treated = rep < 10
        base = 0.6 + rep * 0.005
        rows.append(st.DidRow(rep, treated, False, base, 10))
        noise = 0.01 * ((rep * 7) % 5 - 2) * (1 if rep % 2 else -1)
        gain = (0.1 if treated else 0.02) + noise
        rows.append(st.DidRow(rep, treated, True, base + gain, 10))
    result = st.did_estimate(rows)
    assert result.enough
    assert result.effect.low < 0.08 < result.effect.high
    assert result.effect.estimate == pytest.approx(0.08, abs=0.01)
    assert result.effect.excludes_zero


def test_did_without_a_control_group_is_not_enough():
    rows = [st.DidRow(r, True, a, 0.5) for r in range(12) for a in (False, True)]
    assert not st.did_estimate(rows).enough


def test_conversion_bands_count_each_entry_once():
    cells = [st.Cell(1, 0.55, 4, 1), st.Cell(1, 0.95, 6, 5), st.Cell(2, 1.0, 1, 1)]
    bands = st.conversion_bands(cells)
    assert sum(b.resolved for b in bands) == 11
    top = bands[-1]
    assert top.label == "90%+" and top.resolved == 7 and top.converted == 6


def test_no_planted_effect_is_rarely_reported():
    """No link between retention and conversion (but reps differ in how they
    sell): in at least 90% of seeds neither the comparison nor the regression
    is significant at 5%."""
    comparison = regression = 0
    for seed in NULL_SEEDS:
        cells = stage_cells_simulate(seed=seed, effect=0.0)
        comparison += st.target_comparison(cells, target=0.8).significant
        regression += st.logistic_clustered(cells).significant
    assert comparison <= 0.10 * len(NULL_SEEDS), comparison
    assert regression <= 0.10 * len(NULL_SEEDS), regression


def test_a_planted_effect_is_found_in_most_seeds():
    """Conversion rising with retention (log-odds +3 per unit): found, in the
    right direction, in most seeds by both tests."""
    comparison = regression = 0
    for seed in EFFECT_SEEDS:
        cells = stage_cells_simulate(seed=seed, effect=3.0)
        result = st.target_comparison(cells, target=0.8)
        fit = st.logistic_clustered(cells)
        comparison += result.significant and result.difference.estimate > 0
        regression += fit.significant and fit.odds_ratio.estimate > 1
    assert comparison >= 0.8 * len(EFFECT_SEEDS), comparison
    assert regression >= 0.8 * len(EFFECT_SEEDS), regression
