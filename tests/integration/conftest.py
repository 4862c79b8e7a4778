import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from config.celery_app import app

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def start_worker():
    """Start real `celery worker` processes on the test database and the test Redis."""
    processes = []

    def start(**extra_env):
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
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
             "--loglevel=WARNING", "--without-mingle", "--without-gossip",
             "-n", f"test{len(processes)}@%h"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
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
