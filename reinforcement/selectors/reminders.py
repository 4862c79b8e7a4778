"""Who gets a reminder now, on which channel, and whether a pending one still should.

A rep is nudged once on a local day (one Reminder row per rep and day) when
their organization sets a reminder hour, that hour has come within their
working hours (REMINDER_LATEST_HOUR at the latest, never before their
delivery hour, on working, unpaused days), today's dose was planned at least
REINFORCEMENT_REMINDER_MIN_WAIT_MINUTES ago, none of it is answered and some
of it is still open.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from enablement.models import REMINDER_LATEST_HOUR, RepProfile
from reinforcement.memory.rep_calendar import RepSchedule
from reinforcement.models import DailyPlan, Delivery, Prompt, Reminder
from reinforcement.selectors.calendars import (
    rep_schedule_of,
    rep_working_days,
    team_days_off,
)
from reinforcement.selectors.email_links import rep_channel_on
from reinforcement.selectors.planning import reps_active

# The channels a nudge may take, in order of preference: the rep's own inbox
# before a team's shared Slack channel. A channel counts only if today's dose
# went out on it and the rep has not turned it off.
REMINDER_CHANNELS = (Delivery.Channel.EMAIL, Delivery.Channel.SLACK)


@dataclass(frozen=True)
class ReminderDue:
    rep_id: int
    local_date: dt.date
    plan_id: int
    channel: str


def _reps_in_reminder_hours(now: dt.datetime) -> dict[int, tuple[dt.date, str]]:
    """Rep -> (local date, channels off) of reps whose reminder time is now.

    Time zones are applied in Python, as planning's dispatcher does.
    """
    rows = list(
        reps_active()
        .filter(team__organization__reminder_hour__isnull=False)
        .annotate(days=rep_working_days())
        .values_list(
            "user_id",
            "time_zone",
            "delivery_hour",
            "days",
            "paused_until",
            "team__organization__reminder_hour",
            "channels_off",
            "team_id",
            "paused_from",
        )  # fmt: skip
        .iterator(chunk_size=5000)
    )
    days_off = team_days_off(team_ids={row[7] for row in rows}, around=now.date())
    due = {}
    for row in rows:
        schedule = RepSchedule(*row[:5], days_off=days_off[row[7]], paused_from=row[8])
        if schedule.reminder_due(
            now, reminder_hour=row[5], latest_hour=REMINDER_LATEST_HOUR
        ):
            due[row[0]] = (schedule.local_date(now), row[6])
    return due


def _untouched_plans(now: dt.datetime) -> QuerySet[DailyPlan]:
    """Plans with an open daily prompt, none answered, and no reminder yet."""
    prompts = Prompt.objects.filter(plan=OuterRef("pk"))
    waited = now - dt.timedelta(
        minutes=settings.REINFORCEMENT_REMINDER_MIN_WAIT_MINUTES
    )
    return DailyPlan.objects.filter(
        planned_at__lte=waited,
        prompt_count__gt=0,
    ).filter(
        Exists(prompts.filter(status=Prompt.Status.DELIVERED, expires_at__gt=now)),
        ~Exists(prompts.filter(status=Prompt.Status.ANSWERED)),
        ~Exists(
            Reminder.objects.filter(
                rep_id=OuterRef("rep_id"), local_date=OuterRef("local_date")
            )
        ),
    )


def reminders_due(*, now: dt.datetime) -> list[ReminderDue]:
    """The reminders to write now: one per rep whose dose is untouched at their hour.

    Three queries: the reps with reminders on, their untouched plans of today,
    and those plans' sent deliveries (which pick the channel).
    """
    reps = _reps_in_reminder_hours(now)
    if not reps:
        return []
    plans = [
        (pk, rep_id, day)
        for pk, rep_id, day in _untouched_plans(now)
        .filter(rep_id__in=list(reps), local_date__in={d for d, _ in reps.values()})
        .values_list("pk", "rep_id", "local_date")
        if reps[rep_id][0] == day
    ]
    sent: dict[int, set[str]] = {}
    for plan_id, channel in Delivery.objects.filter(
        plan_id__in=[p[0] for p in plans],
        status=Delivery.Status.SENT,
        channel__in=REMINDER_CHANNELS,
    ).values_list("plan_id", "channel"):
        sent.setdefault(plan_id, set()).add(channel)
    due = []
    for plan_id, rep_id, day in plans:
        channel = next(
            (
                c
                for c in REMINDER_CHANNELS
                if c in sent.get(plan_id, ()) and rep_channel_on(reps[rep_id][1], c)
            ),
            None,
        )
        if channel is not None:
            due.append(ReminderDue(rep_id, day, plan_id, channel))
    return due


def reminder_cancel_reason(*, reminder: Reminder, now: dt.datetime) -> str | None:
    """Why a pending reminder should no longer go out now, or None to send it.

    Checked again at send time: a retry after an outage must not nudge at
    night, nor a rep who answered, left or turned the channel off meanwhile.
    """
    profile = (
        reps_active()
        .select_related("team__organization", "user")
        .filter(user_id=reminder.rep_id)
        .first()
    )
    if profile is None:
        return "the rep left"
    organization = profile.team.organization
    if organization.reminder_hour is None:
        return "reminders were turned off"
    if not rep_schedule_of(profile, now=now).reminder_due(
        now, reminder_hour=organization.reminder_hour, latest_hour=REMINDER_LATEST_HOUR
    ):
        return "outside the rep's working hours"
    if not _untouched(reminder, now):
        return "answered, or nothing left open"
    if not _channel_on(profile, reminder.channel):
        return "the channel was turned off"
    return None


def _untouched(reminder: Reminder, now: dt.datetime) -> bool:
    prompts = Prompt.objects.filter(plan_id=reminder.plan_id)
    return (
        prompts.filter(status=Prompt.Status.DELIVERED, expires_at__gt=now).exists()
        and not prompts.filter(status=Prompt.Status.ANSWERED).exists()
    )


def _channel_on(profile: RepProfile, channel: str) -> bool:
    organization = profile.team.organization
    if not rep_channel_on(profile.channels_off, channel):
        return False
    if channel == Delivery.Channel.EMAIL:
        return organization.email_delivery and bool(profile.user.email)
    if channel == Delivery.Channel.SLACK:
        return organization.slack_delivery and bool(profile.team.slack_webhook_url)
    return False


def reminder_prompts(*, reminder: Reminder, now: dt.datetime) -> list[Prompt]:
    """The open prompts of the reminded plan, in planned order, for the message."""
    return list(
        Prompt.objects.filter(
            plan_id=reminder.plan_id,
            status=Prompt.Status.DELIVERED,
            expires_at__gt=now,
        )
        .select_related("question__topic")
        .order_by("position")
    )
