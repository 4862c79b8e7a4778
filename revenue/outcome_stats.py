"""The statistics of outcome KPIs, retention against outcomes and campaign
reports: pure functions on counts (no Django, no database), so the proof tests
can run them on thousands of simulated data sets (docs/kpis.md, "Outcomes").

Every interval is 95%. Deals of one rep are not independent (a strong rep wins
more of everything), so the comparisons that pool reps use standard errors
clustered by rep, with Student's t on (reps - 1) degrees of freedom.
"""

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm

Z95 = 1.959963984540054
# Below these the analysis says "not enough data" rather than a number:
# resolved entries in each of the two groups (at or above target, below it),
# and reps (clusters) behind a clustered interval, which is unreliable with
# fewer clusters.
MIN_RESOLVED_PER_GROUP = 30
MIN_REPS = 10
# Retention bands of the chart, in whole percent: [lower, upper).
BANDS = ((0, 50), (50, 60), (60, 70), (70, 80), (80, 90), (90, 101))
# The logistic regression's slope is reported per this many points of retention.
ODDS_STEP = 0.10


@dataclass(frozen=True)
class Cell:
    """Resolved entries of one rep at one retention at entry (0..1)."""

    rep: int
    retention: float
    resolved: int
    converted: int


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    @property
    def excludes_one(self) -> bool:
        return self.low > 1 or self.high < 1


