"""Keeping the outcome rollups current (docs/kpis.md, "Outcome rollups").

``outcome_rollups_for_stage_changes`` runs after the ingest commits new stage
history (the ``stage_changes_recorded`` receiver enqueues it): the deals
behind those rows get their facts rewritten and the cells they touch are
recomputed. ``outcome_rollups_sweep`` catches rows whose task was lost (a
broker outage); ``outcome_rollups_rebuild`` recomputes an organization.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from revenue.models import Lead, Opportunity, OpportunityFact, StageChange, StageEntry
from revenue.services.outcome_cells import (
    CELL_MODELS,
    TEAM_CELL_MODELS,
    cells_recompute,
)
from revenue.services.outcome_facts import (
    entries_refresh,
    facts_refresh,
    month_start,
    stage_infos,
)

# Stage changes the sweeper looks back over (by id) for rows not rolled up.
SWEEP_WINDOW = 20_000
REBUILD_CHUNK = 2_000


@dataclass
class RollupSummary:
    opportunities: int = 0
    cells: int = 0


def outcome_rollups_refresh(
    *, organization_id: int, opportunity_ids: Iterable[int]
) -> RollupSummary:
    """Rewrite the facts of these deals and recompute the cells they touch."""
    opportunity_ids = sorted(set(opportunity_ids))
    if not opportunity_ids:
        return RollupSummary()
    with transaction.atomic():
        touched = entries_refresh(
            organization_id=organization_id, opportunity_ids=opportunity_ids
        )
        touched |= facts_refresh(
            organization_id=organization_id, opportunity_ids=opportunity_ids
        )
        cells = cells_recompute(organization_id=organization_id, pairs=touched)
    return RollupSummary(len(opportunity_ids), cells)


def outcome_rollups_for_stage_changes(
    *, organization_id: int, stage_change_ids: Iterable[int]
) -> RollupSummary:
    """Roll up the deals of these new stage history rows (idempotent)."""
    opportunity_ids = StageChange.objects.filter(
        organization_id=organization_id, pk__in=list(stage_change_ids)
    ).values_list("opportunity_id", flat=True)
    return outcome_rollups_refresh(
        organization_id=organization_id, opportunity_ids=set(opportunity_ids)
    )


def outcome_rollups_sweep(*, window: int = SWEEP_WINDOW) -> RollupSummary:
    """Roll up the recent stage history rows that have no entry yet (into an
    open stage with an owner: the only rows that get one)."""
    latest = StageChange.objects.order_by("-pk").values_list("pk", flat=True).first()
    if latest is None:
        return RollupSummary()
    missing = (
        StageChange.objects.filter(
            pk__gt=latest - window,
            owner__isnull=False,
            to_stage__kind="open",
            entry__isnull=True,
        )
        .values_list("organization_id", "opportunity_id")
        .distinct()
    )
    by_org: dict[int, set[int]] = {}
    for organization_id, opportunity_id in missing:
        by_org.setdefault(organization_id, set()).add(opportunity_id)
    total = RollupSummary()
    for organization_id, opportunity_ids in by_org.items():
        done = outcome_rollups_refresh(
            organization_id=organization_id, opportunity_ids=opportunity_ids
        )
        total.opportunities += done.opportunities
        total.cells += done.cells
    return total


def outcome_rollups_rebuild(*, organization_id: int) -> RollupSummary:
    """Recompute every fact and cell of an organization from its stage history.

    Retention at entry already computed is kept (the answers behind it do not
    change); entries without it get it now.
    """
    stages = stage_infos(organization_id=organization_id)
    ids = list(
        Opportunity.objects.filter(organization_id=organization_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), REBUILD_CHUNK):
        chunk = ids[start : start + REBUILD_CHUNK]
        with transaction.atomic():
            entries_refresh(
                organization_id=organization_id, opportunity_ids=chunk, stages=stages
            )
            facts_refresh(organization_id=organization_id, opportunity_ids=chunk)
    with transaction.atomic():
        for model in (*CELL_MODELS, *TEAM_CELL_MODELS):
            model.objects.filter(organization_id=organization_id).delete()
        pairs = set(
            StageEntry.objects.filter(organization_id=organization_id)
            .values_list("rep_id", "month")
            .distinct()
        )
        pairs |= _fact_pairs(organization_id)
        cells = cells_recompute(organization_id=organization_id, pairs=pairs)
    return RollupSummary(len(ids), cells)


def _fact_pairs(organization_id: int) -> set:
    facts = OpportunityFact.objects.filter(organization_id=organization_id)
    pairs = set(facts.values_list("rep_id", "created_month").distinct())
    pairs |= set(
        facts.filter(closed_month__isnull=False)
        .values_list("rep_id", "closed_month")
        .distinct()
    )
    for owner_id, created in Lead.objects.filter(
        organization_id=organization_id, owner__isnull=False
    ).values_list("owner_id", "created_in_crm_at"):
        pairs.add((owner_id, month_start(created)))
    return pairs
