"""The embedded default under concurrent writers: web, two workers, planning, one SQLite file.

Real processes: gunicorn (2 processes x 4 threads), two `celery worker`
processes (2 child processes each) and `manage.py plan_now` runs, all on one
SQLite file and a Redis database of the test server of their own, while reps
answer through the HTTP API.
"""

import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
from celery import Celery

from tests.integration.answer_driver import answer_all

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.worker
TEAMS = {
    "Enterprise East": range(1, 12),
    "Mid-Market West": range(12, 23),
    "EMEA & APAC Commercial": range(23, 34),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _reps(team: str) -> list[str]:
    return [f"rep{i:02d}" for i in TEAMS[team]]


class Stack:
    """Processes on one SQLite file; each writes its output to a log file."""

    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.db = tmp_path / "embedded.sqlite3"
        redis_server = os.environ["REDIS_URL"].rsplit("/", 1)[0]
        self.broker = f"{redis_server}/5"
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")
        } | {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"sqlite:///{self.db}",
            "REDIS_URL": self.broker,
            "CACHE_URL": f"{redis_server}/6",
            "API_LOGIN_THROTTLE": "100000/minute",
        }
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        log = self.tmp / f"manage-{len(self.logs)}.log"
        log.write_text(done.stdout + done.stderr)
        self.logs.append(log)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self, name: str, *argv: str) -> None:
        log = self.tmp / f"{name}.log"
        self.logs.append(log)
        self.procs.append(
            subprocess.Popen(
                argv,
                cwd=ROOT,
                env=self.env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        )

    def query(self, sql: str) -> int:
        with sqlite3.connect(self.db, timeout=30) as conn:
            return conn.execute(sql).fetchone()[0]

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def stack(tmp_path):
    s = Stack(tmp_path)
    yield s
    s.stop()


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def _web_up(base: str) -> bool:
    try:
        with urlopen(base + "/api/v1/schema/", timeout=2):
            return True
    except OSError as exc:
        return getattr(exc, "code", None) is not None


def test_web_and_two_workers_share_one_sqlite_file_without_locking_errors(stack):
    """While reps answer over HTTP, planning writes plans and two workers deliver
    and refresh rollups, all on one SQLite file: no process logs "database is
    locked", every Delivery is sent, and every answer is recorded exactly once."""
    # given: the demo organization on a fresh SQLite file, web and two workers
    stack.run("migrate", "--noinput")
    stack.run("seed_demo")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    stack.start(
        "web", sys.executable, "-m", "gunicorn", "config.wsgi", "-b",
        f"127.0.0.1:{port}", "-w", "2", "--threads", "4",
    )  # fmt: skip
    app = Celery(broker=stack.broker)
    app.control.purge()
    for n in range(2):
        stack.start(
            f"worker{n}", sys.executable, "-m", "celery", "-A", "config", "worker",
            "--concurrency=2", "--loglevel=INFO", "--without-mingle",
            "--without-gossip", "-n", f"sqlite{n}@%h",
        )  # fmt: skip
    assert _wait_until(lambda: _web_up(base), 30)
    stack.run("plan_now", "--team", "Enterprise East")

    # when: the first team answers while the other teams are planned and delivered,
    # and the workers refresh rollups and record heartbeats in between
    other_planning = threading.Thread(
        target=lambda: [
            stack.run("plan_now", "--team", team) for team in list(TEAMS)[1:]
        ]
    )
    other_planning.start()
    for _ in range(20):
        app.send_task("reinforcement.tasks.recent_answers_refresh_task")
        app.send_task("reinforcement.tasks.heartbeat_record_task")
    first = answer_all(base, _reps("Enterprise East"))
    other_planning.join(timeout=120)
    rest = answer_all(base, _reps("Mid-Market West") + _reps("EMEA & APAC Commercial"))

    # then: nothing pending, each answer once, no locking error anywhere
    assert _wait_until(
        lambda: (
            stack.query(
                "select count(*) from reinforcement_delivery where status != 'sent'"
            )
            == 0
        ),
        45,
    ), stack.query("select count(*) from reinforcement_delivery where status != 'sent'")
    keys = first.keys + rest.keys
    assert first.errors + rest.errors == []
    assert len(keys) >= 33
    assert stack.query("select count(*) from reinforcement_answer") == len(keys)
    assert stack.query(
        "select count(distinct idempotency_key) from reinforcement_answer"
    ) == len(set(keys))
    print(
        "deliveries",
        stack.query("select count(*) from reinforcement_delivery"),
        "answers",
        len(keys),
    )
    stack.stop()
    locked = {
        log.name: log.read_text().count("database is locked") for log in stack.logs
    }
    assert sum(locked.values()) == 0, locked
