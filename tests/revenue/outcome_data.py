"""A small organization with a sales process, deals and answers, written with
the ORM directly (the CRM ingest is tested on its own)."""

import datetime as dt
import uuid

from enablement.models import Membership
from reinforcement.models import Answer
from revenue.models import Opportunity, SalesStage, StageChange
from tests.factories.enablement import (
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    UserFactory,
)
from tests.factories.reinforcement import make_prompt

T0 = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


def sales_world(prefix: str = "w") -> dict:
    """Two teams of two reps each, a manager of the first team, an admin, and
    Discovery (mapped to a topic) -> Proposal -> won / lost."""
    team = TeamFactory(name=f"{prefix} team one")
    organization = team.organization
    other = TeamFactory(organization=organization, name=f"{prefix} team two")
    manager = UserFactory(username=f"{prefix}-manager")
    team.managers.add(manager)
    admin = UserFactory(username=f"{prefix}-admin")
    organization.admins.add(admin)
    reps = [
        RepProfileFactory(team=t, user=UserFactory(username=f"{prefix}-rep{i}")).user
        for i, t in enumerate([team, team, other, other])
    ]
    for user in [*reps, manager, admin]:
        Membership.objects.create(user=user, organization=organization)
    question = QuestionFactory(module__methodology__organization=organization)
    stages = {
        name: SalesStage.objects.create(
            organization=organization, name=name, order=order, kind=kind
        )
        for order, (name, kind) in enumerate(
            [
                ("Discovery", "open"),
                ("Proposal", "open"),
                ("Won", "won"),
                ("Lost", "lost"),
            ]
        )
    }
    stages["Discovery"].topics.add(question.topic)
    return {
        "organization": organization, "team": team, "other": other,
        "manager": manager, "admin": admin, "reps": reps,
        "question": question, "stages": stages,
    }  # fmt: skip


def answer_at(world, rep, at: dt.datetime, stability: float = 10.0) -> Answer:
    question = world["question"]
    prompt = make_prompt(rep=rep, question=question, local_date=at.date())
    return Answer.objects.create(
        prompt=prompt, rep=rep, question=question, question_version=1,
        idempotency_key=uuid.uuid4().hex, chosen_choice_ids=[], choice_count=4,
        correct=True, confidence="certain", rating=3, stability_after=stability,
        difficulty_after=5.0, on_time=True, answered_at=at,
    )  # fmt: skip


def deal(world, rep, key: str, path: list[tuple[str, int]], created_day: int = 0):
    """A deal of rep created T0 + created_day, moving through (stage, day) steps."""
    organization = world["organization"]
    created = T0 + dt.timedelta(days=created_day)
    last_stage, last_name = None, None
    opp = Opportunity.objects.create(
        organization=organization, external_id=key, owner=rep, created_in_crm_at=created
    )
    changes = []
    for name, day in path:
        stage = world["stages"][name]
        changes.append(
            StageChange.objects.create(
                organization=organization,
                opportunity=opp,
                from_stage=last_stage,
                to_stage=stage,
                changed_at=created + dt.timedelta(days=day),
                owner=rep,
            )  # fmt: skip
        )
        last_stage, last_name = stage, name
    opp.stage = last_stage
    if last_name in ("Won", "Lost"):
        opp.outcome = "won" if last_name == "Won" else "lost"
        opp.closed_at = changes[-1].changed_at
    opp.save()
    return opp, changes
