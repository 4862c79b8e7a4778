"""Outcome KPI reads from the rollups against the same figures from the raw
stage history (docs/benchmarks.md, "Outcome KPI reads").

Fills PostgreSQL with one organization: 2,000 reps in 40 teams of 50, six
stages (four open, won, lost), by default 1,000,000 deals over the 24 months
before NOW and five stage changes each (5,000,000), with set-based INSERT ...
SELECT over generate_series (PostgreSQL only: a generator, not application
code). The rollups are built the same way, in bulk SQL that mirrors
revenue/services/outcome_facts.py and outcome_cells.py (the Python rebuild
would take hours at this size); retention at entry is synthetic (no answer log
is generated here). Then times the production selectors (a manager's team of
50 reps, the whole organization, retention against outcomes) against one SQL
statement each over the raw Opportunity and StageChange tables, and prints
p50/p95 and the ratio. Run through outcome_bench.sh, which starts PostgreSQL.
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.db import connection  # noqa: E402

NOW = dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC)
TEAMS, REPS = 40, 2000
STAGES = [("Discovery", "open"), ("Qualification", "open"), ("Proposal", "open"),
          ("Negotiation", "open"), ("Closed won", "won"), ("Closed lost", "lost")]  # fmt: skip


def _run(cur, label: str, sql: str, params=None) -> None:
    started = time.perf_counter()
    for statement in sql.split(";\n"):
        if statement.strip():
            cur.execute(statement, params or {})
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)


def fill(*, deals: int) -> dict:
    from django.contrib.auth import get_user_model

    from enablement.models import Organization, RepProfile, Team, Topic
    from revenue.models import SalesStage

    User = get_user_model()
    organization = Organization.objects.create(
        name="Outcome Bench", target_retention=0.8
    )
    teams = Team.objects.bulk_create(
        Team(organization=organization, name=f"Team {i:02d}") for i in range(TEAMS)
    )
    users = User.objects.bulk_create(
        User(username=f"rep{i:04d}", password="!") for i in range(REPS)
    )
    RepProfile.objects.bulk_create(
        RepProfile(user=u, team=teams[i % TEAMS], time_zone="UTC")
        for i, u in enumerate(users)
    )
    manager = User.objects.create(username="manager", password="!")
    teams[0].managers.add(manager)
    admin = User.objects.create(username="admin", password="!")
    organization.admins.add(admin)
    stages = [
        SalesStage.objects.create(organization=organization, name=n, order=i, kind=k)
        for i, (n, k) in enumerate(STAGES)
    ]
    topic = Topic.objects.create(organization=organization, key="pain", name="Pain")
    stages[0].topics.add(topic)
    history_fill(
        organization_id=organization.pk,
        rep_ids=[u.pk for u in users],
        stage_ids=[s.pk for s in stages],
        deals=deals,
    )
    return {"organization": organization, "manager": manager, "admin": admin}


def history_fill(
    *, organization_id: int, rep_ids: list[int], stage_ids: list[int], deals: int
) -> None:
    """An organization's deal history (five stage changes a deal) and its rollups.

    Its reps' user ids and its six STAGES' ids must be consecutive (the SQL
    counts from the first); benchmarks/refresher_latency.py reuses it.
    """
    assert rep_ids == list(range(rep_ids[0], rep_ids[0] + len(rep_ids)))
    assert stage_ids == list(range(stage_ids[0], stage_ids[0] + len(STAGES)))
    p = {
        "org": organization_id, "u0": rep_ids[0], "reps": len(rep_ids),
        "deals": deals, "s0": stage_ids[0], "won": stage_ids[4],
        "lost": stage_ids[5], "back": stage_ids[2], "now": NOW,
    }  # fmt: skip
    with connection.cursor() as cur:
        _raw_fill(cur, p)
        _rollups_fill(cur, p)


def _raw_fill(cur, p) -> None:
    # Deal g: owner rep g % reps; created over 730 days; four open stages
    # 1-20 days each, then won (40%), lost (50%) or back to Proposal (10%, open).
    _run(
        cur,
        "opportunities",
        """
        INSERT INTO revenue_opportunity (organization_id, external_id, owner_id,
            owner_email, owner_external_id, name, currency, pipeline,
            created_in_crm_at, outcome, created_at, updated_at)
        SELECT %(org)s, 'o' || g, %(u0)s + (g %% %(reps)s), '', '', 'Deal ' || g, 'USD',
               '', %(now)s - interval '1 day' * (20 + (g::bigint * 7919) %% 710), 'open', now(), now()
        FROM generate_series(1, %(deals)s) g""",
        p,
    )
    _run(
        cur,
        "stage changes",
        """
        INSERT INTO revenue_stagechange (organization_id, opportunity_id, from_stage_id,
            to_stage_id, changed_at, owner_id)
        SELECT o.organization_id, o.id, CASE WHEN k = 0 THEN NULL ELSE %(s0)s + k - 1 END,
               CASE WHEN k < 4 THEN %(s0)s + k
                    WHEN abs(hashint8(o.id)::bigint) %% 10 < 4 THEN %(won)s
                    WHEN abs(hashint8(o.id)::bigint) %% 10 < 9 THEN %(lost)s ELSE %(back)s END,
               o.created_in_crm_at + interval '1 day' * (k * (1 + (o.id * 13 + k) %% 20))
                   + interval '1 minute' * k,
               o.owner_id
        FROM revenue_opportunity o CROSS JOIN generate_series(0, 4) k
        WHERE o.organization_id = %(org)s""",
        p,
    )
    _run(
        cur,
        "deals closed",
        """
        UPDATE revenue_opportunity o SET outcome = CASE WHEN c.to_stage_id = %(won)s
               THEN 'won' ELSE 'lost' END, closed_at = c.changed_at, stage_id = c.to_stage_id
        FROM revenue_stagechange c
        WHERE c.opportunity_id = o.id AND c.to_stage_id IN (%(won)s, %(lost)s);
        ANALYZE revenue_opportunity;
        ANALYZE revenue_stagechange""",
        p,
    )


def _rollups_fill(cur, p) -> None:
    _run(
        cur,
        "stage entries",
        """
        INSERT INTO revenue_stageentry (organization_id, stage_change_id, opportunity_id,
            rep_id, stage_id, entered_at, month, left_at, days_in_stage, converted,
            retention, retention_questions, retention_computed)
        SELECT x.organization_id, x.id, x.opportunity_id, x.owner_id, x.to_stage_id,
               x.changed_at, date_trunc('month', x.changed_at AT TIME ZONE 'UTC')::date,
               x.next_at, floor(extract(epoch FROM x.next_at - x.changed_at) / 86400),
               COALESCE(n.kind = 'won' OR (n.kind = 'open' AND n."order" > s."order"), false),
               CASE WHEN x.to_stage_id = %(s0)s THEN 0.5 + ((x.id * 17) %% 50) / 100.0 END,
               CASE WHEN x.to_stage_id = %(s0)s THEN 5 ELSE 0 END, true
        FROM (SELECT c.*, lead(c.changed_at) OVER w AS next_at,
                     lead(c.to_stage_id) OVER w AS next_stage
              FROM revenue_stagechange c WHERE c.organization_id = %(org)s
              WINDOW w AS (PARTITION BY c.opportunity_id ORDER BY c.changed_at, c.id)) x
        JOIN revenue_salesstage s ON s.id = x.to_stage_id AND s.kind = 'open'
        LEFT JOIN revenue_salesstage n ON n.id = x.next_stage""",
        p,
    )
    _run(
        cur,
        "deal facts",
        """
        INSERT INTO revenue_opportunityfact (organization_id, opportunity_id, rep_id,
            created_month, closed_month, outcome, cycle_days)
        SELECT organization_id, id, owner_id,
               date_trunc('month', created_in_crm_at AT TIME ZONE 'UTC')::date,
               date_trunc('month', closed_at AT TIME ZONE 'UTC')::date, outcome,
               CASE WHEN outcome = 'won' THEN
                   floor(extract(epoch FROM closed_at - created_in_crm_at) / 86400) END
        FROM revenue_opportunity WHERE organization_id = %(org)s""",
        p,
    )
    _run(
        cur,
        "cells",
        """
        INSERT INTO revenue_stagedaycell (organization_id, rep_id, stage_id, month, days,
            entries, converted)
        SELECT organization_id, rep_id, stage_id, month, days_in_stage, count(*),
               count(*) FILTER (WHERE converted)
        FROM revenue_stageentry GROUP BY 1, 2, 3, 4, 5;
        INSERT INTO revenue_stageretentioncell (organization_id, rep_id, stage_id, month,
            retention_pct, resolved, converted)
        SELECT organization_id, rep_id, stage_id, month, round(retention * 100), count(*),
               count(*) FILTER (WHERE converted)
        FROM revenue_stageentry WHERE retention IS NOT NULL AND left_at IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5;
        INSERT INTO revenue_outcomerepmonth (organization_id, rep_id, month, created, won,
            lost, leads, leads_converted)
        SELECT organization_id, rep_id, month, sum(created), sum(won), sum(lost), 0, 0 FROM (
            SELECT organization_id, rep_id, created_month AS month, 1 AS created, 0 AS won,
                   0 AS lost FROM revenue_opportunityfact
            UNION ALL
            SELECT organization_id, rep_id, closed_month, 0, (outcome = 'won')::int,
                   (outcome = 'lost')::int FROM revenue_opportunityfact
            WHERE closed_month IS NOT NULL) f GROUP BY 1, 2, 3;
        INSERT INTO revenue_cycledaycell (organization_id, rep_id, month, days, won)
        SELECT organization_id, rep_id, closed_month, cycle_days, count(*)
        FROM revenue_opportunityfact WHERE outcome = 'won' GROUP BY 1, 2, 3, 4;
        INSERT INTO revenue_teamstagedaycell (organization_id, team_id, stage_id, month,
            days, entries, converted)
        SELECT c.organization_id, r.team_id, c.stage_id, c.month, c.days, sum(c.entries),
               sum(c.converted)
        FROM revenue_stagedaycell c JOIN enablement_repprofile r ON r.user_id = c.rep_id
        GROUP BY 1, 2, 3, 4, 5;
        INSERT INTO revenue_teamcycledaycell (organization_id, team_id, month, days, won)
        SELECT c.organization_id, r.team_id, c.month, c.days, sum(c.won)
        FROM revenue_cycledaycell c JOIN enablement_repprofile r ON r.user_id = c.rep_id
        GROUP BY 1, 2, 3, 4;
        ANALYZE""",
        p,
    )


RAW_SUMMARY = """
WITH reps AS (SELECT user_id FROM enablement_repprofile WHERE team_id = ANY(%(teams)s)),
deals AS (SELECT o.* FROM revenue_opportunity o JOIN reps ON reps.user_id = o.owner_id
          WHERE o.organization_id = %(org)s),
