"""The test profile with one fast beat entry, for the two-beats test.

`aligned` fires at wall-clock multiples of its period, as a crontab entry does
at minute boundaries, so two beats fire the same firing at about the same moment.
"""

import datetime as dt

from celery.schedules import schedstate, schedule

from config.settings.test import *  # noqa: F403

PERIOD_SECONDS = 3


class aligned(schedule):  # noqa: N801 (named like celery.schedules.crontab)
    def is_due(self, last_run_at: dt.datetime) -> schedstate:
        period = self.run_every.total_seconds()
        now = self.now().timestamp()
        due = last_run_at.timestamp() // period < now // period
        return schedstate(due, period - now % period + 0.01)


CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "reinforcement.tasks.heartbeat_record_task",
        "schedule": aligned(dt.timedelta(seconds=PERIOD_SECONDS)),
        "options": {"expires": PERIOD_SECONDS * 0.8},
    },
}
