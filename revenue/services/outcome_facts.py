"""The facts under the outcome rollups: one StageEntry per move into an open
stage, one OpportunityFact per deal with an owner. Recomputed per deal from
its whole stage history, so running it twice on the same deals changes
nothing; the owner's retention at entry is computed once per entry and kept.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from revenue.models import (
    Opportunity,
    OpportunityFact,
    SalesStage,
    StageChange,
    StageEntry,
)
from revenue.selectors.retention_at_entry import RetentionAsk, retention_at_entries

RepMonth = tuple[int, dt.date]


def month_start(moment: dt.datetime | None) -> dt.date | None:
    """First day of the UTC month of a moment."""
    if moment is None:
        return None
    utc = moment.astimezone(dt.UTC)
    return dt.date(utc.year, utc.month, 1)


@dataclass(frozen=True)
class StageInfo:
    order: int
    kind: str
    topic_ids: frozenset[int]


def stage_infos(*, organization_id: int) -> dict[int, StageInfo]:
    stages = SalesStage.objects.filter(organization_id=organization_id)
    topics: dict[int, set[int]] = {}
    for stage_id, topic_id in SalesStage.topics.through.objects.filter(
        salesstage__organization_id=organization_id
    ).values_list("salesstage_id", "topic_id"):
        topics.setdefault(stage_id, set()).add(topic_id)
    return {
        s.pk: StageInfo(s.order, s.kind, frozenset(topics.get(s.pk, ())))
        for s in stages
    }


def _converted(stage: StageInfo, nxt: StageInfo) -> bool:
    # Forward means to a later open stage or to won; lost and back are not.
    if nxt.kind == SalesStage.Kind.WON:
        return True
    return nxt.kind == SalesStage.Kind.OPEN and nxt.order > stage.order


def _entries_of(changes: list[tuple], stages: dict[int, StageInfo]) -> list[dict]:
    """The entries of one deal's history (in time order) into open stages."""
    entries = []
    for i, (change_id, opp_id, stage_id, changed_at, owner_id) in enumerate(changes):
        stage = stages[stage_id]
        if owner_id is None or stage.kind != SalesStage.Kind.OPEN:
            continue
        nxt = changes[i + 1] if i + 1 < len(changes) else None
        left_at = nxt[3] if nxt else None
        entries.append(
            {
                "stage_change_id": change_id,
                "opportunity_id": opp_id,
                "rep_id": owner_id,
                "stage_id": stage_id,
                "entered_at": changed_at,
                "month": month_start(changed_at),
                "left_at": left_at,
                "days_in_stage": (
                    int((left_at - changed_at).total_seconds() // 86400)
                    if left_at
                    else None
                ),
                "converted": bool(nxt) and _converted(stage, stages[nxt[2]]),
            }
        )
    return entries


ENTRY_FIELDS = [
    "rep", "stage", "entered_at", "month", "left_at", "days_in_stage",
    "converted", "retention", "retention_questions", "retention_computed",
]  # fmt: skip


def entries_refresh(
    *, organization_id: int, opportunity_ids: Iterable[int], stages=None
) -> set[RepMonth]:
    """Rewrite the StageEntry rows of these deals; returns the (rep, month)
    cells they touched, before and after."""
    opportunity_ids = list(opportunity_ids)
    stages = (
        stages if stages is not None else stage_infos(organization_id=organization_id)
    )
    rows = StageChange.objects.filter(
        organization_id=organization_id, opportunity_id__in=opportunity_ids
    ).order_by("opportunity_id", "changed_at", "pk")
    by_opp: dict[int, list[tuple]] = {}
    for row in rows.values_list(
        "pk", "opportunity_id", "to_stage_id", "changed_at", "owner_id"
    ):
        by_opp.setdefault(row[1], []).append(row)
    old = {
        e["stage_change_id"]: e
        for e in StageEntry.objects.filter(
            organization_id=organization_id, opportunity_id__in=opportunity_ids
        ).values(
            "stage_change_id",
            "rep_id",
            "month",
            "retention",
            "retention_questions",
            "retention_computed",
        )  # fmt: skip
    }
    new = [e for changes in by_opp.values() for e in _entries_of(changes, stages)]
    _retention_fill(organization_id, new, old, stages)
    touched = {(e["rep_id"], e["month"]) for e in [*old.values(), *new]}
    keep = {e["stage_change_id"] for e in new}
    StageEntry.objects.filter(
        organization_id=organization_id, opportunity_id__in=opportunity_ids
    ).exclude(stage_change_id__in=keep).delete()
    StageEntry.objects.bulk_create(
        [StageEntry(organization_id=organization_id, **e) for e in new],
        update_conflicts=True,
        unique_fields=["stage_change"],
        update_fields=ENTRY_FIELDS,
        batch_size=2000,
    )
    return touched


def _retention_fill(organization_id, new, old, stages) -> None:
    """Keep the retention of entries already rolled up with the same owner;
    compute it for the others whose stage has topics."""
    asks = []
    for e in new:
        before = old.get(e["stage_change_id"])
        if before and before["retention_computed"] and before["rep_id"] == e["rep_id"]:
            e["retention"] = before["retention"]
            e["retention_questions"] = before["retention_questions"]
            e["retention_computed"] = True
            continue
        e["retention"], e["retention_questions"] = None, 0
        e["retention_computed"] = True
        topics = stages[e["stage_id"]].topic_ids
        if topics:
            asks.append(
                RetentionAsk(e["stage_change_id"], e["rep_id"], topics, e["entered_at"])
            )
    found = retention_at_entries(organization_id=organization_id, asks=asks)
    for e in new:
        if e["stage_change_id"] in found:
            e["retention"], e["retention_questions"] = found[e["stage_change_id"]]


def facts_refresh(
    *, organization_id: int, opportunity_ids: Iterable[int]
) -> set[RepMonth]:
    """Rewrite the OpportunityFact rows of these deals; returns the (rep,
    month) cells they touched, before and after."""
    opportunity_ids = list(opportunity_ids)
    facts = OpportunityFact.objects.filter(
        organization_id=organization_id, opportunity_id__in=opportunity_ids
    )
    touched: set[RepMonth] = set()
    for rep_id, created, closed in facts.values_list(
        "rep_id", "created_month", "closed_month"
    ):
        touched |= {(rep_id, created), (rep_id, closed)}
    new = []
    for opp in Opportunity.objects.filter(
        organization_id=organization_id, pk__in=opportunity_ids, owner__isnull=False
    ).values("pk", "owner_id", "created_in_crm_at", "closed_at", "outcome"):
        closed = (
            opp["closed_at"] if opp["outcome"] != Opportunity.Outcome.OPEN else None
        )
        won = opp["outcome"] == Opportunity.Outcome.WON and closed is not None
        cycle = (
            (closed - opp["created_in_crm_at"]).total_seconds() // 86400
            if won
            else None
        )
        fact = OpportunityFact(
            organization_id=organization_id,
            opportunity_id=opp["pk"],
            rep_id=opp["owner_id"],
            created_month=month_start(opp["created_in_crm_at"]),
            closed_month=month_start(closed),
            outcome=opp["outcome"] if closed else Opportunity.Outcome.OPEN,
            cycle_days=max(int(cycle), 0) if cycle is not None else None,
        )
        new.append(fact)
        touched |= {(fact.rep_id, fact.created_month), (fact.rep_id, fact.closed_month)}
    facts.exclude(opportunity_id__in=[f.opportunity_id for f in new]).delete()
    OpportunityFact.objects.bulk_create(
        new,
        update_conflicts=True,
        unique_fields=["opportunity"],
        update_fields=["rep", "created_month", "closed_month", "outcome", "cycle_days"],
        batch_size=2000,
    )
    return {(rep, month) for rep, month in touched if month is not None}
