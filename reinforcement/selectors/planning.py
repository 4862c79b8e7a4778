"""Which reps need a plan now."""

import datetime as dt

from django.db.models import Q, QuerySet

from enablement.models import RepProfile
from reinforcement.memory.rep_calendar import RepSchedule
from reinforcement.models import DailyPlan
from reinforcement.selectors.calendars import rep_working_days, team_days_off


def reps_active() -> QuerySet[RepProfile]:
    """Rep profiles of people still with their organization.

    A person who left (``Membership.deactivated_at`` set, or a user switched
    off in admin) is neither planned nor delivered from that moment.
    """
    return RepProfile.objects.filter(user__is_active=True).exclude(
        user__membership__deactivated_at__isnull=False
    )


def reps_due_for_planning(*, now: dt.datetime) -> list[int]:
    """Reps whose local delivery time has come today and who have no plan for today.

    Time zones are applied in Python: the per-rep arithmetic is cheap
    (20,000 profiles in well under a second) and stays portable to SQLite.
    """
    today_utc = now.date()
    # Paused whatever their zone: every local date is within a day of UTC's.
    paused = Q(paused_until__gte=today_utc + dt.timedelta(days=1)) & (
        Q(paused_from__isnull=True)
        | Q(paused_from__lte=today_utc - dt.timedelta(days=1))
    )
    rows = list(
        reps_active()
        .exclude(paused)
        .annotate(days=rep_working_days())
        .values_list(
            "user_id",
            "time_zone",
            "delivery_hour",
            "days",
            "paused_until",
            "team_id",
            "paused_from",
        )  # fmt: skip
        .iterator(chunk_size=5000)
    )
    days_off = team_days_off(team_ids={row[5] for row in rows}, around=today_utc)
    schedules = [
        RepSchedule(*row[:5], days_off=days_off[row[5]], paused_from=row[6])
        for row in rows
    ]
    due = {s.rep_id: s.local_date(now) for s in schedules if s.can_plan(now)}
    if not due:
        return []
    planned = set(
        DailyPlan.objects.filter(
            local_date__in=set(due.values()), rep_id__in=list(due)
        ).values_list("rep_id", "local_date")
    )
    return sorted(rep_id for rep_id, day in due.items() if (rep_id, day) not in planned)


def rep_ids_list(
    *, username: str | None = None, team_name: str | None = None
) -> list[int]:
    """Every rep's id, or only the rep with this username, or only a team's reps."""
    profiles = RepProfile.objects.all()
    if username:
        profiles = profiles.filter(user__username=username)
    elif team_name:
        profiles = profiles.filter(team__name=team_name)
    return list(profiles.values_list("user_id", flat=True))
