"""Events per second through POST /api/v1/crm/events/ (the signed webhook).

Seeds an organization (stages, reps with CRM user ids, a webhook secret),
starts gunicorn on the PostgreSQL crm_webhook.sh started, and posts signed
generic-shape events from client threads: first batches of --batch events
per request (as a CRM's outbound queue sends them: Salesforce up to 100 per
outbound message, HubSpot up to 100 per webhook request), then one event per
request. Each event moves a deal (new deals enter a stage, later events move
them on), so every event writes a CrmEvent, an opportunity and a history row.
Prints a Markdown table for docs/benchmarks.md.

``--compare DIR`` serves this checkout and the one at DIR (same schema) on
the same database and alternates their runs, ``--rounds`` times: on a
shared machine the load of other jobs changes from minute to minute, and
only runs interleaved like this give a ratio worth reading.
"""

import argparse
import http.client
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from enablement.models import Membership, Organization  # noqa: E402
from revenue.models import SalesStage  # noqa: E402
from revenue.services.webhook_secrets import (  # noqa: E402
    webhook_headers,
    webhook_secret_rotate,
)

STAGES = ["Prospecting", "Discovery", "Demo", "Proposal", "Negotiation", "Closed Won"]


def seed(reps: int) -> tuple[str, str]:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    organization = Organization.objects.create(name=f"bench-{time.time():.0f}")
    for i, name in enumerate(STAGES):
        SalesStage.objects.create(
            organization=organization,
            name=name,
            order=i,
            kind="won" if name == "Closed Won" else "open",
        )
    users = User.objects.bulk_create(
        User(
            username=f"{organization.pk}-rep{i}", email=f"{organization.pk}-rep{i}@x.io"
        )
        for i in range(reps)
    )
    Membership.objects.bulk_create(
        Membership(user=u, organization=organization, external_id=f"005{i:06d}")
        for i, u in enumerate(users)
    )
    row, secret = webhook_secret_rotate(organization=organization, now=timezone.now())
    return row.key_id, secret


