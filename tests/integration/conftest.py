import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from config.celery_app import app

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def start_worker(tmp_path_factory):
    """Start real `celery worker` processes on the test database and the test Redis.

    `app` names the Celery app module (the fault tests' adds fault points);
    `queues` a worker's `-Q` (default: every queue); each worker's output goes
    to a log file, `proc.log_path`.
    """
    processes = []
    logs = tmp_path_factory.mktemp("worker-logs")

    def start(app_module: str = "config", queues: str | None = None, **extra_env):
        env = dict(os.environ)
        db = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}"
            f"/{db['NAME']}"
        )
        env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
        env.update(extra_env)
        if not processes:
            app.connection_for_write().ensure_connection(max_retries=3)
            app.control.purge()
        log_path = logs / f"test{len(processes)}.log"
        # A file, not a pipe nobody reads: a full pipe would block the worker.
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", app_module, "worker",
                 "--pool=solo", "--loglevel=WARNING", "--without-mingle",
                 "--without-gossip", "-n", f"test{len(processes)}@%h",
                 *(["-Q", queues] if queues else [])],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        proc.log_path = log_path
        processes.append(proc)
        return proc

    yield start
    for proc in processes:
        proc.terminate()
    for proc in processes:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
