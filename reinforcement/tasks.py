"""Celery tasks: a thin interface that takes ids and calls one service each."""

from celery import shared_task
from celery.utils.log import get_task_logger

logger = get_task_logger(__name__)


@shared_task(bind=True)
def heartbeat_record_task(self) -> int:
    """Record that a worker is alive; returns the worker's beat count."""
    from reinforcement.services.heartbeat import heartbeat_record

    heartbeat = heartbeat_record(hostname=self.request.hostname or "unknown")
    return heartbeat.beats
