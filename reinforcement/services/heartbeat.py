from django.db.models import F

from reinforcement.models import WorkerHeartbeat


def heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    """Count one beat for this worker; concurrent beats never lose a count."""
    heartbeat, _ = WorkerHeartbeat.objects.get_or_create(hostname=hostname)
    WorkerHeartbeat.objects.filter(pk=heartbeat.pk).update(beats=F("beats") + 1)
    heartbeat.refresh_from_db()
    return heartbeat
