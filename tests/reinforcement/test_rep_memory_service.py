"""Memory per rep in the service: the nightly refit stores it, KPIs and the rep page use it."""

import datetime as dt
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from reinforcement.memory.scheduling import DEFAULT_PARAMETERS, Memory, MemoryModel
from reinforcement.models import (
    Answer,
    MemoryState,
    Prompt,
    RepMemory,
    RepTopicSnapshot,
)
from reinforcement.selectors.memory_models import rep_memory_models
from reinforcement.services.answers import answer_submit
from reinforcement.services.refit import (
    organization_refit,
    rep_answer_histories,
    rep_memories_refit,
)
from reinforcement.services.rollups.snapshots import snapshots_refresh
from tests.factories.enablement import (
    ModuleFactory,
    OrganizationFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    UserFactory,
)
from tests.factories.reinforcement import answered_prompt, make_prompt

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)


def answers_create(rep, questions, *, forgetting, per_question, seed):
    """Answers of a rep who forgets ``forgetting`` times as fast as the defaults.

    Recall is the default model's with the multiplier; states advance with the
    default parameters, as the product's do. Gaps of 1 to 40 days.
    """
    rng = random.Random(seed)
    model = MemoryModel(DEFAULT_PARAMETERS)
    truth = model.with_forgetting(forgetting)
    prompts, answers = [], []
    for question in questions:
        memory, day, last = Memory(), rng.randint(0, 20), None
        for _ in range(per_question):
            elapsed = 0 if last is None else day - last
            recalled = memory.is_new or rng.random() < truth.recall(
                memory.stability, elapsed
            )
            correct = recalled or rng.random() < 0.25
            rating = 3 if recalled else 1
            memory = model.next_memory(memory, rating, elapsed)
            at = START + dt.timedelta(days=day, minutes=rng.randint(0, 300))
            prompt, answer = answered_prompt(
                rep=rep, question=question, at=at, correct=correct,
                recalled=recalled, rating=rating,
                stability_after=memory.stability, difficulty_after=memory.difficulty,
            )  # fmt: skip
            prompts.append(prompt)
            answers.append(answer)
            last, day = day, day + rng.randint(1, 40)
    Prompt.objects.bulk_create(prompts)
    Answer.objects.bulk_create(answers)


@pytest.fixture
def team_answers(organization):
    """A rep forgetting 2x as fast (many answers), a typical one, one with 4 answers."""
    module = ModuleFactory(methodology__organization=organization)
    questions = QuestionFactory.create_batch(40, module=module)
    fast, typical, new = (
        RepProfileFactory(team__organization=organization).user for _ in range(3)
    )
    answers_create(fast, questions, forgetting=2.0, per_question=8, seed=1)
    answers_create(typical, questions, forgetting=1.0, per_question=8, seed=2)
    answers_create(new, questions[:2], forgetting=2.0, per_question=2, seed=3)
    return fast, typical, new


def test_rep_refit_recovers_a_fast_forgetter_and_leaves_a_new_rep_alone(
    organization, team_answers
):
    """2x comes out clearly above 1 (shrunk below 2); the typical rep near 1; the new
    rep gets no row, so the organization's model exactly."""
    fast, typical, new = team_answers
    keyed = rep_answer_histories(organization_id=organization.pk)
    stored = rep_memories_refit(
        organization=organization, now=START, parameters=DEFAULT_PARAMETERS,
        keyed_histories=keyed,
    )  # fmt: skip
    assert stored == 2
    rows = {m.rep_id: m for m in RepMemory.objects.all()}
    assert 1.4 < rows[fast.pk].forgetting < 2.2 and rows[fast.pk].forgetting_low > 1
    assert 0.75 < rows[typical.pk].forgetting < 1.3
    assert new.pk not in rows
    models = rep_memory_models(
        rep_organizations={r.pk: organization.pk for r in team_answers}
    )
    assert models[new.pk].forgetting == 1.0
    assert models[new.pk].parameters == DEFAULT_PARAMETERS
    assert models[fast.pk].recall(10.0, 10.0) < models[new.pk].recall(10.0, 10.0)


def test_nightly_refit_stores_rep_memory_and_drops_a_stale_row(
    organization, team_answers
):
    """organization_refit fits reps after the organization; a rep without enough
    answers loses an old row instead of keeping a stale multiplier."""
    _fast, _typical, new = team_answers
    RepMemory.objects.create(
        rep=new, organization=organization, forgetting=3.0, forgetting_low=2.0,
        forgetting_high=4.0, answers=99, fitted_at=START,
    )  # fmt: skip
    organization_refit(organization=organization, now=START + dt.timedelta(days=400))
    assert RepMemory.objects.filter(organization=organization).count() == 2
    assert not RepMemory.objects.filter(rep=new).exists()
    later = START + dt.timedelta(days=401)
    organization_refit(organization=organization, now=later)  # updates, no duplicates
    assert list(RepMemory.objects.values_list("fitted_at", flat=True)) == [later] * 2


def test_rep_memory_models_is_one_query_for_the_chunk(
    organization, django_assert_num_queries
):
    """Planning a chunk reads every rep's multiplier at once: org fit + multipliers."""
    reps = [RepProfileFactory(team__organization=organization).user for _ in range(5)]
    RepMemory.objects.create(
        rep=reps[0], organization=organization, forgetting=1.5, forgetting_low=1.2,
        forgetting_high=1.9, answers=80, fitted_at=START,
    )  # fmt: skip
    with django_assert_num_queries(2):
        models = rep_memory_models(
            rep_organizations={r.pk: organization.pk for r in reps}
        )
    assert models[reps[0].pk].forgetting == 1.5
    assert {models[r.pk].forgetting for r in reps[1:]} == {1.0}


