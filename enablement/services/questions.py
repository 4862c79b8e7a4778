"""Writes on questions: the choice rules, publishing, retiring, versioning."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enablement.models import MAX_CHOICES, MIN_CHOICES, Choice, Question


@dataclass(frozen=True)
class ChoiceDraft:
    text: str
    is_correct: bool
    feedback: str = ""


def question_choices_errors(*, kind: str, choices: Sequence[ChoiceDraft]) -> list[str]:
    """Return every rule the choices break for a question of this kind."""
    errors = []
    count = len(choices)
    correct = sum(1 for c in choices if c.is_correct)
    if not MIN_CHOICES <= count <= MAX_CHOICES:
        errors.append(
            _("A question needs %(min)d to %(max)d choices; it has %(n)d.")
            % {"min": MIN_CHOICES, "max": MAX_CHOICES, "n": count}
        )
    if kind == Question.Kind.TRUE_FALSE and count != 2:
        errors.append(_("A true/false question has exactly 2 choices."))
    if kind in (Question.Kind.SINGLE_CHOICE, Question.Kind.TRUE_FALSE) and correct != 1:
        errors.append(
            _(
                "A single-choice or true/false question has exactly one correct choice; "
                "it has %(n)d."
            )
            % {"n": correct}
        )
    if kind == Question.Kind.MULTIPLE_CHOICE and not 1 <= correct < count:
        errors.append(
            _(
                "A multiple-choice question needs at least one correct and one incorrect choice."
            )
        )
    texts = [c.text.strip() for c in choices]
    if any(not t for t in texts):
        errors.append(_("Every choice needs a text."))
    if len(set(texts)) != len(texts):
        errors.append(_("Two choices have the same text."))
    return errors


def question_choices_validate(*, kind: str, choices: Sequence[ChoiceDraft]) -> None:
    errors = question_choices_errors(kind=kind, choices=choices)
    if errors:
        raise ValidationError(errors)


def _stored_choices(question: Question) -> list[ChoiceDraft]:
    return [
        ChoiceDraft(c.text, c.is_correct, c.feedback)
        for c in question.choices.order_by("position", "id")
    ]


@transaction.atomic
def question_publish(*, question: Question) -> Question:
    """Publish a draft after checking its stored choices; a retired question stays retired."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.status == Question.Status.PUBLISHED:
        return question
    if question.status == Question.Status.RETIRED:
        raise ValidationError(
            _(
                "%(key)s is retired; copy it into a new question instead of republishing."
            )
            % {"key": question.key}
        )
    question_choices_validate(kind=question.kind, choices=_stored_choices(question))
    question.status = Question.Status.PUBLISHED
    question.published_at = timezone.now()
    question.save(update_fields=["status", "published_at", "updated_at"])
    return question


@transaction.atomic
def question_retire(*, question: Question) -> Question:
    """Retire a question: it is never planned again (reps keep their history)."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.status != Question.Status.RETIRED:
        question.status = Question.Status.RETIRED
        question.save(update_fields=["status", "updated_at"])
    return question


def questions_publish(*, questions: Iterable[Question]) -> tuple[int, list[str]]:
    """Publish many; return how many were published and an error line per failure."""
    published, errors = 0, []
    for question in questions:
        try:
            question_publish(question=question)
            published += 1
        except ValidationError as exc:
            errors.append(f"{question.key}: {' '.join(exc.messages)}")
    return published, errors


def question_set_choices(*, question: Question, choices: Sequence[ChoiceDraft]) -> bool:
    """Replace the question's choices when they differ; return whether anything changed."""
    question_choices_validate(kind=question.kind, choices=choices)
    if _stored_choices(question) == list(choices):
        return False
    question.choices.all().delete()
    Choice.objects.bulk_create(
        Choice(
            question=question,
            position=i,
            text=c.text.strip(),
            is_correct=c.is_correct,
            feedback=c.feedback,
        )
        for i, c in enumerate(choices, start=1)
    )
    return True


def question_bump_version(*, question: Question) -> None:
    """Count a content change of a published question as a new version."""
    if question.status == Question.Status.PUBLISHED:
        Question.objects.filter(pk=question.pk).update(version=question.version + 1)
        question.version += 1
