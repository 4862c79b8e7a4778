"""Email one-tap links, reminders and manager digests (docs/channels.md), read by base.py."""

import environ
from celery.schedules import crontab

__all__ = [
    "REINFORCEMENT_EMAIL_LINK_MAX_AGE_DAYS",
    "REINFORCEMENT_REMINDER_MIN_WAIT_MINUTES",
    "REINFORCEMENT_DIGEST_HOUR",
    "CHANNELS_BEAT_SCHEDULE",
]
env = environ.Env()

# A one-tap answer link works this many days after its email was sent (the
# longest prompt window is 30 days; a stale link points to the site instead).
REINFORCEMENT_EMAIL_LINK_MAX_AGE_DAYS = env.int(
    "REINFORCEMENT_EMAIL_LINK_MAX_AGE_DAYS", default=7
)
# A reminder waits at least this long after the dose was planned, so a rep
# whose delivery hour is just before the reminder hour is not nudged at once.
REINFORCEMENT_REMINDER_MIN_WAIT_MINUTES = env.int(
    "REINFORCEMENT_REMINDER_MIN_WAIT_MINUTES", default=60
)
# The UTC hour on Mondays from which last week's manager digests are written.
REINFORCEMENT_DIGEST_HOUR = env.int("REINFORCEMENT_DIGEST_HOUR", default=6)

CHANNELS_BEAT_SCHEDULE = {
    # Every five minutes: nudge reps whose reminder hour has come and who have
    # not started today's dose, and re-drive reminders left pending.
    "dispatch-reminders": {
        "task": "reinforcement.tasks.reminders_dispatch_task",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 240},
    },
    # Every hour at :35: write last week's manager digests (Mondays, from
    # REINFORCEMENT_DIGEST_HOUR UTC) and send those still pending.
    "dispatch-manager-digests": {
        "task": "reinforcement.tasks.digests_dispatch_task",
        "schedule": crontab(minute=35),
        "options": {"expires": 3000},
    },
}
