"""From a CRM event's acceptance to the rep's refresher in their inbox, under load.

Seeds an organization (reps with CRM user ids, in their working window now;
one team enrolled in a module; a "refresh on entry" Discovery stage mapped to
a topic; a webhook secret), starts gunicorn (--workers) and a real Celery
worker (--concurrency, prefork) on the PostgreSQL and Redis
refresher_latency.sh started, then posts --events signed generic-shape
events, --batch per request (as a CRM's outbound queue sends them), from
--threads client threads at --rate events/s (0: as fast as the server takes
them). Each event is a new deal of a rep entering Discovery, so each one
earns a refresher: the ingest's after-commit signal enqueues
stage_refreshers_task, which makes the refreshers and enqueues their
delivery (one triggers_deliver_task per batch, on the deliveries queue).
--history-deals pre-loads the organization with outcome_kpis.py's deal
history (five stage changes a deal, and its rollups) before the burst.

Latency per event: the inbox Delivery's ``sent_at`` minus the event's
``CrmEvent.received_at`` (both the server's clock). Prints a Markdown table
for docs/benchmarks.md. No beat runs: the sweeper only recovers lost tasks.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import outcome_kpis  # noqa: E402 (its deal-history generator, for --history-deals)
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from enablement.models import (  # noqa: E402
    Membership,
    Organization,
    RepProfile,
    Team,
)
from reinforcement.models import Delivery  # noqa: E402
from revenue.models import (  # noqa: E402
    CrmEvent,
    CrmSettings,
    SalesStage,
    StageChange,
    StageRefresher,
)
from revenue.services.webhook_secrets import (  # noqa: E402
    webhook_headers,
    webhook_secret_rotate,
)
from tests.factories.enablement import (  # noqa: E402
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    TopicFactory,
)

VENV = ROOT / ".venv" / "bin"


def seed(reps: int, per_rep_day: int, history: int) -> tuple[Organization, str, str]:
    User = get_user_model()
    now = timezone.now()
    organization = Organization.objects.create(name=f"latency-{time.time():.0f}")
    team = Team.objects.create(organization=organization, name="Field")
    topic = TopicFactory(organization=organization, name="Pain")
    module = ModuleFactory(methodology__organization=organization)
    QuestionFactory.create_batch(20, module=module, topic=topic)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2020, 1, 1))
    stage = SalesStage.objects.create(
        organization=organization, name="Discovery", order=1, refresh_on_entry=True
    )
    stage.topics.add(topic)
    # With a history: the generator's other five stages, right after Discovery.
    later = outcome_kpis.STAGES[1:] if history else []
    stages = [stage] + [
        SalesStage.objects.create(organization=organization, name=n, order=i, kind=k)
        for i, (n, k) in enumerate(later, start=2)
    ]
    CrmSettings.objects.create(
        organization=organization, refreshers_per_day=per_rep_day
    )
    # No email: the inbox is the one channel (no SMTP server here).
    users = User.objects.bulk_create(
        User(username=f"{organization.pk}-rep{i}") for i in range(reps)
    )
    Membership.objects.bulk_create(
        Membership(user=u, organization=organization, external_id=f"005{i:06d}")
        for i, u in enumerate(users)
    )
    # Inside the working window (9 hours from the delivery hour) for the run.
    RepProfile.objects.bulk_create(
        RepProfile(
            user=u,
            team=team,
            time_zone="UTC",
            delivery_hour=max(now.hour - 1, 0),
            working_days="1234567",
        )  # fmt: skip
        for u in users
    )
    if history:
        started = time.perf_counter()
        outcome_kpis.history_fill(
            organization_id=organization.pk,
            rep_ids=[u.pk for u in users],
            stage_ids=[s.pk for s in stages],
            deals=history,
        )
        changes = StageChange.objects.filter(organization=organization).count()
        print(
            f"history: {history} deals, {changes} stage changes, rollups, "
            f"generated in {time.perf_counter() - started:.0f}s",
            flush=True,
        )
    row, secret = webhook_secret_rotate(organization=organization, now=now)
    return organization, row.key_id, secret


def bodies(events: int, batch: int, reps: int, prefix: str) -> list[bytes]:
    """The requests: each event a new deal entering Discovery just now."""
    out = []
    for start in range(0, events, batch):
        chunk = []
        for n in range(start, min(start + batch, events)):
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            chunk.append(
                {
                    "id": f"{prefix}-{n}",
                    "type": "opportunity",
                    "occurred_at": stamp,
                    "opportunity": {
                        "id": f"{prefix}-deal-{n}",
                        "name": f"Deal {n}",
                        "stage": "Discovery",
                        "stage_changed_at": stamp,
                        "owner": {"id": f"005{n % reps:06d}"},
                    },
                }
            )
        out.append(json.dumps({"events": chunk}).encode())
    return out


def post(port: int, key_id: str, secret: str, body: bytes) -> int:
    headers = {
        "Content-Type": "application/json",
        **webhook_headers(
            key_id=key_id, secret=secret, body=body, timestamp=str(int(time.time()))
        ),
    }
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("POST", "/api/v1/crm/events/?source=generic", body, headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def send(port, key_id, secret, requests: list[bytes], *, threads, rate, batch):
    """Post every request; returns (seconds taken, failed requests)."""
    lock = threading.Lock()
    queue = list(reversed(requests))
    failures = 0
    started = time.perf_counter()

    def worker():
        nonlocal failures
        while True:
            with lock:
                if not queue:
                    return
                index = len(requests) - len(queue)
                body = queue.pop()
            if rate:  # the CRM's pace: request i leaves at i * batch / rate
                delay = started + index * batch / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            if post(port, key_id, secret, body) != 202:
                with lock:
                    failures += 1

    with ThreadPoolExecutor(threads) as pool:
        for _ in range(threads):
            pool.submit(worker)
    return time.perf_counter() - started, failures


def latencies(organization, prefix: str) -> tuple[list[float], dict[str, int]]:
    """Seconds from each event's acceptance to its inbox delivery's send."""
    accepted = dict(
        CrmEvent.objects.filter(organization=organization).values_list(
            "event_id", "received_at"
        )
    )
    sent = Delivery.objects.filter(
        trigger__isnull=False,
        channel=Delivery.Channel.INBOX,
        status="sent",
        trigger__rep__membership__organization=organization,
    ).values_list("trigger_id", "sent_at")
    deal_of_trigger = dict(
        StageRefresher.objects.filter(organization=organization).values_list(
            "trigger_id", "opportunity__external_id"
        )
    )
    out = []
    for trigger_id, sent_at in sent:
        deal = deal_of_trigger[trigger_id]  # "<prefix>-deal-<n>" of "<prefix>-<n>"
        event_id = deal.replace("-deal-", "-")
        out.append((sent_at - accepted[event_id]).total_seconds())
    statuses: dict[str, int] = {}
    for status in StageRefresher.objects.filter(organization=organization).values_list(
        "status", flat=True
    ):
        statuses[status] = statuses.get(status, 0) + 1
    return sorted(out), statuses


def made_latencies(organization) -> list[float]:
    """Seconds from each event's acceptance to the start of the task that made
    its refresher (``StageRefresher.made_at`` is that task's clock)."""
    accepted = dict(
        CrmEvent.objects.filter(organization=organization).values_list(
            "event_id", "received_at"
        )
    )
    made = StageRefresher.objects.filter(
        organization=organization, status="made"
    ).values_list("opportunity__external_id", "made_at")
    return sorted(
        (made_at - accepted[deal.replace("-deal-", "-")]).total_seconds()
        for deal, made_at in made
    )


def _wait_http(port: int) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _settled(organization, expected: int) -> bool:
    """Every event's refresher recorded, none waiting, each made one sent."""
    rows = StageRefresher.objects.filter(organization=organization)
    if rows.count() < expected or rows.filter(status="pending").exists():
        return False
    sent = Delivery.objects.filter(
        trigger__isnull=False,
        channel=Delivery.Channel.INBOX,
        status="sent",
        trigger__rep__membership__organization=organization,
    ).count()
    return sent >= rows.filter(status="made").count()


def _measure(args, organization, port, key_id, secret):
    """Post the events, wait until their refreshers are sent (or --timeout)."""
    _wait_http(port)
    time.sleep(5)  # the worker's processes start and connect
    requests = bodies(args.events, args.batch, args.reps, "ev")
    first_post = time.perf_counter()
    posted, failures = send(
        port, key_id, secret, requests,
        threads=args.threads, rate=args.rate, batch=args.batch,
    )  # fmt: skip
    deadline = time.monotonic() + args.timeout
    while not _settled(organization, args.events - failures * args.batch):
        if time.monotonic() > deadline:
            break
        time.sleep(2)
    return requests, posted, failures, time.perf_counter() - first_post


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rate", type=float, default=0, help="events/s; 0: flat out")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reps", type=int, help="default: events / 4, at least 500")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=900, help="seconds to wait")
    parser.add_argument(
        "--history-deals", type=int, default=0,
        help="pre-load the organization with this many deals (5 stage changes each)",
    )  # fmt: skip
    args = parser.parse_args()
    # 20 questions of the topic, 3 a refresher: 4 refreshers a rep stay
    # below "every question already open or asked today".
    args.reps = args.reps or max(500, -(-args.events // 4))
    per_rep = -(-args.events // args.reps)  # every event earns one: no cap

    call_command("migrate", verbosity=0)
    organization, key_id, secret = seed(args.reps, per_rep, args.history_deals)
    port = int(
        subprocess.check_output(
            [sys.executable, ROOT / "scripts" / "free_port.py"], text=True
        ).strip()
    )
    logs = Path(tempfile.mkdtemp(prefix="refresher-latency-"))
    with (
        open(logs / "gunicorn.log", "wb") as server_log,
        open(logs / "worker.log", "wb") as worker_log,
    ):
        server = subprocess.Popen(
            [VENV / "gunicorn", "config.wsgi", "-w", str(args.workers),
             "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
            cwd=ROOT, stdout=server_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        worker = subprocess.Popen(
            [VENV / "celery", "-A", "config", "worker", "--loglevel=WARNING",
             f"--concurrency={args.concurrency}", "--without-mingle",
             "--without-gossip", "-n", f"latency-{os.getpid()}@%h"],
            cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            requests, posted, failures, drained = _measure(
                args, organization, port, key_id, secret
            )
        finally:
            worker.terminate()
            server.terminate()
            worker.wait(timeout=60)
            server.wait(timeout=30)
    values, statuses = latencies(organization, "ev")
    within = sum(1 for v in values if v <= 300)
    print(
        f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, load "
        f"{os.getloadavg()[0]:.1f}; {platform.python_implementation()} "
        f"{platform.python_version()}; gunicorn {args.workers} sync workers, celery "
        f"worker --concurrency {args.concurrency} (prefork); "
        f"{timezone.now():%Y-%m-%d %H:%M} UTC; logs in {logs}\n"
    )
    print(
        f"{args.events} events in {len(requests)} requests of {args.batch}, "
        f"posted in {posted:.1f}s ({args.events / posted:.0f} events/s, "
        f"{failures} failed requests); refreshers {statuses}; "
        f"all sent {drained:.0f}s after the first post\n"
    )
    print("| Events | Refreshers sent | p50 s | p95 s | max s | within 5 min |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    if values:
        p95 = values[max(int(len(values) * 0.95) - 1, 0)]
        print(
            f"| {args.events} | {len(values)} | {statistics.median(values):.1f} "
            f"| {p95:.1f} | {values[-1]:.1f} | {within / args.events:.1%} |"
        )
    else:
        print(f"| {args.events} | 0 | - | - | - | 0% |")

    made = made_latencies(organization)
    if made:
        print(
            f"\nmade (the making task's start after acceptance): p50 "
            f"{statistics.median(made):.1f}s, max {made[-1]:.1f}s"
        )


if __name__ == "__main__":
    main()
