"""Apply a batch of normalized CRM events: all of it, once, or nothing.

One transaction per batch. Each event id is recorded in ``CrmEvent``, so a
retried delivery (or a file imported twice) is a duplicate that changes
nothing. Owners are matched to the organization's members by external id,
then email; an unmatched owner is kept on the deal (``owner`` empty) and
reported. A stage not yet known is created (its kind from the event's hint,
else open; ordered last) and reported, so a move into a stage the admin has
not set up yet is never lost. Moves are appended to the stage history; the
deal takes the stage of its latest move (an older event, delivered late,
adds history without moving the deal back). After commit,
``revenue.signals.stage_changes_recorded`` names the new history rows.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import partial

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from enablement.models import Organization
from revenue.events import Event, LeadEvent, OpportunityEvent, OwnerRef, StageRef
from revenue.models import CrmEvent, Lead, Opportunity, SalesStage, StageChange
from revenue.selectors.ingest import owners_match
from revenue.services.insert_new import rows_insert_new
from revenue.signals import stage_changes_recorded

APPLIED, DUPLICATE, ERROR = "applied", "duplicate", "error"
OPPORTUNITY_FIELDS = (
    "owner",
    "owner_email",
    "owner_external_id",
    "name",
    "amount",
    "currency",
    "pipeline",
    "stage",
    "created_in_crm_at",
    "expected_close_on",
    "closed_at",
    "stage_changed_at",
    "outcome",
    "updated_at",
)
OUTCOME_OF_KIND = {
    SalesStage.Kind.OPEN: Opportunity.Outcome.OPEN,
    SalesStage.Kind.WON: Opportunity.Outcome.WON,
    SalesStage.Kind.LOST: Opportunity.Outcome.LOST,
}


@dataclass
class EventResult:
    """What became of one event: applied, duplicate, or error with a message."""

    event_id: str
    status: str
    message: str = ""


@dataclass
class BatchResult:
    results: list[EventResult] = field(default_factory=list)
    stage_change_ids: list[int] = field(default_factory=list)
    stages_created: list[str] = field(default_factory=list)
    unknown_owners: list[str] = field(default_factory=list)
    opportunities_created: int = 0
    opportunities_changed: int = 0
    leads: int = 0

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def __str__(self) -> str:
        return _(
            "%(applied)d applied, %(duplicate)d duplicates; %(created)d deals "
            "created, %(changed)d changed, %(moves)d stage moves, %(leads)d "
            "leads; stages created: %(stages)s; unknown owners: %(owners)s"
        ) % {
            "applied": self.count(APPLIED),
            "duplicate": self.count(DUPLICATE),
            "created": self.opportunities_created,
            "changed": self.opportunities_changed,
            "moves": len(self.stage_change_ids),
            "leads": self.leads,
            "stages": ", ".join(self.stages_created) or "-",
            "owners": ", ".join(self.unknown_owners) or "-",
        }


class _DryRun(Exception):
    def __init__(self, result: BatchResult):
        self.result = result


def crm_batch_ingest(
    *,
    organization: Organization,
    events: list[Event],
    source: str,
    now: dt.datetime,
    dry_run: bool = False,
) -> BatchResult:
    """Apply the batch in one transaction; ``dry_run``: apply, report, roll back.

    Two deliveries of the same events racing each other meet at the unique
    event id: the loser's transaction is rolled back and run once more, and
    then finds its events duplicates.
    """
    for attempt in range(2):
        try:
            with transaction.atomic():
                result = _Batch(organization, source, now).apply(events)
                if dry_run:
                    raise _DryRun(result)
                if result.stage_change_ids:
                    transaction.on_commit(
                        partial(
                            stage_changes_recorded.send,
                            sender=StageChange,
                            organization_id=organization.pk,
                            stage_change_ids=list(result.stage_change_ids),
                        )
                    )
            return result
        except _DryRun as done:
            return done.result
        except IntegrityError:
            if attempt:
                raise ApplicationError(
                    "conflict",
                    _("Another delivery changed these deals at the same time; retry."),
                ) from None
    raise AssertionError("unreachable")


class _Batch:
    """The state of one batch being applied (lookups done once per batch)."""

    def __init__(self, organization: Organization, source: str, now: dt.datetime):
        self.organization = organization
        self.source = source
        self.now = now
        self.result = BatchResult()
        self.stages_by_key: dict[str, SalesStage] = {}
        self.stages_by_name: dict[str, SalesStage] = {}
        self.stages_by_pk: dict[int, SalesStage] = {}
        self.owners: tuple[dict[str, int], dict[str, int]] = ({}, {})
        self.opportunities: dict[str, Opportunity] = {}
        self.new: dict[str, Opportunity] = {}
        self.changed: set[str] = set()
        # The moves of this batch, so one reported twice is written once.
        self.moves: set[tuple[str, int, dt.datetime]] = set()
        self.pending: list[tuple[Opportunity, StageChange]] = []

    def apply(self, events: list[Event]) -> BatchResult:
        fresh = self._fresh(events)
        if not fresh:
            return self.result
        self._load(fresh)
        for event in fresh:
            if isinstance(event, OpportunityEvent):
                self._opportunity(event)
        self._save_opportunities()
        self._save_leads([e for e in fresh if isinstance(e, LeadEvent)])
        return self.result

    def _fresh(self, events: list[Event]) -> list[Event]:
        """Record the batch's event ids; the events whose id was new.

        The ids are written first (``ON CONFLICT DO NOTHING``), which answers
        which are replays in the same statement: those are reported as
        duplicates. A delivery of the same ids racing this one waits on them
        until this transaction ends. Sorted, so two never deadlock.
        """
        claimed = {
            event_id
            for (event_id,) in rows_insert_new(
                [
                    CrmEvent(
                        organization=self.organization,
                        event_id=event_id,
                        source=self.source,
                        received_at=self.now,
                        result=APPLIED,
                    )
                    for event_id in sorted({e.event_id for e in events})
                ],
                unique=("organization", "event_id"),
                returning=("event_id",),
            )
        }
        fresh = []
        for event in events:
            if event.event_id not in claimed:
                self.result.results.append(EventResult(event.event_id, DUPLICATE))
                continue
            claimed.discard(event.event_id)  # a later copy in this batch
            fresh.append(event)
            self.result.results.append(EventResult(event.event_id, APPLIED))
        return fresh

    def _load(self, events: list[Event]) -> None:
        for stage in SalesStage.objects.filter(organization=self.organization):
            self._index_stage(stage)
        owners = [e.owner for e in events if e.owner is not None]
        self.owners = owners_match(
            organization=self.organization,
            emails=[o.email for o in owners],
            external_ids=[o.external_id for o in owners],
        )
        ids = {e.external_id for e in events if isinstance(e, OpportunityEvent)}
        ids |= {
            e.opportunity_external_id for e in events if isinstance(e, LeadEvent)
        } - {""}
        # Locked in primary-key order: two batches touching the same deals
        # wait for each other instead of deadlocking.
        rows = (
            Opportunity.objects.select_for_update()
            .filter(organization=self.organization, external_id__in=ids)
            .order_by("pk")
        )
        self.opportunities = {o.external_id: o for o in rows}

    def _index_stage(self, stage: SalesStage) -> None:
        self.stages_by_pk[stage.pk] = stage
        if stage.external_id:
            self.stages_by_key[stage.external_id] = stage
        self.stages_by_name.setdefault(stage.name.lower(), stage)

    def _stage(self, ref: StageRef) -> SalesStage:
        """The stage a reference names (CRM key first, then name), or a new one."""
        for key, index in (
            (ref.external_id, self.stages_by_key),
            (ref.name.lower(), self.stages_by_name),
            (ref.external_id.lower(), self.stages_by_name),
        ):
            if key and key in index:
                return index[key]
        order = max((s.order for s in self.stages_by_name.values()), default=0)
        stage = SalesStage.objects.create(
            organization=self.organization,
            name=ref.name or ref.external_id,
            external_id=ref.external_id if ref.name else "",
            order=min(order + 1, 32767),
            kind=ref.kind or SalesStage.Kind.OPEN,
        )
        self._index_stage(stage)
        self.result.stages_created.append(stage.name)
        return stage

    def _owner(self, ref: OwnerRef) -> int | None:
        by_external_id, by_email = self.owners
        user_id = by_external_id.get(ref.external_id) or by_email.get(ref.email.lower())
        label = ref.label()
        if user_id is None and label and label not in self.result.unknown_owners:
            self.result.unknown_owners.append(label)
        return user_id

    def _opportunity(self, event: OpportunityEvent) -> None:
        key = event.external_id
        opportunity = self.opportunities.get(key)
        if opportunity is None:
            opportunity = Opportunity(
                organization=self.organization,
                external_id=key,
                created_in_crm_at=event.fields.get("created_in_crm_at")
                or event.occurred_at,
            )
            self.opportunities[key] = self.new[key] = opportunity
        elif key not in self.new:
            self.changed.add(key)
        for name, value in event.fields.items():
            if value is not None or name in ("closed_at", "expected_close_on"):
                setattr(opportunity, name, value)
        if event.owner is not None:
            opportunity.owner_id = self._owner(event.owner)
            opportunity.owner_email = event.owner.email
            opportunity.owner_external_id = event.owner.external_id
        if event.stage is not None:
            self._move(opportunity, event)

    def _move(self, opportunity: Opportunity, event: OpportunityEvent) -> None:
        stage = self._stage(event.stage)
        at = event.stage_changed_at or event.occurred_at
        latest = opportunity.stage_changed_at
        current = latest is None or at >= latest
        if current and opportunity.stage_id == stage.pk:
            return
        move = (opportunity.external_id, stage.pk, at)
        if move not in self.moves:
            self.moves.add(move)
            change = StageChange(
                organization=self.organization,
                from_stage=self.stages_by_pk.get(opportunity.stage_id)
                if current
                else None,
                to_stage=stage,
                changed_at=at,
                owner_id=opportunity.owner_id,
            )
            self.pending.append((opportunity, change))
        if current:
            opportunity.stage = stage
            opportunity.stage_changed_at = at
            opportunity.outcome = OUTCOME_OF_KIND[stage.kind]
            if stage.kind == SalesStage.Kind.OPEN:
                opportunity.closed_at = None
            elif opportunity.closed_at is None:
                opportunity.closed_at = at

    def _save_opportunities(self) -> None:
        # One upsert for new and changed deals alike (ON CONFLICT on the
        # organization's external id): a bulk_update's CASE per field and row
        # cost ~15 ms per deal at a batch of 100.
        touched = [*self.new.values(), *(self.opportunities[k] for k in self.changed)]
        if touched:
            Opportunity.objects.bulk_create(
                touched,
                update_conflicts=True,
                unique_fields=["organization", "external_id"],
                update_fields=OPPORTUNITY_FIELDS,
            )
        for opportunity, change in self.pending:
            change.opportunity = opportunity
        # A move already in the history (the same move sent by the webhook
        # and a file) is skipped by its unique key, not by reading the
        # deals' history first.
        self.result.stage_change_ids = [
            pk
            for (pk,) in rows_insert_new(
                [change for _, change in self.pending],
                unique=("opportunity", "to_stage", "changed_at"),
                returning=("id",),
            )
        ]
        self.result.opportunities_created = len(self.new)
        self.result.opportunities_changed = len(self.changed)

    def _save_leads(self, events: list[LeadEvent]) -> None:
        if not events:
            return
        existing = {
            lead.external_id: lead
            for lead in Lead.objects.select_for_update().filter(
                organization=self.organization,
                external_id__in={e.external_id for e in events},
            )
        }
        for event in events:
            lead = existing.get(event.external_id) or Lead(
                organization=self.organization,
                external_id=event.external_id,
                created_in_crm_at=event.created_in_crm_at or event.occurred_at,
            )
            existing[event.external_id] = lead
            if event.created_in_crm_at:
                lead.created_in_crm_at = event.created_in_crm_at
            if event.owner is not None:
                lead.owner_id = self._owner(event.owner)
                lead.owner_email = event.owner.email
            lead.converted_at = event.converted_at or lead.converted_at
            opportunity = self.opportunities.get(event.opportunity_external_id)
            if opportunity is not None:
                lead.opportunity = opportunity
            lead.save()
        self.result.leads = len(events)
