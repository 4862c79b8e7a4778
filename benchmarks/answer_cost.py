"""CPU cost of one answer request beside the trivial endpoint, in one process.

Seeds the same organization as answer_load.py, then sends requests through
Django's test client (the full middleware, JWT auth, view and rendering; no
network or WSGI server) one after another and reports the median wall time and
the SQL statements per request. The ratio of the two medians bounds the
throughput ratio answer_load.py measures under load. With --profile, prints
the top functions of a cProfile run of the answers.

Usage: DATABASE_URL=... .venv/bin/python benchmarks/answer_cost.py [-n 400] [--profile]
(answer_load.sh sets up PostgreSQL and settings the same way).
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from answer_load import seed  # noqa: E402  (sets Django up)
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def timed(send, n: int) -> tuple[float, float]:
    """Median milliseconds of n calls of send(i), then the statements per call
    counted over 20 more (query logging takes other code paths, so it stays
    off while timing)."""
    times = []
    for i in range(n):
        started = time.perf_counter()
        send(i)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        for i in range(n, n + 20):
            send(i)
    return statistics.median(times), len(queries) / 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=400, help="requests per endpoint")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    tokens, answers = seed(reps=200, questions=20, days=2, history=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client(HTTP_HOST="127.0.0.1")

    def me(i: int) -> None:
        response = client.get(
            "/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {tokens[i % len(tokens)]}"
        )
        assert response.status_code == 200, response.content

    def answer(i: int) -> None:
        token, prompt_id, choice_id = answers[i]
        response = client.post(
            f"/api/v1/prompts/{prompt_id}/answer/",
            {
                "choice_ids": [choice_id],
                "confidence": "fairly_sure",
                "idempotency_key": uuid.uuid4().hex,
                "response_ms": 5000,
            },
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 201, response.content

    me(0)  # warm up imports and connections
    me_ms, me_sql = timed(me, args.n)
    answer_ms, answer_sql = timed(lambda i: answer(i + 1), args.n)
    print(f"GET me:      {me_ms:6.2f} ms median, {me_sql:.1f} statements")
    print(f"POST answer: {answer_ms:6.2f} ms median, {answer_sql:.1f} statements")
    print(f"ratio me/answer: {me_ms / answer_ms:.2f}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [answer(args.n + 21 + i) for i in range(200)])
        pstats.Stats(profiler).sort_stats(
            os.environ.get("PROFILE_SORT", "cumulative")
        ).print_stats(45)


if __name__ == "__main__":
    main()
