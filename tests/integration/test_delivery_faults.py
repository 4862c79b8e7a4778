"""Faults injected into real workers during planning and delivery fan-out.

Real `celery worker` processes on the test PostgreSQL and a real Redis; the
faults are real too: SIGKILL of a worker process, a redis-server stopped and
started again. Tests/support/faults.py stops a worker at the chosen point so
each fault lands where it is meant to. The sweeper is triggered by the test
once a second, as beat would every minute. Each test writes its figures to
test-artifacts/reliability.json (docs/reliability.md quotes them).
"""

import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
import redis
from celery import Celery
from kombu.exceptions import OperationalError

from reinforcement.models import DailyPlan, Delivery, Prompt
from reinforcement.tasks import deliveries_sweep_task, plans_create_task
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
ROOT = Path(__file__).resolve().parent.parent.parent
REPS = 60
FAULT_APP = "tests.support.fault_worker"
REDIS_DOWN_SECONDS = 20


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def reps_of_one_team(n: int) -> list:
    team = TeamFactory(organization__new_questions_per_day=2)
    module = ModuleFactory(methodology__organization=team.organization)
    QuestionFactory.create_batch(2, module=module)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2020, 1, 1))
    return [
        RepProfileFactory(team=team, delivery_hour=0, working_days="1234567").user
        for _ in range(n)
    ]


@pytest.fixture
def fault(tmp_path):
    """The fault directory, the mail directory and the workers' environment."""
    fault_dir, mail_dir = tmp_path / "fault", tmp_path / "mail"
    fault_dir.mkdir()
    mail_dir.mkdir()
    (fault_dir / "armed").touch()

    class Fault:
        dir = fault_dir
        mail = mail_dir

        @staticmethod
        def env(point: str, after: int, **extra) -> dict:
            return {
                "DJANGO_EMAIL_BACKEND": "tests.support.flaky_email.FaultPointFileBackend",
                "EMAIL_FILE_PATH": str(mail_dir),
                "FAULT_DIR": str(fault_dir),
                "FAULT_POINT": point,
                "FAULT_AFTER": str(after),
                # Short outbox timings, so the sweeper acts within seconds.
                "REINFORCEMENT_DELIVERY_GRACE_SECONDS": "2",
                "REINFORCEMENT_DELIVERY_LEASE_SECONDS": "3",
                "REINFORCEMENT_DELIVERY_BACKOFF_SECONDS": "1",
            } | extra

        @staticmethod
        def reached_pid(timeout=60) -> int:
            assert wait_for((fault_dir / "reached").exists, timeout), "no fault point"
            return int((fault_dir / "reached").read_text())

        @staticmethod
        def resume() -> None:
            (fault_dir / "go").touch()

    return Fault


def sigkill(workers, pid: int) -> None:
    [victim] = [w for w in workers if w.pid == pid]
    os.kill(pid, signal.SIGKILL)
    assert victim.wait(timeout=10) == -signal.SIGKILL


def sent(channel: str) -> int:
    return Delivery.objects.filter(channel=channel, status="sent").count()


def sweep_until_all_sent(send_sweep, timeout=90) -> int:
    """Trigger the sweeper once a second until every delivery is sent; returns sweeps."""
    sweeps = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            send_sweep()
            sweeps += 1
        except OperationalError:
            pass  # broker still down
        if not Delivery.objects.exclude(status="sent").exists():
            return sweeps
        time.sleep(1)
    left = Delivery.objects.exclude(status="sent").values_list("channel", "status")
    raise AssertionError(f"not sent after {timeout} s: {Counter(left)}")


def figures(reps, mail_dir: Path, **extra) -> dict:
    """What was planned, recorded and sent; duplicates and losses by recipient."""
    text = "".join(p.read_text() for p in mail_dir.iterdir())
    to = Counter(re.findall(r"^To: (.+)$", text, re.MULTILINE))
    wanted = {r.email for r in reps}
    channels = sorted(set(Delivery.objects.values_list("channel", flat=True)))
    return {
        "reps": len(reps),
        "plans": DailyPlan.objects.count(),
        "deliveries": {c: Delivery.objects.filter(channel=c).count() for c in channels},
        "sent": {c: sent(c) for c in channels},
        "emails_sent": sum(to.values()),
        "duplicated": sum(n - 1 for n in to.values() if n > 1),
        "lost": len(wanted - set(to)),
        "unexpected": len(set(to) - wanted),
        "prompts_not_delivered": Prompt.objects.exclude(status="delivered").count(),
    } | extra


def expected(n: int, **overrides) -> dict:
    return {
        "reps": n,
        "plans": n,
        "deliveries": {"email": n, "inbox": n},
        "sent": {"email": n, "inbox": n},
        "emails_sent": n,
        "duplicated": 0,
        "lost": 0,
        "unexpected": 0,
        "prompts_not_delivered": 0,
    } | overrides


