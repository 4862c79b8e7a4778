"""Stage-entry refreshers: a deal enters a mapped stage, its owner gets a short
refresher of that stage's topics, once, within their working window and the
daily limit (revenue/services/stage_refreshers.py)."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reinforcement.models import Delivery, MemoryState, Prompt, PromptTrigger
from reinforcement.services.delivery import triggers_deliver
from reinforcement.services.planning import plans_create
from revenue.models import (
    CrmSettings,
    Opportunity,
    SalesStage,
    StageChange,
    StageRefresher,
)
from revenue.services.stage_refreshers import (
    stage_refreshers_apply,
    stage_refreshers_make_due,
    stage_refreshers_record,
    stage_refreshers_sweep,
)
from revenue.tasks import stage_refreshers_task
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
UTC = dt.UTC
# A Tuesday, 11:00 UTC: inside a 09:00-18:00 UTC rep's working window.
TUESDAY_11 = dt.datetime(2026, 12, 1, 11, 0, tzinfo=UTC)


@pytest.fixture
def world():
    team = TeamFactory()
    org = team.organization
    rep = RepProfileFactory(team=team).user
    module = ModuleFactory(methodology__organization=org)
    pain = TopicFactory(organization=org, name="Pain")
    other = TopicFactory(organization=org, name="Pricing")
    pain_questions = QuestionFactory.create_batch(5, module=module, topic=pain)
    QuestionFactory.create_batch(3, module=module, topic=other)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    discovery = SalesStage.objects.create(
        organization=org, name="Discovery", order=1, refresh_on_entry=True
    )
    discovery.topics.add(pain)
    unmapped = SalesStage.objects.create(organization=org, name="Proposal", order=2)

    class World:
        pass

    w = World()
    w.org, w.team, w.rep, w.pain, w.other = org, team, rep, pain, other
    w.pain_questions, w.discovery, w.unmapped = pain_questions, discovery, unmapped
    return w


def enter(world, *, name="Acme", stage=None, owner="rep", at=TUESDAY_11):
    """A deal of the rep's that entered a stage at `at`; returns the stage change."""
    stage = stage or world.discovery
    owner = world.rep if owner == "rep" else owner
    deal = Opportunity.objects.create(
        organization=world.org,
        external_id=f"deal-{name}",
        name=name,
        owner=owner,
        stage=stage,
        created_in_crm_at=at - dt.timedelta(days=3),
    )
    return StageChange.objects.create(
        organization=world.org,
        opportunity=deal,
        to_stage=stage,
        changed_at=at,
        owner=owner,
    )


def test_an_entry_gives_the_owner_one_refresher_of_the_stage_topics_with_the_deal(
    world,
):
    """Entering Discovery puts the rep's weakest Pain questions in front of
    them, labelled with the deal, with an outbox row per channel; the same
    event again, a task run and a sweep make nothing new."""
    change = enter(world)
    reviewed = world.pain_questions[0]
    MemoryState.objects.create(
        rep=world.rep,
        question=reviewed,
        state="review",
        stability=1.0,
        difficulty=5.0,
        last_review=TUESDAY_11 - dt.timedelta(days=30),
    )
    triggers = stage_refreshers_apply(stage_change_ids=[change.pk], now=TUESDAY_11)

    assert len(triggers) == 1
    trigger = PromptTrigger.objects.get()
    assert trigger.label == "Refresher for Acme (entered Discovery)"
    prompts = list(Prompt.objects.filter(trigger=trigger).order_by("position"))
    assert len(prompts) == 3  # REVENUE_REFRESHER_SIZE
    assert {p.question.topic_id for p in prompts} == {world.pain.pk}
    assert prompts[0].question_id == reviewed.pk  # the most forgotten first
    assert all(p.source == "refresher" and p.status == "planned" for p in prompts)
    assert set(trigger.deliveries.values_list("channel", flat=True)) == {
        "inbox",
        "email",
    }
    row = StageRefresher.objects.get()
    assert (row.status, row.rep_id, row.trigger_id) == (
        "made",
        world.rep.pk,
        trigger.pk,
    )

    later = TUESDAY_11 + dt.timedelta(minutes=5)
    assert stage_refreshers_apply(stage_change_ids=[change.pk], now=later) == []
    assert (
        stage_refreshers_task.apply(kwargs={"stage_change_ids": [change.pk]}).get() == 0
    )
    assert stage_refreshers_sweep(now=later) == []
    # The deal leaves and re-enters Discovery: still once per deal and stage.
    again = StageChange.objects.create(
        organization=world.org,
        opportunity=change.opportunity,
        to_stage=world.discovery,
        changed_at=later,
        owner=world.rep,
    )
    assert stage_refreshers_apply(stage_change_ids=[again.pk], now=later) == []
    assert Prompt.objects.count() == 3
    assert PromptTrigger.objects.count() == StageRefresher.objects.count() == 1
    assert Delivery.objects.count() == 2


