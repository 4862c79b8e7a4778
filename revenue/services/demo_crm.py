"""The demo's CRM, simulated on top of its answer history (``seed_demo_history``).

A stage map for the demo's content, deals per rep moving through the stages,
where the chance of converting out of a stage rises with the owner's true
recall of the stage's topics at entry, leads, and one campaign. The demo's
true recall is what its answer simulation draws from: the model's predicted
recall to the power 0.8 / skill (``reinforcement.services.demo_history``).
Written with the ORM directly (no webhook), then rolled up.
"""

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from django.db import transaction

from enablement.models import Campaign, Organization, RepProfile, Team, Topic
from reinforcement.services.demo_history import demo_rep_skills
from revenue.models import Lead, Opportunity, SalesStage, StageChange
from revenue.selectors.retention_at_entry import RetentionAsk, retention_at_entries
from revenue.services.outcome_rollups import outcome_rollups_rebuild

# name, kind, topic keys of the demo content, refresh on entry.
DEMO_STAGES = [
    ("Discovery", "open", ["identify-pain", "discovery-questioning", "active-listening"], True),
    ("Qualification", "open", ["metrics", "economic-buyer", "decision-criteria"], False),
    ("Proposal", "open", ["objection-price", "objection-competitor"], False),
    ("Negotiation", "open", ["paper-process", "objection-timing"], True),
    ("Closed won", "won", [], False),
    ("Closed lost", "lost", [], False),
]  # fmt: skip
DEALS_PER_REP = 16
# Chance of converting out of a stage: logistic in the owner's true recall.
BASE_LOGIT = 0.4
RECALL_EFFECT = 5.0  # log-odds per unit of true recall, around RECALL_CENTRE
RECALL_CENTRE = 0.7
CAMPAIGN_NAME = "Discovery push"
CAMPAIGN_TEAM = "Enterprise East"


@dataclass
class _Deal:
    opp: Opportunity
    rep_id: int
    at: dt.datetime
    changes: list[StageChange] = field(default_factory=list)
    open: bool = True


def demo_crm_seed(
    *, organization_id: int, today: dt.date, days: int = 90, seed: int = 7
) -> int:
    """Simulate the demo organization's CRM once, deals created over the
    ``days`` of answer history; returns the deals written (0 when it already
    has stages)."""
    organization = Organization.objects.get(pk=organization_id)
    if SalesStage.objects.filter(organization=organization).exists():
        return 0
    rng = random.Random(seed)
    now = dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)
    with transaction.atomic():
        stages = _stage_map(organization)
        deals = _deals_create(organization, rng, now, days)
        _deals_walk(organization, rng, now, deals, stages)
        _leads_create(organization, rng, deals)
        _campaign_create(organization, today)
    outcome_rollups_rebuild(organization_id=organization.pk)
    return len(deals)


def _stage_map(organization) -> list[SalesStage]:
    topics = {t.key: t for t in Topic.objects.filter(organization=organization)}
    stages = []
    for order, (name, kind, keys, refresh) in enumerate(DEMO_STAGES, start=1):
        stage = SalesStage.objects.create(
            organization=organization, name=name, order=order, kind=kind,
            refresh_on_entry=refresh,
        )  # fmt: skip
        stage.topics.set([topics[k] for k in keys if k in topics])
        stages.append(stage)
    return stages


def _deals_create(organization, rng, now, days: int) -> list[_Deal]:
    profiles = RepProfile.objects.filter(
        team__organization=organization
    ).select_related("user")
    deals = []
    for profile in profiles.order_by("user_id"):
        for i in range(DEALS_PER_REP):
            # After the first answers, so reps have a retention to enter with.
            created = now - dt.timedelta(days=rng.uniform(5, max(days - 5, 6)))
            opp = Opportunity(
                organization=organization,
                external_id=f"demo-{profile.user_id}-{i}",
                owner=profile.user,
                owner_email=profile.user.email,
                name=f"{profile.user.last_name or profile.user.username} deal {i + 1}",
                amount=rng.choice([12_000, 25_000, 40_000, 75_000, 120_000]),
                currency="USD",
                pipeline="New business",
                created_in_crm_at=created,
            )
            deals.append(_Deal(opp, profile.user_id, created))
    Opportunity.objects.bulk_create([d.opp for d in deals])
    return deals


def _p_convert(true_recall: float | None) -> float:
    if true_recall is None:
        return 1 / (1 + math.exp(-BASE_LOGIT))
    logit = BASE_LOGIT + RECALL_EFFECT * (true_recall - RECALL_CENTRE)
    return 1 / (1 + math.exp(-logit))


