"""Soak: steady answers plus planning waves against compose.yaml's topology.

Starts scripts/topology.py (PostgreSQL, Redis with AOF, gunicorn, two Celery
worker hosts, beat, production settings), seeds reps with open prompts and a
separate team of reps to plan, then for --minutes:

- locust posts answers at --rate per second (Poisson arrivals, as in
  benchmarks/answer_load.py), each request's latency logged;
- every minute a wave of --wave reps becomes due and the dispatcher is woken,
  as beat does, so planning and delivery fan-out run beside the answers;
- every 5 s the resident set size of every process of the topology is read.

Prints per-minute request counts, errors and p99, the RSS of each process
group at the start and end, and the final counts (answers recorded against
requests that succeeded, plans, deliveries left pending), for docs/benchmarks.md.
"""

import argparse
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT))


def topology_start(directory: Path) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen(
        [sys.executable, "scripts/topology.py", "--dir", str(directory),
         "--env", "API_LOGIN_THROTTLE=100000/minute"],
        cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    state = directory / "topology.json"
    for _ in range(600):
        if state.exists() or proc.poll() is not None:
            break
        time.sleep(0.5)
    if not state.exists():
        raise SystemExit("topology did not start; see its logs")
    return proc, json.loads(state.read_text())


def django_in(app_env: dict) -> None:
    """This process becomes a one-off app container (`docker compose run`)."""
    os.environ.update({k: v for k, v in app_env.items() if k != "PATH"})
    # The driver's own writes are not the web's to count.
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    import django

    django.setup()


def seed(*, reps: int, questions: int, days: int, planning_reps: int) -> list:
    from rest_framework_simplejwt.tokens import AccessToken

    from benchmarks.answer_load import seed as answer_seed
    from enablement.models import Enrollment, Module, RepProfile, Team

    # Tokens outlive the soak (the default lifetime is 15 minutes).
    AccessToken.lifetime = dt.timedelta(hours=6)
    tokens, answers = answer_seed(reps, questions, days=days, history=1000)
    # Answering reps are never due: only the planning team is planned.
    RepProfile.objects.update(delivery_hour=23, time_zone="UTC")
    team = Team.objects.get(name="Bench team")
    planners = Team.objects.create(organization=team.organization, name="Planned")
    Enrollment.objects.create(
        module=Module.objects.get(key="mod"),
        team=planners,
        starts_on=dt.date(2020, 1, 1),
    )
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"plan{i:05d}", email=f"plan{i:05d}@example.com")
        for i in range(planning_reps)
    )
    RepProfile.objects.bulk_create(
        RepProfile(
            user=u, team=planners, delivery_hour=23, time_zone="UTC",
            working_days="1234567",
        )
        for u in users
    )  # fmt: skip
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return tokens, answers


def planning_wave(wave: int, size: int) -> None:
    from enablement.models import RepProfile
    from reinforcement.tasks import plans_dispatch_task

    ids = list(
        RepProfile.objects.filter(team__name="Planned")
        .order_by("user_id")
        .values_list("user_id", flat=True)[wave * size : (wave + 1) * size]
    )
    RepProfile.objects.filter(user_id__in=ids).update(delivery_hour=0)
    plans_dispatch_task.delay()


def rss_sampler(topology: dict, out: list, stop: threading.Event) -> None:
    """Every 5 s: RSS (kB) of each process, grouped under the topology's roots."""
    roots = {
        info["pid"]: name for name, info in topology["hosts"].items() if "pid" in info
    }
    roots |= {pid: name for name, pid in topology["servers"].items()}
    while not stop.is_set():
        rows = subprocess.run(
            ["ps", "-e", "-o", "pid=,ppid=,rss=,comm="], capture_output=True, text=True
        ).stdout.split("\n")
        parent, rss, comm = {}, {}, {}
        for row in rows:
            parts = row.split(None, 3)
            if len(parts) == 4:
                pid, ppid = int(parts[0]), int(parts[1])
                parent[pid], rss[pid], comm[pid] = ppid, int(parts[2]), parts[3]
        sample = defaultdict(list)
        for pid in rss:
            node, seen = pid, 0
            while node in parent and node not in roots and seen < 20:
                node, seen = parent[node], seen + 1
            group = roots.get(node)
            if group and group != "migrate":
                sample[group].append(rss[pid])
        out.append((time.time(), dict(sample)))
        stop.wait(5)


