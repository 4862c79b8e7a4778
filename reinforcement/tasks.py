"""Celery tasks: a thin interface that takes ids and calls one service each.

The database is the schedule: beat only wakes the dispatcher, and every task
is idempotent by database constraints, so a redelivered task is harmless.
"""

import datetime as dt

from celery import shared_task
from celery.utils.log import get_task_logger
from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from reinforcement.services.periodic_lock import periodic_once

logger = get_task_logger(__name__)

# Reps per planning task. A chunk reads about 150 memory states per rep in one
# query (200 reps: ~30k rows, a few MB) and takes ~1 s, so a task stays short
# and many workers share a large organization.
PLAN_CHUNK_SIZE = 200
# Days of participation rollups the hourly refresh recomputes: the longest
# prompt window plus a margin, so every expiry is counted.
KPI_REFRESH_DAYS = 8


@shared_task(soft_time_limit=120, time_limit=150)
@periodic_once
def plans_dispatch_task() -> int:
    """Enqueue planning for reps whose local delivery time has come; returns reps found."""
    from reinforcement.selectors.planning import reps_due_for_planning

    rep_ids = reps_due_for_planning(now=timezone.now())
    for start in range(0, len(rep_ids), PLAN_CHUNK_SIZE):
        plans_create_task.delay(rep_ids=rep_ids[start : start + PLAN_CHUNK_SIZE])
    return len(rep_ids)


@shared_task(soft_time_limit=120, time_limit=150)
def plans_create_task(*, rep_ids: list[int]) -> int:
    """Plan today's dose for a chunk of reps, then enqueue each plan's delivery.

    Cost: one batched read per chunk plus one transaction for the chunk. The
    plans' Delivery rows commit with them, so an enqueue lost here (a killed
    worker, Redis down) is re-driven by deliveries_sweep_task.
    """
    from reinforcement.services.planning import plans_create

    outcomes = plans_create(rep_ids=rep_ids, now=timezone.now())
    planned = [o.plan_id for o in outcomes if o.status == "planned" and o.question_keys]
    transaction.on_commit(lambda: deliveries_enqueue(planned))
    return len(planned)


@shared_task(soft_time_limit=45, time_limit=55)
@periodic_once
def plans_replan_task() -> int:
    """Re-plan the reps whose plans' inputs changed (ReplanRequest); returns reps seen.

    Cost: one read per pending request, then planning's batched reads for at
    most REPLAN_BATCH reps; a plan with an answer is left as it is.
    """
    from reinforcement.services.replan import replan_requests_apply

    result = replan_requests_apply(now=timezone.now())
    plan_ids = result.deliver_plan_ids
    transaction.on_commit(lambda: deliveries_enqueue(plan_ids))
    return len(result.outcomes)


def _enqueue(publish, ids: list[int], *, size: int, what: str) -> int:
    """Publish the ids in chunks of `size`; stop at the first broker failure.

    Each failed publish waits for the broker's retries (about half a second),
    so with Redis down the rest is left to the sweeper (or the next run).
    """
    for start in range(0, len(ids), size):
        try:
            publish(ids[start : start + size])
        except BrokerError as exc:
            logger.warning(
                "broker unavailable, %s %s: %s",
                len(ids) - start,
                what,
                exc,
            )
            return start
    return len(ids)


def deliveries_enqueue(plan_ids: list[int]) -> int:
    """Enqueue one delivery task per plan; returns the plans enqueued."""
    return _enqueue(
        lambda ids: plan_deliver_task.delay(plan_id=ids[0]),
        plan_ids,
        size=1,
        what="plan deliveries left to the sweeper",
    )


def trigger_deliveries_enqueue(trigger_ids: list[int]) -> int:
    """Enqueue the delivery of triggered refreshers, one task per batch of
    REINFORCEMENT_TRIGGER_DELIVERY_BATCH; returns the refreshers enqueued."""
    return _enqueue(
        lambda ids: triggers_deliver_task.delay(trigger_ids=ids),
        trigger_ids,
        size=settings.REINFORCEMENT_TRIGGER_DELIVERY_BATCH,
        what="refresher deliveries left to the sweeper",
    )


