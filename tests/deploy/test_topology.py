"""compose.yaml's topology, run as processes, plans, delivers and records a day.

scripts/topology.py starts PostgreSQL, Redis (AOF), migrate, web (gunicorn,
three workers), two Celery worker hosts and beat with the compose file's own
commands and environment (production settings); this test seeds the demo
organization, wakes the dispatcher as beat does, waits for every delivery,
answers every prompt over HTTP and checks the database against what was sent
and against the Prometheus metrics of the web and of each worker host.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.deploy
# Behind the TLS proxy: production settings redirect plain HTTP otherwise.
PROXY = {"X-Forwarded-Proto": "https"}
ANSWERING_REPS = 8


def wait_for(condition, timeout=60, step=0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    return None


@pytest.fixture(scope="module")
def topology():
    # Not pytest's tmp_path: PostgreSQL runs as its own user, which must reach it.
    directory = Path(tempfile.mkdtemp(prefix="topology-"))
    directory.chmod(0o755)
    proc = subprocess.Popen(
        [sys.executable, "scripts/topology.py", "--dir", str(directory),
         "--env", "API_LOGIN_THROTTLE=1000/minute"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    state = directory / "topology.json"
    ready = wait_for(lambda: state.exists() or proc.poll() is not None, timeout=150)
    if not state.exists():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        logs = "".join(
            f"== {p.name}\n{p.read_text()[-2000:]}"
            for p in (directory / "logs").glob("*.log")
        )
        pytest.fail(f"topology did not start ({ready}): {proc.stdout.read()}\n{logs}")
    info = json.loads(state.read_text())
    info["dir"] = directory
    yield info
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    shutil.rmtree(directory, ignore_errors=True)


def manage(topology, *args: str) -> str:
    """A one-off command in the app's environment (`docker compose run web ...`)."""
    done = subprocess.run(
        args, cwd=ROOT, env=topology["app_env"], capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def sql(topology, query: str):
    with psycopg.connect(topology["database_url"], autocommit=True) as conn:
        cursor = conn.execute(query)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def http(topology, method, path, body=None, token=None):
    headers = PROXY | {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        topology["web_url"] + path,
        data=None if body is None else json.dumps(body).encode(),
        headers=headers,
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def metric_total(text: str, name: str, **labels) -> float:
    """Sum of the samples of one metric whose labels include the given ones."""
    total = 0.0
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match and all(
            f'{k}="{v}"' in (match.group(1) or "") for k, v in labels.items()
        ):
            total += float(match.group(2))
    return total


def worker_metrics(topology) -> dict[str, str]:
    return {
        name: urllib.request.urlopen(f"http://127.0.0.1:{host['metrics_port']}/")
        .read()
        .decode()
        for name, host in topology["hosts"].items()
        if host.get("metrics_port")
    }


def test_a_day_is_planned_delivered_and_answered_through_the_topology(topology):
    """Every rep is planned once and every delivery sent by the two worker hosts;
    every answer over HTTP is recorded once, and the metrics count the same."""
    # given: the demo organization, every rep due now (UTC, every day, hour 0)
    manage(topology, "python", "manage.py", "seed_demo")
    sql(
        topology,
        "update enablement_repprofile set time_zone = 'UTC', delivery_hour = 0,"
        " working_days = '1234567', paused_until = null",
    )
    reps = sql(
        topology,
        "select u.username from auth_user u join enablement_repprofile p"
        " on p.user_id = u.id order by u.username",
    )
    assert len(reps) >= ANSWERING_REPS
    status, body = http(topology, "GET", "/health/ready")
    assert status == 200, body
    port = topology["redis_url"].rsplit(":", 1)[1].split("/")[0]
    aof = subprocess.run(
        ["redis-cli", "-p", port, "config", "get", "appendonly"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert aof.stdout.split() == ["appendonly", "yes"]

    # when: the dispatcher runs, as beat's entry would run it
    manage(
        topology,
        "celery",
        "-A",
        "config",
        "call",
        "reinforcement.tasks.plans_dispatch_task",
    )

    # then: one plan per rep, every delivery sent, nothing pending
    def delivered():
        (plans,) = sql(topology, "select count(*) from reinforcement_dailyplan")[0]
        open_ = sql(
            topology,
            "select count(*) from reinforcement_delivery where status <> 'sent'",
        )[0][0]
        sent = sql(topology, "select count(*) from reinforcement_delivery")[0][0]
        return plans == len(reps) and sent >= plans and open_ == 0 and (plans, sent)

    outcome = wait_for(delivered, timeout=60)
    assert outcome, sql(
        topology,
        "select channel, status, count(*) from reinforcement_delivery group by 1, 2",
    )
    plans, deliveries = outcome
    emails = sql(
        topology, "select count(*) from reinforcement_delivery where channel = 'email'"
    )[0][0]
    mail_logs = "".join(
        (topology["dir"] / "logs" / f"{name}.log").read_text()
        for name in topology["hosts"]
        if name.startswith("worker")
    )
    assert mail_logs.count("Subject: Your ") == emails

    # when: some reps log in and answer every open prompt over HTTP
    answered = 0
    for (username,) in reps[:ANSWERING_REPS]:
        status, body = http(
            topology, "POST", "/api/v1/auth/token/",
            {"username": username, "password": "reinforce-demo"},
        )  # fmt: skip
        assert status == 200, body
        token = json.loads(body)["access"]
        status, body = http(topology, "GET", "/api/v1/prompts/", token=token)
        assert status == 200, body
        for prompt in json.loads(body)["results"]:
            answer = {
                "choice_ids": [prompt["question"]["choices"][0]["id"]],
                "confidence": "fairly_sure",
                "idempotency_key": str(uuid.uuid4()),
            }
            path = f"/api/v1/prompts/{prompt['id']}/answer/"
            status, body = http(topology, "POST", path, answer, token=token)
            assert status == 201, body
            answered += 1
    assert answered >= ANSWERING_REPS

    # then: the database holds exactly those answers ...
    assert sql(topology, "select count(*) from reinforcement_answer")[0][0] == answered
    assert (
        sql(
            topology,
            "select count(*) from reinforcement_prompt where status = 'answered'",
        )[0][0]
        == answered
    )
    # ... and the metrics agree: web (all gunicorn workers), each worker host
    status, body = http(topology, "GET", "/metrics")
    assert status == 200
    web = body.decode()
    assert (
        metric_total(web, "reinforcement_answers_total", outcome="recorded") == answered
    )
    hosts = worker_metrics(topology)
    assert len(hosts) == 2
    sent = sum(
        metric_total(text, "reinforcement_deliveries_total", outcome="sent")
        for text in hosts.values()
    )
    assert sent == deliveries
    planned = sum(
        metric_total(text, "reinforcement_plans_total", outcome="planned")
        for text in hosts.values()
    )
    assert planned == plans
    for name, text in hosts.items():
        ran = metric_total(
            text,
            "reinforcement_task_duration_seconds_count",
            task="reinforcement.tasks.plan_deliver_task",
        )
        assert ran > 0, f"{name} delivered nothing"
