"""Where a rep stands today: profile, local date, pause, enrollment."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from enablement.models import RepProfile, Topic
from reinforcement.memory.rep_calendar import RepSchedule
from reinforcement.selectors.calendars import rep_working_days, team_days_off
from reinforcement.selectors.enrollments import enrolled_question_ids


@dataclass(frozen=True)
class RepSituation:
    rep_id: int
    organization_id: int
    schedule: RepSchedule
    local_date: dt.date
    enrolled_question_ids: frozenset[int]

    @property
    def is_paused(self) -> bool:
        return self.schedule.is_paused(self.local_date)

    @property
    def paused_until(self) -> dt.date | None:
        return self.schedule.paused_until

    @property
    def is_enrolled(self) -> bool:
        return bool(self.enrolled_question_ids)

    @property
    def is_working_day(self) -> bool:
        return self.schedule.is_working_day(self.local_date)


def rep_organization_id_get(*, rep_id: int) -> int | None:
    """The organization of a rep in one query; None for a user who is no rep."""
    return (
        RepProfile.objects.filter(user_id=rep_id)
        .values_list("team__organization_id", flat=True)
        .first()
    )


def rep_situation_get(*, rep_id: int, now: dt.datetime) -> RepSituation | None:
    """The rep's schedule and enrolled questions today; None for a user who is no rep."""
    row = (
        RepProfile.objects.filter(user_id=rep_id)
        .annotate(days=rep_working_days())
        .values_list(
            "time_zone",
            "delivery_hour",
            "days",
            "paused_until",
            "team__organization_id",
            "paused_from",
            "team_id",
        )
        .first()
    )
    if row is None:
        return None
    days_off = team_days_off(team_ids=[row[6]], around=now.date())
    schedule = RepSchedule(
        rep_id, *row[:4], days_off=days_off[row[6]], paused_from=row[5]
    )
    local_date = schedule.local_date(now)
    enrolled = enrolled_question_ids(rep_ids=[rep_id], on_date=local_date)[rep_id]
    return RepSituation(
        rep_id=rep_id,
        organization_id=row[4],
        schedule=schedule,
        local_date=local_date,
        enrolled_question_ids=frozenset(enrolled),
    )


@dataclass(frozen=True)
class EnrolledTopic:
    id: int
    key: str
    name: str
    question_count: int


def topics_enrolled_for_rep(*, situation: RepSituation) -> list[EnrolledTopic]:
    """Topics the rep has enrolled questions on, by name (for the refresher)."""
    rows = (
        Topic.objects.filter(questions__id__in=situation.enrolled_question_ids)
        .annotate(question_count=Count("questions"))
        .order_by("name", "id")
        .values_list("id", "key", "name", "question_count")
    )
    return [EnrolledTopic(*row) for row in rows]
