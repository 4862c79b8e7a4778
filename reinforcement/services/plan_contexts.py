"""The planning context of each rep: their schedule (working days, days off,
pause), dose, the organization's settings and the channels a plan goes out on,
read in one query per chunk of reps."""

import datetime as dt
from dataclasses import dataclass

from reinforcement.memory.rep_calendar import RepSchedule
from reinforcement.selectors.calendars import rep_working_days, team_days_off
from reinforcement.selectors.planning import reps_active
from reinforcement.services.delivery import delivery_channels
from reinforcement.services.delivery_senders import slack_direct_routes


@dataclass
class RepContext:
    """What planning needs of one rep: schedule, budget, settings, channels."""

    schedule: RepSchedule
    username: str
    organization_id: int
    budget: int
    new_limit: int
    target_retention: float
    window_days: int
    channels: list[str]
    team_id: int


def rep_contexts(rep_ids: list[int], *, now: dt.datetime) -> dict[int, RepContext]:
    # Reps who left are skipped: no context, reported as "no_profile".
    profiles = reps_active().filter(user_id__in=rep_ids)
    rows = list(profiles.annotate(days=rep_working_days()).values_list(
        "user_id", "user__username", "time_zone", "delivery_hour", "days",
        "paused_until", "daily_dose", "team__organization_id",
        "team__organization__default_daily_dose", "team__organization__new_questions_per_day",
        "team__organization__target_retention", "team__organization__prompt_window_days",
        "user__email", "team__slack_webhook_url", "team__organization__email_delivery",
        "team__organization__slack_delivery", "paused_from", "channels_off",
        "team__organization__teams_delivery", "team__teams_webhook_url", "team_id",
    ))  # fmt: skip
    days_off = team_days_off(team_ids={r[20] for r in rows}, around=now.date())
    slack_dm = slack_direct_routes(rep_ids=[row[0] for row in rows])
    return {
        row[0]: RepContext(
            schedule=RepSchedule(
                row[0],
                row[2],
                row[3],
                row[4],
                row[5],
                days_off=days_off[row[20]],
                paused_from=row[16],
            ),  # fmt: skip
            username=row[1],
            organization_id=row[7],
            budget=row[6] or row[8],
            new_limit=row[9],
            target_retention=row[10],
            window_days=row[11],
            channels=delivery_channels(
                email_delivery=row[14],
                rep_email=row[12],
                slack_delivery=row[15],
                slack_webhook_url=row[13],
                channels_off=row[17],
                slack_dm=slack_dm.get(row[0]),
                teams_delivery=row[18],
                teams_webhook_url=row[19],
            ),  # fmt: skip
            team_id=row[20],
        )
        for row in rows
    }
