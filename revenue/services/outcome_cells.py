"""The cells the outcome KPIs read, recomputed from the facts for a set of
(rep, month) pairs: deleted and written again, so a repeat changes nothing."""

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.db.models import Count, Q, Sum

from enablement.models import RepProfile
from revenue.models import (
    CycleDayCell,
    Lead,
    Opportunity,
    OpportunityFact,
    OutcomeRepMonth,
    StageDayCell,
    StageEntry,
    StageRetentionCell,
    TeamCycleDayCell,
    TeamStageDayCell,
)

RepMonth = tuple[int, dt.date]
CELL_MODELS = (StageDayCell, StageRetentionCell, OutcomeRepMonth, CycleDayCell)
TEAM_CELL_MODELS = (TeamStageDayCell, TeamCycleDayCell)


def _next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _by_month(pairs: Iterable[RepMonth]) -> dict[dt.date, set[int]]:
    months: dict[dt.date, set[int]] = {}
    for rep_id, month in pairs:
        months.setdefault(month, set()).add(rep_id)
    return months


def cells_recompute(*, organization_id: int, pairs: Iterable[RepMonth]) -> int:
    """Recompute every cell of these (rep, month) pairs; returns cells written."""
    written = 0
    for month, reps in sorted(_by_month(pairs).items()):
        for model in CELL_MODELS:
            model.objects.filter(
                organization_id=organization_id, month=month, rep_id__in=reps
            ).delete()
        written += _stage_cells(organization_id, month, reps)
        written += _rep_month_cells(organization_id, month, reps)
        teams = set(
            RepProfile.objects.filter(user_id__in=reps).values_list(
                "team_id", flat=True
            )
        )
        written += team_cells_recompute(
            organization_id=organization_id, month=month, team_ids=teams
        )
    return written


def team_cells_recompute(*, organization_id: int, month: dt.date, team_ids) -> int:
    """Sum the rep cells of these teams' current reps in the month."""
    for model in TEAM_CELL_MODELS:
        model.objects.filter(
            organization_id=organization_id, month=month, team_id__in=team_ids
        ).delete()
    team = "rep__rep_profile__team_id"
    of_teams = {
        "organization_id": organization_id,
        "month": month,
        "rep__rep_profile__team_id__in": team_ids,
    }
    stage_rows = [
        TeamStageDayCell(
            organization_id=organization_id,
            team_id=team_id,
            stage_id=stage_id,
            month=month,
            days=days,
            entries=n,
            converted=k,
        )  # fmt: skip
        for team_id, stage_id, days, n, k in StageDayCell.objects.filter(**of_teams)
        .values_list(team, "stage_id", "days")
        .annotate(n=Sum("entries"), k=Sum("converted"))
    ]
    cycle_rows = [
        TeamCycleDayCell(
            organization_id=organization_id,
            team_id=team_id,
            month=month,
            days=days,
            won=n,
        )
        for team_id, days, n in CycleDayCell.objects.filter(**of_teams)
        .values_list(team, "days")
        .annotate(n=Sum("won"))
    ]
    TeamStageDayCell.objects.bulk_create(stage_rows, batch_size=2000)
    TeamCycleDayCell.objects.bulk_create(cycle_rows, batch_size=2000)
    return len(stage_rows) + len(cycle_rows)


def _stage_cells(organization_id: int, month: dt.date, reps) -> int:
    entries = StageEntry.objects.filter(
        organization_id=organization_id, month=month, rep_id__in=reps
    )
    day_cells = []
    for row in entries.values("rep_id", "stage_id", "days_in_stage").annotate(
        n=Count("pk"), k=Count("pk", filter=Q(converted=True))
    ):
        day_cells.append(
            StageDayCell(
                organization_id=organization_id,
                month=month,
                rep_id=row["rep_id"],
                stage_id=row["stage_id"],
                days=row["days_in_stage"],
                entries=row["n"],
                converted=row["k"],
            )
        )
    retention: Counter = Counter()
    for rep_id, stage_id, value, converted in entries.filter(
        retention__isnull=False, left_at__isnull=False
    ).values_list("rep_id", "stage_id", "retention", "converted"):
        key = (rep_id, stage_id, round(value * 100))
        retention[(*key, "n")] += 1
        retention[(*key, "k")] += int(converted)
    retention_cells = [
        StageRetentionCell(
            organization_id=organization_id,
            month=month,
            rep_id=rep_id,
            stage_id=stage_id,
            retention_pct=pct,
            resolved=n,
            converted=retention[(rep_id, stage_id, pct, "k")],
        )
        for (rep_id, stage_id, pct, kind), n in retention.items()
        if kind == "n"
    ]
    StageDayCell.objects.bulk_create(day_cells, batch_size=2000)
    StageRetentionCell.objects.bulk_create(retention_cells, batch_size=2000)
    return len(day_cells) + len(retention_cells)


def _rep_month_cells(organization_id: int, month: dt.date, reps) -> int:
    facts = OpportunityFact.objects.filter(
        organization_id=organization_id, rep_id__in=reps
    )
    counts: dict[int, Counter] = {rep: Counter() for rep in reps}
    for rep_id, n in (
        facts.filter(created_month=month).values_list("rep_id").annotate(n=Count("pk"))
    ):
        counts[rep_id]["created"] = n
    closed = facts.filter(closed_month=month)
    for rep_id, outcome, n in closed.values_list("rep_id", "outcome").annotate(
        n=Count("pk")
    ):
        if outcome in (Opportunity.Outcome.WON, Opportunity.Outcome.LOST):
            counts[rep_id][outcome] = n
    leads = Lead.objects.filter(
        organization_id=organization_id,
        owner_id__in=reps,
        created_in_crm_at__gte=dt.datetime.combine(month, dt.time(), tzinfo=dt.UTC),
        created_in_crm_at__lt=dt.datetime.combine(
            _next_month(month), dt.time(), tzinfo=dt.UTC
        ),
    )
    for rep_id, n, converted in leads.values_list("owner_id").annotate(
        n=Count("pk"), k=Count("pk", filter=Q(converted_at__isnull=False))
    ):
        counts[rep_id]["leads"], counts[rep_id]["leads_converted"] = n, converted
    rows = [
        OutcomeRepMonth(organization_id=organization_id, rep_id=rep, month=month, **c)
        for rep, c in counts.items()
        if any(c.values())
    ]
    cycles = [
        CycleDayCell(
            organization_id=organization_id, rep_id=rep, month=month, days=d, won=n
        )
        for rep, d, n in closed.filter(outcome=Opportunity.Outcome.WON)
        .values_list("rep_id", "cycle_days")
        .annotate(n=Count("pk"))
    ]
    OutcomeRepMonth.objects.bulk_create(rows, batch_size=2000)
    CycleDayCell.objects.bulk_create(cycles, batch_size=2000)
    return len(rows) + len(cycles)