def test_team_retention_kpi_uses_the_reps_multiplier(organization):
    """The same memory predicts lower recall for a rep who forgets faster."""
    question = QuestionFactory(module__methodology__organization=organization)
    reps = [RepProfileFactory(team__organization=organization).user for _ in range(2)]
    now = timezone.now()
    for rep in reps:
        MemoryState.objects.create(
            rep=rep, question=question, state="review", stability=10.0,
            difficulty=5.0, last_review=now - dt.timedelta(days=10),
        )  # fmt: skip
    RepMemory.objects.create(
        rep=reps[0], organization=organization, forgetting=2.0, forgetting_low=1.5,
        forgetting_high=2.6, answers=200, fitted_at=now,
    )  # fmt: skip
    snapshots_refresh(rep_ids=[r.pk for r in reps], now=now)
    predicted = dict(RepTopicSnapshot.objects.values_list("rep_id", "predicted_sum"))
    model = MemoryModel(DEFAULT_PARAMETERS)
    assert predicted[reps[1].pk] == pytest.approx(model.recall(10.0, 10.0))
    assert predicted[reps[0].pk] == pytest.approx(model.recall(10.0, 20.0))


def _rep_page(client, manager, rep) -> str:
    client.force_login(manager)
    body = client.get(reverse("manager:rep", args=[rep.pk])).content.decode()
    return body[body.index('id="rep-memory"') : body.index('id="rep-topics"')]


@pytest.fixture
def page_world():
    organization = OrganizationFactory()
    team = TeamFactory(organization=organization)
    rep = RepProfileFactory(team=team).user
    question = QuestionFactory(module__methodology__organization=organization)
    MemoryState.objects.create(
        rep=rep, question=question, state="review", stability=5.0, difficulty=5.0,
        last_review=timezone.now() - dt.timedelta(days=2),
    )  # fmt: skip
    snapshots_refresh(rep_ids=[rep.pk], now=timezone.now())
    manager = UserFactory()
    team.managers.add(manager)
    return organization, rep, manager


def test_rep_page_says_how_the_rep_forgets_against_the_model(client, page_world):
    """Faster with the multiplier and interval; no ranking of people."""
    organization, rep, manager = page_world
    RepMemory.objects.create(
        rep=rep, organization=organization, forgetting=1.34, forgetting_low=1.12,
        forgetting_high=1.61, answers=240, fitted_at=timezone.now(),
    )  # fmt: skip
    line = _rep_page(client, manager, rep)
    assert "Forgets faster than the organization's memory model" in line
    assert "about 1.3×" in line and "1.1–1.6×" in line and "240 answers" in line
    assert "rank" not in line.lower()
    RepMemory.objects.filter(rep=rep).update(forgetting_low=0.9, forgetting=1.1)
    assert "Forgets about as the organization's memory model predicts" in _rep_page(
        client, manager, rep
    )


def test_rep_page_without_a_fit_says_not_enough_answers(client, page_world):
    """No row, or a row of another organization (a rep who moved): not shown."""
    _organization, rep, manager = page_world
    assert "not enough answers yet" in _rep_page(client, manager, rep)
    RepMemory.objects.create(
        rep=rep, organization=OrganizationFactory(), forgetting=2.0,
        forgetting_low=1.5, forgetting_high=2.5, answers=300,
        fitted_at=timezone.now(),
    )  # fmt: skip
    line = _rep_page(client, manager, rep)
    assert "not enough answers yet" in line and "Forgets faster" not in line


def test_answer_path_predicts_with_the_multiplier_and_advances_the_same_state(
    organization,
):
    """Same answers by two reps: the one forgetting 2x as fast had a lower predicted
    recall before the second answer; the stored state is the library's for both."""
    question = QuestionFactory(module__methodology__organization=organization)
    right = question.choices.get(is_correct=True)
    reps = [RepProfileFactory(team__organization=organization).user for _ in range(2)]
    RepMemory.objects.create(
        rep=reps[0], organization=organization, forgetting=2.0, forgetting_low=1.5,
        forgetting_high=2.6, answers=200, fitted_at=START,
    )  # fmt: skip
    for rep in reps:
        for i, days in enumerate((0, 6)):
            at = START + dt.timedelta(days=days)
            prompt = make_prompt(rep=rep, question=question, local_date=at.date())
            answer_submit(rep_id=rep.pk, prompt_id=prompt.pk, choice_ids=[right.pk],
                          confidence="fairly_sure", idempotency_key=f"k{i}", now=at)  # fmt: skip
    fast, typical = (
        Answer.objects.filter(rep=rep).order_by("answered_at").last() for rep in reps
    )
    model = MemoryModel(DEFAULT_PARAMETERS)
    first = Answer.objects.filter(rep=reps[1]).order_by("answered_at").first()
    assert typical.predicted_recall == pytest.approx(
        model.recall(first.stability_after, 6.0)
    )
    assert fast.predicted_recall == pytest.approx(
        model.recall(first.stability_after, 12.0)
    )
    assert fast.stability_after == typical.stability_after
