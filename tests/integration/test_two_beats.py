"""Two real `celery beat` processes on one Redis: each periodic firing does its work once."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum

from config.celery_app import app
from reinforcement.models import WorkerHeartbeat
from tests.integration.fast_beat_settings import PERIOD_SECONDS

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
SETTINGS = "tests.integration.fast_beat_settings"
SENT = "Scheduler: Sending due task worker-heartbeat"


def _firings(log: Path) -> set[int]:
    """The slots (wall-clock multiples of the period) in which this beat sent."""
    slots = set()
    for line in log.read_text().splitlines():
        if SENT in line:
            stamp = line.split("[", 1)[1].split(":", 3)
            when = dt.datetime.strptime(":".join(stamp[:3]), "%Y-%m-%d %H:%M:%S,%f")
            slots.add(int(when.timestamp() // PERIOD_SECONDS))
    return slots


def test_a_second_beat_sends_every_firing_again_but_the_work_happens_once(
    start_worker, tmp_path
):
    """Both beats send each firing of the heartbeat entry; the worker records one
    heartbeat per firing, not two."""
    # given: a worker, then two beats on the same Redis with a 3-second entry
    worker = start_worker(DJANGO_SETTINGS_MODULE=SETTINGS)
    deadline = time.monotonic() + 30
    while not app.control.ping(timeout=0.5):
        assert time.monotonic() < deadline and worker.poll() is None
    db = connection.settings_dict
    env = dict(os.environ) | {
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}"
        f":{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": SETTINGS,
    }
    logs = [tmp_path / f"beat{n}.log" for n in range(2)]
    beats = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
                "-s",
                str(tmp_path / f"beat{n}-schedule"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        for n, log in enumerate(logs)
    ]

    # when: both run for about four periods after starting up
    try:
        deadline = time.monotonic() + 40
        while len(_firings(logs[0]) & _firings(logs[1])) < 4:
            assert time.monotonic() < deadline, [log.read_text() for log in logs]
            time.sleep(0.5)
    finally:
        for beat in beats:
            beat.terminate()
            beat.wait(timeout=20)
    time.sleep(PERIOD_SECONDS)  # the last messages run or expire

    # then: every firing was sent twice (or once, around a beat's start or stop)
    # and recorded one heartbeat
    firings = [_firings(log) for log in logs]
    sent = sum(log.read_text().count(SENT) for log in logs)
    both = firings[0] | firings[1]
    assert len(firings[0] & firings[1]) >= 4 and sent > len(both)
    assert WorkerHeartbeat.objects.aggregate(n=Sum("beats"))["n"] == len(both)
