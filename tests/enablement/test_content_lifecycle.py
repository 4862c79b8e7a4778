"""Content lifecycle: retiring withdraws open prompts, copy as new draft, and edits of
published questions confirmed as minor (memory kept) or major (memory reset, re-taught),
recorded on the answers that follow."""

import datetime as dt

import pytest
import yaml
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from enablement.models import Question
from enablement.services.content_import import content_import
from enablement.services.people import PersonData, person_upsert
from enablement.services.questions import (
    ChoiceDraft,
    question_copy,
    question_publish,
    question_retire,
    question_save,
)
from reinforcement.models import Answer, MemoryState, Prompt
from reinforcement.selectors.prompts import prompts_open_for_rep
from reinforcement.services.answers import answer_submit
from reinforcement.services.delivery import plan_deliver
from reinforcement.services.planning import plans_create
from tests.factories.admin_forms import question_change_form
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    OrganizationFactory,
    QuestionFactory,
    TeamFactory,
    UserFactory,
)
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MONDAY = dt.datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TUESDAY = MONDAY + dt.timedelta(days=1)
WEDNESDAY = MONDAY + dt.timedelta(days=2)
OPEN = (Prompt.Status.PLANNED, Prompt.Status.DELIVERED)


def answer(rep, prompt, *, now, right=True, key=None):
    choices = prompt.question.choices.filter(is_correct=right)
    return answer_submit(
        rep_id=rep.pk,
        prompt_id=prompt.pk,
        choice_ids=[choices.first().pk],
        confidence="certain",
        idempotency_key=key or f"k-{prompt.pk}",
        now=now,
        refresh_inline=False,
    )


@pytest.fixture
def world():
    """Two reps on a 3-question dose: Monday's delivered, one answered; Tuesday's planned.

    ``taught`` is the question the rep answered on Monday (the peer has it open).
    """
    team = TeamFactory(organization__new_questions_per_day=3)
    organization = team.organization
    organization.default_daily_dose = 3
    organization.save()
    module = ModuleFactory(methodology__organization=organization)
    questions = [QuestionFactory(module=module) for _ in range(9)]
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    rep, peer = (
        person_upsert(
            organization=organization,
            data=PersonData(email=email, team=team, time_zone="UTC"),
        ).user
        for email in ("rep@example.com", "peer@example.com")
    )
    plans_create(rep_ids=[rep.pk, peer.pk], now=MONDAY)
    for prompt in Prompt.objects.filter(local_date=MONDAY.date()):
        plan_deliver(plan_id=prompt.plan_id, now=MONDAY)
    first = Prompt.objects.filter(rep=rep, local_date=MONDAY.date()).first()
    answer(rep, first, now=MONDAY + dt.timedelta(hours=1))
    plans_create(rep_ids=[rep.pk, peer.pk], now=TUESDAY)
    return {
        "rep": rep,
        "peer": peer,
        "questions": questions,
        "taught": first.question,
        "organization": organization,
    }


def statuses(question):
    return sorted(
        Prompt.objects.filter(question=question).values_list("status", flat=True)
    )


def test_retiring_withdraws_exactly_the_open_prompts(world):
    """The retired question's open prompts are withdrawn; its answered one and others stay."""
    # given: the rep answered it, the peer has it open; the rep has other open prompts
    taught = world["taught"]
    assert statuses(taught) == ["answered", "delivered"]
    others = Prompt.objects.exclude(question=taught)
    before = sorted(others.values_list("pk", "status"))
    # when
    question_retire(question=taught, now=TUESDAY)
    # then
    assert statuses(taught) == ["answered", "withdrawn"]
    assert sorted(others.values_list("pk", "status")) == before
    open_ids = [
        p.question_id
        for p in prompts_open_for_rep(rep_id=world["peer"].pk, now=TUESDAY)
    ]
    assert taught.pk not in open_ids and open_ids
    # Retiring again withdraws nothing more and breaks nothing.
    question_retire(question=taught, now=TUESDAY)
    assert statuses(taught) == ["answered", "withdrawn"]


