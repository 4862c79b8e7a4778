"""The re-planning beat entry (docs/planning.md, "Re-planning"), read by base.py."""

from celery.schedules import crontab

REPLAN_BEAT_SCHEDULE = {
    # Every minute: re-plan today's unanswered plans whose inputs changed
    # (enrollments, questions, dose, time zone, pause, organization settings).
    "replan-changed-plans": {
        "task": "reinforcement.tasks.plans_replan_task",
        "schedule": crontab(minute="*"),
        "options": {"expires": 50},
    },
}