def histogram_median(counts: Mapping[int, int]) -> float | None:
    """Median of whole-number values given as value -> count; None when empty.

    With an even total the mean of the two middle values (as statistics.median).
    """
    total = sum(counts.values())
    if total <= 0:
        return None
    values = sorted(v for v, n in counts.items() if n > 0)
    lower_rank, upper_rank = (total - 1) // 2, total // 2
    seen, lower = 0, None
    for value in values:
        seen += counts[value]
        if lower is None and seen > lower_rank:
            lower = value
        if seen > upper_rank:
            return (lower + value) / 2
    return float(values[-1])  # pragma: no cover - unreachable with total > 0


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def wilson_interval(successes: int, n: int) -> Interval | None:
    """Wilson's score interval of a proportion (fine near 0% and 100%)."""
    if n <= 0:
        return None
    p = successes / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def _clustered_wls(y, exog, weights, groups):
    """Weighted least squares with rep-clustered errors; grouped rows of
    weight n give the same estimate and sandwich as n single rows."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.WLS(y, exog, weights=weights).fit(
            cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
        )


@dataclass(frozen=True)
class TargetComparison:
    """Conversion of entries at or above the retention target against below."""

    enough: bool
    above_resolved: int
    above_converted: int
    below_resolved: int
    below_converted: int
    reps: int
    above_rate: float | None = None
    below_rate: float | None = None
    difference: Interval | None = None  # above - below, rep-clustered

    @property
    def significant(self) -> bool:
        return self.difference is not None and self.difference.excludes_zero


def _group_counts(cells: Sequence[Cell], target: float) -> dict:
    above = [c for c in cells if c.retention >= target]
    below = [c for c in cells if c.retention < target]
    return {
        "above_resolved": sum(c.resolved for c in above),
        "above_converted": sum(c.converted for c in above),
        "below_resolved": sum(c.resolved for c in below),
        "below_converted": sum(c.converted for c in below),
        "reps": len({c.rep for c in cells}),
    }


def _columns(cells: Sequence[Cell]):
    """(share converted, entries, rep) of each cell, as arrays."""
    return (
        np.array([c.converted / c.resolved for c in cells]),
        np.array([c.resolved for c in cells], dtype=float),
        np.array([c.rep for c in cells]),
    )


def target_comparison(cells: Sequence[Cell], *, target: float) -> TargetComparison:
    """Conversion at or above ``target`` against below, with the difference's
    interval from a linear probability model on the indicator, clustered by rep."""
    cells = [c for c in cells if c.resolved > 0]
    counts = _group_counts(cells, target)
    enough = (
        min(counts["above_resolved"], counts["below_resolved"])
        >= MIN_RESOLVED_PER_GROUP
        and counts["reps"] >= MIN_REPS
    )
    rates = {
        "above_rate": ratio(counts["above_converted"], counts["above_resolved"]),
        "below_rate": ratio(counts["below_converted"], counts["below_resolved"]),
    }
    if not enough:
        return TargetComparison(enough=False, **counts, **rates)
    y, weights, groups = _columns(cells)
    x = np.array([1.0 if c.retention >= target else 0.0 for c in cells])
    fit = _clustered_wls(y, np.column_stack([np.ones_like(x), x]), weights, groups)
    low, high = fit.conf_int(alpha=0.05)[1]
    difference = Interval(float(fit.params[1]), float(low), float(high))
    return TargetComparison(enough=True, **counts, **rates, difference=difference)


@dataclass(frozen=True)
class LogisticFit:
    """log-odds of converting = intercept + slope * retention at entry."""

    enough: bool
    entries: int
    reps: int
    # Odds ratio of converting per ODDS_STEP (10 points) more retention.
    odds_ratio: Interval | None = None
    p_value: float | None = None
    failed: str = ""  # why no estimate (e.g. every entry converted)

    @property
    def significant(self) -> bool:
        return self.odds_ratio is not None and self.odds_ratio.excludes_one


def logistic_clustered(cells: Sequence[Cell]) -> LogisticFit:
    """Logistic regression of conversion on retention at entry, rep-clustered
    standard errors (statsmodels GLM, binomial rows of successes and failures)."""
    cells = [c for c in cells if c.resolved > 0]
    entries = sum(c.resolved for c in cells)
    reps = len({c.rep for c in cells})
    converted = sum(c.converted for c in cells)
    if reps < MIN_REPS or entries < 2 * MIN_RESOLVED_PER_GROUP:
        return LogisticFit(enough=False, entries=entries, reps=reps)
    if converted in (0, entries) or len({c.retention for c in cells}) == 1:
        return LogisticFit(
            enough=False,
            entries=entries,
            reps=reps,
            failed="every entry had the same result or the same retention",
        )
    try:
        slope, low, high, p_value = _logistic_fit(cells)
    except (ValueError, np.linalg.LinAlgError) as exc:  # separation, singular
        return LogisticFit(False, entries, reps, failed=str(exc)[:200])
    if not all(map(math.isfinite, (slope, low, high))):
        return LogisticFit(False, entries, reps, failed="the fit did not converge")
    odds = Interval(*(math.exp(v * ODDS_STEP) for v in (slope, low, high)))
    return LogisticFit(True, entries, reps, odds_ratio=odds, p_value=p_value)


def _logistic_fit(cells: Sequence[Cell]) -> tuple[float, float, float, float]:
    """Slope of retention, its 95% interval and p-value."""
    retention = np.array([c.retention for c in cells])
    endog = np.array([[c.converted, c.resolved - c.converted] for c in cells], float)
    exog = np.column_stack([np.ones_like(retention), retention])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(endog, exog, family=sm.families.Binomial()).fit(
            cov_type="cluster",
            cov_kwds={"groups": np.array([c.rep for c in cells])},
            use_t=True,
        )
        low, high = fit.conf_int(alpha=0.05)[1]
        return float(fit.params[1]), float(low), float(high), float(fit.pvalues[1])


@dataclass(frozen=True)
class Band:
    low_pct: int
    high_pct: int
    resolved: int
    converted: int
    rate: Interval | None  # Wilson interval (not clustered: a chart, not a test)

    @property
    def label(self) -> str:
        if self.high_pct > 100:
            return f"{self.low_pct}%+"
        return f"{self.low_pct}–{self.high_pct}%"


def conversion_bands(cells: Iterable[Cell]) -> list[Band]:
    """Conversion by retention band, each with its Wilson interval."""
    sums = {band: [0, 0] for band in BANDS}
    for c in cells:
        pct = round(c.retention * 100)
        for band in BANDS:
            if band[0] <= pct < band[1]:
                sums[band][0] += c.resolved
                sums[band][1] += c.converted
    return [
        Band(lo, hi, n, k, wilson_interval(k, n)) for (lo, hi), (n, k) in sums.items()
    ]


@dataclass(frozen=True)
class DidRow:
    """One observation of a difference-in-differences: a rep, campaign team or
    not, before or after the start, a value and its weight (entries, questions)."""

    rep: int
    treated: bool
    after: bool
    value: float
    weight: float = 1.0


@dataclass(frozen=True)
class DidResult:
    enough: bool
    # Weighted means: (treated, after) -> mean, and the weights behind them.
    means: dict[tuple[bool, bool], float | None]
    weights: dict[tuple[bool, bool], float]
    reps: int
    effect: Interval | None = None  # (T after - T before) - (C after - C before)

    @property
    def treated_before(self) -> float | None:
        return self.means[(True, False)]

    @property
    def treated_after(self) -> float | None:
        return self.means[(True, True)]

    @property
    def control_before(self) -> float | None:
        return self.means[(False, False)]

    @property
    def control_after(self) -> float | None:
        return self.means[(False, True)]


DID_KEYS = ((True, False), (True, True), (False, False), (False, True))


def _did_groups(rows: Sequence[DidRow]) -> tuple[dict, dict]:
    """Weights and weighted means of the four (treated, after) groups."""
    weights = dict.fromkeys(DID_KEYS, 0.0)
    sums = dict.fromkeys(DID_KEYS, 0.0)
    for r in rows:
        weights[(r.treated, r.after)] += r.weight
        sums[(r.treated, r.after)] += r.value * r.weight
    means = {k: sums[k] / weights[k] if weights[k] else None for k in DID_KEYS}
    return means, weights


def _did_fit(rows: Sequence[DidRow]) -> Interval:
    t = np.array([float(r.treated) for r in rows])
    a = np.array([float(r.after) for r in rows])
    exog = np.column_stack([np.ones_like(t), t, a, t * a])
    fit = _clustered_wls(
        np.array([r.value for r in rows]),
        exog,
        np.array([r.weight for r in rows]),
        np.array([r.rep for r in rows]),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        low, high = fit.conf_int(alpha=0.05)[3]
    return Interval(float(fit.params[3]), float(low), float(high))


def _smaller_side(rows: Sequence[DidRow]) -> int:
    """Reps in the smaller of the campaign and the other side."""
    treated = {r.rep for r in rows if r.treated}
    return min(len(treated), len({r.rep for r in rows} - treated))


def did_estimate(rows: Sequence[DidRow], *, min_reps: int = MIN_REPS) -> DidResult:
    """Difference-in-differences by weighted least squares on treated, after and
    their product, with rep-clustered errors; "not enough" when a group is empty,
    either side has fewer than 2 reps, or there are fewer than ``min_reps``."""
    rows = [r for r in rows if r.weight > 0 and math.isfinite(r.value)]
    means, weights = _did_groups(rows)
    reps = len({r.rep for r in rows})
    if min(weights.values()) <= 0 or reps < min_reps or _smaller_side(rows) < 2:
        return DidResult(False, means, weights, reps)
    effect = _did_fit(rows)
    if not all(map(math.isfinite, (effect.estimate, effect.low, effect.high))):
        return DidResult(False, means, weights, reps)
    return DidResult(True, means, weights, reps, effect)
