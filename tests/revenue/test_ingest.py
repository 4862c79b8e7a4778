"""The ingest service: one batch, all of it once or nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from revenue.events import LeadEvent, OpportunityEvent, OwnerRef, StageRef
from revenue.models import CrmEvent, Lead, Opportunity, SalesStage, StageChange
from revenue.services.ingest import crm_batch_ingest
from revenue.signals import stage_changes_recorded
from tests.factories.enablement import OrganizationFactory
from tests.revenue.conftest import NOW

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def move(event_id, stage, at, deal="006A", owner=None, **fields):
    return OpportunityEvent(
        event_id=event_id,
        external_id=deal,
        occurred_at=at,
        fields=fields,
        owner=owner,
        stage=StageRef(name=stage) if isinstance(stage, str) else stage,
    )


def ingest(organization, events, **kwargs):
    return crm_batch_ingest(
        organization=organization, events=events, source="generic", now=NOW, **kwargs
    )


def test_a_deal_moves_through_stages_and_is_won(organization, stages, seller):
    """Each move appends history; a won stage sets the outcome and closed_at."""
    owner = OwnerRef(email="ana@example.com")
    ingest(
        organization,
        [
            move("e1", "Discovery", T0, owner=owner, name="Acme", amount=Decimal("10")),
            move("e2", "negotiation", T0 + dt.timedelta(days=2)),
            move("e3", StageRef(external_id="closedwon"), T0 + dt.timedelta(days=5)),
        ],
    )
    deal = Opportunity.objects.get(organization=organization, external_id="006A")
    assert (deal.owner, deal.name, deal.amount) == (seller, "Acme", Decimal("10.00"))
    assert deal.stage == stages["Closed Won"]
    assert deal.outcome == Opportunity.Outcome.WON
    assert deal.closed_at == T0 + dt.timedelta(days=5)
    history = list(
        StageChange.objects.filter(opportunity=deal).values_list(
            "from_stage__name", "to_stage__name", "owner"
        )
    )
    assert history == [
        (None, "Discovery", seller.pk),
        ("Discovery", "Negotiation", seller.pk),
        ("Negotiation", "Closed Won", seller.pk),
    ]


def test_a_retried_batch_changes_nothing(organization, stages):
    """The second delivery of the same event ids is all duplicates."""
    events = [
        move("e1", "Discovery", T0),
        move("e2", "Negotiation", T0 + dt.timedelta(1)),
    ]
    first = ingest(organization, events)
    again = ingest(organization, events)
    assert first.count("applied") == 2
    assert again.count("duplicate") == 2 and again.stage_change_ids == []
    assert StageChange.objects.count() == 2
    assert CrmEvent.objects.filter(organization=organization).count() == 2


def test_an_event_id_twice_in_one_batch_is_applied_once(organization, stages):
    """A CRM that repeats an event inside a batch gets one change."""
    result = ingest(organization, [move("e1", "Discovery", T0)] * 2)
    assert [r.status for r in result.results] == ["applied", "duplicate"]
    assert StageChange.objects.count() == 1


def test_the_same_move_from_two_sources_is_one_move(organization, stages):
    """A file repeating a webhook's move (other event id) adds no history."""
    ingest(organization, [move("webhook-1", "Discovery", T0)])
    ingest(organization, [move("csv-1", "Discovery", T0)])
    assert StageChange.objects.count() == 1


def test_an_old_move_sent_again_adds_no_history(organization, stages):
    """A file repeating a move the deal has since left (other event id, a late
    event): the history keeps one row for it and no new row is announced."""
    ingest(organization, [move("webhook-1", "Discovery", T0)])
    ingest(organization, [move("webhook-2", "Negotiation", T0 + dt.timedelta(hours=1))])
    result = ingest(organization, [move("csv-1", "Discovery", T0)])
    assert result.count("applied") == 1 and result.stage_change_ids == []
    assert StageChange.objects.count() == 2
    assert Opportunity.objects.get().stage.name == "Negotiation"


