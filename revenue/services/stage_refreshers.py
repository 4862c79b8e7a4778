"""Refreshers at the moment of need: a deal enters a stage, its owner gets a
short refresher of that stage's topics (docs/revenue.md, "Refreshers").

One `StageRefresher` row per opportunity and stage (unique) is the record:
the task after the ingest's commit writes it, the sweeper writes the ones a
lost task left out, and whoever makes a due row first wins (row locks with
skip_locked), so an event, task or sweep seen twice makes nothing new.
"""

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext as _

from enablement.models import RepProfile
from reinforcement.memory.rep_calendar import RepSchedule
from reinforcement.selectors.calendars import rep_schedules
from reinforcement.selectors.planning import reps_active
from reinforcement.services.refresher import RefresherRejected
from reinforcement.services.refresher_triggered import (
    RefresherRequest,
    refreshers_triggered_create,
)
from revenue.models import CrmSettings, SalesStage, StageChange, StageRefresher

logger = logging.getLogger(__name__)

# Due refreshers one run makes; a larger backlog drains over the next runs.
MAKE_BATCH = 200
DEFAULT_REFRESHERS_PER_DAY = CrmSettings._meta.get_field("refreshers_per_day").default
Status = StageRefresher.Status


def _max_age() -> dt.timedelta:
    return dt.timedelta(hours=settings.REVENUE_REFRESHER_MAX_AGE_HOURS)


def _schedules(rep_ids: set[int], now: dt.datetime) -> dict[int, RepSchedule]:
    """The schedules of the active reps among these users."""
    return rep_schedules(profiles=reps_active().filter(user_id__in=rep_ids), now=now)


def _refresher_row(change: StageChange, schedule: RepSchedule | None, now):
    row = StageRefresher(
        organization_id=change.organization_id,
        opportunity_id=change.opportunity_id,
        stage_id=change.to_stage_id,
        rep_id=change.owner_id,
        stage_change=change,
        entered_at=change.changed_at,
        due_at=now,
    )
    due = schedule.window_start_at_or_after(now) if schedule else None
    if schedule is None:
        row.status, row.detail = Status.SKIPPED, "the owner is not an active rep"
    elif due is None:
        row.status, row.detail = Status.SKIPPED, "no working window ahead"
    else:
        row.due_at = due
    return row


def stage_refreshers_record(*, stage_change_ids: list[int], now: dt.datetime) -> int:
    """Write the StageRefresher row of each of these entries that earns one.

    An entry earns one when its stage has "refresh on entry", its owner is
    known, the deal is still in that stage and the entry is recent (at most
    REVENUE_REFRESHER_MAX_AGE_HOURS old: an imported history is not a moment
    of need). The row is due at once inside the rep's working window, else
    at the start of the next one. Returns the rows written.
    """
    already = StageRefresher.objects.filter(
        opportunity_id=OuterRef("opportunity_id"), stage_id=OuterRef("to_stage_id")
    )
    changes = list(
        StageChange.objects.filter(
            pk__in=stage_change_ids,
            to_stage__refresh_on_entry=True,
            owner__isnull=False,
            changed_at__gte=now - _max_age(),
            opportunity__stage_id=F("to_stage_id"),
        )
        .exclude(Exists(already))
        .order_by("changed_at", "pk")
    )
    if not changes:
        return 0
    schedules = _schedules({c.owner_id for c in changes}, now)
    rows = {}
    for change in changes:  # one row per (deal, stage): the first entry counts
        key = (change.opportunity_id, change.to_stage_id)
        rows.setdefault(
            key, _refresher_row(change, schedules.get(change.owner_id), now)
        )
    written = StageRefresher.objects.bulk_create(rows.values(), ignore_conflicts=True)
    return len(written)


