"""Fill PostgreSQL with a year of answers for a large organization, and its rollups.

2,000 reps in 40 teams of 50, 40 topics, 400 single-choice questions, and by
default 10 million answers (each with its prompt) over the 365 days before NOW,
written with set-based INSERT ... SELECT over generate_series (PostgreSQL only:
this is a generator, not application code). The rollups are then built from the
Answer log in bulk with GROUP BY, the way rollups_rebuild does it row by row:
per rep x topic x day, per rep x day, per rep x question, per rep x wrong choice, per rep x
topic x recall bin, participation per rep x day. Weekly snapshots of predicted
retention cannot be recovered from the log without replaying FSRS, so the
current week's is computed from the memory states with the FSRS forgetting
curve (and the 90-day review sums from the daily rollup), and the 51 earlier
weeks are synthetic (plausible values, for read
timing only). Run through kpi_bench.sh, which starts PostgreSQL.
"""

import argparse
import datetime as dt
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from reinforcement.memory.scheduling import MemoryModel  # noqa: E402

NOW = dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)
TEAMS = 40
TOPICS = 40
QUESTIONS = 400
MODULES = 10


def _run(cur, label: str, sql: str, params=None) -> None:
    started = time.perf_counter()
    # One statement per execute: PostgreSQL runs the settings' server-side
    # bound (prepared) statements only one at a time.
    for statement in sql.split(";\n"):
        if statement.strip():
            cur.execute(statement, params or [])
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)