def test_a_retired_question_leaves_the_api_and_a_stale_answer_is_told_why(
    world, client
):
    """The API no longer lists it; an answer from a stale page or client gets a clear 409."""
    peer = world["peer"]
    taught = QuestionFactory(module=world["taught"].module)
    prompt = make_prompt(rep=peer, question=taught)  # open now, by the real clock
    api = APIClient()
    api.force_authenticate(peer)
    listed = api.get(reverse("api-prompt-list"), {"page_size": 50}).json()
    assert str(prompt.pk) in str(listed)
    question_retire(question=taught)
    listed = api.get(reverse("api-prompt-list"), {"page_size": 50}).json()
    assert str(prompt.pk) not in str(listed)
    body = {
        "choice_ids": [taught.choices.first().pk],
        "confidence": "guess",
        "idempotency_key": "stale-api",
    }
    refused = api.post(
        reverse("api-answer-submit", args=[prompt.pk]), body, format="json"
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "prompt_withdrawn"
    # The page the rep loaded before the retirement, submitted after it.
    client.force_login(peer)
    page = client.post(
        reverse("rep:answer", args=[prompt.pk]),
        {
            "choice": taught.choices.first().pk,
            "confidence": "guess",
            "idempotency_key": "x" * 32,
        },
    )
    html = page.content.decode()
    assert page.status_code == 409
    assert "This question was withdrawn" in html and "That didn&#x27;t work" not in html
    assert "so your answer was not recorded" in html
    assert not Answer.objects.filter(prompt=prompt).exists()


def test_copy_as_new_draft_copies_content_into_a_suffixed_draft(world):
    """A retired question is copied: same stem, choices, topic and module; a new draft."""
    taught = world["taught"]
    question_retire(question=taught)
    copy = question_copy(question=taught)
    again = question_copy(question=taught)
    assert (copy.key, again.key) == (f"{taught.key}-copy", f"{taught.key}-copy-2")
    for made in (copy, again):
        assert made.status == Question.Status.DRAFT and made.version == 1
        assert (made.stem, made.explanation, made.kind) == (
            taught.stem,
            taught.explanation,
            taught.kind,
        )
        assert (made.topic_id, made.module_id) == (taught.topic_id, taught.module_id)
        assert list(made.choices.values_list("position", "text", "is_correct")) == list(
            taught.choices.values_list("position", "text", "is_correct")
        )
    assert question_publish(question=copy).status == Question.Status.PUBLISHED
    with pytest.raises(ValidationError, match="Copy as new draft"):
        question_publish(question=taught)


def edit(question, *, stem=None, correct_index=None, change=None, now=TUESDAY):
    """Save an edit of the stem or of which choice is correct."""
    question = Question.objects.get(pk=question.pk)
    stored = list(question.choices.order_by("position"))
    choices = [
        ChoiceDraft(
            c.text,
            c.is_correct if correct_index is None else i == correct_index,
            c.feedback,
            id=c.pk,
            position=c.position,
        )
        for i, c in enumerate(stored)
    ]
    if stem is not None:
        question.stem = stem
    return question_save(question=question, choices=choices, change=change, now=now)


def memory(question):
    return sorted(
        MemoryState.objects.filter(question=question).values_list(
            "rep_id", "state", "stability", "review_count", "last_review"
        )
    )


def test_a_minor_edit_keeps_memory_and_answers_record_it(world):
    """A wording fix: version 2 (minor), memory and open prompts kept; answers say so."""
    rep, peer, taught = world["rep"], world["peer"], world["taught"]
    [before] = Answer.objects.filter(question=taught)
    assert (before.question_version, before.question_change) == (1, "")
    states = memory(taught)
    saved = edit(taught, stem=taught.stem + " (reworded)", change="minor")
    assert (saved.question.version, saved.question.version_change) == (2, "minor")
    assert memory(taught) == states
    assert statuses(taught) == ["answered", "delivered"]
    prompt = Prompt.objects.get(rep=peer, question=taught)
    outcome = answer(peer, prompt, now=TUESDAY)
    assert (outcome.answer.question_version, outcome.answer.question_change) == (
        2,
        "minor",
    )
    stored = Answer.objects.get(pk=outcome.answer.pk)
    assert (stored.question_version, stored.question_change) == (2, "minor")
    assert rep.pk in {r for r, *_ in memory(taught)}


def test_a_major_edit_resets_memory_and_the_next_plan_teaches_it_again(world):
    """Every rep's memory of it is new again, open prompts go, Wednesday re-teaches it."""
    rep, taught = world["rep"], world["taught"]
    reviewed = MemoryState.objects.get(rep=rep, question=taught)
    assert reviewed.state != "new" and reviewed.review_count == 1
    untouched = memory(world["questions"][-1])
    # when: the correct answer moves to the last choice
    saved = edit(taught, correct_index=3)
    # then: major by default, since the correct set changed
    assert (saved.question.version, saved.question.version_change) == (2, "major")
    assert {(state, s, n) for _, state, s, n, _ in memory(taught)} == {("new", None, 0)}
    assert statuses(taught) == ["answered", "withdrawn"]
    assert memory(world["questions"][-1]) == untouched
    # The rep's next plan introduces it as new material (no predicted recall).
    plans_create(rep_ids=[rep.pk], now=WEDNESDAY)
    prompt = Prompt.objects.get(rep=rep, question=taught, local_date=WEDNESDAY.date())
    assert prompt.predicted_recall is None
    outcome = answer(rep, prompt, now=WEDNESDAY, right=True)
    assert (outcome.answer.question_version, outcome.answer.question_change) == (
        2,
        "major",
    )
    assert outcome.answer.stability_before is None  # a first review, not a recall
    assert MemoryState.objects.get(rep=rep, question=taught).review_count == 1


def test_an_explicit_minor_on_a_changed_correct_set_is_the_authors_call(world):
    """Default major, but an author who says minor keeps the memory (admin warns)."""
    states = memory(world["taught"])
    saved = edit(world["taught"], correct_index=3, change="minor")
    assert saved.question.version_change == "minor"
    assert memory(world["taught"]) == states
    with pytest.raises(ValidationError):
        edit(world["taught"], stem="Other", change="huge")


def test_an_import_that_changes_the_correct_set_is_major(world):
    """Files carry no kind of change: a new correct set is major, wording is minor."""
    org = world["organization"]
    text = {
        "methodologies": [{"key": "m", "name": "M"}],
        "topics": [{"key": "t", "name": "T"}],
        "modules": [{"key": "mod", "methodology": "m", "name": "Mod"}],
        "questions": [
            {
                "key": "imp-1",
                "module": "mod",
                "topic": "t",
                "type": "single_choice",
                "status": "published",
                "stem": "Who signs?",
                "explanation": "The buyer.",
                "choices": [{"text": "CFO", "correct": True}, {"text": "IT"}],
            }
        ],
    }
    content_import(organization=org, name="c.yaml", text=yaml.safe_dump(text))
    question = Question.objects.get(key="imp-1")
    text["questions"][0]["stem"] = "Who signs the order?"
    content_import(organization=org, name="c.yaml", text=yaml.safe_dump(text))
    question.refresh_from_db()
    assert (question.version, question.version_change) == (2, "minor")
    text["questions"][0]["choices"] = [{"text": "CFO"}, {"text": "IT", "correct": True}]
    content_import(organization=org, name="c.yaml", text=yaml.safe_dump(text))
    question.refresh_from_db()
    assert (question.version, question.version_change) == (3, "major")


def test_an_import_that_retires_a_question_withdraws_its_prompts(world):
    """Status retired in a file is a retirement like the admin action."""
    taught = world["taught"]
    taught.status = Question.Status.RETIRED
    question_save(question=taught, choices=None)
    assert statuses(taught) == ["answered", "withdrawn"]


# Admin: the diff page, the choice of kind, copy and retire.


def test_admin_shows_the_diff_and_writes_nothing_until_a_kind_is_chosen(
    world, author_client
):
    """A stem edit: the diff page, no kind preselected; minor then saves version 2."""
    taught = world["taught"]
    states = memory(taught)
    url = reverse("admin:enablement_question_change", args=[taught.pk])
    form = question_change_form(taught, stem="Reworded stem")
    page = author_client.post(url, form)
    html = page.content.decode()
    assert page.status_code == 200 and "What kind of change is this?" in html
    assert f"<del>{taught.stem}</del>" in html and "<ins>Reworded stem</ins>" in html
    assert "checked" not in html and 'id="correct-set-changed"' not in html
    assert 'name="choices-0-id"' in html  # the edit travels in the page
    taught.refresh_from_db()
    assert (taught.stem, taught.version) != ("Reworded stem", 2)
    # Sent without a valid kind: asked again, still nothing written.
    again = author_client.post(url, {**form, "change_kind": "sideways"})
    assert "Choose minor or major." in again.content.decode()
    assert Question.objects.get(pk=taught.pk).version == 1
    done = author_client.post(url, {**form, "change_kind": "minor"})
    assert done.status_code == 302
    taught.refresh_from_db()
    assert (taught.stem, taught.version, taught.version_change) == (
        "Reworded stem",
        2,
        "minor",
    )
    assert memory(taught) == states


def test_admin_defaults_to_major_when_the_correct_set_changes(world, author_client):
    """Another correct choice: major preselected with a warning; confirming resets memory."""
    taught = world["taught"]
    url = reverse("admin:enablement_question_change", args=[taught.pk])
    form = question_change_form(taught, correct_index=2)
    html = author_client.post(url, form).content.decode()
    assert 'id="correct-set-changed"' in html and "The correct answer changes." in html
    assert 'value="major" required checked' in html
    assert 'value="minor" required>' in html
    done = author_client.post(url, {**form, "change_kind": "major"})
    assert done.status_code == 302
    taught.refresh_from_db()
    assert (taught.version, taught.version_change) == (2, "major")
    assert {state for _, state, *_ in memory(taught)} == {"new"}


def test_admin_saves_drafts_and_unchanged_questions_without_asking(author_client):
    """Only a published question's content change is confirmed."""
    draft = QuestionFactory(status=Question.Status.DRAFT, published_at=None)
    url = reverse("admin:enablement_question_change", args=[draft.pk])
    assert (
        author_client.post(url, question_change_form(draft, stem="New")).status_code
        == 302
    )
    published = QuestionFactory()
    url = reverse("admin:enablement_question_change", args=[published.pk])
    assert author_client.post(url, question_change_form(published)).status_code == 302


def test_admin_copy_button_and_action_make_drafts(world, author_client):
    """The change page offers "Copy as new draft"; POST copies and opens the draft."""
    taught = world["taught"]
    question_retire(question=taught)
    page = author_client.get(
        reverse("admin:enablement_question_change", args=[taught.pk])
    )
    copy_url = reverse("admin:enablement_question_copy", args=[taught.pk])
    assert (
        "Copy as new draft" in page.content.decode()
        and copy_url in page.content.decode()
    )
    assert author_client.get(copy_url).status_code == 302  # GET copies nothing
    assert not Question.objects.filter(key=f"{taught.key}-copy").exists()
    response = author_client.post(copy_url)
    copy = Question.objects.get(key=f"{taught.key}-copy")
    assert response["Location"] == reverse(
        "admin:enablement_question_change", args=[copy.pk]
    )
    author_client.post(
        reverse("admin:enablement_question_changelist"),
        {"action": "copy_selected", "_selected_action": [taught.pk]},
    )
    assert Question.objects.filter(key=f"{taught.key}-copy-2", status="draft").exists()
    refused = author_client.post(
        reverse("admin:enablement_question_changelist"),
        {"action": "publish_selected", "_selected_action": [taught.pk]},
        follow=True,
    )
    assert "Copy as new draft" in refused.content.decode()


def test_admin_retire_action_withdraws_open_prompts(world, author_client):
    taught = world["taught"]
    response = author_client.post(
        reverse("admin:enablement_question_changelist"),
        {"action": "retire_selected", "_selected_action": [taught.pk]},
        follow=True,
    )
    assert "their open prompts were withdrawn" in response.content.decode()
    assert statuses(taught) == ["answered", "withdrawn"]


def test_admin_cannot_copy_another_organizations_question(world, client):
    """The copy URL is scoped like the change page: another tenant's staff gets a 404."""
    outsider = UserFactory(username="outsider", is_staff=True, is_superuser=False)
    OrganizationFactory().admins.add(outsider)
    outsider.user_permissions.set(
        Permission.objects.filter(codename__endswith="question")
    )
    client.force_login(outsider)
    taught = world["taught"]
    response = client.post(reverse("admin:enablement_question_copy", args=[taught.pk]))
    assert response.status_code == 404
    assert not Question.objects.filter(key__endswith="-copy").exists()