def stage_refreshers_make_due(
    *, now: dt.datetime, limit: int = MAKE_BATCH
) -> list[int]:
    """Make the refreshers that are due; returns the prompt triggers to deliver.

    Each due row is claimed under its lock (skip_locked: a racing run takes
    others), and the reps' profile rows are locked (in id order) while their
    day's refreshers are counted, so the daily limit holds under concurrency.
    The run's reads are batched (`refreshers_triggered_create`); a rep with
    several due rows gets one per pass, each pass seeing the ones made before.
    """
    triggers: list[int] = []
    with transaction.atomic():
        rows = list(
            StageRefresher.objects.filter(status=Status.PENDING, due_at__lte=now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("opportunity", "stage")
            .order_by("due_at", "pk")[:limit]
        )
        if not rows:
            return triggers
        budgets = _budgets(rows, now)
        topics = _stage_topics({row.stage_id for row in rows})
        pending = rows
        while pending:
            batch, later, reps = [], [], set()
            for row in pending:
                (later if row.rep_id in reps else batch).append(row)
                reps.add(row.rep_id)
            triggers += _make(batch, budgets, topics, now)
            pending = later
        StageRefresher.objects.bulk_update(
            rows,
            ["status", "detail", "made_at", "trigger", "local_date", "updated_at"],
        )
    return triggers


@dataclass
class _Budget:
    """A rep's refreshers made today, against the organization's limit."""

    made: int
    limit: int


def _budgets(rows: list[StageRefresher], now: dt.datetime) -> dict[int, _Budget]:
    """Each active rep's local day and refreshers made on it, their profile
    rows locked (in id order, so two runs cannot deadlock); reps who left
    are absent."""
    zones = dict(
        RepProfile.objects.select_for_update()
        .filter(user_id__in={row.rep_id for row in rows})
        .order_by("user_id")
        .values_list("user_id", "time_zone")
    )
    days = {
        rep: RepSchedule(rep, zone, 0, "", None).local_date(now)
        for rep, zone in zones.items()
    }
    made = Counter(
        rep
        for rep, day in StageRefresher.objects.filter(
            rep_id__in=list(days), status=Status.MADE, local_date__in=set(days.values())
        ).values_list("rep_id", "local_date")
        if day == days[rep]
    )
    limits = dict(
        CrmSettings.objects.filter(
            organization_id__in={row.organization_id for row in rows}
        ).values_list("organization_id", "refreshers_per_day")
    )
    organization = {row.rep_id: row.organization_id for row in rows}
    return {
        rep: _Budget(
            made[rep], limits.get(organization[rep], DEFAULT_REFRESHERS_PER_DAY)
        )
        for rep in days
    }


def _stage_topics(stage_ids: set[int]) -> dict[int, tuple[int, ...]]:
    through = SalesStage.topics.through
    topics: dict[int, list[int]] = {}
    for stage_id, topic_id in (
        through.objects.filter(salesstage_id__in=stage_ids)
        .order_by("topic_id")
        .values_list("salesstage_id", "topic_id")
    ):
        topics.setdefault(stage_id, []).append(topic_id)
    return {stage: tuple(ids) for stage, ids in topics.items()}


def _make(
    rows: list[StageRefresher],
    budgets: dict[int, _Budget],
    topics: dict[int, tuple[int, ...]],
    now: dt.datetime,
) -> list[int]:
    """Make these due refreshers (one per rep), or say why not on each row."""
    asked: list[StageRefresher] = []
    requests: list[RefresherRequest] = []
    for row in rows:
        row.made_at = row.updated_at = now
        budget = budgets.get(row.rep_id)
        if budget is None:
            row.status, row.detail = Status.SKIPPED, "the owner is not an active rep"
        elif budget.made >= budget.limit:
            row.status, row.detail = Status.CAPPED, f"{budget.made} made today already"
        else:
            asked.append(row)
            requests.append(_request(row, topics.get(row.stage_id, ())))
    results = refreshers_triggered_create(requests=requests, now=now)
    triggers = []
    for row, result in zip(asked, results, strict=True):
        if isinstance(result, RefresherRejected):
            row.status, row.detail = Status.SKIPPED, result.code
            continue
        row.status, row.trigger, row.local_date = Status.MADE, result, result.local_date
        row.detail = ""
        budgets[row.rep_id].made += 1
        triggers.append(result.pk)
    return triggers


def _request(row: StageRefresher, topic_ids: tuple[int, ...]) -> RefresherRequest:
    deal = row.opportunity.name or row.opportunity.external_id
    label = _("Refresher for %(deal)s (entered %(stage)s)") % {
        "deal": deal,
        "stage": row.stage.name,
    }
    return RefresherRequest(
        rep_id=row.rep_id,
        topic_ids=topic_ids,
        label=label,
        reference=f"revenue.stage_refresher:{row.pk}",
        size=settings.REVENUE_REFRESHER_SIZE,
    )


def stage_refreshers_apply(
    *, stage_change_ids: list[int], now: dt.datetime
) -> list[int]:
    """Record these entries' refreshers and make the due ones; the triggers to deliver."""
    stage_refreshers_record(stage_change_ids=stage_change_ids, now=now)
    return stage_refreshers_make_due(now=now)


def stage_refreshers_sweep(*, now: dt.datetime) -> list[int]:
    """Record the recent entries a lost task left without a row, then make
    every due refresher (including those waiting for a working window).

    Reads the recent entries into "refresh on entry" stages per organization
    (the stage history's (organization, stage, changed at) index).
    """
    stages: dict[int, list[int]] = {}
    for org_id, stage_id in SalesStage.objects.filter(
        refresh_on_entry=True
    ).values_list("organization_id", "id"):
        stages.setdefault(org_id, []).append(stage_id)
    already = StageRefresher.objects.filter(
        opportunity_id=OuterRef("opportunity_id"), stage_id=OuterRef("to_stage_id")
    )
    missing: list[int] = []
    for org_id, stage_ids in stages.items():
        missing += (
            StageChange.objects.filter(
                organization_id=org_id,
                to_stage_id__in=stage_ids,
                changed_at__gte=now - _max_age(),
                owner__isnull=False,
            )
            .exclude(Exists(already))
            .values_list("pk", flat=True)
        )
    if missing:
        logger.info("%s stage entries without a refresher row recovered", len(missing))
        stage_refreshers_record(stage_change_ids=missing, now=now)
    return stage_refreshers_make_due(now=now)
