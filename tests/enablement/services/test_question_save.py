import copy

import pytest
import yaml
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from enablement.models import Choice, Question
from enablement.services.content_import import content_import
from enablement.services.questions import ChoiceDraft, question_save
from tests.factories.enablement import (
    ModuleFactory,
    OrganizationFactory,
    QuestionFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ORIGINAL = {
    "stem": "Who signs the contract at Globex?",
    "explanation": "The economic buyer has final authority over the spend.",
    "reference_url": "",
    "rows": [
        {"position": 1, "text": "The CFO", "is_correct": True, "feedback": ""},
        {"position": 2, "text": "The IT admin", "is_correct": False, "feedback": ""},
        {"position": 3, "text": "Procurement", "is_correct": False, "feedback": ""},
    ],
}


def content_file(question: dict) -> str:
    """A content file holding one published question, its choices by position."""
    rows = sorted(question["rows"], key=lambda r: r["position"])
    return yaml.safe_dump(
        {
            "methodologies": [{"key": "meddicc", "name": "MEDDICC"}],
            "topics": [{"key": "economic-buyer", "name": "Economic buyer"}],
            "modules": [{"key": "m-101", "methodology": "meddicc", "name": "M 101"}],
            "questions": [
                {
                    "key": "eb-1",
                    "module": "m-101",
                    "topic": "economic-buyer",
                    "type": "single_choice",
                    "status": "published",
                    "stem": question["stem"],
                    "explanation": question["explanation"],
                    "reference_url": question["reference_url"],
                    "choices": [
                        {
                            "text": r["text"],
                            "correct": r["is_correct"],
                            "feedback": r["feedback"],
                        }
                        for r in rows
                    ],
                }
            ],
        }
    )


def admin_change_form(
    question: Question, edited: dict, change_kind: str | None = "minor"
) -> dict:
    """The admin change form posting ``edited``, row i kept as stored choice i.

    ``change_kind`` is what the diff page confirms; None: not confirmed yet.
    """
    stored = list(question.choices.order_by("position", "id"))
    form = {
        "module": question.module_id,
        "topic": question.topic_id,
        "key": question.key,
        "kind": question.kind,
        "stem": edited["stem"],
        "explanation": edited["explanation"],
        "reference_url": edited["reference_url"],
        "choices-TOTAL_FORMS": str(len(stored)),
        "choices-INITIAL_FORMS": str(len(stored)),
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "6",
    }
    if change_kind:
        form["change_kind"] = change_kind
    for i, (choice, row) in enumerate(zip(stored, edited["rows"], strict=True)):
        form[f"choices-{i}-id"] = str(choice.pk)
        form[f"choices-{i}-question"] = str(question.pk)
        form[f"choices-{i}-position"] = str(row["position"])
        form[f"choices-{i}-text"] = row["text"]
        form[f"choices-{i}-feedback"] = row["feedback"]
        if row["is_correct"]:
            form[f"choices-{i}-is_correct"] = "on"
    return form


def set_field(name, value):
    def edit(q):
        q[name] = value

    return edit


def set_row(index, name, value):
    def edit(q):
        q["rows"][index][name] = value

    return edit


def move_correct(q):
    q["rows"][0]["is_correct"], q["rows"][2]["is_correct"] = False, True


def swap_first_two(q):
    q["rows"][0]["position"], q["rows"][1]["position"] = 2, 1


def spread_positions(q):
    for row in q["rows"]:
        row["position"] *= 10


EDITS = {
    "stem wording": (set_field("stem", "Who signs at Globex?"), 2),
    "stem whitespace only": (set_field("stem", ORIGINAL["stem"] + "  "), 1),
    "explanation wording": (set_field("explanation", "The buyer signs."), 2),
    "choice wording": (set_row(1, "text", "The IT administrator"), 2),
    "choice feedback": (set_row(1, "feedback", "A user, not a buyer."), 2),
    "correct choice": (move_correct, 2),
    "choice order": (swap_first_two, 2),
    "positions spread, same order": (spread_positions, 1),
    "reference link": (set_field("reference_url", "https://playbook.example.com"), 1),
    "nothing": (lambda q: None, 1),
}


@pytest.mark.parametrize(("edit", "version"), EDITS.values(), ids=EDITS.keys())
def test_admin_and_import_judge_an_edit_alike(author_client, edit, version):
    """An edit raises a published question's version the same through admin and import."""
    # given
    edited = copy.deepcopy(ORIGINAL)
    edit(edited)
    through_admin, through_import = OrganizationFactory(), OrganizationFactory()
    for organization in (through_admin, through_import):
        content_import(
            organization=organization, name="c.yaml", text=content_file(ORIGINAL)
        )
    in_admin = Question.objects.get(module__methodology__organization=through_admin)
    # when
    url = reverse("admin:enablement_question_change", args=[in_admin.pk])
    form = admin_change_form(in_admin, edited, change_kind=None)
    response = author_client.post(url, form)
    if version == 2:
        # A new version is confirmed first, with the kind import would choose.
        html = response.content.decode()
        assert response.status_code == 200 and "What kind of change" in html
        kind = "major" if 'id="correct-set-changed"' in html else "minor"
        response = author_client.post(url, {**form, "change_kind": kind})
    content_import(
        organization=through_import, name="c.yaml", text=content_file(edited)
    )
    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    in_admin.refresh_from_db()
    in_import = Question.objects.get(module__methodology__organization=through_import)
    assert (in_admin.version, in_import.version) == (version, version)
    assert in_admin.version_change == in_import.version_change


def test_admin_edit_keeps_the_choice_rows(author_client):
    """Rewording a choice in admin updates its row, so its id (and stats) stay."""
    question = QuestionFactory()
    ids = list(question.choices.order_by("position").values_list("id", flat=True))
    edited = copy.deepcopy(ORIGINAL) | {"rows": []}
    for choice in question.choices.order_by("position"):
        edited["rows"].append(
            {
                "position": choice.position,
                "text": choice.text,
                "is_correct": choice.is_correct,
                "feedback": "",
            }
        )
    edited["rows"][1]["text"] = "Reworded"

    response = author_client.post(
        reverse("admin:enablement_question_change", args=[question.pk]),
        admin_change_form(question, edited),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    rows = list(question.choices.order_by("position").values_list("id", "text"))
    assert [pk for pk, _ in rows] == ids
    assert rows[1][1] == "Reworded"


def test_admin_history_lists_added_and_deleted_choices(author_client):
    """The change message names the choices an edit added and deleted."""
    # given
    question = QuestionFactory()
    stored = list(question.choices.order_by("position"))
    form = admin_change_form(
        question,
        {
            "stem": question.stem,
            "explanation": question.explanation,
            "reference_url": "",
            "rows": [
                {
                    "position": c.position,
                    "text": c.text,
                    "is_correct": c.is_correct,
                    "feedback": "",
                }
                for c in stored
            ],
        },
    )
    form["choices-3-DELETE"] = "on"
    form["choices-TOTAL_FORMS"] = "5"
    form |= {"choices-4-position": "5", "choices-4-text": "Brand new"}
    # when
    response = author_client.post(
        reverse("admin:enablement_question_change", args=[question.pk]), form
    )
    # then
    assert response.status_code == 302, response.content.decode()[:3000]
    texts = list(question.choices.order_by("position").values_list("text", flat=True))
    assert texts == ["Right", "Wrong A", "Wrong B", "Brand new"]
    message = LogEntry.objects.get(object_id=str(question.pk)).get_change_message()
    assert "Added choice “Brand new”" in message
    assert "Deleted choice “Wrong C”" in message
    question.refresh_from_db()
    assert question.version == 2


def test_admin_without_choice_permission_reports_a_refused_kind(client):
    """A kind the stored choices do not fit is refused through a message; nothing saved."""
    # given
    editor = UserFactory(username="editor", is_staff=True)
    editor.user_permissions.set(
        Permission.objects.filter(codename__in=["change_question", "view_question"])
    )
    client.force_login(editor)
    question = QuestionFactory()
    question.module.methodology.organization.admins.add(editor)
    stem = question.stem
    url = reverse("admin:enablement_question_change", args=[question.pk])
    form = {
        "module": question.module_id,
        "topic": question.topic_id,
        "key": question.key,
        "kind": Question.Kind.TRUE_FALSE,
        "stem": "Edited stem",
        "explanation": question.explanation,
        "reference_url": "",
    }
    # when
    response = client.post(url, form)
    # then
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "A true/false question has exactly 2 choices." in page
    question.refresh_from_db()
    assert (question.kind, question.stem) == (Question.Kind.SINGLE_CHOICE, stem)
    assert not LogEntry.objects.exists()


def new_question(**fields) -> Question:
    module = ModuleFactory()
    topic = TopicFactory(organization=module.methodology.organization)
    return Question(module=module, topic=topic, key="new-1", **fields)


DRAFTS = [ChoiceDraft("Yes", True), ChoiceDraft("No", False)]


def test_a_new_question_is_written_with_its_choices_in_order():
    """A new question gets its choices, numbered in the order given."""
    saved = question_save(
        question=new_question(stem="Stem?", explanation="Why."),
        choices=[ChoiceDraft(" Yes ", True, "Right."), ChoiceDraft("No", False)],
    )

    assert saved.created and saved.changed
    rows = list(saved.question.choices.values_list("position", "text", "feedback"))
    assert rows == [(1, "Yes", "Right."), (2, "No", "")]
    assert saved.question.version == 1


def test_saving_the_stored_content_again_writes_nothing():
    """Saving a question unchanged keeps its row, choices and version."""
    question = QuestionFactory()
    before = (question.updated_at, set(Choice.objects.values_list("id", flat=True)))
    same = [
        ChoiceDraft(c.text, c.is_correct, c.feedback)
        for c in question.choices.order_by("position")
    ]

    saved = question_save(question=Question.objects.get(pk=question.pk), choices=same)

    assert not saved.changed
    saved.question.refresh_from_db()
    assert saved.question.version == 1
    assert (
        saved.question.updated_at,
        set(Choice.objects.values_list("id", flat=True)),
    ) == before


def test_a_draft_changes_content_without_a_new_version():
    """Only a published question counts a content change as a new version."""
    question = QuestionFactory(status=Question.Status.DRAFT, published_at=None)
    question.stem = "A new stem"

    saved = question_save(question=question, choices=DRAFTS)

    assert saved.changed
    question.refresh_from_db()
    assert (question.stem, question.version) == ("A new stem", 1)
    assert question.choices.count() == 2


def test_refused_choices_write_nothing():
    """Choices that break a rule are refused and the edited fields stay unsaved."""
    question = QuestionFactory()
    stem = question.stem
    question.stem = "Edited"

    with pytest.raises(ValidationError, match="exactly one correct choice"):
        question_save(
            question=question,
            choices=[ChoiceDraft("A", True), ChoiceDraft("B", True)],
        )

    question.refresh_from_db()
    assert question.stem == stem
    assert question.choices.count() == 4


def test_without_choices_the_stored_ones_stay_and_are_checked():
    """choices=None keeps the stored choices, still checked against the kind."""
    question = QuestionFactory()
    question.explanation = "Reworded explanation"

    saved = question_save(question=question, choices=None)

    assert saved.question.version == 2
    assert saved.question.choices.count() == 4
    saved.question.kind = Question.Kind.TRUE_FALSE
    with pytest.raises(ValidationError, match="exactly 2 choices"):
        question_save(question=saved.question, choices=None)