moves AS (SELECT c.to_stage_id, c.changed_at,
                 lead(c.changed_at) OVER w AS next_at, lead(c.to_stage_id) OVER w AS nxt
          FROM revenue_stagechange c JOIN deals d ON d.id = c.opportunity_id
          WINDOW w AS (PARTITION BY c.opportunity_id ORDER BY c.changed_at, c.id))
SELECT
  (SELECT count(*) FILTER (WHERE outcome = 'won') FROM deals WHERE closed_at >= %(since)s),
  (SELECT count(*) FILTER (WHERE outcome = 'lost') FROM deals WHERE closed_at >= %(since)s),
  (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY
      floor(extract(epoch FROM closed_at - created_in_crm_at) / 86400))
   FROM deals WHERE outcome = 'won' AND closed_at >= %(since)s),
  (SELECT json_agg(t) FROM (
     SELECT m.to_stage_id, count(*) AS entries, count(m.next_at) AS resolved,
            count(*) FILTER (WHERE n.kind = 'won' OR (n.kind = 'open' AND n."order" > s."order")),
            percentile_cont(0.5) WITHIN GROUP (ORDER BY
                floor(extract(epoch FROM m.next_at - m.changed_at) / 86400))
     FROM moves m JOIN revenue_salesstage s ON s.id = m.to_stage_id AND s.kind = 'open'
     LEFT JOIN revenue_salesstage n ON n.id = m.nxt
     WHERE m.changed_at >= %(since)s GROUP BY m.to_stage_id) t)
