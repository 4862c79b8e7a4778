"""Redis stopped for 20 s while reps answer and log in, over HTTP, against a
real gunicorn on the production settings (docs/reliability.md, "Redis down")."""

import json
import re
import threading
import time
import uuid

import pytest
import requests
from django.utils import timezone

from reinforcement.models import Answer, RepDay
from reinforcement.services.rollups.refresh import recent_answers_refresh
from tests.integration.processes import (
    Recorder,
    RedisServer,
    answer_until_recorded,
    answerable_prompts,
    gunicorn_server,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]

PAUSED_AT, KILLED_AT, RESTARTED_AT, END_AT = 3.0, 13.0, 23.0, 28.0


def _answer_all(recorder, base, tokens, prompts, stop, sent):
    sessions = {}
    for user, prompt_id, choice_id in prompts:
        if stop.is_set():
            return
        if user.pk not in sessions:
            sessions[user.pk] = requests.Session()
            sessions[user.pk].headers["Authorization"] = f"Bearer {tokens[user.pk]}"
        key = str(uuid.uuid4())
        body = {"choice_ids": [choice_id], "confidence": "certain",
                "idempotency_key": key}  # fmt: skip
        url = f"{base}/api/v1/prompts/{prompt_id}/answer/"
        sent[key] = answer_until_recorded(recorder, sessions[user.pk], url, body)
        time.sleep(0.06)


def _log_in_repeatedly(recorder, base, user, refresh_token, stop):
    api = f"{base}/api/v1/auth/token/"
    credentials = {"username": user.username, "password": "pw"}
    while not stop.is_set():
        recorder.call("login", lambda: requests.post(api, json=credentials, timeout=10))
        refreshed = recorder.call(
            "refresh",
            lambda token=refresh_token: requests.post(
                f"{api}refresh/", json={"refresh": token}, timeout=10
            ),
        )
        if refreshed is not None and refreshed.status_code == 200:
            refresh_token = refreshed.json()["refresh"]
        recorder.call("web login", lambda: _web_login(base, credentials))
        stop.wait(0.7)


def _web_login(base, credentials):
    # The production profile marks the CSRF cookie Secure; over plain HTTP the
    # client sends it by hand.
    page = requests.get(f"{base}/login/", timeout=10)
    csrf = page.cookies["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    return requests.post(
        f"{base}/login/",
        data={**credentials, "csrfmiddlewaretoken": token},
        headers={"Cookie": f"csrftoken={csrf}"},
        allow_redirects=False,
        timeout=10,
    )


def test_redis_stopped_for_20_seconds_during_answering(tmp_path):
    """Paused 10 s, then dead 10 s, then back on the same port: no server error,
    every answer recorded exactly once, every login and refresh succeeds, and
    the next KPI refresh covers the answers of the outage."""
    users, prompts = answerable_prompts(reps=4, questions=100)
    redis = RedisServer(tmp_path)
    redis.start()
    log = tmp_path / "gunicorn.log"
    recorder = Recorder()
    stop = threading.Event()
    sent: dict[str, int] = {}
    try:
        with gunicorn_server(
            log, REDIS_URL=redis.url, API_LOGIN_THROTTLE="200/minute"
        ) as base:
            pairs = {
                u.pk: requests.post(
                    f"{base}/api/v1/auth/token/",
                    json={"username": u.username, "password": "pw"},
                    timeout=10,
                ).json()
                for u in users
            }
            recorder.t0 = time.monotonic()
            threads = [
                threading.Thread(
                    target=_answer_all,
                    args=(recorder, base, {k: v["access"] for k, v in pairs.items()},
                          prompts, stop, sent),
                ),
                threading.Thread(
                    target=_log_in_repeatedly,
                    args=(recorder, base, users[0], pairs[users[0].pk]["refresh"], stop),
                ),
            ]  # fmt: skip
            for thread in threads:
                thread.start()
            _sleep_until(recorder, PAUSED_AT)
            # The minutely refresh runs before the outage: its watermark is now.
            recent_answers_refresh(now=timezone.now())
            redis.pause()
            _sleep_until(recorder, KILLED_AT)
            redis.kill()
            _sleep_until(recorder, RESTARTED_AT)
            redis.start()
            _sleep_until(recorder, END_AT)
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
    finally:
        redis.stop()

    server_log = log.read_text()
    recorded = list(Answer.objects.values_list("idempotency_key", flat=True))
    _write_figures(recorder, len(sent), len(recorded))
    assert recorder.server_errors() == [], server_log[-3000:]
    # Every answer: a 201 on its first try, recorded once.
    assert set(sent.values()) == {201}
    assert sorted(recorded) == sorted(sent)
    during = recorder.statuses("answer", PAUSED_AT, RESTARTED_AT)
    assert len(during) > 100 and set(during) == {201}
    assert recorder.statuses("answer", RESTARTED_AT)
    for kind, ok in (("login", 200), ("refresh", 200), ("web login", 302)):
        outage = recorder.statuses(kind, PAUSED_AT, RESTARTED_AT)
        assert len(outage) >= 10 and set(recorder.statuses(kind)) == {ok}, kind
    # Logged once per web process when the outage starts, once when it ends.
    assert 1 <= server_log.count("throttle counts are kept in this process") <= 2
    assert 1 <= server_log.count("reachable again") <= 2

    # The KPI refresh after Redis is back reads from its watermark: the rollups
    # hold every answer, those of the outage included.
    recent_answers_refresh(now=timezone.now())
    assert sum(RepDay.objects.values_list("answered", flat=True)) == len(sent)


def _sleep_until(recorder, at):
    time.sleep(max(0.0, at - (time.monotonic() - recorder.t0)))


def _write_figures(recorder, sent, recorded):
    figures = {
        kind: {
            "calls": len(recorder.statuses(kind)),
            "during_outage": len(recorder.statuses(kind, PAUSED_AT, RESTARTED_AT)),
        }
        for kind in ("answer", "login", "refresh", "web login")
    }
    errors = recorder.server_errors()
    figures.update(
        answers_sent=sent,
        answers_recorded=recorded,
        server_errors={k: sum(c.kind == k for c in errors) for k in figures},
    )
    with open("test-artifacts/redis-outage.json", "w") as out:
        json.dump(figures, out, indent=2)
