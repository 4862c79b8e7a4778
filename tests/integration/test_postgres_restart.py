"""PostgreSQL restarted while reps answer over HTTP, against a real gunicorn on
the production settings with persistent connections (CONN_MAX_AGE=60)
(docs/reliability.md, "PostgreSQL restart")."""

import json
import os
import subprocess
import threading
import time
import uuid

import pytest
import requests
from django.db import connection

from reinforcement.models import Answer
from tests.integration.processes import (
    Recorder,
    answer_until_recorded,
    answerable_prompts,
    gunicorn_server,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql,
    pytest.mark.faults,
]

# Restarted once while the clients hold (every web process has an idle, soon
# stale connection), once under load (requests in flight).
QUIET_RESTART_AT, LOADED_RESTART_AT, END_AT = 2.0, 4.0, 6.0


def _restart_postgres() -> None:
    """`pg_ctl restart` of the cluster scripts/test_services.sh started."""
    pg_ctl, data = os.environ["TEST_PG_CTL"], os.environ["TEST_PG_DATA"]
    command = [pg_ctl, "-D", data, "-l", f"{data}/server.log", "-m", "fast", "-w",
               "restart"]  # fmt: skip
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def _answer_all(recorder, base, token, prompts, stop, go, sent):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    for _, prompt_id, choice_id in prompts:
        go.wait()
        if stop.is_set():
            return
        key = str(uuid.uuid4())
        body = {"choice_ids": [choice_id], "confidence": "certain",
                "idempotency_key": key}  # fmt: skip
        url = f"{base}/api/v1/prompts/{prompt_id}/answer/"
        sent[key] = answer_until_recorded(recorder, session, url, body)
        time.sleep(0.05)


@pytest.mark.skipif(
    "TEST_PG_DATA" not in os.environ,
    reason="needs the cluster of scripts/test_services.sh",
)
@pytest.mark.parametrize(
    "health_checks", [False, True], ids=["checks-off", "checks-on"]
)
def test_postgres_restart_during_answering(tmp_path, health_checks):
    """A client that retries with the same key gets exactly one Answer per key.

    With CONN_HEALTH_CHECKS on (the production default), no request started
    after the restart fails: each web process replaces its stale connection
    before using it. Off, the first request on each stale connection is a 500.
    A request while the server is down fails either way; its retry is recorded
    once.
    """
    users, prompts = answerable_prompts(reps=2, questions=150)
    recorder = Recorder()
    stop, go = threading.Event(), threading.Event()
    go.set()
    sent: dict[str, int] = {}
    log = tmp_path / "gunicorn.log"
    with gunicorn_server(
        log, REDIS_URL=os.environ["REDIS_URL"], CONN_MAX_AGE="60",
        CONN_HEALTH_CHECKS=str(health_checks),
    ) as base:  # fmt: skip
        tokens = [
            requests.post(
                f"{base}/api/v1/auth/token/",
                json={"username": u.username, "password": "pw"},
                timeout=10,
            ).json()["access"]
            for u in users
        ]
        recorder.t0 = time.monotonic()
        threads = [
            threading.Thread(
                target=_answer_all,
                args=(recorder, base, token,
                      [p for p in prompts if p[0] == user], stop, go, sent),
            )
            for user, token in zip(users, tokens, strict=True)
        ]  # fmt: skip
        for thread in threads:
            thread.start()
        _sleep_until(recorder, QUIET_RESTART_AT)
        go.clear()
        time.sleep(0.5)  # requests in flight finish
        quiet = _timed_restart(recorder)
        go.set()
        _sleep_until(recorder, LOADED_RESTART_AT)
        loaded = _timed_restart(recorder)
        _sleep_until(recorder, END_AT)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    errors = recorder.server_errors()
    after_quiet = [c for c in errors if quiet[1] <= c.started and c.ended < loaded[0]]
    during_loaded = [c for c in errors if c.ended >= loaded[0] > c.started - 1e-9
                     or loaded[0] <= c.started < loaded[1]]  # fmt: skip
    after_loaded = [c for c in errors if c.started >= loaded[1]]
    figures = {
        "conn_health_checks": health_checks,
        "answer_calls": len(recorder.calls),
        "answers_sent": len(sent),
        "answers_recorded": Answer.objects.count(),
        "restart_seconds": [round(quiet[1] - quiet[0], 2),
                            round(loaded[1] - loaded[0], 2)],
        "server_errors": len(errors),
        "server_error_statuses": sorted({str(c.status) for c in errors}),
        "server_errors_after_quiet_restart": len(after_quiet),
        "server_errors_during_loaded_restart": len(during_loaded),
        "server_errors_after_loaded_restart": len(after_loaded),
    }  # fmt: skip
    name = "on" if health_checks else "off"
    with open(f"test-artifacts/postgres-restart-checks-{name}.json", "w") as out:
        json.dump(figures, out, indent=2)

    assert set(sent.values()) <= {200, 201} and len(sent) > 50
    keys = list(Answer.objects.values_list("idempotency_key", flat=True))
    assert sorted(keys) == sorted(sent)
    assert recorder.statuses("answer", loaded[1]), "nothing answered after"
    if health_checks:
        assert after_quiet == after_loaded == [], log.read_text()[-3000:]
    else:
        assert len(after_quiet) >= 1


def _sleep_until(recorder, at):
    time.sleep(max(0.0, at - (time.monotonic() - recorder.t0)))


def _timed_restart(recorder) -> tuple[float, float]:
    began = time.monotonic() - recorder.t0
    _restart_postgres()
    # This test's own connection went stale too.
    connection.close()
    return began, time.monotonic() - recorder.t0