def locust_run(host, pool_file, log_file, rate, seconds) -> None:
    users = max(rate // 2, 1)
    env = os.environ | {
        "BENCH_TARGET": "answer",
        "BENCH_POOL": str(pool_file),
        "BENCH_RATE": "2",
        "SOAK_REQUEST_LOG": str(log_file),
    }
    subprocess.run(
        [VENV / "locust", "-f", ROOT / "benchmarks" / "soak_locustfile.py",
         "--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
         "--host", host, "--only-summary", "--loglevel", "WARNING"],
        env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def per_minute(log_file: Path) -> list[dict]:
    rows = [line.split(",") for line in log_file.read_text().splitlines() if line]
    if not rows:
        return []
    start = float(rows[0][0])
    minutes = defaultdict(list)
    for t, ms, status, error in rows:
        minutes[int((float(t) - start) // 60)].append(
            (float(ms), int(status), int(error))
        )
    table = []
    for minute in sorted(minutes):
        times = sorted(ms for ms, _, _ in minutes[minute])
        errors = sum(1 for _, s, e in minutes[minute] if e or s >= 400 or s == 0)
        table.append({
            "minute": minute + 1,
            "requests": len(times),
            "errors": errors,
            "p50": times[len(times) // 2],
            "p99": times[min(len(times) - 1, int(len(times) * 0.99))],
        })  # fmt: skip
    return table


def final_counts() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:

        def one(query):
            cursor.execute(query)
            return cursor.fetchone()[0]

        return {
            "answers": one("select count(*) from reinforcement_answer"),
            "plans": one("select count(*) from reinforcement_dailyplan"),
            "deliveries_sent": one(
                "select count(*) from reinforcement_delivery where status = 'sent'"
            ),
            "deliveries_not_sent": one(
                "select count(*) from reinforcement_delivery where status <> 'sent'"
            ),
        }


def log_errors(directory: Path) -> dict[str, int]:
    counts = {}
    for log in sorted((directory / "logs").glob("*.log")):
        text = log.read_text(errors="replace")
        counts[log.stem] = text.count('"level": "ERROR"') + text.count("Traceback")
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=int, default=30, help="answers per second")
    parser.add_argument("--wave", type=int, default=100, help="reps planned per minute")
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    seconds = int(args.minutes * 60)
    waves = int(args.minutes) + 1
    days = max(1, -(-int(args.rate * seconds * 1.2) // (args.reps * args.questions)))

    directory = Path(tempfile.mkdtemp(prefix="soak-"))
    directory.chmod(0o755)
    proc, topology = topology_start(directory)
    samples, stop = [], threading.Event()
    try:
        django_in(topology["app_env"])
        started = time.perf_counter()
        tokens, answers = seed(
            reps=args.reps, questions=args.questions, days=days,
            planning_reps=waves * args.wave,
        )  # fmt: skip
        print(
            f"seeded {len(answers)} open prompts in {time.perf_counter() - started:.0f}s"
        )
        baseline = final_counts()
        pool = directory / "pool.json"
        pool.write_text(json.dumps({"tokens": tokens, "answers": answers}))
        log_file = directory / "requests.csv"
        sampler = threading.Thread(
            target=rss_sampler, args=(topology, samples, stop), daemon=True
        )
        sampler.start()
        load = threading.Thread(
            target=locust_run,
            args=(topology["web_url"], pool, log_file, args.rate, seconds),
        )
        load.start()
        began = time.monotonic()
        for wave in range(waves):
            planning_wave(wave, args.wave)
            wait = began + 60 * (wave + 1) - time.monotonic()
            if wave < waves - 1 and wait > 0 and load.is_alive():
                load.join(timeout=wait)
        load.join()
        time.sleep(20)  # the last wave's deliveries
        stop.set()
        report(args, directory, samples, log_file, baseline)
    finally:
        stop.set()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=90)


def report(args, directory, samples, log_file, baseline) -> None:
    minutes = per_minute(log_file)
    ok = sum(m["requests"] - m["errors"] for m in minutes)
    counts = final_counts()
    print(
        f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.platform()}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )
    print(f"Command: bash benchmarks/soak.sh --minutes {args.minutes:g} --rate {args.rate} "
          f"--wave {args.wave}\n")  # fmt: skip
    print("| minute | answers sent | errors | p50 ms | p99 ms |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for m in minutes:
        print(f"| {m['minute']} | {m['requests']} | {m['errors']} | "
              f"{m['p50']:.0f} | {m['p99']:.0f} |")  # fmt: skip
    first, last = samples[0][1], samples[-1][1]
    peak = defaultdict(int)
    for _, sample in samples:
        for group, values in sample.items():
            peak[group] = max(peak[group], sum(values))
    print("\n| process group | processes | RSS start MB | RSS end MB | RSS peak MB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for group in sorted(last):
        print(f"| {group} | {len(last[group])} | {sum(first.get(group, [0])) / 1024:.0f} | "
              f"{sum(last[group]) / 1024:.0f} | {peak[group] / 1024:.0f} |")  # fmt: skip
    recorded = counts["answers"] - baseline["answers"]
    print(
        f"\nAnswers that succeeded (HTTP 201): {ok}; recorded in the soak: {recorded}"
    )
    print(f"Database at the end: {json.dumps(counts)}")
    print(f"Error lines in the logs: {json.dumps(log_errors(directory))}")
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / f"soak-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M}.json").write_text(
        json.dumps({"minutes": minutes, "samples": samples, "counts": counts}, indent=1)
    )


if __name__ == "__main__":
    main()
