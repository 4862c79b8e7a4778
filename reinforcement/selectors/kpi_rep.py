"""One rep's page for their managers: the scope, repeated wrong choices, recent answers.

The page's topics, trend and participation come from the same KPI selectors
as the dashboard, over a scope narrowed to the rep; this module adds the
reads only one rep's page has.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F

from enablement.models import Choice, RepProfile, Team
from reinforcement.kpi_rules import MISCONCEPTION_MIN_PICKS
from reinforcement.models import Answer, RepChoiceStat, RepMemory
from reinforcement.selectors.scoping import MAX_ID, KpiScope, visible_teams

RECENT_ANSWERS = 20


def kpi_rep_scope_get(*, user: AbstractBaseUser, rep_id: int) -> KpiScope | None:
    """The KPI scope of one rep, if the user may see them; else None.

    A manager sees the reps of the teams they manage, an enablement admin
    every rep of their organization (visible_teams): the same rule as the
    dashboard's. Two queries.
    """
    if not 1 <= rep_id <= MAX_ID:
        return None
    profile = (
        RepProfile.objects.filter(
            user_id=rep_id, team__in=visible_teams(user=user).values("pk")
        )
        .select_related("team__organization")
        .first()
    )
    if profile is None:
        return None
    organization = profile.team.organization
    return KpiScope(
        organization=organization,
        teams=Team.objects.filter(pk=profile.team_id),
        is_admin=organization.admins.filter(pk=user.pk).exists(),
        team=profile.team,
        rep_id=rep_id,
    )


@dataclass(frozen=True)
class RepMisconception:
    question_key: str
    stem: str
    topic: str
    choice_text: str
    picks: int
    certain_picks: int


def kpi_rep_misconception_list(
    *, scope: KpiScope, min_picks: int = MISCONCEPTION_MIN_PICKS
) -> list[RepMisconception]:
    """Wrong choices the scope's rep picked at least ``min_picks`` times. One query."""
    rows = (
        RepChoiceStat.objects.filter(
            rep_id=scope.rep_id,
            picks__gte=min_picks,
            question__module__methodology__organization=scope.organization,
        )
        .order_by("-picks", "-certain_picks", "question__key")
        .values_list(
            "question__key",
            "question__stem",
            "question__topic__name",
            "choice__text",
            "picks",
            "certain_picks",
        )  # fmt: skip
    )
    return [RepMisconception(*row) for row in rows]


@dataclass(frozen=True)
class RecentAnswer:
    answered_at: dt.datetime
    question_key: str
    stem: str
    topic: str
    correct: bool
    confidence: str
    chosen: list[str]
    on_time: bool
    predicted_recall: float | None  # the model's recall probability at answer time


def kpi_rep_recent_answers(
    *, scope: KpiScope, limit: int = RECENT_ANSWERS
) -> list[RecentAnswer]:
    """The scope's rep's latest answers, newest first, with the choices picked.

    Two queries (the answers by the rep's index, their choices' texts).
    """
    rows = list(
        Answer.objects.filter(
            rep_id=scope.rep_id,
            question__module__methodology__organization=scope.organization,
        )
        .order_by("-answered_at")
        .annotate(
            key=F("question__key"),
            stem=F("question__stem"),
            topic_name=F("question__topic__name"),
        )
        .values(
            "answered_at",
            "key",
            "stem",
            "topic_name",
            "correct",
            "confidence",
            "chosen_choice_ids",
            "on_time",
            "predicted_recall",
        )[:limit]  # fmt: skip
    )
    ids = {i for r in rows for i in r["chosen_choice_ids"] or []}
    texts = dict(Choice.objects.filter(pk__in=ids).values_list("pk", "text"))
    return [
        RecentAnswer(
            answered_at=r["answered_at"],
            question_key=r["key"],
            stem=r["stem"],
            topic=r["topic_name"],
            correct=r["correct"],
            confidence=r["confidence"],
            chosen=[texts.get(i, "?") for i in r["chosen_choice_ids"] or []],
            on_time=r["on_time"],
            predicted_recall=r["predicted_recall"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class RepForgettingSummary:
    """How one rep forgets against the organization's model, for their manager.

    ``direction`` is "faster" or "slower" when the multiplier is in use
    (adopted by its hold-out, so its 90% interval lies wholly on that side of
    1.0), "same" when the fit was not adopted (the organization's model is
    used; its interval covers 1.0 or the rep's later answers did not bear
    it out), None when the rep
    has too few answers for a fit (the organization's model is used as is).
    One rep against the model, never against other reps.
    """

    direction: str | None
    forgetting: float = 1.0
    low: float = 1.0
    high: float = 1.0
    answers: int = 0


def kpi_rep_forgetting(*, scope: KpiScope) -> RepForgettingSummary:
    """The scope's rep's forgetting multiplier (``RepMemory``). One query."""
    row = RepMemory.objects.filter(
        rep_id=scope.rep_id, organization=scope.organization
    ).first()
    if row is None:
        return RepForgettingSummary(direction=None)
    direction = "same"
    if row.adopted and row.forgetting_low > 1.0:
        direction = "faster"
    elif row.adopted and row.forgetting_high < 1.0:
        direction = "slower"
    return RepForgettingSummary(
        direction=direction,
        forgetting=row.forgetting,
        low=row.forgetting_low,
        high=row.forgetting_high,
        answers=row.answers,
    )
