import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from enablement.models import Enrollment, Question
from enablement.services.questions import (
    ChoiceDraft,
    question_choices_validate,
    question_publish,
    question_retire,
)
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.postgresql
def test_suite_runs_on_postgresql():
    """The integration suite is meant for PostgreSQL, the production database."""
    assert connection.vendor == "postgresql"


@pytest.mark.parametrize(
    ("kind", "choices", "message"),
    [
        ("single_choice", [("a", True), ("b", True)], "exactly one correct"),
        ("single_choice", [("a", False), ("b", False)], "exactly one correct"),
        ("single_choice", [("a", True)], "2 to 6 choices"),
        ("single_choice", [(str(i), i == 0) for i in range(7)], "2 to 6 choices"),
        (
            "true_false",
            [("True", True), ("False", False), ("Maybe", False)],
            "exactly 2",
        ),
        ("multiple_choice", [("a", True), ("b", True)], "at least one correct and one"),
        (
            "multiple_choice",
            [("a", False), ("b", False)],
            "at least one correct and one",
        ),
        ("single_choice", [("same", True), ("same", False)], "same text"),
    ],
)
def test_invalid_choice_sets_are_rejected(kind, choices, message):
    """Each rule on a question's choices rejects a breaking set with its reason."""
    drafts = [ChoiceDraft(text, correct) for text, correct in choices]
    with pytest.raises(ValidationError, match=message):
        question_choices_validate(kind=kind, choices=drafts)


def test_valid_multiple_choice_passes():
    drafts = [ChoiceDraft("a", True), ChoiceDraft("b", True), ChoiceDraft("c", False)]
    question_choices_validate(kind="multiple_choice", choices=drafts)


def test_database_rejects_unknown_status():
    question = QuestionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(status="archived")


def test_database_rejects_published_without_date():
    question = QuestionFactory(status=Question.Status.DRAFT, published_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.filter(pk=question.pk).update(status="published")


def test_database_rejects_duplicate_choice_text():
    question = QuestionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        question.choices.create(text="Right", position=9)


def test_enrollment_needs_exactly_one_of_team_or_rep():
    team = TeamFactory()
    rep = RepProfileFactory(team=team).user
    module = ModuleFactory(methodology__organization=team.organization)
    with pytest.raises(IntegrityError), transaction.atomic():
        EnrollmentFactory(module=module, team=team, rep=rep)
    with pytest.raises(IntegrityError), transaction.atomic():
        EnrollmentFactory(module=module)


def test_enrollment_is_unique_per_module_and_team():
    team = TeamFactory()
    module = ModuleFactory(methodology__organization=team.organization)
    EnrollmentFactory(module=module, team=team)
    with pytest.raises(IntegrityError), transaction.atomic():
        EnrollmentFactory(module=module, team=team)
    assert Enrollment.objects.count() == 1


def test_rep_profile_validates_time_zone_and_working_days():
    profile = RepProfileFactory.build(time_zone="Mars/Olympus", working_days="1238")
    profile.team = TeamFactory()
    with pytest.raises(ValidationError) as exc:
        profile.full_clean(exclude=["user"])
    assert set(exc.value.message_dict) == {"time_zone", "working_days"}


def test_database_rejects_delivery_hour_out_of_range():
    profile = RepProfileFactory()
    profile.delivery_hour = 24
    with pytest.raises(IntegrityError), transaction.atomic():
        profile.save()


def test_topic_of_another_organization_is_rejected():
    question = QuestionFactory.build(
        module=ModuleFactory(), topic=TopicFactory(), key="q-cross"
    )
    with pytest.raises(ValidationError, match="another organization"):
        question.full_clean()


def test_publish_checks_stored_choices():
    question = QuestionFactory(
        status=Question.Status.DRAFT, published_at=None, choices=[("only", True)]
    )
    with pytest.raises(ValidationError, match="2 to 6 choices"):
        question_publish(question=question)
    question.refresh_from_db()
    assert question.status == Question.Status.DRAFT


def test_retired_question_cannot_be_published_again():
    question = question_retire(question=QuestionFactory())
    with pytest.raises(ValidationError, match="retired"):
        question_publish(question=question)
    question.refresh_from_db()
    assert question.status == Question.Status.RETIRED
