"""Writes on questions: the choice rules, saving, publishing, retiring, versioning.

The lifecycle is announced through ``enablement.signals`` inside the write's
transaction: a retirement (reinforcement withdraws the question's open
prompts) and a new version of a published question with its kind of change
(a major one resets every rep's memory of it). See docs/memory.md, "Edits and
retirement".
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enablement.audit import audit_question_write
from enablement.models import MAX_CHOICES, MIN_CHOICES, Choice, Question
from enablement.services.question_diff import (
    ChoiceDraft,
    QuestionDiff,
    question_diff,
)
from enablement.signals import question_retired, question_revised

# Written by the system, never compared or copied from an edit.
_SYSTEM_FIELDS = {"id", "version", "version_change", "created_at", "updated_at"}
# What a copy takes over besides its choices (it starts as a draft, version 1).
_COPIED_FIELDS = (
    "module_id",
    "topic_id",
    "kind",
    "stem",
    "explanation",
    "reference_url",
)


@dataclass(frozen=True)
class QuestionSaved:
    """What ``question_save`` did: ``changed`` is false when nothing was written."""

    question: Question
    created: bool
    changed: bool


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
        ChoiceDraft(c.text, c.is_correct, c.feedback, id=c.pk, position=c.position)
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
                '%(key)s is retired and cannot be republished; use "Copy as new '
                'draft" to start a new question from it.'
            )
            % {"key": question.key}
        )
    question_choices_validate(kind=question.kind, choices=_stored_choices(question))
    question.status = Question.Status.PUBLISHED
    question.published_at = timezone.now()
    question.save(update_fields=["status", "published_at", "updated_at"])
    return question


@transaction.atomic
def question_retire(*, question: Question, now: dt.datetime | None = None) -> Question:
    """Retire a question: never planned again, its open prompts withdrawn at once.

    Reps keep their history (answers, memory states); retiring again does nothing.
    """
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.status != Question.Status.RETIRED:
        question.status = Question.Status.RETIRED
        question.save(update_fields=["status", "updated_at"])
        question_retired.send(
            sender=Question, question_id=question.pk, at=now or timezone.now()
        )
    return question


def _copy_key(question: Question) -> str:
    """The question's key with the first free ``-copy``, ``-copy-2``... suffix."""
    taken = set(
        Question.objects.filter(
            module_id=question.module_id, key__startswith=question.key[:50]
        ).values_list("key", flat=True)
    )
    for number in range(1, len(taken) + 2):
        suffix = "-copy" if number == 1 else f"-copy-{number}"
        key = question.key[: 64 - len(suffix)] + suffix
        if key not in taken:
            return key
    raise AssertionError("unreachable: one of len(taken) + 1 keys is free")


@transaction.atomic
def question_copy(*, question: Question, author=None) -> Question:
    """Copy a question (retired ones too) into a new draft with a suffixed key.

    Same module, topic, kind, stem, explanation, link and choices; version 1,
    no history: it is a new question to reps, taught as new once published.
    """
    copy = Question(
        **{name: getattr(question, name) for name in _COPIED_FIELDS},
        key=_copy_key(question),
        status=Question.Status.DRAFT,
        author=author,
    )
    choices = [
        ChoiceDraft(c.text, c.is_correct, c.feedback, position=c.position)
        for c in _stored_choices(question)
    ]
    return question_save(question=copy, choices=choices).question


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


def question_edit_diff(
    *, question: Question, choices: Sequence[ChoiceDraft] | None
) -> QuestionDiff | None:
    """The diff ``question_save`` would make live for this edit (read only)."""
    if question.pk is None:
        return None
    stored = Question.objects.get(pk=question.pk)
    stored_choices = _stored_choices(stored)
    edited = stored_choices if choices is None else _in_position_order(choices)
    # What question_save would refuse is refused before any question is asked.
    question_choices_validate(kind=question.kind, choices=edited)
    return question_diff(
        stored=stored, edited=question, stored_choices=stored_choices, choices=edited
    )