# OperationalError: "database is locked" on SQLite, a dropped connection on
# PostgreSQL. The send record makes a retry safe; failed sends themselves are
# retried by the sweeper, not by broker countdowns.
DELIVER_TASK_OPTIONS = {
    "soft_time_limit": 60,
    "time_limit": 90,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": False,
    "max_retries": 5,
}


@shared_task(**DELIVER_TASK_OPTIONS)
def plan_deliver_task(*, plan_id: int) -> dict[str, str]:
    """Send one plan's pending deliveries, each channel at most once.

    A failed send is recorded on its Delivery row with its next attempt; the
    sweeper retries it then (the database is the schedule, not the broker).
    """
    from reinforcement.services.delivery import plan_deliver

    return plan_deliver(plan_id=plan_id, now=timezone.now())


@shared_task(soft_time_limit=45, time_limit=55)
@periodic_once
def deliveries_sweep_task() -> int:
    """Re-enqueue deliveries left pending past their next attempt; returns plans.

    Catches what a lost enqueue, a killed task or a failed send left behind.
    Cost: one indexed read of at most SWEEP_BATCH due rows.
    """
    from reinforcement.services.delivery import deliveries_sweep

    now = timezone.now()
    plan_ids = deliveries_sweep(now=now)
    deliveries_enqueue(plan_ids)
    trigger_ids = deliveries_sweep(now=now, owner="trigger")
    trigger_deliveries_enqueue(trigger_ids)
    return len(plan_ids) + len(trigger_ids)


# Routed to the "deliveries" queue (config/settings/refresher_delivery.py).
# A batch's inbox rows take one transaction; an email, Slack or Teams send
# up to its timeout, so the rows a timed-out batch did not reach are left
# to the sweeper, uncounted.
@shared_task(**DELIVER_TASK_OPTIONS | {"soft_time_limit": 120, "time_limit": 150})
def triggers_deliver_task(*, trigger_ids: list[int]) -> dict[str, int]:
    """Send a batch of triggered refreshers' pending deliveries, each row at
    most once; returns the batch's rows per status."""
    from reinforcement.services.delivery import triggers_deliver

    return triggers_deliver(trigger_ids=trigger_ids, now=timezone.now())


@shared_task(**DELIVER_TASK_OPTIONS)
def trigger_deliver_task(*, trigger_id: int) -> dict[str, int]:
    """One triggered refresher, as enqueued before batches (still queued at an
    upgrade); sent as a batch of one."""
    from reinforcement.services.delivery import triggers_deliver

    return triggers_deliver(trigger_ids=[trigger_id], now=timezone.now())


@shared_task(soft_time_limit=240, time_limit=300)
@periodic_once
def prompts_expire_task() -> int:
    from reinforcement.services.prompts import prompts_expire

    return prompts_expire(now=timezone.now())


@shared_task(soft_time_limit=60, time_limit=90)
@periodic_once
def memory_models_refit_task() -> int:
    """Enqueue one refit per organization."""
    from enablement.models import Organization

    ids = list(Organization.objects.values_list("id", flat=True))
    for organization_id in ids:
        organization_refit_task.delay(organization_id=organization_id)
    return len(ids)


@shared_task(soft_time_limit=540, time_limit=600)
def organization_refit_task(*, organization_id: int) -> bool:
    """Refit one organization's FSRS parameters; returns whether they were adopted.

    Cost: reads the organization's whole Answer log once (about a second per
    million answers) and fits the answers' likelihood with SciPy (about 3 s of
    CPU per 100k answers, docs/benchmarks.md "Refit").
    """
    from enablement.models import Organization
    from reinforcement.services.refit import organization_refit

    fit = organization_refit(
        organization=Organization.objects.get(pk=organization_id), now=timezone.now()
    )
    logger.info("refit organization %s: %s", organization_id, fit.note)
    return fit.adopted


@shared_task(bind=True, soft_time_limit=20, time_limit=30)
@periodic_once
def heartbeat_record_task(self) -> int:
    """Record that a worker is alive; returns the worker's beat count."""
    from reinforcement.services.heartbeat import heartbeat_record

    heartbeat = heartbeat_record(hostname=self.request.hostname or "unknown")
    return heartbeat.beats


