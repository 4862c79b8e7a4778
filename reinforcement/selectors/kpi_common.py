"""What the KPI selectors share: the retention sums, the rep rows, ratios.

The KPI selectors (kpi_retention, kpi_participation, kpi_content, kpi_ramp,
kpi_summary) read the rollup tables kept by reinforcement.services.rollups,
never the Answer log, and a fixed handful of queries whatever the team size.
The exact definitions are in docs/kpis.md; the rules in kpi_rules.
"""

import datetime as dt
from dataclasses import dataclass

from reinforcement.kpi_rules import MIN_ANSWERS, has_enough_answers
from reinforcement.selectors.scoping import KpiScope


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def clip_unit(value: float | None) -> float | None:
    """Clip to [0, 1]: a guessing-corrected share can fall outside it."""
    return None if value is None else min(max(value, 0.0), 1.0)


@dataclass
class Retention:
    """Predicted and observed retention, and mastery, of one cell or group.

    ``answers`` counts every answer of the cell or group (all time). Predicted
    retention needs MIN_ANSWERS of them, and observed retention (with the
    model's prediction for the same reviews) MIN_ANSWERS spaced reviews: with
    fewer they are None, and the pages say "not enough answers yet".
    """

    answers: int = 0
    enrolled: int = 0
    introduced: int = 0
    predicted_sum: float = 0.0
    mastered: int = 0
    reviews: int = 0
    reviews_correct: int = 0
    reviews_corrected: float = 0.0
    reviews_predicted: float = 0.0
    certain_wrong: int = 0

    def add(self, other: "Retention") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    min_answers = MIN_ANSWERS

    @property
    def enough_answers(self) -> bool:
        """Enough answers for predicted retention."""
        return has_enough_answers(self.answers)

    @property
    def enough_reviews(self) -> bool:
        """Enough spaced reviews for observed retention and its calibration pair."""
        return has_enough_answers(self.reviews)

    @property
    def predicted(self) -> float | None:
        """Mean predicted recall now over introduced questions."""
        if not self.enough_answers:
            return None
        return ratio(self.predicted_sum, self.introduced)

    @property
    def observed(self) -> float | None:
        """Guessing-corrected first-try accuracy on spaced reviews, in [0, 1]."""
        if not self.enough_reviews:
            return None
        return clip_unit(ratio(self.reviews_corrected, self.reviews))

    @property
    def raw_accuracy(self) -> float | None:
        if not self.enough_reviews:
            return None
        return ratio(self.reviews_correct, self.reviews)

    @property
    def predicted_at_review(self) -> float | None:
        """What the model predicted for the same reviews, for calibration: the
        mean recall probability at answer time of the reviews in ``observed``."""
        if not self.enough_reviews:
            return None
        return ratio(self.reviews_predicted, self.reviews)

    @property
    def mastery(self) -> float | None:
        return ratio(self.mastered, self.enrolled)


@dataclass
class RepRow:
    rep_id: int
    username: str
    name: str
    team: str
    hired_on: dt.date | None


@dataclass
class TrendPoint:
    """One weekly point of a trend, the team's or a rep's own.

    ``week`` is the day the point is taken: the Monday of each week for the
    KPI trends, today and the same weekday of each week back for a rep's
    progress. A rep's trend fills only ``predicted``. ``answers`` counts the
    answers up to the point; a point with fewer than MIN_ANSWERS (observed:
    spaced reviews of the week) has no value.
    """

    week: dt.date
    answers: int = 0
    predicted: float | None = None
    observed: float | None = None
    reviews: int = 0
    participation: float | None = None
    delivered: int = 0
    mastery: float | None = None


def kpi_scope_reps(*, scope: KpiScope) -> list[RepRow]:
    """The current reps in scope (not those who left), by team and username. One query."""
    rows = (
        scope.current_reps()
        .select_related("user", "team")
        .order_by("team__name", "user__username")
    )
    return [
        RepRow(
            rep_id=p.user_id,
            username=p.user.username,
            name=p.user.get_full_name() or p.user.username,
            team=p.team.name,
            hired_on=p.hired_on,
        )
        for p in rows
    ]
