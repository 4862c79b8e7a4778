"""Celery tasks of the revenue app: thin, idempotent, one service each."""

from celery import shared_task
from django.db import OperationalError, transaction
from django.utils import timezone

from reinforcement.services.periodic_lock import periodic_once


def _deliver_after_commit(trigger_ids: list[int]) -> None:
    from reinforcement.tasks import trigger_deliveries_enqueue

    transaction.on_commit(lambda: trigger_deliveries_enqueue(trigger_ids))


@shared_task(
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=False,
    max_retries=5,
)
def stage_refreshers_task(*, stage_change_ids: list[int]) -> int:
    """Record and make the refreshers of new stage entries; returns refreshers made.

    Idempotent (one StageRefresher per deal and stage); an enqueue lost to
    the broker is recovered by stage_refreshers_sweep_task.
    """
    from revenue.services.stage_refreshers import stage_refreshers_apply

    trigger_ids = stage_refreshers_apply(
        stage_change_ids=stage_change_ids, now=timezone.now()
    )
    _deliver_after_commit(trigger_ids)
    return len(trigger_ids)


@shared_task(soft_time_limit=45, time_limit=55)
@periodic_once
def stage_refreshers_sweep_task() -> int:
    """Recover entries a lost task left out and make the refreshers now due
    (those that waited for the rep's working window); returns refreshers made."""
    from revenue.services.stage_refreshers import stage_refreshers_sweep

    trigger_ids = stage_refreshers_sweep(now=timezone.now())
    _deliver_after_commit(trigger_ids)
    return len(trigger_ids)


@shared_task(soft_time_limit=120, time_limit=150)
def outcome_rollups_refresh_task(*, organization_id: int, stage_change_ids: list[int]):
    """Roll up the deals of new stage history rows (idempotent)."""
    from revenue.services.outcome_rollups import outcome_rollups_for_stage_changes

    return outcome_rollups_for_stage_changes(
        organization_id=organization_id, stage_change_ids=stage_change_ids
    ).cells


@shared_task(soft_time_limit=240, time_limit=300)
@periodic_once
def outcome_rollups_sweep_task() -> int:
    """Roll up recent stage history whose task was lost; returns deals done."""
    from revenue.services.outcome_rollups import outcome_rollups_sweep

    return outcome_rollups_sweep().opportunities