@transaction.atomic
@audit_question_write
def question_save(
    *,
    question: Question,
    choices: Sequence[ChoiceDraft] | None,
    change: str | None = None,
    now: dt.datetime | None = None,
) -> QuestionSaved:
    """Validate and write a question and its choices: the one way both are written.

    ``question`` is a new instance, or a stored one carrying the edited values.
    Nothing is written when nothing differs, and an edit that changes the
    content of a published question raises its version by one, recording
    ``change`` (``Question.Change``; by default major when the correct set
    changed, else minor) and announcing it (``question_revised``: a major
    change resets reps' memory of it). A draft with an ``id`` updates that
    choice, one without is created, and stored choices left out are deleted;
    ``None`` keeps the stored choices (still checked against the kind). A
    status set to retired is a retirement (``question_retired``).
    """
    if change not in (None, *Question.Change.values):
        raise ValidationError(_("The kind of change is minor or major."))
    if choices is None:
        choices = _stored_choices(question) if question.pk else []
    question_choices_validate(kind=question.kind, choices=choices)
    choices = _in_position_order(choices)
    if question.pk is None:
        question.full_clean()
        question.save()
        _choices_write(question=question, stored=[], choices=choices)
        return QuestionSaved(question=question, created=True, changed=True)
    stored = Question.objects.select_for_update().get(pk=question.pk)
    stored_choices = _stored_choices(stored)
    fields_changed = _fields_differ(stored, question)
    if fields_changed:
        question.full_clean()
        question.save()
    choices_written = _choices_write(
        question=question, stored=stored_choices, choices=choices
    )
    diff = question_diff(
        stored=stored, edited=question, stored_choices=stored_choices, choices=choices
    )
    now = now or timezone.now()
    if diff is not None and question.status == Question.Status.PUBLISHED:
        _version_raise(
            question=question,
            stored=stored,
            change=change or diff.default_change,
            now=now,
        )
    retiring = stored.status != Question.Status.RETIRED
    if retiring and question.status == Question.Status.RETIRED:
        question_retired.send(sender=Question, question_id=question.pk, at=now)
    return QuestionSaved(
        question=question, created=False, changed=fields_changed or choices_written
    )


def _version_raise(
    *, question: Question, stored: Question, change: str, now: dt.datetime
) -> None:
    question.version, question.version_change = stored.version + 1, change
    Question.objects.filter(pk=question.pk).update(
        version=question.version, version_change=change
    )
    question_revised.send(
        sender=Question,
        question_id=question.pk,
        version=question.version,
        change=change,
        at=now,
    )


def _in_position_order(choices: Sequence[ChoiceDraft]) -> list[ChoiceDraft]:
    # A stable sort: drafts without a position keep the order they came in.
    return sorted(choices, key=lambda c: 0 if c.position is None else c.position)


def _fields_differ(stored: Question, edited: Question) -> bool:
    return any(
        getattr(stored, f.attname) != getattr(edited, f.attname)
        for f in Question._meta.concrete_fields
        if f.attname not in _SYSTEM_FIELDS
    )


def _choices_write(
    *, question: Question, stored: list[ChoiceDraft], choices: list[ChoiceDraft]
) -> bool:
    """Make the stored choices the drafted ones; return whether a row was written."""
    if stored == choices and all(c.id is None for c in choices):
        return False  # the same choices again, without ids (a re-import)
    rows = dict(_choice_rows(stored))
    wanted = _choice_rows(choices)
    stale = rows.keys() - {pk for pk, _ in wanted}
    question.choices.filter(pk__in=stale).delete()
    written, new = bool(stale), []
    for pk, values in wanted:
        if pk not in rows:
            new.append(Choice(question=question, **values))
        elif rows[pk] != values:
            Choice.objects.filter(pk=pk).update(**values)
            written = True
    Choice.objects.bulk_create(new)
    return written or bool(new)


def _choice_rows(choices: list[ChoiceDraft]) -> list[tuple[int | None, dict]]:
    """Each choice's id and column values; without a position, its place in the list."""
    return [
        (
            c.id,
            {
                "position": number if c.position is None else c.position,
                "text": c.text.strip(),
                "is_correct": c.is_correct,
                "feedback": c.feedback,
            },
        )
        for number, c in enumerate(choices, start=1)
    ]