def events(prefix: str, reps: int):
    """An endless stream of moves: each deal goes through every stage in turn."""
    base = int(time.time()) - 86400
    for n in itertools.count():
        # Interleave deals so a batch touches many deals, as a CRM's does.
        deal, step = (
            n % 997 + 997 * (n // (997 * len(STAGES))),
            (n // 997) % len(STAGES),
        )
        yield {
            "id": f"{prefix}-{n}",
            "type": "opportunity",
            "occurred_at": base + step * 60 + deal % 50,
            "opportunity": {
                "id": f"{prefix}-deal-{deal}",
                "name": f"Deal {deal}",
                "amount": "1000.00",
                "stage": STAGES[step],
                "owner": {"id": f"005{deal % reps:06d}"},
            },
        }


def post(port: int, key_id: str, secret: str, body: bytes) -> tuple[float, int]:
    headers = {
        "Content-Type": "application/json",
        **webhook_headers(
            key_id=key_id, secret=secret, body=body, timestamp=str(int(time.time()))
        ),
    }
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", "/api/v1/crm/events/?source=generic", body, headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return time.perf_counter() - started, response.status


def run(
    port,
    key_id,
    secret,
    *,
    batch: int,
    seconds: int,
    threads: int,
    prefix: str,
    reps: int,
):
    stream = events(prefix, reps)
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    latencies, failures, sent = [], 0, 0

    def next_body() -> bytes:
        with lock:
            # occurred_at as ISO: the generic shape's instants.
            chunk = [next(stream) for _ in range(batch)]
        for event in chunk:
            event["occurred_at"] = time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime(event["occurred_at"])
            )
        return json.dumps({"events": chunk}).encode()

    def worker():
        nonlocal failures, sent
        while time.perf_counter() < deadline:
            elapsed, status = post(port, key_id, secret, next_body())
            with lock:
                latencies.append(elapsed)
                if status == 202:
                    sent += batch
                else:
                    failures += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(threads):
            pool.submit(worker)
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "failures": failures,
        "events_per_s": sent / wall,
        "requests_per_s": len(latencies) / wall,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def serve(root: Path, workers: int) -> tuple[subprocess.Popen, int]:
    """gunicorn from the checkout at root (its own .venv) on a free port."""
    port = int(
        subprocess.check_output(
            [sys.executable, ROOT / "scripts" / "free_port.py"], text=True
        ).strip()
    )
    server = subprocess.Popen(
        [
            root / ".venv" / "bin" / "gunicorn", "config.wsgi", "-w", str(workers),
            "-b", f"127.0.0.1:{port}", "--log-level", "warning",
        ],
        cwd=root,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    return server, port


def compare(args, key_id: str, secret: str) -> None:
    """This checkout against --compare's, on the same database and seed, in
    alternating runs (so both see the same load from other jobs)."""
    roots = {"this": ROOT, "other": Path(args.compare).resolve()}
    servers = {name: serve(root, args.workers) for name, root in roots.items()}
    rates = {(name, batch): [] for name in roots for batch in (args.batch, 1)}
    try:
        for name, (_, port) in servers.items():
            run(port, key_id, secret, batch=1, seconds=5, threads=args.threads,
                prefix=f"w{name}", reps=args.reps)  # fmt: skip
        for r in range(args.rounds):
            for batch in (args.batch, 1):
                for name in roots if r % 2 == 0 else reversed(roots):
                    stats = run(servers[name][1], key_id, secret, batch=batch,
                        seconds=args.seconds, threads=args.threads,
                        prefix=f"{name}{batch}-{r}", reps=args.reps)  # fmt: skip
                    rates[name, batch].append(stats["events_per_s"])
            print(f"round {r + 1}: load average {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        for server, _ in servers.values():
            server.terminate()
            server.wait(timeout=30)
    print(f"\nthis = {ROOT}, other = {roots['other']}; medians of {args.rounds} runs")
    print("| Run | this events/s | other events/s | this/other (median per round) |")
    print("| --- | ---: | ---: | ---: |")
    for batch in (args.batch, 1):
        this, other = rates["this", batch], rates["other", batch]
        ratio = statistics.median([a / b for a, b in zip(this, other, strict=True)])
        print(
            f"| {batch} event{'s' if batch > 1 else ''} per request | "
            f"{statistics.median(this):.0f} | {statistics.median(other):.0f} | "
            f"{ratio:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument(
        "--compare", help="another checkout (same schema) to run against this one"
    )
    parser.add_argument("--rounds", type=int, default=4, help="with --compare")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    key_id, secret = seed(args.reps)
    if args.compare:
        compare(args, key_id, secret)
        return
    server, port = serve(ROOT, args.workers)
    try:
        # Warm-up, untimed: each worker's first request imports the URLconf
        # and opens its database connection (seconds on a loaded machine).
        run(port, key_id, secret, batch=1, seconds=5, threads=args.threads,
            prefix="w", reps=args.reps)  # fmt: skip
        load_before = os.getloadavg()
        rows = [
            (f"{args.batch} events per request", run(
                port, key_id, secret, batch=args.batch, seconds=args.seconds,
                threads=args.threads, prefix="b", reps=args.reps)),
            ("1 event per request", run(
                port, key_id, secret, batch=1, seconds=args.seconds,
                threads=args.threads, prefix="s", reps=args.reps)),
        ]  # fmt: skip
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}; "
        f"gunicorn {args.workers} sync workers; {args.threads} client threads; "
        f"{args.seconds}s per run; {timezone.now():%Y-%m-%d %H:%M} UTC; load "
        f"average {' '.join(f'{x:.1f}' for x in load_before)} before, "
        f"{' '.join(f'{x:.1f}' for x in load_after)} after\n"
    )
    print("| Run | Requests | Failures | Events/s | Requests/s | p50 ms | p95 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, s in rows:
        print(
            f"| {label} | {s['requests']} | {s['failures']} | {s['events_per_s']:.0f} "
            f"| {s['requests_per_s']:.0f} | {s['p50']:.0f} | {s['p95']:.0f} |"
        )


if __name__ == "__main__":
    main()
