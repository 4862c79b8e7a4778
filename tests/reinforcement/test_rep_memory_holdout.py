"""Memory per rep, checked and used everywhere: the nightly refit adopts a rep's
multiplier only when the rep's later answers bear it out; retention at stage
entry and the KPI snapshots predict with it; the Memory model report counts
reps' multipliers without naming a rep."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from enablement.services.groups import admin_group_sync
from reinforcement.memory.scheduling import DEFAULT_PARAMETERS, MemoryModel
from reinforcement.models import MemoryState, RepMemory, RepTopicSnapshot
from reinforcement.selectors.memory_models import rep_memory_summary
from reinforcement.services.refit import rep_answer_histories, rep_memories_refit
from reinforcement.services.rollups.snapshots import snapshots_refresh
from revenue.selectors.retention_at_entry import RetentionAsk, retention_at_entries
from tests.factories.enablement import (
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    UserFactory,
)
from tests.reinforcement.test_rep_memory_service import START, answers_create
from tests.revenue.outcome_data import T0, answer_at, sales_world

pytestmark = pytest.mark.django_db
MODEL = MemoryModel(DEFAULT_PARAMETERS)


def rep_memory(rep, organization, forgetting, *, adopted=True, low=None, high=None):
    return RepMemory.objects.create(
        rep=rep, organization=organization, forgetting=forgetting,
        forgetting_low=low if low is not None else forgetting * 0.8,
        forgetting_high=high if high is not None else forgetting * 1.25,
        answers=300, fitted_at=START, adopted=adopted,
    )  # fmt: skip


def test_nightly_refit_adopts_a_fast_forgetter_and_not_a_typical_reps_noise(
    organization,
):
    """Two reps with 320 answers each: the one forgetting 2x as fast is adopted
    (its hold-out figures stored, the multiplier in use); the typical one is
    fitted off 1.0 by noise, not adopted, and keeps the organization's model
    exactly (a row at 1.0, with its figures)."""
    module = ModuleFactory(methodology__organization=organization)
    questions = QuestionFactory.create_batch(40, module=module)
    fast, typical = (
        RepProfileFactory(team__organization=organization).user for _ in range(2)
    )
    answers_create(fast, questions, forgetting=2.0, per_question=8, seed=1)
    answers_create(typical, questions, forgetting=1.0, per_question=8, seed=2)
    keyed = rep_answer_histories(organization_id=organization.pk)
    assert rep_memories_refit(
        organization=organization, now=START, parameters=DEFAULT_PARAMETERS,
        keyed_histories=keyed,
    ) == 2  # fmt: skip
    rows = {m.rep_id: m for m in RepMemory.objects.all()}
    quick, usual = rows[fast.pk], rows[typical.pk]
    assert quick.adopted and quick.forgetting == quick.fitted_forgetting > 1.3
    assert quick.holdout_answers >= 0.2 * quick.answers
    assert quick.holdout_log_loss <= quick.organization_log_loss
    assert not usual.adopted and usual.forgetting == 1.0
    assert usual.fitted_forgetting != 1.0 and usual.holdout_answers > 0
    assert usual.holdout_log_loss is not None
    models = {
        r: MemoryModel(DEFAULT_PARAMETERS).with_forgetting(rows[r].forgetting)
        for r in rows
    }
    assert models[typical.pk].recall(10.0, 10.0) == MODEL.recall(10.0, 10.0)


def test_retention_at_entry_predicts_with_the_reps_multiplier():
    """The same answer history: a rep forgetting 2x as fast had a lower
    retention at entry (the curve at twice the days); no row, or a row not
    adopted, gives exactly the organization's figure."""
    world = sales_world()
    organization = world["organization"]
    fast, plain, checked = world["reps"][:3]
    for rep in (fast, plain, checked):
        answer_at(world, rep, T0 - dt.timedelta(days=10), stability=10.0)
    rep_memory(fast, organization, 2.0)
    rep_memory(checked, organization, 1.0, adopted=False, low=1.2, high=1.9)
    topics = frozenset({world["question"].topic_id})
    found = retention_at_entries(
        organization_id=organization.pk,
        asks=[RetentionAsk(r.pk, r.pk, topics, T0) for r in (fast, plain, checked)],
    )
    assert found[plain.pk] == (MODEL.recall(10.0, 10.0), 1)
    assert found[checked.pk] == found[plain.pk]
    assert found[fast.pk][0] == pytest.approx(MODEL.recall(10.0, 20.0))
    assert found[fast.pk][0] < found[plain.pk][0]


