"""A real Celery worker process against the test Redis runs our tasks (no eager mode)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery_app import app
from reinforcement.models import WorkerHeartbeat
from reinforcement.tasks import heartbeat_record_task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def celery_worker_process():
    """Start `celery worker` on the test database and the test Redis."""
    env = dict(os.environ)
    db = connection.settings_dict
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    app.connection_for_write().ensure_connection(max_retries=3)
    app.control.purge()
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
         "--loglevel=WARNING", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_celery_app_uses_the_test_redis():
    assert settings.CELERY_BROKER_URL == os.environ["REDIS_URL"]
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=3)
        assert conn.connected


def test_real_worker_runs_the_heartbeat_task(celery_worker_process):
    result = heartbeat_record_task.delay()
    assert result.get(timeout=60) == 1
    beat = WorkerHeartbeat.objects.get()
    assert beat.beats == 1 and beat.hostname.startswith("celery@")
    assert not app.conf.task_always_eager
