"""KPI reads from the rollups against the same figures computed from the Answer log.

Run after kpi_generate.py on the same database (kpi_bench.sh does both). For a
50-rep team (the heat map is 50 reps x 40 topics), times the production
selectors that the dashboard and the API call (heat map, coaching list,
trends) and the organization-wide summary, then the same numbers straight
from the Answer and Prompt tables with one SQL statement each (plus numpy for
the forgetting curve of each pair's latest answer). Prints p50 and p95 of
each and the ratio the rollups buy, and checks the two agree.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402

from benchmarks.kpi_generate import NOW  # noqa: E402
from reinforcement.memory.scheduling import MemoryModel  # noqa: E402
from reinforcement.selectors.kpi_retention import (  # noqa: E402
    kpi_coaching_list,
    kpi_retention_heatmap,
    kpi_trend_list,
)
from reinforcement.selectors.kpi_summary import kpi_scope_summary  # noqa: E402
from reinforcement.selectors.scoping import kpi_scope_get  # noqa: E402

SPACED = "(a.stability_before IS NOT NULL AND a.elapsed_days >= 1)"
SCORE = "((a.correct::int - 1.0 / a.choice_count) / (1 - 1.0 / a.choice_count))"


def timed(fn, repeats: int) -> tuple[list[float], object]:
    fn()  # warm the cache and the connection
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def p95(times: list[float]) -> float:
    return float(np.percentile(times, 95))


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _predicted_from_log(rep_ids: list[int] | None) -> list[tuple]:
    """Predicted recall now of each rep x topic: the latest answer of each pair."""
    where = "WHERE a.rep_id = ANY(%s)" if rep_ids is not None else ""
    rows = _fetch(
        f"""SELECT DISTINCT ON (a.rep_id, a.question_id) a.rep_id, q.topic_id,
                   a.stability_after,
                   extract(epoch FROM %s::timestamptz - a.answered_at) / 86400
            FROM reinforcement_answer a JOIN enablement_question q ON q.id = a.question_id
            {where}
            ORDER BY a.rep_id, a.question_id, a.answered_at DESC""",  # noqa: S608
        [NOW, rep_ids] if rep_ids is not None else [NOW],
    )
    if not rows:
        return []
    arr = np.array([(r, t, s, e) for r, t, s, e in rows], dtype=float)
    recall = MemoryModel().recall(arr[:, 2], arr[:, 3])
    return list(zip(arr[:, 0], arr[:, 1], recall, strict=True))


def heatmap_from_log(rep_ids: list[int]):
    observed = _fetch(
        f"""SELECT a.rep_id, q.topic_id, count(*) FILTER (WHERE {SPACED}),
                   sum({SCORE}) FILTER (WHERE {SPACED})
            FROM reinforcement_answer a JOIN enablement_question q ON q.id = a.question_id
            WHERE a.rep_id = ANY(%s) AND a.answered_at > %s::timestamptz - interval '90 days'
            GROUP BY 1, 2""",  # noqa: S608
        [rep_ids, NOW],
    )
    return observed, _predicted_from_log(rep_ids)


def trends_from_log(rep_ids: list[int]):
    weekly = _fetch(
        f"""SELECT date_trunc('week', a.answered_at), count(*) FILTER (WHERE {SPACED}),
                   sum({SCORE}) FILTER (WHERE {SPACED})
            FROM reinforcement_answer a
            WHERE a.rep_id = ANY(%s) AND a.answered_at >= %s::timestamptz - interval '26 weeks'
            GROUP BY 1""",  # noqa: S608
        [rep_ids, NOW],
    )
    participation = _fetch(
        """SELECT date_trunc('week', p.local_date), count(*),
                  count(*) FILTER (WHERE p.status = 'answered')
           FROM reinforcement_prompt p
           WHERE p.rep_id = ANY(%s) AND p.local_date >= %s::date - 182
           GROUP BY 1""",
        [rep_ids, NOW.date()],
    )
    # Mastery at each week's end: each pair's latest answer before it.
    mastery = _fetch(
        """WITH a AS (
             SELECT stability_after, answered_at,
                    lead(answered_at) OVER (PARTITION BY rep_id, question_id
                                            ORDER BY answered_at) AS nxt
             FROM reinforcement_answer WHERE rep_id = ANY(%s)),
           w AS (SELECT generate_series(%s::timestamptz - interval '25 weeks',
                                        %s::timestamptz, interval '1 week') AS we)
           SELECT we, count(*) FILTER (WHERE stability_after >= 21), count(*)
           FROM w JOIN a ON a.answered_at <= we AND (a.nxt IS NULL OR a.nxt > we)
           GROUP BY we""",
        [rep_ids, NOW, NOW],
    )
    return weekly, participation, mastery


def summary_from_log(organization_id: int):
    observed = _fetch(
        f"""SELECT rp.team_id, count(*) FILTER (WHERE {SPACED}),
                   sum({SCORE}) FILTER (WHERE {SPACED})
            FROM reinforcement_answer a
            JOIN enablement_repprofile rp ON rp.user_id = a.rep_id
            JOIN enablement_team t ON t.id = rp.team_id AND t.organization_id = %s
            WHERE a.answered_at > %s::timestamptz - interval '90 days'
            GROUP BY 1""",  # noqa: S608
        [organization_id, NOW],
    )
    participation = _fetch(
        """SELECT rp.team_id, count(*), count(*) FILTER (WHERE p.status = 'answered')
           FROM reinforcement_prompt p
           JOIN enablement_repprofile rp ON rp.user_id = p.rep_id
           WHERE p.local_date > %s::date - 30 GROUP BY 1""",
        [NOW.date()],
    )
    return observed, participation, _predicted_from_log(None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--log-repeats", type=int, default=5)
    args = parser.parse_args()
    User = get_user_model()
    manager = User.objects.get(username="kpimanager")
    admin = User.objects.get(username="kpiadmin")
    team_scope = kpi_scope_get(user=manager)
    org_scope = kpi_scope_get(user=admin)
    rep_ids = list(team_scope.reps().values_list("user_id", flat=True))
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM reinforcement_answer")
        answers = cur.fetchone()[0]
    print(f"answers: {answers:,}; team reps: {len(rep_ids)}")

    def heatmap():
        return kpi_retention_heatmap(scope=team_scope, now=NOW)

    def coaching():
        return kpi_coaching_list(
            heatmap=kpi_retention_heatmap(scope=team_scope, now=NOW),
            target=team_scope.organization.target_retention,
        )

    def trends():
        return kpi_trend_list(scope=team_scope, now=NOW)

    def summary():
        return kpi_scope_summary(scope=org_scope, now=NOW)

    organization_id = org_scope.organization.pk
    cases = [
        ("heat map 50 reps x 40 topics", heatmap, lambda: heatmap_from_log(rep_ids), 200),
        ("coaching list", coaching, lambda: heatmap_from_log(rep_ids), 200),
        ("trends, 26 weeks", trends, lambda: trends_from_log(rep_ids), 200),
        ("organization summary", summary, lambda: summary_from_log(organization_id), 1000),
    ]  # fmt: skip
    print("| read | rollups p50 ms | rollups p95 ms | target | from log p50 ms "
          "| from log p95 ms | ratio (p95) |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- |")
    results = {}
    for name, rollup_fn, log_fn, target in cases:
        reset_queries()
        fast, result = timed(rollup_fn, args.repeats)
        slow, log_result = timed(log_fn, args.log_repeats)
        results[name] = (result, log_result)
        print(
            f"| {name} | {statistics.median(fast):.1f} | {p95(fast):.1f} | "
            f"< {target} {'met' if p95(fast) < target else 'MISSED'} | "
            f"{statistics.median(slow):.0f} | {p95(slow):.0f} | "
            f"{p95(slow) / p95(fast):.0f}x |",
            flush=True,
        )
    # The two paths agree: the team's observed retention over 90 days.
    heat, (observed, _predicted) = results["heat map 50 reps x 40 topics"]
    n = sum(r[2] or 0 for r in observed)
    log_value = sum(r[3] or 0 for r in observed) / n if n else None
    print(
        f"check: team observed retention {heat.total.observed:.4f} from rollups, "
        f"{min(max(log_value or 0, 0), 1):.4f} from the log ({n} reviews vs "
        f"{heat.total.reviews})"
    )


if __name__ == "__main__":
    main()