def test_snapshot_kpi_without_a_multiplier_in_use_is_the_organizations_exactly(
    organization,
):
    """Team retention snapshots: a slower rep's recall is higher; no row, a row
    not adopted (1.0) and a row of another organization (a rep who moved) all
    give exactly the organization's model's recall."""
    question = QuestionFactory(module__methodology__organization=organization)
    reps = [RepProfileFactory(team__organization=organization).user for _ in range(4)]
    now = timezone.now()
    for rep in reps:
        MemoryState.objects.create(
            rep=rep, question=question, state="review", stability=10.0,
            difficulty=5.0, last_review=now - dt.timedelta(days=10),
        )  # fmt: skip
    slow, plain, checked, moved = reps
    rep_memory(slow, organization, 0.5, low=0.4, high=0.7)
    rep_memory(checked, organization, 1.0, adopted=False)
    rep_memory(moved, TeamFactory().organization, 2.0)
    snapshots_refresh(rep_ids=[r.pk for r in reps], now=now)
    predicted = dict(RepTopicSnapshot.objects.values_list("rep_id", "predicted_sum"))
    exact = MODEL.recall(10.0, 10.0)
    assert [predicted[r.pk] for r in (plain, checked, moved)] == [exact] * 3
    assert predicted[slow.pk] == pytest.approx(MODEL.recall(10.0, 5.0))
    assert predicted[slow.pk] > exact


@pytest.fixture
def counted_org():
    """An organization of 9 reps: 6 with multipliers in use (2 slower, 4
    faster), 1 fitted but not adopted, 2 with too few answers; an admin and a
    manager."""
    team = TeamFactory(name="North")
    organization = team.organization
    reps = [
        RepProfileFactory(team=team, user=UserFactory(username=f"seller-{i}")).user
        for i in range(9)
    ]
    for rep, f in zip(reps, (0.6, 0.8, 1.2, 1.4, 1.5, 2.0), strict=False):
        rep_memory(rep, organization, f, low=f * 0.9 if f > 1 else f * 0.8,
                   high=f * 1.2 if f < 1 else f * 1.3)  # fmt: skip
    rep_memory(reps[6], organization, 1.0, adopted=False)
    admin = UserFactory(username="enable-admin", is_staff=True)
    admin.groups.add(admin_group_sync())
    organization.admins.add(admin)
    manager = UserFactory(username="north-manager")
    team.managers.add(manager)
    return organization, reps, admin, manager


def test_report_counts_reps_multipliers_with_quartiles(counted_org):
    """Counts and quartiles of the multipliers in use, nothing per rep."""
    organization, _reps, _admin, _manager = counted_org
    summary = rep_memory_summary(organization_id=organization.pk)
    assert (summary.reps, summary.own, summary.faster, summary.slower) == (9, 6, 4, 2)
    assert (summary.not_adopted, summary.too_few) == (1, 2)
    assert summary.quartiles == pytest.approx((0.6, 0.9, 1.3, 1.475, 2.0))
    RepMemory.objects.filter(forgetting__gt=1.3).delete()
    few = rep_memory_summary(organization_id=organization.pk)
    assert few.own == 3 and few.quartiles is None  # under 5 reps: counts only


def test_report_page_and_api_show_the_counts_without_naming_reps(client, counted_org):
    """The admin page's "Memory per rep" and the API's ``reps`` give the counts
    and the quartiles; no rep's name or id appears in them."""
    organization, reps, admin, manager = counted_org
    client.force_login(admin)
    html = client.get(reverse("admin:reinforcement_memorymodelfit_report")).content
    html = html.decode()
    section = html[html.index('id="rep-memory-summary"') : html.index("Refit history")]
    assert "6 of 9 reps have a forgetting multiplier of their own" in section
    assert "4 forget faster than the organization's model, 2 more slowly" in section
    assert "1 were fitted" in section and "2 have too few answers" in section
    assert "0.60×" in section and "1.30×" in section and "2.00×" in section
    assert not any(r.username in html for r in reps)
    api = APIClient()
    api.force_authenticate(manager)
    data = api.get(reverse("kpis:memory-model")).json()["reps"]
    assert data["own"] == 6 and data["too_few"] == 2 and data["not_adopted"] == 1
    assert data["quartiles"] == pytest.approx([0.6, 0.9, 1.3, 1.475, 2.0])
    assert set(data) == {
        "reps", "own", "faster", "slower", "not_adopted", "too_few", "quartiles",
    }  # fmt: skip


def test_rep_page_says_as_the_model_when_the_holdout_did_not_adopt(client, counted_org):
    """A fit clearly above 1 that its hold-out did not adopt is planned with the
    organization's model, and the manager reads that, not "faster"."""
    organization, reps, _admin, manager = counted_org
    rep = reps[6]
    RepMemory.objects.filter(rep=rep).update(forgetting_low=1.2, forgetting_high=1.9)
    client.force_login(manager)
    body = client.get(reverse("manager:rep", args=[rep.pk])).content.decode()
    line = body[body.index('id="rep-memory"') : body.index('id="rep-topics"')]
    assert "Forgets about as the organization's memory model predicts" in line
    assert "Forgets faster" not in line
