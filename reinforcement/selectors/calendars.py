"""Organizations' calendars: whose working days a rep follows, and the days off.

A rep profile with no working days of its own follows its organization's.
Days off are the organization's listed holidays and, when it names a country,
that country's public holidays (the ``holidays`` package, computed, not
stored: it knows 200-odd countries and their moving feasts).
"""

import datetime as dt
import functools
from collections.abc import Iterable

import holidays
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf

from enablement.models import Holiday, Organization, RepProfile
from reinforcement.memory.rep_calendar import RepSchedule

# The span of days off a schedule carries: streaks look back up to a year;
# planning looks at today, a day either side across time zones.
LOOK_BACK = dt.timedelta(days=400)
LOOK_AHEAD = dt.timedelta(days=2)


def rep_working_days() -> Coalesce:
    """The working days a rep profile follows, as a query expression."""
    return Coalesce(
        NullIf(F("working_days"), Value("")), F("team__organization__working_days")
    )


@functools.lru_cache(maxsize=256)
def _public_holidays(country: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(country, years=year))


def organization_days_off(
    *, organization_ids: Iterable[int], around: dt.date
) -> dict[int, frozenset[dt.date]]:
    """Each organization's days off from about a year before ``around`` to
    two days after it (organizations with none map to an empty set)."""
    ids = set(organization_ids)
    first, last = around - LOOK_BACK, around + LOOK_AHEAD
    days: dict[int, set[dt.date]] = {org_id: set() for org_id in ids}
    for org_id, country in (
        Organization.objects.filter(pk__in=ids)
        .exclude(holiday_country="")
        .values_list("pk", "holiday_country")
    ):
        for year in range(first.year, last.year + 1):
            days[org_id].update(
                d for d in _public_holidays(country, year) if first <= d <= last
            )
    for org_id, day in Holiday.objects.filter(
        organization_id__in=ids, date__range=(first, last)
    ).values_list("organization_id", "date"):
        days[org_id].add(day)
    return {org_id: frozenset(found) for org_id, found in days.items()}


def rep_schedule_of(profile: RepProfile, *, now: dt.datetime) -> RepSchedule:
    """The schedule of one loaded profile (its team's organization loaded too)."""
    organization = profile.team.organization
    days_off = organization_days_off(
        organization_ids=[organization.pk], around=now.date()
    )
    return RepSchedule(
        profile.user_id,
        profile.time_zone,
        profile.delivery_hour,
        profile.working_days or organization.working_days,
        profile.paused_until,
        days_off=days_off[organization.pk],
        paused_from=profile.paused_from,
    )


def rep_schedules(
    *, profiles: QuerySet[RepProfile], now: dt.datetime
) -> dict[int, RepSchedule]:
    """The schedules of these rep profiles, each with its organization's
    working days (when it sets none) and days off, in two queries."""
    rows = list(
        profiles.annotate(days=rep_working_days()).values_list(
            "user_id",
            "time_zone",
            "delivery_hour",
            "days",
            "paused_until",
            "paused_from",
            "team__organization_id",
        )  # fmt: skip
    )
    days_off = organization_days_off(
        organization_ids={row[6] for row in rows}, around=now.date()
    )
    return {
        row[0]: RepSchedule(*row[:5], days_off=days_off[row[6]], paused_from=row[5])
        for row in rows
    }