def fill(*, reps: int, answers: int) -> dict:
    from enablement.models import Methodology, Module, Organization, Team, Topic

    per_day = max(1, math.ceil(answers / (reps * 365)))
    organization = Organization.objects.create(name="KPI Bench", target_retention=0.85)
    methodology = Methodology.objects.create(
        organization=organization, key="m", name="M"
    )
    topics = Topic.objects.bulk_create(
        Topic(organization=organization, key=f"t{i:02d}", name=f"Topic {i:02d}")
        for i in range(TOPICS)
    )
    modules = Module.objects.bulk_create(
        Module(methodology=methodology, key=f"mod{i}", name=f"Module {i}", position=i)
        for i in range(MODULES)
    )
    teams = Team.objects.bulk_create(
        Team(organization=organization, name=f"Team {i:02d}") for i in range(TEAMS)
    )
    model = MemoryModel()
    with connection.cursor() as cur:
        _run(cur, "questions and choices", """
            INSERT INTO enablement_question (module_id, topic_id, key, kind, stem,
                explanation, reference_url, status, version, version_change,
                published_at, created_at, updated_at)
            SELECT %(m0)s + (g %% %(modules)s), %(t0)s + (g %% %(topics)s), 'q' || g,
                   'single_choice', 'Stem ' || g, 'Why', '', 'published', 1, '', now(),
                   now(), now()
            FROM generate_series(0, %(questions)s - 1) g;
            INSERT INTO enablement_choice (question_id, position, text, is_correct, feedback)
            SELECT q.id, c, 'Choice ' || c, c = 1, ''
            FROM enablement_question q JOIN enablement_module m ON m.id = q.module_id,
                 generate_series(1, 4) c
            WHERE m.methodology_id = %(methodology)s;
        """, {"m0": modules[0].pk, "t0": topics[0].pk, "modules": MODULES,
              "topics": TOPICS, "questions": QUESTIONS,
              "methodology": methodology.pk})  # fmt: skip
        _run(cur, "users, reps, enrollments", """
            INSERT INTO auth_user (password, is_superuser, username, first_name,
                last_name, email, is_staff, is_active, date_joined)
            SELECT '!', false, 'kpirep' || lpad(g::text, 5, '0'), 'Rep', g::text,
                   '', false, true, now()
            FROM generate_series(1, %(reps)s) g;
            INSERT INTO auth_user (password, is_superuser, username, first_name,
                last_name, email, is_staff, is_active, date_joined)
            VALUES ('!', false, 'kpimanager', '', '', '', true, true, now()),
                   ('!', false, 'kpiadmin', '', '', '', true, true, now());
            INSERT INTO enablement_repprofile (user_id, team_id, time_zone,
                delivery_hour, working_days, hired_on, channels_off,
                engagement_opt_out, created_at, updated_at)
            SELECT u.id, %(team0)s + ((u.id - m.lo) %% %(teams)s), 'UTC', 9, '12345',
                   %(hired)s::date - ((u.id %% 700))::int, '', false, now(), now()
            FROM auth_user u, (SELECT min(id) lo FROM auth_user
                               WHERE username LIKE 'kpirep%%') m
            WHERE u.username LIKE 'kpirep%%';
            INSERT INTO enablement_team_managers (team_id, user_id)
            SELECT %(team0)s, id FROM auth_user WHERE username = 'kpimanager';
            INSERT INTO enablement_organization_admins (organization_id, user_id)
            SELECT %(org)s, id FROM auth_user WHERE username = 'kpiadmin';
            INSERT INTO enablement_enrollment (module_id, team_id, starts_on,
                created_at, updated_at)
            SELECT mo.id, t.id, %(start)s::date, now(), now()
            FROM enablement_module mo, enablement_team t
            WHERE mo.methodology_id = %(methodology)s AND t.organization_id = %(org)s;
        """, {"reps": reps, "team0": teams[0].pk, "teams": TEAMS,
              "hired": NOW.date(), "org": organization.pk,
              "start": NOW.date() - dt.timedelta(days=400),
              "methodology": methodology.pk})  # fmt: skip
        # One prompt and one answer per (rep, day, slot); the question rotates so
        # no question repeats for a rep on a day. A rep's skill (rep id mod 10)
        # and the question's difficulty (id mod 7) set the chance of a right answer.
        common = """
            FROM enablement_repprofile p
            JOIN enablement_team t ON t.id = p.team_id AND t.organization_id = %(org)s
            CROSS JOIN generate_series(1, 365) d
            CROSS JOIN generate_series(0, %(per_day)s - 1) s
            CROSS JOIN LATERAL (SELECT
                %(q0)s + ((p.user_id * 7 + d * %(per_day)s + s) %% %(questions)s) AS qid,
                %(now)s::timestamptz - d * interval '1 day'
                    + (s * 20) * interval '1 minute' AS at,
                md5(p.user_id || '-' || d || '-' || s)::uuid AS pid) k
        """
        params = {"org": organization.pk, "per_day": per_day,
                  "q0": _first_question(cur, methodology.pk), "questions": QUESTIONS,
                  "now": NOW}  # fmt: skip
        _run(cur, f"prompts ({reps * 365 * per_day:,})", f"""
            INSERT INTO reinforcement_prompt (id, rep_id, question_id, source,
                local_date, position, status, predicted_recall, delivered_at,
                expires_at, answered_at, created_at, updated_at)
            SELECT k.pid, p.user_id, k.qid, 'daily', k.at::date, s + 1, 'answered',
                   NULL, k.at, k.at + interval '3 days', k.at, k.at, k.at
            {common}
        """, params)  # fmt: skip
        _run(cur, f"answers ({reps * 365 * per_day:,})", f"""
            INSERT INTO reinforcement_answer (id, prompt_id, rep_id, question_id,
                question_version, idempotency_key, chosen_choice_ids, choice_count,
                correct, confidence, response_ms, rating, elapsed_days,
                predicted_recall, stability_before, stability_after, difficulty_after,
                on_time, answered_at, question_change, channel)
            SELECT k.pid, k.pid, p.user_id, k.qid, 1, k.pid::text,
                   jsonb_build_array(c0.id + CASE WHEN r.ok THEN 0 ELSE 1 + (r.x * 3)::int %% 3 END),
                   4, r.ok,
                   CASE WHEN r.x < 0.4 THEN 'certain' WHEN r.x < 0.8 THEN 'fairly_sure'
                        ELSE 'guess' END,
                   4000 + (r.x * 20000)::int,
                   CASE WHEN r.ok THEN 3 ELSE 1 END,
                   CASE WHEN d > 360 THEN NULL ELSE 1 + r.x * 40 END,
                   CASE WHEN d > 360 THEN NULL ELSE 0.5 + r.x * 0.5 END,
                   CASE WHEN d > 360 THEN NULL ELSE 1 + r.x * 60 END,
                   CASE WHEN r.ok THEN 5 + r.x * 80 ELSE 1 + r.x * 3 END,
                   5, true, k.at, '', 'web'
            {common}
            CROSS JOIN LATERAL (SELECT random() + 0 * d AS x) rx
            CROSS JOIN LATERAL (SELECT rx.x,
                rx.x < 0.55 + 0.04 * (p.user_id %% 10) - 0.03 * (k.qid %% 7) AS ok) r
            JOIN LATERAL (SELECT min(id) AS id FROM enablement_choice
                          WHERE question_id = k.qid) c0 ON true
        """, params)  # fmt: skip
        _run(cur, "memory states (latest answer per rep x question)", """
            INSERT INTO reinforcement_memorystate (rep_id, question_id, state,
                stability, difficulty, due, last_review, review_count, lapse_count,
                created_at, updated_at)
            SELECT DISTINCT ON (rep_id, question_id) rep_id, question_id, 'review',
                   stability_after, difficulty_after, NULL, answered_at, 1, 0, now(), now()
            FROM reinforcement_answer
            ORDER BY rep_id, question_id, answered_at DESC
        """)  # fmt: skip
        build_rollups(cur, model=model)
        _run(cur, "analyze", "ANALYZE")
    return {"organization_id": organization.pk, "per_day": per_day}


