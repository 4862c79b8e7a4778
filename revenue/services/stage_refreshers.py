"""Refreshers at the moment of need: a deal enters a stage, its owner gets a
short refresher of that stage's topics (docs/revenue.md, "Refreshers").

One `StageRefresher` row per opportunity and stage (unique) is the record:
the task after the ingest's commit writes it, the sweeper writes the ones a
lost task left out, and whoever makes a due row first wins (row locks with
skip_locked), so an event, task or sweep seen twice makes nothing new.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext as _

from enablement.models import RepProfile
from reinforcement.memory.rep_calendar import RepSchedule
from reinforcement.selectors.calendars import rep_schedules
from reinforcement.selectors.planning import reps_active
from reinforcement.services.refresher import (
    RefresherRejected,
    refresher_triggered_create,
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
    others), and the rep's profile row is locked while counting the day's
    refreshers, so the daily limit holds under concurrency.
    """
    triggers: list[int] = []
    with transaction.atomic():
        rows = list(
            StageRefresher.objects.filter(status=Status.PENDING, due_at__lte=now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("opportunity", "stage")
            .order_by("due_at", "pk")[:limit]
        )
        for row in rows:
            _make(row, now)
            row.save()
            if row.trigger_id:
                triggers.append(row.trigger_id)
    return triggers


def _daily_limit(organization_id: int) -> int:
    value = (
        CrmSettings.objects.filter(organization_id=organization_id)
        .values_list("refreshers_per_day", flat=True)
        .first()
    )
    return DEFAULT_REFRESHERS_PER_DAY if value is None else value


def _make(row: StageRefresher, now: dt.datetime) -> None:
    """Make one due refresher, or say why not (on the row)."""
    profile = (
        RepProfile.objects.select_for_update()
        .filter(user_id=row.rep_id)
        .values_list("time_zone", flat=True)
        .first()
    )
    row.made_at = now
    if profile is None:
        row.status, row.detail = Status.SKIPPED, "the owner is not an active rep"
        return
    local_date = RepSchedule(row.rep_id, profile, 0, "", None).local_date(now)
    made_today = StageRefresher.objects.filter(
        rep_id=row.rep_id, status=Status.MADE, local_date=local_date
    ).count()
    if made_today >= _daily_limit(row.organization_id):
        row.status, row.detail = Status.CAPPED, f"{made_today} made today already"
        return
    topic_ids = list(row.stage.topics.values_list("id", flat=True))
    deal = row.opportunity.name or row.opportunity.external_id
    label = _("Refresher for %(deal)s (entered %(stage)s)") % {
        "deal": deal,
        "stage": row.stage.name,
    }
    try:
        trigger = refresher_triggered_create(
            rep_id=row.rep_id,
            topic_ids=topic_ids,
            label=label,
            reference=f"revenue.stage_refresher:{row.pk}",
            now=now,
            size=settings.REVENUE_REFRESHER_SIZE,
        )
    except RefresherRejected as exc:
        row.status, row.detail = Status.SKIPPED, exc.code
        return
    row.status, row.trigger, row.local_date = Status.MADE, trigger, trigger.local_date
    row.detail = ""


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
