"""Answers per second and latency of POST /api/v1/prompts/{id}/answer/ under load.

Seeds an organization (reps, questions, open prompts, some answer history so
the peer distribution has rows to count), starts gunicorn on the PostgreSQL
that answer_load.sh started, and drives it with locust from a separate process:

1. GET /api/v1/me/ as fast as it goes (the ceiling: auth + one query + JSON);
2. the answer endpoint as fast as it goes;
3. the answer endpoint paced at --rate answers per second (target: p99 < 50 ms).

Prints a Markdown table for docs/benchmarks.md.
"""

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

VENV = ROOT / ".venv" / "bin"


def seed(reps: int, questions: int, days: int, history: int) -> tuple[list, list]:
    """Reps with open prompts on `days` local days; returns tokens and answers."""
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.tokens import AccessToken

    from enablement.models import (
        Choice,
        Enrollment,
        Methodology,
        Module,
        Organization,
        Question,
        RepProfile,
        Team,
        Topic,
    )
    from reinforcement.models import Prompt
    from reinforcement.services.answers import answer_submit

    now = timezone.now()
    org = Organization.objects.create(name="Bench")
    team = Team.objects.create(organization=org, name="Bench team")
    method = Methodology.objects.create(organization=org, key="m", name="M")
    module = Module.objects.create(methodology=method, key="mod", name="Mod")
    topics = [
        Topic.objects.create(organization=org, key=f"t{i}", name=f"Topic {i}")
        for i in range(5)
    ]
    Enrollment.objects.create(module=module, team=team, starts_on=now.date())
    qs, right = [], {}
    for i in range(questions):
        q = Question.objects.create(
            module=module,
            topic=topics[i % 5],
            key=f"q{i}",
            stem=f"Scenario {i}",
            explanation="Because.",
            status=Question.Status.PUBLISHED,
            published_at=now,
        )
        choices = Choice.objects.bulk_create(
            Choice(question=q, position=p, text=f"Choice {p}", is_correct=p == 1)
            for p in range(1, 5)
        )
        qs.append(q)
        right[q.id] = [c.id for c in choices]
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"bench{i:05d}") for i in range(reps)
    )
    RepProfile.objects.bulk_create(RepProfile(user=u, team=team) for u in users)
    prompts = Prompt.objects.bulk_create(
        Prompt(
            rep=u,
            question=q,
            local_date=now.date() - dt.timedelta(days=d),
            status=Prompt.Status.DELIVERED,
            expires_at=now + dt.timedelta(days=3),
        )
        for d in range(days)
        for u in users
        for q in qs
    )
    # Some history, through the real service, so peers have answers to count.
    for p in random.Random(1).sample(prompts, history):
        answer_submit(
            rep_id=p.rep_id,
            prompt_id=p.id,
            choice_ids=[random.choice(right[p.question_id])],
            confidence="fairly_sure",
            idempotency_key=f"h-{p.id}",
            now=now,
        )
    answered = set(
        Prompt.objects.filter(status="answered").values_list("id", flat=True)
    )
    tokens = {u.id: str(AccessToken.for_user(u)) for u in users}
    rng = random.Random(2)
    answers = [
        (tokens[p.rep_id], str(p.id), rng.choice(right[p.question_id]))
        for p in prompts
        if p.id not in answered
    ]
    rng.shuffle(answers)
    return list(tokens.values()), answers


def locust(host, target, pool, users, seconds, rate, out) -> dict:
    env = os.environ | {
        "BENCH_TARGET": target,
        "BENCH_POOL": str(pool),
        "BENCH_RATE": str(rate),
    }
    subprocess.run(
        [
            VENV / "locust", "-f", ROOT / "benchmarks" / "answer_locustfile.py",
            "--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
            "--host", host, "--csv", out, "--only-summary", "--loglevel", "WARNING",
        ],
        env=env, check=False, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    with open(f"{out}_stats.csv") as f:
        row = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p95": float(row["95%"]),
        "p99": float(row["99%"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=16, help="for the max runs")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--rate", type=int, default=100, help="answers/s, paced run")
    parser.add_argument(
        "--only", default="", help="run numbers to run, e.g. 34 (default: all)"
    )
    parser.add_argument("--reps", type=int, default=800)
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    tokens, answers = seed(args.reps, args.questions, days=2, history=2000)
    print(f"seeded {len(answers)} open prompts in {time.perf_counter() - started:.0f}s")
    # Bulk-loaded tables have no planner statistics yet; autovacuum would
    # analyze them in production, so do it here rather than time bad plans.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    tmp = Path(tempfile.mkdtemp(prefix="answer-load-"))
    paced_users = max(args.rate // 2, 1)
    paced_need = args.rate * args.seconds + args.rate
    pools = {
        "me": {"tokens": tokens, "answers": []},
        "paced": {"tokens": tokens, "answers": answers[:paced_need]},
        "max": {"tokens": tokens, "answers": answers[paced_need:]},
    }
    for name, pool in pools.items():
        (tmp / f"{name}.json").write_text(json.dumps(pool))

    port = subprocess.check_output(
        [sys.executable, ROOT / "scripts" / "free_port.py"], text=True
    ).strip()
    host = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            VENV / "gunicorn", "config.wsgi", "-w", str(args.workers),
            "-b", f"127.0.0.1:{port}", "--log-level", "warning",
        ],
        cwd=ROOT,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{host}/api/v1/schema/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        runs = [
            ("GET /api/v1/me/ (ceiling), max", "me", "me", args.users, 0),
            ("POST answer, max", "answer", "max", args.users, 0),
            # The same pacing against the trivial endpoint: the latency the
            # server and load generator add at this arrival pattern.
            (f"GET /api/v1/me/, paced at {args.rate}/s", "me", "me", paced_users, 2),
            (f"POST answer, paced at {args.rate}/s", "answer", "paced", paced_users, 2),
        ]
        if args.only:
            runs = [run for i, run in enumerate(runs) if str(i + 1) in args.only]
        rows = []
        for label, target, pool, users, rate in runs:
            stats = locust(host, target, tmp / f"{pool}.json", users, args.seconds,
                           rate, tmp / pool)  # fmt: skip
            rows.append((label, users, stats))
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}; "
        f"gunicorn {args.workers} sync workers; {args.seconds}s per run; "
        f"{timezone.now():%Y-%m-%d}\n"
    )
    print("| Run | Users | Requests | Failures | Req/s | p50 ms | p95 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, users, s in rows:
        print(
            f"| {label} | {users} | {s['requests']} | {s['failures']} | "
            f"{s['rps']:.0f} | {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} |"
        )
    if not args.only:
        ceiling, best = rows[0][2]["rps"], rows[1][2]["rps"]
        print(f"\nAnswer throughput / ceiling: {best / ceiling:.2f}")


if __name__ == "__main__":
    main()