def _first_question(cur, methodology_id: int) -> int:
    cur.execute(
        """SELECT min(q.id) FROM enablement_question q
           JOIN enablement_module m ON m.id = q.module_id
           WHERE m.methodology_id = %s""",
        [methodology_id],
    )
    return cur.fetchone()[0]


def build_rollups(cur, *, model: MemoryModel) -> None:
    """Every rollup from the Answer log, in bulk (the SQL twin of rollups_rebuild)."""
    chance = """CASE WHEN q.kind = 'multiple_choice' THEN 1.0 / (2 ^ a.choice_count - 1)
                     ELSE 1.0 / a.choice_count END"""
    spaced = "(a.stability_before IS NOT NULL AND a.elapsed_days >= 1)"
    score = f"((a.correct::int - {chance}) / (1 - {chance}))"
    _run(cur, "rollup rep x topic x day", f"""
        INSERT INTO reinforcement_reptopicday (rep_id, topic_id, day, answers, correct,
            on_time, certain_wrong, reviews, reviews_correct, reviews_corrected,
            reviews_predicted)
        SELECT a.rep_id, q.topic_id, (a.answered_at AT TIME ZONE 'UTC')::date,
               count(*), count(*) FILTER (WHERE a.correct),
               count(*) FILTER (WHERE a.on_time),
               count(*) FILTER (WHERE NOT a.correct AND a.confidence = 'certain'),
               count(*) FILTER (WHERE {spaced}),
               count(*) FILTER (WHERE {spaced} AND a.correct),
               coalesce(sum({score}) FILTER (WHERE {spaced}), 0),
               coalesce(sum(a.predicted_recall) FILTER (WHERE {spaced}), 0)
        FROM reinforcement_answer a JOIN enablement_question q ON q.id = a.question_id
        GROUP BY 1, 2, 3
    """)  # fmt: skip
    _run(cur, "rollup rep x day (all topics)", """
        INSERT INTO reinforcement_repanswerday (rep_id, day, answers, correct,
            certain_wrong, reviews, reviews_correct, reviews_corrected,
            reviews_predicted)
        SELECT rep_id, day, sum(answers), sum(correct), sum(certain_wrong),
               sum(reviews), sum(reviews_correct), sum(reviews_corrected),
               sum(reviews_predicted)
        FROM reinforcement_reptopicday GROUP BY 1, 2
    """)  # fmt: skip
    _run(cur, "rollup rep x question", """
        INSERT INTO reinforcement_repquestionstat (rep_id, question_id, topic_id,
            answers, correct, certain_wrong, first_correct, last_answered_at)
        SELECT a.rep_id, a.question_id, q.topic_id, count(*),
               count(*) FILTER (WHERE a.correct),
               count(*) FILTER (WHERE NOT a.correct AND a.confidence = 'certain'),
               (array_agg(a.correct ORDER BY a.answered_at))[1], max(a.answered_at)
        FROM reinforcement_answer a JOIN enablement_question q ON q.id = a.question_id
        GROUP BY 1, 2, 3
    """)  # fmt: skip
    _run(cur, "rollup rep x wrong choice", """
        INSERT INTO reinforcement_repchoicestat (rep_id, question_id, choice_id, picks,
            certain_picks)
        SELECT a.rep_id, a.question_id, c.value::bigint, count(*),
               count(*) FILTER (WHERE a.confidence = 'certain')
        FROM reinforcement_answer a
        CROSS JOIN LATERAL jsonb_array_elements_text(a.chosen_choice_ids) c
        JOIN enablement_choice ch ON ch.id = c.value::bigint AND NOT ch.is_correct
        WHERE NOT a.correct
        GROUP BY 1, 2, 3
    """)  # fmt: skip
    _run(cur, "rollup recall bins", f"""
        INSERT INTO reinforcement_reptopicrecallbin (rep_id, topic_id, bin_start,
            reviews, corrected, predicted)
        SELECT a.rep_id, q.topic_id,
               CASE WHEN a.elapsed_days >= 60 THEN 60 WHEN a.elapsed_days >= 30 THEN 30
                    WHEN a.elapsed_days >= 14 THEN 14 WHEN a.elapsed_days >= 7 THEN 7
                    WHEN a.elapsed_days >= 4 THEN 4 WHEN a.elapsed_days >= 2 THEN 2
                    ELSE 1 END,
               count(*), sum({score}), coalesce(sum(a.predicted_recall), 0)
        FROM reinforcement_answer a JOIN enablement_question q ON q.id = a.question_id
        WHERE {spaced}
        GROUP BY 1, 2, 3
    """)  # fmt: skip
    _run(cur, "rollup participation", """
        INSERT INTO reinforcement_repday (rep_id, day, delivered, answered,
            answered_on_time, expired, answered_by_channel)
        SELECT p.rep_id, p.local_date, count(*) FILTER (WHERE p.status <> 'planned'),
               count(*) FILTER (WHERE p.status = 'answered'),
               count(a.id) FILTER (WHERE a.on_time),
               count(*) FILTER (WHERE p.status = 'expired'),
               jsonb_build_object('web', count(a.id))
        FROM reinforcement_prompt p LEFT JOIN reinforcement_answer a ON a.prompt_id = p.id
        GROUP BY 1, 2
    """)  # fmt: skip
    # This week's snapshot from memory states with the FSRS curve
    # R = (1 + factor * t / S) ^ -decay; earlier weeks synthetic.
    week = NOW.date() - dt.timedelta(days=NOW.weekday())
    _run(cur, "snapshot this week (FSRS curve over memory states, 90-day reviews)", """
        INSERT INTO reinforcement_reptopicsnapshot (rep_id, topic_id, week, enrolled,
            introduced, predicted_sum, mastered, reviews, reviews_correct,
            reviews_corrected, reviews_predicted, certain_wrong, computed_at)
        SELECT s.rep_id, s.topic_id, %(week)s, s.enrolled, s.introduced,
               s.predicted_sum, s.mastered, coalesce(w.n, 0), coalesce(w.c, 0),
               coalesce(w.k, 0), coalesce(w.p, 0), coalesce(w.cw, 0), %(now)s
        FROM (
            SELECT m.rep_id, q.topic_id, count(*) AS enrolled,
                   count(m.stability) AS introduced,
                   coalesce(sum(power(1 + %(factor)s * greatest(extract(epoch FROM
                       %(now)s::timestamptz - m.last_review) / 86400, 0) / m.stability,
                       -%(decay)s)), 0) AS predicted_sum,
                   count(*) FILTER (WHERE m.stability >= 21) AS mastered
            FROM reinforcement_memorystate m
            JOIN enablement_question q ON q.id = m.question_id
            GROUP BY 1, 2) s
        LEFT JOIN (
            SELECT rep_id, topic_id, sum(reviews) AS n, sum(reviews_correct) AS c,
                   sum(reviews_corrected) AS k, sum(reviews_predicted) AS p,
                   sum(certain_wrong) AS cw
            FROM reinforcement_reptopicday WHERE day > %(since)s
            GROUP BY 1, 2) w ON w.rep_id = s.rep_id AND w.topic_id = s.topic_id
    """, {"week": week, "factor": model.factor, "decay": model.decay, "now": NOW,
          "since": NOW.date() - dt.timedelta(days=90)})  # fmt: skip
    _run(cur, "snapshots of 51 earlier weeks (synthetic)", """
        INSERT INTO reinforcement_reptopicsnapshot (rep_id, topic_id, week, enrolled,
            introduced, predicted_sum, mastered, reviews, reviews_correct,
            reviews_corrected, reviews_predicted, certain_wrong, computed_at)
        SELECT s.rep_id, s.topic_id, s.week - w * 7, s.enrolled, s.introduced,
               s.introduced * least(1, 0.6 + 0.3 * random() + w * 0.002),
               (s.mastered * (1 - w / 60.0))::int, s.reviews, s.reviews_correct,
               s.reviews_corrected, s.reviews_predicted, s.certain_wrong,
               s.computed_at - w * interval '7 days'
        FROM reinforcement_reptopicsnapshot s, generate_series(1, 51) w
    """)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--answers", type=int, default=10_000_000)
    args = parser.parse_args()
    started = time.perf_counter()
    info = fill(reps=args.reps, answers=args.answers)
    with connection.cursor() as cur:
        for table in ("reinforcement_answer", "reinforcement_reptopicday",
                      "reinforcement_reptopicsnapshot", "reinforcement_repday",
                      "reinforcement_repanswerday",
                      "reinforcement_repquestionstat"):  # fmt: skip
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            print(f"  {table}: {cur.fetchone()[0]:,} rows")
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"  database size: {cur.fetchone()[0]}")
    print(f"generated in {time.perf_counter() - started:.0f} s: {info}")


if __name__ == "__main__":
    main()