def test_the_refresher_goes_out_on_the_rep_channels_and_shows_on_today(world, client):
    """Its delivery emails the rep under the deal's label and shows the
    prompts as delivered on Today and in the prompts API, with the label."""
    now = timezone.now()  # the pages list what is open now
    profile = world.rep.rep_profile
    profile.delivery_hour, profile.working_days = now.hour, "1234567"
    profile.save()
    change = enter(world, at=now)
    (trigger_id,) = stage_refreshers_apply(stage_change_ids=[change.pk], now=now)

    def statuses() -> dict[str, str]:
        triggers_deliver(trigger_ids=[trigger_id], now=now)
        rows = Delivery.objects.filter(trigger_id=trigger_id)
        return dict(rows.values_list("channel", "status"))

    assert statuses() == {"inbox": "sent", "email": "sent"}
    assert [m.subject for m in mail.outbox] == [
        "Refresher for Acme (entered Discovery)"
    ]
    assert "Refresher for Acme" in mail.outbox[0].body
    assert Prompt.objects.filter(trigger_id=trigger_id, status="delivered").count() == 3
    assert statuses() == {"inbox": "sent", "email": "sent"}
    assert len(mail.outbox) == 1  # each channel once
    # Today's daily dose is open too: the refresher, for the next call, comes first.
    plans_create(rep_ids=[world.rep.pk], now=now, ignore_delivery_hour=True)
    assert Prompt.objects.filter(source="daily").exists()
    client.force_login(world.rep)
    page = client.get(reverse("rep:today")).content.decode()
    assert "Refresher for Acme (entered Discovery)" in page
    listed = client.get(reverse("api-prompt-list")).json()["results"]
    label = "Refresher for Acme (entered Discovery)"
    assert [p["trigger"] for p in listed[:3]] == [label] * 3
    assert {p["trigger"] for p in listed[3:]} == {None}


def test_at_most_the_daily_limit_per_rep(world):
    """Three deals enter Discovery the same day: the default limit (2, no
    CRM settings row) makes two refreshers and records the third as capped;
    an organization's lower limit holds too."""
    changes = [enter(world, name=n) for n in ("A", "B", "C")]
    made = stage_refreshers_apply(
        stage_change_ids=[c.pk for c in changes], now=TUESDAY_11
    )

    assert len(made) == 2
    statuses = sorted(StageRefresher.objects.values_list("status", flat=True))
    assert statuses == ["capped", "made", "made"]

    CrmSettings.objects.create(organization=world.org, refreshers_per_day=0)
    late = enter(world, name="D", at=TUESDAY_11 + dt.timedelta(hours=1))
    assert stage_refreshers_apply(stage_change_ids=[late.pk], now=late.changed_at) == []
    assert StageRefresher.objects.get(opportunity__name="D").status == "capped"
    assert PromptTrigger.objects.count() == 2


def test_a_making_run_reads_once_for_all_its_refreshers(world):
    """A run's reads are batched: each more refresher in the run costs only its
    writes (a savepoint, the trigger, its prompts, its Delivery rows), not the
    rep's profile, limit, calendar, enrollments, prompts and memory again."""

    def run_of(count: int) -> int:
        reps = [RepProfileFactory(team=world.team).user for _ in range(count)]
        changes = [
            enter(world, name=f"{count}-{n}", owner=rep) for n, rep in enumerate(reps)
        ]
        stage_refreshers_record(
            stage_change_ids=[c.pk for c in changes], now=TUESDAY_11
        )
        with CaptureQueriesContext(connection) as queries:
            made = stage_refreshers_make_due(now=TUESDAY_11)
        assert len(made) == count
        return len(queries)

    small, large = run_of(2), run_of(8)
    assert (large - small) / 6 <= 6, (small, large)


