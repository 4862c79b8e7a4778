"""What an edit of a question changes: the rule for a new version and its diff.

Read only and free of queries: ``questions.question_save`` decides with it, and
admin shows it before an edit of a published question goes live.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from enablement.models import Question

# What a rep reads besides the choices. Changing it, or the choices, on a
# published question makes a new version: answers record the version they saw.
CONTENT_FIELDS = ("kind", "stem", "explanation")


@dataclass(frozen=True)
class ChoiceDraft:
    """A choice as authored; equal drafts read the same to a rep."""

    text: str
    is_correct: bool
    feedback: str = ""
    # Where the choice is stored, not what it says: an edit that keeps the row
    # keeps the answer statistics attached to it.
    id: int | None = field(default=None, compare=False)
    position: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class QuestionDiff:
    """What an edit of a published question changes, shown before it goes live."""

    fields: list[FieldChange]
    choices_before: list[ChoiceDraft]
    choices_after: list[ChoiceDraft]
    # Another set of right answers (or another kind): what reps remember is wrong.
    correct_set_changed: bool

    @property
    def choices_changed(self) -> bool:
        return self.choices_before != self.choices_after

    @property
    def default_change(self) -> str:
        """Major when the correct set changed; minor otherwise (for imports)."""
        if self.correct_set_changed:
            return Question.Change.MAJOR
        return Question.Change.MINOR


def _correct_set_changed(
    stored: Sequence[ChoiceDraft], edited: Sequence[ChoiceDraft]
) -> bool:
    """Whether other choices are correct now.

    Choices are told apart by their row when the edit names rows (admin: a
    reworded right answer is still that answer), by their text when it names
    none (an import: a file carries no ids).
    """
    if all(c.id is None for c in edited):
        return {c.text.strip() for c in stored if c.is_correct} != {
            c.text.strip() for c in edited if c.is_correct
        }
    before = {c.id for c in stored if c.is_correct}
    after = {c.id for c in edited if c.is_correct}
    return None in after or before != after


def question_diff(
    *,
    stored: Question,
    edited: Question,
    stored_choices: Sequence[ChoiceDraft],
    choices: Sequence[ChoiceDraft],
) -> QuestionDiff | None:
    """The diff of an edit of a published question; None if a rep reads no change."""
    if stored.status != Question.Status.PUBLISHED or not question_content_changed(
        stored=stored, edited=edited, stored_choices=stored_choices, choices=choices
    ):
        return None
    fields = [
        FieldChange(
            str(Question._meta.get_field(name).verbose_name),
            _shown(stored, name),
            _shown(edited, name),
        )
        for name in CONTENT_FIELDS
        if getattr(stored, name) != getattr(edited, name)
    ]
    return QuestionDiff(
        fields=fields,
        choices_before=list(stored_choices),
        choices_after=list(choices),
        correct_set_changed=stored.kind != edited.kind
        or _correct_set_changed(stored_choices, choices),
    )


def _shown(question: Question, name: str) -> str:
    # A kind reads as its label ("True / false"), not its stored value.
    return str(
        question.get_kind_display() if name == "kind" else getattr(question, name)
    )


def question_content_changed(
    *,
    stored: Question,
    edited: Question,
    stored_choices: Sequence[ChoiceDraft],
    choices: Sequence[ChoiceDraft],
) -> bool:
    """Say whether an edit changes what a rep reads (the rule for a new version)."""
    return list(stored_choices) != list(choices) or any(
        getattr(stored, name) != getattr(edited, name) for name in CONTENT_FIELDS
    )
