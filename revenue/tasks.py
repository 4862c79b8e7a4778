"""Celery tasks of the revenue app: thin, take ids, call one service."""

from celery import shared_task
from celery.utils.log import get_task_logger

from reinforcement.services.periodic_lock import periodic_once

logger = get_task_logger(__name__)


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
