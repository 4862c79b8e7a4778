"""A real Celery worker process against the test Redis runs our tasks (no eager mode)."""

import os

import pytest
from django.conf import settings

from config.celery_app import app
from reinforcement.models import WorkerHeartbeat
from reinforcement.tasks import heartbeat_record_task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_celery_app_uses_the_test_redis():
    assert settings.CELERY_BROKER_URL == os.environ["REDIS_URL"]
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=3)
        assert conn.connected


def test_real_worker_runs_the_heartbeat_task(start_worker):
    start_worker()
    result = heartbeat_record_task.delay()
    assert result.get(timeout=60) == 1
    beat = WorkerHeartbeat.objects.get()
    assert beat.beats == 1 and beat.hostname.startswith("test0@")
    assert not app.conf.task_always_eager