def record(name: str, result: dict) -> None:
    path = ROOT / "test-artifacts" / "reliability.json"
    path.parent.mkdir(exist_ok=True)
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = result
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def test_worker_killed_during_planning_fan_out(start_worker, fault):
    """Plans whose enqueue died with the worker are delivered once by the sweeper."""
    # given: two workers; the planner stops before enqueueing its 20th delivery
    reps = reps_of_one_team(REPS)
    workers = [start_worker(FAULT_APP, **fault.env("plan_fanout", 20)) for _ in "ab"]
    plans_create_task.delay(rep_ids=[r.id for r in reps])
    pid = fault.reached_pid()
    # the plans and their outbox rows committed before the fan-out began
    assert DailyPlan.objects.count() == REPS
    assert Delivery.objects.count() == 2 * REPS
    # when: SIGKILL the planner mid-loop
    sigkill(workers, pid)
    # then: the survivor sends the 19 enqueued plans; nothing else moves
    assert wait_for(lambda: sent("email") == 19)
    time.sleep(1)
    undelivered = REPS - sent("email")
    assert undelivered == REPS - 19
    # and the sweeper delivers every plan exactly once per channel
    sweeps = sweep_until_all_sent(lambda: deliveries_sweep_task.apply_async(expires=5))
    result = figures(reps, fault.mail)
    assert result == expected(REPS)
    record(
        "worker_killed_during_planning_fan_out",
        result | {"undelivered_before_sweep": undelivered, "sweeps": sweeps},
    )


def test_worker_killed_during_delivery_fan_out(start_worker, fault):
    """A delivery whose worker died mid-send is sent once after its lease."""
    # given: two workers; the first to reach its 10th email stops before sending
    reps = reps_of_one_team(REPS)
    workers = [start_worker(FAULT_APP, **fault.env("email_send", 10)) for _ in "ab"]
    plans_create_task.delay(rep_ids=[r.id for r in reps])
    pid = fault.reached_pid()
    # when: SIGKILL it while it holds that email's row lock
    sigkill(workers, pid)
    # then: the survivor sends the rest; the dead task's email stays pending
    assert wait_for(lambda: sent("email") == REPS - 1)
    time.sleep(1)
    [orphan] = Delivery.objects.exclude(status="sent")
    assert (orphan.channel, orphan.status, orphan.attempts) == ("email", "pending", 1)
    assert sent("inbox") == REPS
    # and the sweeper re-drives it once its lease has passed
    sweeps = sweep_until_all_sent(lambda: deliveries_sweep_task.apply_async(expires=5))
    orphan.refresh_from_db()
    assert orphan.attempts == 2
    result = figures(reps, fault.mail)
    assert result == expected(REPS)
    record(
        "worker_killed_during_delivery_fan_out",
        result | {"undelivered_before_sweep": 1, "sweeps": sweeps},
    )


def test_worker_killed_between_send_and_commit_resends_once(start_worker, fault):
    """The one window left: a crash after the send, before its commit, sends twice."""
    # given: the first worker to write its 10th email stops before the commit
    reps = reps_of_one_team(REPS)
    workers = [start_worker(FAULT_APP, **fault.env("email_sent", 10)) for _ in "ab"]
    plans_create_task.delay(rep_ids=[r.id for r in reps])
    pid = fault.reached_pid()
    # when
    sigkill(workers, pid)
    # then: that email went out, but its row rolled back to pending
    assert wait_for(lambda: sent("email") == REPS - 1)
    sweeps = sweep_until_all_sent(lambda: deliveries_sweep_task.apply_async(expires=5))
    result = figures(reps, fault.mail)
    assert result == expected(REPS, emails_sent=REPS + 1, duplicated=1)
    record(
        "worker_killed_between_send_and_commit",
        result | {"undelivered_before_sweep": 1, "sweeps": sweeps},
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, which the test stops and starts."""

    class Server:
        port = free_port()
        url = f"redis://127.0.0.1:{port}/0"
        proc = None

        @classmethod
        def start(cls):
            cls.proc = subprocess.Popen(
                ["redis-server", "--port", str(cls.port), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                stdout=subprocess.DEVNULL,
            )  # fmt: skip
            client = redis.Redis(port=cls.port)
            assert wait_for(lambda: _pings(client), 10), "redis-server did not start"

        @classmethod
        def stop(cls):
            cls.proc.terminate()
            cls.proc.wait(timeout=10)

    Server.start()
    yield Server
    if Server.proc.poll() is None:
        Server.stop()


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


def test_redis_stopped_right_after_planning_commits(own_redis, start_worker, fault):
    """Nothing is enqueued while Redis is down; the sweeper delivers all after."""
    # given: a worker on its own Redis stops right after planning committed
    reps = reps_of_one_team(REPS)
    env = fault.env("plan_fanout", 1, REDIS_URL=own_redis.url)
    start_worker(FAULT_APP, **env)
    # Not the current app: the suite's own tasks keep the suite's Redis.
    client = Celery("faults", broker=own_redis.url, set_as_current=False)
    client.send_task(
        "reinforcement.tasks.plans_create_task",
        kwargs={"rep_ids": [r.id for r in reps]},
    )
    fault.reached_pid()
    assert DailyPlan.objects.count() == REPS
    # when: Redis stops for 20 s while the worker enqueues the deliveries
    own_redis.stop()
    stopped = time.monotonic()
    fault.resume()
    time.sleep(max(0.0, REDIS_DOWN_SECONDS - (time.monotonic() - stopped)))
    down_for = round(time.monotonic() - stopped, 1)
    own_redis.start()
    # then: not one delivery went out; the sweeper sends them all once
    undelivered = REPS - sent("email")
    assert undelivered == REPS and sent("inbox") == 0
    sweeps = sweep_until_all_sent(
        lambda: client.send_task("reinforcement.tasks.deliveries_sweep_task", expires=5)
    )
    result = figures(reps, fault.mail)
    assert result == expected(REPS)
    record(
        "redis_stopped_after_planning_commit",
        result
        | {"undelivered_before_sweep": undelivered, "sweeps": sweeps}
        | {"redis_down_seconds": down_for},
    )