def test_an_unknown_owner_is_kept_and_reported(organization, stages, seller):
    """The deal is kept with its owner's email and no rep; the batch names it."""
    result = ingest(
        organization, [move("e1", "Discovery", T0, owner=OwnerRef(email="nobody@x.io"))]
    )
    deal = Opportunity.objects.get(external_id="006A")
    assert deal.owner is None and deal.owner_email == "nobody@x.io"
    assert result.unknown_owners == ["nobody@x.io"]


def test_an_owner_of_another_organization_is_unknown(organization, stages, seller):
    """A person of another tenant is never linked, even by their email."""
    other = OrganizationFactory()
    result = ingest(
        other, [move("e1", "Discovery", T0, owner=OwnerRef(email="ana@example.com"))]
    )
    assert Opportunity.objects.get(organization=other).owner is None
    assert result.unknown_owners == ["ana@example.com"]


def test_an_owner_matches_by_external_id(organization, stages, seller):
    """The CRM's user id matches the member's external id."""
    ingest(
        organization,
        [move("e1", "Discovery", T0, owner=OwnerRef(external_id="005ANA"))],
    )
    assert Opportunity.objects.get(external_id="006A").owner == seller


def test_an_unknown_stage_is_created_and_reported(organization, stages):
    """A stage not set up yet is created (kind from the hint), never dropped."""
    result = ingest(
        organization,
        [
            move("e1", StageRef(name="Proposal", kind=""), T0),
            move(
                "e2", StageRef(external_id="shipped", kind="won"), T0 + dt.timedelta(1)
            ),
        ],
    )
    assert result.stages_created == ["Proposal", "shipped"]
    created = SalesStage.objects.get(organization=organization, name="shipped")
    assert (
        created.kind == SalesStage.Kind.WON
        and created.order > stages["Closed Lost"].order
    )
    assert Opportunity.objects.get(external_id="006A").outcome == "won"


def test_a_late_event_adds_history_without_moving_the_deal_back(organization, stages):
    """CRMs deliver out of order: the deal keeps its latest stage."""
    ingest(organization, [move("e2", "Negotiation", T0 + dt.timedelta(days=3))])
    ingest(organization, [move("e1", "Discovery", T0)])
    deal = Opportunity.objects.get(external_id="006A")
    assert deal.stage == stages["Negotiation"]
    assert StageChange.objects.filter(opportunity=deal).count() == 2


def test_reopening_a_lost_deal_clears_closed_at(organization, stages):
    """Back to an open stage: open again, not closed."""
    ingest(
        organization,
        [move("e1", "Closed Lost", T0), move("e2", "Discovery", T0 + dt.timedelta(1))],
    )
    deal = Opportunity.objects.get(external_id="006A")
    assert (deal.outcome, deal.closed_at) == ("open", None)


def test_the_signal_names_the_new_history_after_commit(
    organization, stages, django_capture_on_commit_callbacks
):
    """stage_changes_recorded is sent once the batch has committed, with its ids."""
    heard = []

    def receiver(sender, organization_id, stage_change_ids, **kwargs):
        heard.append((organization_id, stage_change_ids))

    stage_changes_recorded.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = ingest(organization, [move("e1", "Discovery", T0)])
            assert heard == []
    finally:
        stage_changes_recorded.disconnect(receiver)
    assert heard == [(organization.pk, result.stage_change_ids)]
    assert StageChange.objects.filter(pk__in=result.stage_change_ids).count() == 1


def test_a_dry_run_reports_and_writes_nothing(organization, stages):
    """The preview's run: the same report, then rolled back."""
    result = ingest(organization, [move("e1", "Proposal", T0)], dry_run=True)
    assert result.count("applied") == 1 and result.stages_created == ["Proposal"]
    assert not Opportunity.objects.exists() and not CrmEvent.objects.exists()
    assert not SalesStage.objects.filter(name="Proposal").exists()


def test_a_lead_links_to_its_opportunity(organization, stages, seller):
    """A converted lead points at the deal it became."""
    ingest(
        organization,
        [
            move("e1", "Discovery", T0),
            LeadEvent(
                event_id="l1",
                external_id="L-1",
                occurred_at=T0,
                owner=OwnerRef(external_id="005ANA"),
                converted_at=T0,
                opportunity_external_id="006A",
            ),
        ],
    )
    lead = Lead.objects.get(external_id="L-1")
    assert lead.opportunity.external_id == "006A" and lead.owner == seller