def _deals_walk(organization, rng, now, deals, stages) -> None:
    """Move every deal stage by stage until it closes or reaches now."""
    won, lost = stages[-2], stages[-1]
    skills = demo_rep_skills(organization)
    previous: dict[int, SalesStage | None] = {id(d): None for d in deals}
    for stage in (s for s in stages if s.kind == "open"):
        moving = [d for d in deals if d.open and d.at < now]
        for d in moving:
            d.changes.append(_change(d, previous[id(d)], stage, d.at))
            previous[id(d)] = stage
        recall = _true_recall(organization, stage, moving, skills)
        for d in moving:
            _stage_leave(d, rng, now, stage, lost, _p_convert(recall.get(id(d))))
    for d in deals:
        if d.open:
            d.changes.append(_change(d, previous[id(d)], won, d.at))
            _close(d, won, "won")
    Opportunity.objects.bulk_update(
        [d.opp for d in deals], ["stage", "outcome", "closed_at"], batch_size=1000
    )
    StageChange.objects.bulk_create(
        [c for d in deals for c in d.changes], batch_size=2000
    )


def _true_recall(organization, stage, deals, skills) -> dict[int, float]:
    """The owners' true recall of the stage's topics as each deal enters it."""
    topic_ids = frozenset(stage.topics.values_list("pk", flat=True))
    if not topic_ids:
        return {}
    predicted = retention_at_entries(
        organization_id=organization.pk,
        asks=[RetentionAsk(id(d), d.rep_id, topic_ids, d.at) for d in deals],
    )
    recall = {}
    for deal in deals:
        value = predicted.get(id(deal), (None, 0))[0]
        if value is not None:
            recall[id(deal)] = value ** (0.8 / skills.get(deal.rep_id, 0.8))
    return recall


def _stage_leave(deal, rng, now, stage, lost, p_convert: float) -> None:
    """Some days in the stage, then on (to the next stage), lost, or still here."""
    deal.at += dt.timedelta(days=rng.uniform(2, 14))
    if deal.at >= now:
        deal.open = False  # still in this stage today
        deal.opp.stage = stage
    elif rng.random() >= p_convert:
        deal.changes.append(_change(deal, stage, lost, deal.at))
        _close(deal, lost, "lost")


def _change(deal, from_stage, to_stage, at) -> StageChange:
    return StageChange(
        organization_id=deal.opp.organization_id, opportunity=deal.opp,
        from_stage=from_stage, to_stage=to_stage, changed_at=at, owner_id=deal.rep_id,
    )  # fmt: skip


def _close(deal, stage, outcome) -> None:
    deal.open = False
    deal.opp.stage = stage
    deal.opp.outcome = outcome
    deal.opp.closed_at = deal.at


def _leads_create(organization, rng, deals) -> None:
    """A converted lead before each deal, and about as many that never converted."""
    leads = []
    for i, d in enumerate(deals):
        created = d.opp.created_in_crm_at - dt.timedelta(days=rng.uniform(1, 10))
        leads.append(
            Lead(
                organization=organization,
                external_id=f"demo-lead-{i}",
                owner_id=d.rep_id,
                created_in_crm_at=created,
                converted_at=d.opp.created_in_crm_at,
                opportunity=d.opp,
            )  # fmt: skip
        )
        if rng.random() < 0.9:
            leads.append(
                Lead(
                    organization=organization,
                    external_id=f"demo-lead-{i}-cold",
                    owner_id=d.rep_id,
                    created_in_crm_at=created,
                )  # fmt: skip
            )
    Lead.objects.bulk_create(leads, batch_size=2000)


def _campaign_create(organization, today) -> None:
    """Operations saw Enterprise East rushing Discovery; enablement pushes it."""
    campaign, _ = Campaign.objects.get_or_create(
        organization=organization,
        name=CAMPAIGN_NAME,
        defaults={
            "starts_on": today - dt.timedelta(days=30),
            "ends_on": today + dt.timedelta(days=14),
            "boost": 2.0,
            "note": "Deals leave Discovery fast and stall in Proposal: the pain "
            "is not found. More discovery questioning and active listening.",
        },
    )
    campaign.topics.set(
        Topic.objects.filter(
            organization=organization,
            key__in=["discovery-questioning", "active-listening", "identify-pain"],
        )
    )
    campaign.teams.set(
        Team.objects.filter(organization=organization, name=CAMPAIGN_TEAM)
    )
