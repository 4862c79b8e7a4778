import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from enablement.models import Question
from tests.factories.admin_forms import question_change_form
from tests.factories.enablement import ModuleFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def choice_formset(choices, prefix="choices"):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(choices)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "6",
    }
    for i, (text, correct) in enumerate(choices):
        data[f"{prefix}-{i}-position"] = str(i + 1)
        data[f"{prefix}-{i}-text"] = text
        if correct:
            data[f"{prefix}-{i}-is_correct"] = "on"
    return data


def test_author_creates_previews_and_publishes_a_question(author_client):
    # given
    module = ModuleFactory()
    topic = TopicFactory(organization=module.methodology.organization)
    form = {
        "module": module.pk,
        "topic": topic.pk,
        "key": "eb-new",
        "kind": "single_choice",
        "stem": "The VP of Sales loves the demo. Who is the economic buyer?",
        "explanation": "Whoever releases the budget: here the CFO.",
        "reference_url": "",
        **choice_formset(
            [("The CFO", True), ("The VP of Sales", False), ("IT", False)]
        ),
    }
    # when
    response = author_client.post(reverse("admin:enablement_question_add"), form)
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get(key="eb-new")
    assert question.status == Question.Status.DRAFT
    assert question.author.username == "author"
    assert question.choices.count() == 3

    preview = author_client.get(
        reverse("admin:enablement_question_preview", args=[question.pk])
    )
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Who is the economic buyer?" in html
    assert "The VP of Sales" in html and "How sure are you?" in html

    response = author_client.post(
        reverse("admin:enablement_question_changelist"),
        {"action": "publish_selected", "_selected_action": [question.pk]},
        follow=True,
    )
    assert response.status_code == 200
    question.refresh_from_db()
    assert question.status == Question.Status.PUBLISHED
    assert question.published_at is not None

    history = author_client.get(
        reverse("admin:enablement_question_history", args=[question.pk])
    )
    assert history.status_code == 200 and "Added" in history.content.decode()


def test_admin_rejects_a_single_choice_question_with_two_correct(author_client):
    module = ModuleFactory()
    topic = TopicFactory(organization=module.methodology.organization)
    form = {
        "module": module.pk,
        "topic": topic.pk,
        "key": "bad",
        "kind": "single_choice",
        "stem": "Stem",
        "explanation": "Why",
        **choice_formset([("A", True), ("B", True)]),
    }
    response = author_client.post(reverse("admin:enablement_question_add"), form)
    assert response.status_code == 200
    assert "exactly one correct choice" in response.content.decode()
    assert not Question.objects.filter(key="bad").exists()


def test_editing_a_published_question_bumps_its_version(author_client):
    from tests.factories.enablement import QuestionFactory

    question = QuestionFactory()
    form = question_change_form(
        question,
        stem=question.stem + " (revised)",
        change_kind="minor",  # as confirmed on the diff page
    )
    response = author_client.post(
        reverse("admin:enablement_question_change", args=[question.pk]), form
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    question.refresh_from_db()
    assert question.version == 2


def test_author_cannot_edit_users(author_client):
    other = UserFactory(username="someone")
    assert author_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    response = author_client.post(
        reverse("admin:auth_user_change", args=[other.pk]), {"username": "hacked"}
    )
    assert response.status_code == 403
    assert User.objects.filter(username="someone").exists()


def test_admin_import_view_rejects_bad_file_and_writes_nothing(
    author_client, organization
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "bad.yaml", b"questions:\n  - key: x\n    module: nope\n"
    )
    response = author_client.post(
        reverse("admin:enablement_methodology_import"),
        {"organization": organization.pk, "file": upload},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "nothing was imported" in html
    assert "bad.yaml: questions[0] (line 2): module: unknown module" in html
    assert not Question.objects.exists()
