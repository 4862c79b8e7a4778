"""Stage-entry refreshers (docs/revenue.md, "Refreshers"), read by base.py."""

import environ

env = environ.Env()

# Questions in one stage-entry refresher: short, read before a call.
REVENUE_REFRESHER_SIZE = env.int("REVENUE_REFRESHER_SIZE", default=3)
# An entry older than this when first seen makes no refresher (an imported
# history, a CRM retrying for a day): the moment of need has passed.
REVENUE_REFRESHER_MAX_AGE_HOURS = env.int("REVENUE_REFRESHER_MAX_AGE_HOURS", default=24)

REVENUE_REFRESHER_BEAT_SCHEDULE = {
    # Every minute: entries whose task the broker lost, and refreshers whose
    # rep's working window has started. Expires before the next firing.
    "stage-refreshers-sweep": {
        "task": "revenue.tasks.stage_refreshers_sweep_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
}
