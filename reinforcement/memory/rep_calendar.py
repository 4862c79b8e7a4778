"""When a rep's day starts, in the rep's own time zone."""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

# A rep's working window on a working, unpaused day: from the delivery hour
# for this many hours (9 to 18 at the default hour), ending at midnight at
# the latest. A refresher triggered outside it waits for the next one.
WORKING_WINDOW_HOURS = 9
# How far ahead the next window is looked for (a paused rep's may be later).
WINDOW_SEARCH_DAYS = 60


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class RepSchedule:
    """The scheduling fields of a rep profile, detached from the ORM."""

    rep_id: int
    time_zone: str
    delivery_hour: int
    working_days: str
    paused_until: dt.date | None
    # The organization's holidays (its own and its country's public ones).
    days_off: frozenset[dt.date] = frozenset()
    # A vacation's first day; None: paused from now until paused_until.
    paused_from: dt.date | None = None

    def local_now(self, now: dt.datetime) -> dt.datetime:
        return now.astimezone(zone(self.time_zone))

    def local_date(self, now: dt.datetime) -> dt.date:
        return self.local_now(now).date()

    def is_working_day(self, day: dt.date) -> bool:
        return str(day.isoweekday()) in self.working_days and day not in self.days_off

    def is_paused(self, day: dt.date) -> bool:
        if self.paused_until is None or day > self.paused_until:
            return False
        return self.paused_from is None or day >= self.paused_from

    def can_plan(self, now: dt.datetime, *, ignore_delivery_hour: bool = False) -> bool:
        """Whether today (local) is a working, unpaused day whose delivery hour has come."""
        local = self.local_now(now)
        if not self.is_working_day(local.date()) or self.is_paused(local.date()):
            return False
        return ignore_delivery_hour or local.hour >= self.delivery_hour

    def delivery_time(self, day: dt.date) -> dt.datetime:
        """The aware instant of the delivery hour on a local day (DST-safe)."""
        naive = dt.datetime.combine(day, dt.time(self.delivery_hour))
        return naive.replace(tzinfo=zone(self.time_zone))

    def reminder_due(
        self, now: dt.datetime, *, reminder_hour: int, latest_hour: int
    ) -> bool:
        """Whether a nudge may go out now: a working, unpaused day, in the rep's
        working hours (from their delivery hour) and at or after the reminder
        hour, before ``latest_hour`` local: never at night."""
        local = self.local_now(now)
        if not self.is_working_day(local.date()) or self.is_paused(local.date()):
            return False
        return max(reminder_hour, self.delivery_hour) <= local.hour < latest_hour

    def window_bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The aware start and end of the working window on a local day."""
        start = self.delivery_time(day)
        end_hour = min(self.delivery_hour + WORKING_WINDOW_HOURS, 24)
        end = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(hours=end_hour)
        return start, end.replace(tzinfo=zone(self.time_zone))

    def window_start_at_or_after(self, now: dt.datetime) -> dt.datetime | None:
        """`now` if it is inside a working window, else the next window's start.

        None when no working day comes within WINDOW_SEARCH_DAYS (no working
        days, or a long pause).
        """
        today = self.local_date(now)
        for offset in range(WINDOW_SEARCH_DAYS + 1):
            day = today + dt.timedelta(days=offset)
            if not self.is_working_day(day) or self.is_paused(day):
                continue
            start, end = self.window_bounds(day)
            if now < start:
                return start
            if now < end:
                return now
        return None
