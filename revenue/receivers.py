"""Receivers of the CRM ingest's and the demo's signals: each enqueues or calls one service."""

import logging

from django.db.models.signals import post_delete
from django.dispatch import receiver
from kombu.exceptions import OperationalError as BrokerError

from reinforcement.signals import demo_history_seeded
from revenue.models import WebhookSecret
from revenue.selectors.ingest import webhook_secret_cache_clear
from revenue.signals import stage_changes_recorded

logger = logging.getLogger(__name__)


@receiver(stage_changes_recorded, dispatch_uid="revenue.stage_refreshers")
def stage_refreshers_receive(
    sender, *, organization_id: int, stage_change_ids: list[int], **kwargs
) -> None:
    """New stage entries committed: make their refreshers in a worker.

    Never fails the ingest: with the broker down the sweeper finds the
    entries without a refresher row within its next run.
    """
    from revenue.tasks import stage_refreshers_task

    if not stage_change_ids:
        return
    try:
        stage_refreshers_task.delay(stage_change_ids=list(stage_change_ids))
    except BrokerError as exc:
        logger.warning(
            "broker unavailable, %s stage entries left to the sweeper: %s",
            len(stage_change_ids),
            exc,
        )


@receiver(stage_changes_recorded, dispatch_uid="revenue.outcome_rollups")
def outcome_rollups_receive(
    sender, *, organization_id: int, stage_change_ids: list[int], **kwargs
) -> None:
    """New stage history committed: roll its deals up in a task (the sweeper
    catches it if the broker is down)."""
    from revenue.tasks import outcome_rollups_refresh_task

    try:
        outcome_rollups_refresh_task.delay(
            organization_id=organization_id, stage_change_ids=list(stage_change_ids)
        )
    except BrokerError as exc:
        logger.warning(
            "broker unavailable, outcome rollups left to the sweeper: %s", exc
        )


@receiver(demo_history_seeded, dispatch_uid="revenue.demo_crm")
def demo_crm_receive(
    sender, *, organization_id: int, today, days: int, seed: int, **kwargs
):
    """The demo's answer history exists: simulate its CRM on top of it."""
    from revenue.services.demo_crm import demo_crm_seed

    demo_crm_seed(organization_id=organization_id, today=today, days=days, seed=seed)


@receiver(post_delete, sender=WebhookSecret, dispatch_uid="revenue.webhook_secret")
def webhook_secret_deleted_receive(sender, **kwargs) -> None:
    """A secret deleted (in admin): this process stops accepting it at once,
    the others within CRM_SECRET_CACHE_SECONDS."""
    webhook_secret_cache_clear()
