"""Receivers of the revenue app's own signals: each enqueues one task."""

import logging

from django.dispatch import receiver
from kombu.exceptions import OperationalError as BrokerError

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
