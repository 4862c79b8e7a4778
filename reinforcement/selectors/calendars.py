"""Organizations' calendars: whose working days a rep follows, and the days off.

A rep profile with no working days of its own follows its organization's.
A team's days off are its organization's listed holidays and the public
holidays of the team's country, or else the organization's (the ``holidays``
package, computed, not stored: it knows 200-odd countries and their moving
feasts).
"""

import datetime as dt
import functools
from collections.abc import Iterable

import holidays
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf

from enablement.models import Holiday, RepProfile, Team
from reinforcement.memory.rep_calendar import RepSchedule

# The span of days off a schedule carries: streaks look back up to a year;
# planning looks at today, a day either side across time zones.
LOOK_BACK = dt.timedelta(days=400)
LOOK_AHEAD = dt.timedelta(days=2)


def _own_or(field: str, fallback: str) -> Coalesce:
    """A text setting of the row's own, or, left empty, the ``fallback`` path's."""
    return Coalesce(NullIf(F(field), Value("")), F(fallback))


def rep_working_days() -> Coalesce:
    """The working days a rep profile follows, as a query expression."""
    return _own_or("working_days", "team__organization__working_days")


@functools.lru_cache(maxsize=256)
def _public_holidays(country: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(country, years=year))


def team_days_off(
    *, team_ids: Iterable[int], around: dt.date
) -> dict[int, frozenset[dt.date]]:
    """Each team's days off from about a year before ``around`` to two days
    after it (teams with none map to an empty set), in two queries; teams of
    one organization and country share one set."""
    first, last = around - LOOK_BACK, around + LOOK_AHEAD
    teams = list(
        Team.objects.filter(pk__in=set(team_ids))
        .annotate(country=_own_or("holiday_country", "organization__holiday_country"))
        .values_list("pk", "organization_id", "country")
    )
    listed: dict[int, set[dt.date]] = {}
    for org_id, day in Holiday.objects.filter(
        organization_id__in={org_id for _, org_id, _ in teams},
        date__range=(first, last),
    ).values_list("organization_id", "date"):
        listed.setdefault(org_id, set()).add(day)
    shared: dict[tuple[int, str], frozenset[dt.date]] = {}
    for org_id, country in {(org_id, country or "") for _, org_id, country in teams}:
        days = set(listed.get(org_id, ()))
        for year in range(first.year, last.year + 1) if country else ():
            days.update(
                d for d in _public_holidays(country, year) if first <= d <= last
            )
        shared[org_id, country] = frozenset(days)
    return {pk: shared[org_id, country or ""] for pk, org_id, country in teams}


def rep_schedule_of(profile: RepProfile, *, now: dt.datetime) -> RepSchedule:
    """The schedule of one loaded profile (its team's organization loaded too)."""
    organization = profile.team.organization
    days_off = team_days_off(team_ids=[profile.team_id], around=now.date())
    return RepSchedule(
        profile.user_id,
        profile.time_zone,
        profile.delivery_hour,
        profile.working_days or organization.working_days,
        profile.paused_until,
        days_off=days_off[profile.team_id],
        paused_from=profile.paused_from,
    )


def rep_schedules(
    *, profiles: QuerySet[RepProfile], now: dt.datetime
) -> dict[int, RepSchedule]:
    """The schedules of these rep profiles, each with its organization's
    working days (when it sets none) and its team's days off, in three queries."""
    rows = list(
        profiles.annotate(days=rep_working_days()).values_list(
            "user_id",
            "time_zone",
            "delivery_hour",
            "days",
            "paused_until",
            "paused_from",
            "team_id",
        )  # fmt: skip
    )
    days_off = team_days_off(team_ids={row[6] for row in rows}, around=now.date())
    return {
        row[0]: RepSchedule(*row[:5], days_off=days_off[row[6]], paused_from=row[5])
        for row in rows
    }
