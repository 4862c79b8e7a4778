"""Memory and measurement: what each rep remembers, what was asked, what was answered."""

from django.db import models

from enablement.models import TimestampedModel


class WorkerHeartbeat(TimestampedModel):
    """Last time a Celery worker ran the heartbeat task; an operator's liveness signal."""

    hostname = models.CharField(max_length=255, unique=True)
    beats = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.hostname
