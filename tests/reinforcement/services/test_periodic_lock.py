"""The periodic lease in the test Redis: one run per beat firing, redelivery allowed."""

import datetime as dt
import subprocess
import sys
import uuid

import pytest
import redis

from reinforcement.services import periodic_lock
from reinforcement.services.periodic_lock import periodic_run_claim

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def name():
    return f"test.task.{uuid.uuid4().hex}"


def test_a_second_copy_of_a_firing_does_no_work_but_a_redelivery_does(name):
    expires = NOW + dt.timedelta(seconds=30)
    assert periodic_run_claim(name=name, token="beat-1", expires=expires, now=NOW)
    assert not periodic_run_claim(name=name, token="beat-2", expires=expires, now=NOW)
    # the first message, redelivered after its worker died, runs again
    assert periodic_run_claim(name=name, token="beat-1", expires=expires, now=NOW)


def test_the_lease_ends_when_the_firing_expires(name):
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=0.3)
    now = dt.datetime.now(dt.UTC)
    assert periodic_run_claim(name=name, token="a", expires=expires, now=now)
    assert not periodic_run_claim(name=name, token="b", expires=expires, now=now)
    client = periodic_lock._redis()
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    while client.exists(periodic_lock.KEY_PREFIX + name):
        assert dt.datetime.now(dt.UTC) < deadline
    later = dt.datetime.now(dt.UTC)
    nxt = later + dt.timedelta(seconds=30)
    assert periodic_run_claim(name=name, token="next-firing", expires=nxt, now=later)


def test_an_expired_message_takes_no_lease(name):
    assert periodic_run_claim(name=name, token="a", expires=NOW, now=NOW)
    assert not periodic_lock._redis().exists(periodic_lock.KEY_PREFIX + name)


def test_redis_unreachable_fails_open(name, monkeypatch):
    port = subprocess.run(
        [sys.executable, "scripts/free_port.py"], capture_output=True, text=True
    ).stdout.strip()
    down = redis.Redis(port=int(port), socket_connect_timeout=0.5)
    monkeypatch.setattr(periodic_lock, "_client", down)
    expires = NOW + dt.timedelta(seconds=30)
    assert periodic_run_claim(name=name, token="a", expires=expires, now=NOW)
    assert periodic_run_claim(name=name, token="b", expires=expires, now=NOW)
