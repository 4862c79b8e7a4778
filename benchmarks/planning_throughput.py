"""Reps planned per second on PostgreSQL, with 1 and 2 worker processes.

Fills a database with one organization of N reps, each enrolled in Q published
questions with reviewed memory states (random stability and last review), then
times the production planner (``plans_create``, in chunks of PLAN_CHUNK_SIZE
reps as the Celery task runs it) with one and with two processes, beside the
raw insert rate of the same number of Prompt rows (the floor: no reads, no
scoring). Run through planning_throughput.sh, which starts PostgreSQL.
"""

import argparse
import datetime as dt
import multiprocessing as mp
import os
import platform
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from reinforcement.tasks import PLAN_CHUNK_SIZE  # noqa: E402

NOW = dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)  # a Tuesday afternoon in UTC


def fill(reps: int, questions: int, campaign: bool = False) -> None:
    """Generate the organization with set-based SQL (seconds, not minutes).

    With `campaign`: a campaign boosting 3 of the 10 topics for half the teams
    runs on the planned day (docs/revenue.md, "Campaigns (planner)").
    """
    from enablement.models import (
        Campaign,
        Enrollment,
        Methodology,
        Module,
        Organization,
        Team,
        Topic,
    )

    organization = Organization.objects.create(name="Bench", new_questions_per_day=1)
    methodology = Methodology.objects.create(
        organization=organization, key="m", name="M"
    )
    topics = [
        Topic.objects.create(organization=organization, key=f"t{i}", name=f"T{i}")
        for i in range(10)
    ]
    module = Module.objects.create(methodology=methodology, key="mod", name="Mod")
    teams = [
        Team.objects.create(organization=organization, name=f"Team {i}")
        for i in range(100)
    ]
    for team in teams:
        Enrollment.objects.create(
            module=module, team=team, starts_on=dt.date(2026, 1, 1)
        )
    if campaign:
        push = Campaign.objects.create(
            organization=organization,
            name="Bench push",
            starts_on=NOW.date() - dt.timedelta(days=3),
            ends_on=NOW.date() + dt.timedelta(days=3),
            boost=2.0,
        )
        push.topics.set(topics[:3])
        push.teams.set(teams[::2])
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO enablement_question
              (module_id, topic_id, key, kind, stem, explanation, reference_url, status,
               version, version_change, published_at, created_at, updated_at)
            SELECT %s, %s + (g %% 10), 'q' || g, 'single_choice', 'Stem ' || g, 'Why',
                   '', 'published', 1, '', now(), now(), now()
            FROM generate_series(1, %s) g
            """,
            [module.id, topics[0].id, questions],
        )
        cur.execute(
            """
            INSERT INTO enablement_choice (question_id, position, text, is_correct, feedback)
            SELECT q.id, c, 'Choice ' || c, c = 1, '' FROM enablement_question q,
                   generate_series(1, 4) c
            """
        )
        cur.execute(
            """
            INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,
                                   email, is_staff, is_active, date_joined)
            SELECT '!', false, 'rep' || g, '', '', 'rep' || g || '@bench.example', false,
                   true, now()
            FROM generate_series(1, %s) g
            """,
            [reps],
        )
        cur.execute(
            """
            INSERT INTO enablement_repprofile (user_id, team_id, time_zone, delivery_hour,
                working_days, created_at, updated_at)
            SELECT u.id, %s + (u.id %% 100), 'UTC', 9, '12345', now(), now()
            FROM auth_user u WHERE u.username LIKE 'rep%%'
            """,
            [teams[0].id],
        )
        # Reviewed states: stability 1-60 days, last review 1-40 days ago; 5% new.
        cur.execute(
            """
            INSERT INTO reinforcement_memorystate (rep_id, question_id, state, stability,
                difficulty, due, last_review, review_count, lapse_count, created_at, updated_at)
            SELECT p.user_id, q.id,
                   CASE WHEN r < 0.05 THEN 'new' ELSE 'review' END,
                   CASE WHEN r < 0.05 THEN NULL ELSE 1 + 59 * random() END,
                   CASE WHEN r < 0.05 THEN NULL ELSE 1 + 9 * random() END,
                   NULL,
                   CASE WHEN r < 0.05 THEN NULL
                        ELSE %s::timestamptz - (1 + 39 * random()) * interval '1 day' END,
                   CASE WHEN r < 0.05 THEN 0 ELSE 1 END, 0, now(), now()
            FROM enablement_repprofile p CROSS JOIN enablement_question q
                 CROSS JOIN LATERAL (SELECT random() AS r) x
            """,
            [NOW],
        )
        # VACUUM as well: the first scan after a bulk load otherwise sets every
        # tuple's hint bits (rewriting the pages), and only the first timed
        # run would pay for it.
        cur.execute("VACUUM ANALYZE")


def rep_ids() -> list[int]:
    from enablement.models import RepProfile

    return list(
        RepProfile.objects.order_by("user_id").values_list("user_id", flat=True)
    )


def _plan_chunk(chunk: list[int]) -> int:
    from reinforcement.services.planning import plans_create

    outcomes = plans_create(rep_ids=chunk, now=NOW)
    return sum(len(o.question_keys) for o in outcomes)


def _init_worker() -> None:
    # Each process opens its own connection; never share the parent's socket.
    connections.close_all()


def plan_all(ids: list[int], processes: int) -> tuple[float, int]:
    from reinforcement.models import DailyPlan

    DailyPlan.objects.all().delete()
    chunks = [ids[i : i + PLAN_CHUNK_SIZE] for i in range(0, len(ids), PLAN_CHUNK_SIZE)]
    connections.close_all()
    start = time.perf_counter()
    with mp.get_context("fork").Pool(processes, initializer=_init_worker) as pool:
        prompts = sum(pool.imap_unordered(_plan_chunk, chunks))
    return time.perf_counter() - start, prompts


def _replan_chunk(chunk: list[int]) -> int:
    from reinforcement.services.replan import plans_replan

    return len(plans_replan(rep_ids=chunk, now=NOW).outcomes)


def replan_all(ids: list[int], processes: int) -> float:
    """Re-plan every rep whose plan exists (an organization-wide settings change)."""
    chunks = [ids[i : i + PLAN_CHUNK_SIZE] for i in range(0, len(ids), PLAN_CHUNK_SIZE)]
    connections.close_all()
    start = time.perf_counter()
    with mp.get_context("fork").Pool(processes, initializer=_init_worker) as pool:
        assert sum(pool.imap_unordered(_replan_chunk, chunks)) == len(ids)
    return time.perf_counter() - start


def raw_insert(n_prompts: int, ids: list[int]) -> float:
    """Insert n Prompt rows with bulk_create, no reads and no scoring: the floor."""
    from enablement.models import Question
    from reinforcement.models import DailyPlan, Prompt

    DailyPlan.objects.all().delete()
    Prompt.objects.all().delete()
    question_ids = list(Question.objects.values_list("id", flat=True))
    expires = NOW + dt.timedelta(days=3)
    day = NOW.date()
    rows_per_rep = max(n_prompts // len(ids), 1)
    start = time.perf_counter()
    batch = []
    made = 0
    for rep_id in ids:
        for k in range(rows_per_rep):
            batch.append(
                Prompt(
                    id=uuid.uuid4(),
                    rep_id=rep_id,
                    question_id=question_ids[k],
                    local_date=day,
                    position=k + 1,
                    expires_at=expires,
                )  # fmt: skip
            )
        if len(batch) >= 5000:
            Prompt.objects.bulk_create(batch)
            made += len(batch)
            batch = []
    Prompt.objects.bulk_create(batch)
    made += len(batch)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=20_000)
    parser.add_argument("--questions", type=int, default=150)
    parser.add_argument(
        "--campaign", action="store_true", help="a campaign on 3 topics, half the teams"
    )
    args = parser.parse_args()
    assert connection.vendor == "postgresql", (
        "run on PostgreSQL (planning_throughput.sh)"
    )
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    fill(args.reps, args.questions, campaign=args.campaign)
    print(
        f"filled {args.reps} reps x {args.questions} questions in {time.perf_counter() - t0:.1f} s"
    )
    ids = rep_ids()
    results = {}
    for processes in (1, 2):
        seconds, prompts = plan_all(ids, processes)
        results[processes] = (seconds, prompts)
        print(
            f"plan, {processes} process(es): {seconds:.1f} s, {len(ids) / seconds:.0f} reps/s, "
            f"{prompts} prompts"
        )
    replan = replan_all(ids, 2)
    print(f"re-plan of every planned rep, 2 process(es): {replan:.1f} s")
    floor = raw_insert(results[2][1], ids)
    prompts = results[2][1]
    print(
        f"raw insert of {prompts} prompt rows: {floor:.1f} s, {prompts / floor:.0f} rows/s"
    )
    print()
    print(
        f"Machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    )
    print("| workers | seconds | reps/s | prompts | vs raw insert |")
    print("| --- | --- | --- | --- | --- |")
    for processes, (seconds, n) in results.items():
        print(
            f"| {processes} | {seconds:.1f} | {len(ids) / seconds:.0f} | {n} | {seconds / floor:.1f}x |"
        )
    print(f"| raw insert (floor) | {floor:.1f} | - | {prompts} | 1.0x |")


if __name__ == "__main__":
    main()
