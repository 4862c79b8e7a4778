"""Settings of people (docs/people.md): invitations, password reset, the audit log.

A reset link works once, for PASSWORD_RESET_TIMEOUT seconds (Django's
setting); an invitation link for INVITATION_TIMEOUT (a new hire may open it
days later). Both emails wait ACCOUNT_EMAIL_GRACE_SECONDS for the task
enqueued at commit before the minutely sweeper sends them instead.
"""

import environ
from celery.schedules import crontab

from .replan import REPLAN_BEAT_SCHEDULE  # re-planning: docs/planning.md

__all__ = [
    "PASSWORD_RESET_TIMEOUT",
    "INVITATION_TIMEOUT",
    "ACCOUNT_EMAIL_GRACE_SECONDS",
    "PEOPLE_BEAT_SCHEDULE",
    "REPLAN_BEAT_SCHEDULE",
    "AUDITLOG_LOGENTRY_MODEL",
    "MIGRATION_MODULES",
]
env = environ.Env()

PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 3600)
INVITATION_TIMEOUT = env.int("INVITATION_TIMEOUT", default=7 * 86400)
# The audit log's entries carry their organization, so admin scopes them
# (enablement/audit.py; "auditlog" is installed before enablement, whose admin
# replaces auditlog's unscoped one).
AUDITLOG_LOGENTRY_MODEL = "enablement.AuditEntry"
# auditlog's migrations create its own (swapped, unused) table, which a test
# database flush would not empty; without them nothing of it is created.
MIGRATION_MODULES = {"auditlog": None}
ACCOUNT_EMAIL_GRACE_SECONDS = env.float("ACCOUNT_EMAIL_GRACE_SECONDS", default=60.0)

PEOPLE_BEAT_SCHEDULE = {
    # Every minute: send invitation and password-reset emails left pending.
    "sweep-account-emails": {
        "task": "enablement.tasks.account_emails_sweep_task",
        "schedule": crontab(minute="*"),
        "options": {"expires": 50},
    },
}