"""


def timed(fn, repeats: int) -> tuple[list[float], object]:
    fn()
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def reads(world: dict, repeats: int, raw_repeats: int) -> None:
    from reinforcement.selectors.scoping import kpi_scope_get
    from revenue.selectors.outcomes import kpi_outcome_summary, window_months
    from revenue.selectors.retention_outcomes import kpi_retention_outcomes

    since = dt.datetime.combine(window_months(now=NOW, months=12)[0], dt.time(), dt.UTC)
    rows = []
    # As the dashboard reads: a manager's team with its reps; the whole
    # organization without (its per-rep rows are the CSV and API, timed apart).
    cases = (
        ("team of 50 reps, with reps", world["manager"], True),
        ("organization, 2,000 reps", world["admin"], False),
        ("organization, per rep (CSV/API)", world["admin"], True),
    )
    for label, user, with_reps in cases:
        scope = kpi_scope_get(user=user)
        teams = list(scope.teams.values_list("pk", flat=True))
        fast, summary = timed(
            lambda s=scope, w=with_reps: kpi_outcome_summary(
                scope=s, now=NOW, with_reps=w
            ),
            repeats,
        )

        def raw(teams=teams):
            with connection.cursor() as cur:
                cur.execute(
                    RAW_SUMMARY,
                    {"teams": teams, "org": world["organization"].pk, "since": since},
                )
                return cur.fetchone()

        slow, raw_row = timed(raw, raw_repeats)
        rows.append((f"outcome summary, {label}", fast, slow))
        print(
            f"  check {label}: won {summary.total.won} / {raw_row[0]}, lost "
            f"{summary.total.lost} / {raw_row[1]}, cycle "
            f"{summary.total.cycle_median_days} / {raw_row[2]}"
        )
    scope = kpi_scope_get(user=world["admin"])
    fast, _ = timed(lambda: kpi_retention_outcomes(scope=scope, now=NOW), repeats)
    rows.append(("retention against outcomes, organization", fast, None))
    print(
        "| read | rollups p50 ms | rollups p95 ms | raw history p50 ms | raw history p95 ms | ratio (p95) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for label, fast, slow in rows:
        f50, f95 = np.percentile(fast, 50), np.percentile(fast, 95)
        if slow is None:
            print(f"| {label} | {f50:.1f} | {f95:.1f} | – | – | – |")
            continue
        s50, s95 = np.percentile(slow, 50), np.percentile(slow, 95)
        print(
            f"| {label} | {f50:.1f} | {f95:.1f} | {s50:.0f} | {s95:.0f} | {s95 / f95:.0f}x |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--raw-repeats", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    world = fill(deals=args.deals)
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM revenue_stagechange")
        print(f"stage changes: {cur.fetchone()[0]}, deals: {args.deals}")
        for table in ("stageentry", "stagedaycell", "teamstagedaycell", "cycledaycell",
                      "teamcycledaycell", "outcomerepmonth", "stageretentioncell"):  # fmt: skip
            cur.execute(f"SELECT count(*) FROM revenue_{table}")  # noqa: S608
            print(f"  {table}: {cur.fetchone()[0]} rows")
    reads(world, args.repeats, args.raw_repeats)


if __name__ == "__main__":
    main()
