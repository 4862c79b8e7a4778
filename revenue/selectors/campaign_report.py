"""A campaign's report (docs/kpis.md, "Campaign report"): before and after its
start, retention of the boosted topics and the linked stages' time in stage
and conversion out of it, for the scope's reps in the campaign's teams
against the scope's reps in other teams, as differences-in-differences."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Sum

from enablement.models import Campaign
from reinforcement.models import RepTopicSnapshot
from reinforcement.selectors.scoping import KpiScope
from revenue.models import SalesStage, StageEntry
from revenue.outcome_stats import DidResult, DidRow, did_estimate


@dataclass
class StageDid:
    stage: str
    time_in_stage: DidResult  # days
    conversion: DidResult  # share converted


@dataclass
class CampaignReport:
    campaign: Campaign
    topics: list[str]
    teams: list[str]
    before: tuple[dt.date, dt.date]
    after: tuple[dt.date, dt.date]
    retention: DidResult
    stages: list[StageDid]
    started: bool


def campaign_list(*, scope: KpiScope):
    return Campaign.objects.filter(organization=scope.organization).order_by(
        "-starts_on"
    )


def _periods(campaign: Campaign, today: dt.date):
    after_end = min(campaign.ends_on, today)
    length = max((after_end - campaign.starts_on).days + 1, 1)
    before = (
        campaign.starts_on - dt.timedelta(days=length),
        campaign.starts_on - dt.timedelta(days=1),
    )
    return before, (campaign.starts_on, after_end)


def _moment(day: dt.date, end: bool = False) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return moment + dt.timedelta(days=1) if end else moment


def campaign_report_get(
    *, scope: KpiScope, campaign: Campaign, today: dt.date
) -> CampaignReport:
    """The report of a campaign of the scope's organization."""
    before, after = _periods(campaign, today)
    team_ids = set(campaign.teams.values_list("pk", flat=True))
    treated = {
        uid: team_id in team_ids
        for uid, team_id in scope.reps().values_list("user_id", "team_id")
    }
    topic_ids = list(campaign.topics.values_list("pk", flat=True))
    linked = (
        SalesStage.objects.filter(
            organization=scope.organization,
            kind=SalesStage.Kind.OPEN,
            topics__in=topic_ids,
        )
        .distinct()
        .order_by("order", "name")
    )
    return CampaignReport(
        campaign=campaign,
        topics=sorted(campaign.topics.values_list("name", flat=True)),
        teams=sorted(campaign.teams.values_list("name", flat=True)),
        before=before,
        after=after,
        retention=_retention_did(treated, topic_ids, before, after),
        stages=[_stage_did(scope, stage, treated, before, after) for stage in linked],
        started=today >= campaign.starts_on,
    )


def _week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _retention_did(treated, topic_ids, before, after) -> DidResult:
    """Predicted retention of the topics per rep, from the snapshot of the
    last week of each period (weighted by the questions introduced)."""
    rows = []
    for is_after, period in ((False, before), (True, after)):
        snapshots = (
            RepTopicSnapshot.objects.filter(
                rep_id__in=list(treated),
                topic_id__in=topic_ids,
                week=_week_of(period[1]),
            )
            .values_list("rep_id")
            .annotate(s=Sum("predicted_sum"), n=Sum("introduced"))
        )
        rows += [
            DidRow(rep_id, treated[rep_id], is_after, s / n, n)
            for rep_id, s, n in snapshots
            if n
        ]
    return did_estimate(rows)


def _stage_did(scope, stage, treated, before, after) -> StageDid:
    time_rows, conversion_rows = [], []
    for is_after, period in ((False, before), (True, after)):
        entries = StageEntry.objects.filter(
            organization=scope.organization,
            stage=stage,
            entered_at__gte=_moment(period[0]),
            entered_at__lt=_moment(period[1], end=True),
            rep_id__in=list(treated),
            days_in_stage__isnull=False,
        ).values_list("rep_id", "days_in_stage", "converted")
        for rep_id, days, converted in entries:
            time_rows.append(DidRow(rep_id, treated[rep_id], is_after, float(days)))
            conversion_rows.append(
                DidRow(rep_id, treated[rep_id], is_after, float(converted))
            )
    return StageDid(stage.name, did_estimate(time_rows), did_estimate(conversion_rows))