def test_outside_the_working_window_it_waits_for_the_next_window_start(world):
    """An entry at 20:00 on Tuesday is made by the sweep at 09:00 on
    Wednesday (the rep's delivery hour), not before; one on Saturday waits
    for Monday."""
    evening = dt.datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    change = enter(world, at=evening)

    assert stage_refreshers_apply(stage_change_ids=[change.pk], now=evening) == []
    row = StageRefresher.objects.get()
    assert (row.status, row.due_at) == (
        "pending",
        dt.datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    )
    assert stage_refreshers_sweep(now=dt.datetime(2026, 12, 2, 8, 59, tzinfo=UTC)) == []
    assert not Prompt.objects.exists()
    made = stage_refreshers_sweep(now=dt.datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    assert len(made) == 1
    assert Prompt.objects.get(position=1).local_date == dt.date(2026, 12, 2)

    saturday = dt.datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    weekend = enter(world, name="Weekend", at=saturday)
    stage_refreshers_apply(stage_change_ids=[weekend.pk], now=saturday)
    assert StageRefresher.objects.get(opportunity__name="Weekend").due_at == (
        dt.datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    )


def test_the_window_is_the_rep_local_one(world):
    """A rep in New York (09:00 there is 14:00 UTC) entered at 11:00 UTC waits
    until 14:00 UTC."""
    world.rep.rep_profile.time_zone = "America/New_York"
    world.rep.rep_profile.save()
    change = enter(world)
    stage_refreshers_apply(stage_change_ids=[change.pk], now=TUESDAY_11)
    assert StageRefresher.objects.get().due_at == dt.datetime(
        2026, 12, 1, 14, 0, tzinfo=UTC
    )


def test_no_refresher_for_an_unknown_owner_an_unmapped_stage_or_the_flag_off(world):
    """A deal of nobody known, a stage without refresh on entry and a stage
    whose flag was switched off make no refresher; an owner who is no rep is
    recorded as skipped and gets nothing."""
    nobody = enter(world, name="Nobody", owner=None)
    unmapped = enter(world, name="Unmapped", stage=world.unmapped)
    off = SalesStage.objects.create(organization=world.org, name="Negotiation")
    off.topics.add(world.pain)
    flag_off = enter(world, name="Off", stage=off)
    manager = enter(world, name="Manager", owner=UserFactory())
    ids = [c.pk for c in (nobody, unmapped, flag_off, manager)]

    assert stage_refreshers_apply(stage_change_ids=ids, now=TUESDAY_11) == []
    assert stage_refreshers_sweep(now=TUESDAY_11) == []

    assert not Prompt.objects.exists() and not PromptTrigger.objects.exists()
    assert list(StageRefresher.objects.values_list("opportunity__name", "status")) == [
        ("Manager", "skipped")
    ]


def test_an_old_entry_or_a_deal_that_moved_on_makes_nothing(world):
    """An entry older than a day (an imported history) or one the deal has
    already left is no moment of need."""
    old = enter(world, name="Old", at=TUESDAY_11 - dt.timedelta(days=2))
    moved = enter(world, name="Moved")
    Opportunity.objects.filter(pk=moved.opportunity_id).update(stage=world.unmapped)
    assert (
        stage_refreshers_apply(stage_change_ids=[old.pk, moved.pk], now=TUESDAY_11)
        == []
    )
    assert not StageRefresher.objects.exists()


def test_the_sweeper_recovers_an_entry_whose_task_was_lost(world):
    """No task ran for the entry (the broker lost it): the next sweep makes its refresher once."""
    enter(world)
    assert len(stage_refreshers_sweep(now=TUESDAY_11 + dt.timedelta(minutes=1))) == 1
    assert stage_refreshers_sweep(now=TUESDAY_11 + dt.timedelta(minutes=2)) == []
    assert PromptTrigger.objects.count() == 1
