"""Real processes for the fault tests: a gunicorn web server on the production
settings, a redis-server of the test's own, and an HTTP client that records
every response."""

import base64
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tests_database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}"
        f"/{db['NAME']}"
    )


class RedisServer:
    """A redis-server on a fixed port that the test pauses, kills and restarts."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True
            )
            if ping.stdout.strip() == b"PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def pause(self) -> None:
        """Stopped, not dead: connections are accepted and never answered."""
        self.process.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def gunicorn_server(log_path: Path, *, workers: int = 2, **extra_env):
    """Yield the base URL of a real gunicorn on the production settings."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.integration.fault_settings",
        DJANGO_SECRET_KEY="fault-test-secret-key-long-enough-for-hs256-signing",
        FIELD_ENCRYPTION_KEY=base64.urlsafe_b64encode(bytes(range(32))).decode(),
        JWT_SIGNING_KEY="fault-test-jwt-key-long-enough-for-hs256-signing-000",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DATABASE_URL=tests_database_url(),
    )
    env.update(extra_env)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind",
             f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "30"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{base}/api/v1/auth/token/", timeout=5)
                break
            except requests.RequestException:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log_path.read_text()) from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class Call:
    kind: str
    status: int | str  # the HTTP status, or the exception's name
    started: float
    ended: float


@dataclass
class Recorder:
    """Every call the clients made, from every thread."""

    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    t0: float = field(default_factory=time.monotonic)

    def call(self, kind: str, send) -> requests.Response | None:
        started = time.monotonic() - self.t0
        try:
            response = send()
        except requests.RequestException as exc:
            response, status = None, type(exc).__name__
        else:
            status = response.status_code
        with self.lock:
            self.calls.append(Call(kind, status, started, time.monotonic() - self.t0))
        return response

    def statuses(self, kind: str, start: float = 0, end: float = 1e9) -> list:
        return [
            c.status for c in self.calls if c.kind == kind and start <= c.started < end
        ]

    def server_errors(self) -> list[Call]:
        return [
            c for c in self.calls if not isinstance(c.status, int) or c.status >= 500
        ]


def answer_until_recorded(recorder: Recorder, session, url: str, body: dict) -> int:
    """POST one answer, retrying with the same idempotency key until the server
    gives a 2xx or 4xx; returns that status."""
    for _ in range(100):
        response = recorder.call(
            "answer", lambda: session.post(url, json=body, timeout=10)
        )
        if response is not None and response.status_code < 500:
            return response.status_code
        time.sleep(0.1)
    raise AssertionError(f"answer {body['idempotency_key']} never recorded")


def answerable_prompts(*, reps: int, questions: int) -> tuple[list, list]:
    """Reps (password "pw") and one open prompt per rep and question, as
    (rep, prompt id, correct choice id)."""
    from enablement.models import Choice
    from tests.factories.enablement import (
        EnrollmentFactory,
        ModuleFactory,
        QuestionFactory,
        RepProfileFactory,
        TeamFactory,
    )
    from tests.factories.reinforcement import make_prompt

    team = TeamFactory()
    module = ModuleFactory(methodology__organization=team.organization)
    EnrollmentFactory(module=module, team=team)
    users = [RepProfileFactory(team=team).user for _ in range(reps)]
    made = [QuestionFactory(module=module) for _ in range(questions)]
    correct = dict(
        Choice.objects.filter(question__in=made, is_correct=True).values_list(
            "question_id", "id"
        )
    )
    prompts = [
        (user, make_prompt(rep=user, question=q).id, correct[q.id])
        for q in made
        for user in users
    ]
    return users, prompts