@shared_task(soft_time_limit=240, time_limit=300)
@periodic_once
def kpi_participation_refresh_task() -> int:
    """Recompute participation rollups of the last few days; returns rows written.

    Prompts expire hourly, which the answer path never sees. Cost: one grouped
    read of the days' prompts (about 3 per rep per day).
    """
    from reinforcement.services.rollups.participation import participation_refresh

    today = timezone.now().date()
    return participation_refresh(
        days=[today - dt.timedelta(days=d) for d in range(KPI_REFRESH_DAYS)]
    )


@shared_task(soft_time_limit=540, time_limit=600)
@periodic_once
def kpi_snapshots_refresh_task() -> int:
    """Rewrite this week's retention and mastery snapshot of every rep.

    Cost: reads every rep's memory states once, in chunks of 500 reps (about
    a second per 100k states); returns rows written.
    """
    from reinforcement.services.rollups.snapshots import snapshots_refresh_all

    return snapshots_refresh_all(now=timezone.now())


@shared_task(soft_time_limit=45, time_limit=55)
@periodic_once
def recent_answers_refresh_task() -> int:
    """Refresh the participation, snapshot and ramp rows of the last minute's answers.

    Cost: one indexed read of the answers since the last run, then the same
    recomputes per rep as an answer's inline refresh; returns answers read.
    """
    from reinforcement.services.rollups.refresh import recent_answers_refresh

    return recent_answers_refresh(now=timezone.now())


# Reminders and digests per send task: a send takes up to Slack's 5 s or
# EMAIL_TIMEOUT (30 s) when a channel hangs, so a chunk stays inside the
# soft limit in the usual case; rows a timed-out task left are re-claimed.
MESSAGE_CHUNK_SIZE = 20


def messages_enqueue(task, ids: list[int], *, name: str) -> int:
    """Enqueue send tasks in chunks; on a broker failure leave the rest to the
    next dispatch run, which claims them again once their lease has passed."""
    return _enqueue(
        lambda chunk: task.delay(**{name: chunk}),
        ids,
        size=MESSAGE_CHUNK_SIZE,
        what="sends left to the next dispatch",
    )


@shared_task(soft_time_limit=120, time_limit=150)
@periodic_once
def reminders_dispatch_task() -> int:
    """Write the reminders due now and enqueue their sends; returns reminders claimed.

    Cost: one read of the profiles of organizations with reminders on, two
    of today's plans and deliveries, then one claim of the pending rows.
    """
    from reinforcement.services.reminders import reminders_dispatch

    ids = reminders_dispatch(now=timezone.now())
    messages_enqueue(reminders_send_task, ids, name="reminder_ids")
    return len(ids)


@shared_task(soft_time_limit=240, time_limit=300, autoretry_for=(OperationalError,),
             retry_backoff=True, retry_backoff_max=600, max_retries=5)  # fmt: skip
def reminders_send_task(*, reminder_ids: list[int]) -> dict[str, int]:
    """Send each reminder at most once (or cancel it); returns the count per status."""
    from reinforcement.services.reminders import reminder_send

    statuses: dict[str, int] = {}
    for reminder_id in reminder_ids:
        status = reminder_send(reminder_id=reminder_id, now=timezone.now())
        statuses[status] = statuses.get(status, 0) + 1
    return statuses


@shared_task(soft_time_limit=120, time_limit=150)
@periodic_once
def digests_dispatch_task() -> int:
    """Write last week's manager digests (Mondays) and enqueue the due sends."""
    from reinforcement.services.digests import digests_dispatch

    ids = digests_dispatch(now=timezone.now())
    messages_enqueue(digests_send_task, ids, name="digest_ids")
    return len(ids)


@shared_task(soft_time_limit=240, time_limit=300, autoretry_for=(OperationalError,),
             retry_backoff=True, retry_backoff_max=600, max_retries=5)  # fmt: skip
def digests_send_task(*, digest_ids: list[int]) -> dict[str, int]:
    """Send each manager's digest at most once; returns the count per status.

    Cost: about 15 grouped KPI queries per digest, read at send time.
    """
    from reinforcement.services.digests import digest_send

    statuses: dict[str, int] = {}
    for digest_id in digest_ids:
        status = digest_send(digest_id=digest_id, now=timezone.now())
        statuses[status] = statuses.get(status, 0) + 1
    return statuses


# The name the tests and older callers use.
_deliveries_enqueue = deliveries_enqueue
