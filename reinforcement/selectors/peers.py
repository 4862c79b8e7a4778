"""How a rep's peers answered a question."""

from dataclasses import dataclass

from reinforcement.models import PeerQuestionCount
from reinforcement.selectors.answer_context import answer_choices_get


@dataclass(frozen=True)
class PeerChoice:
    choice_id: int
    text: str
    is_correct: bool
    count: int
    share: float


@dataclass(frozen=True)
class PeerDistribution:
    total: int
    choices: list[PeerChoice]


def peer_distribution_build(
    *, total: int, choices: list[tuple[int, str, bool, int]]
) -> PeerDistribution:
    """The distribution from (choice id, text, is correct, picks) in display order."""
    return PeerDistribution(
        total=total,
        choices=[
            PeerChoice(
                choice_id=choice_id,
                text=text,
                is_correct=is_correct,
                count=picks,
                share=picks / total if total else 0.0,
            )
            for choice_id, text, is_correct, picks in choices
        ],
    )


def question_peer_answers(*, question_id: int) -> int:
    """How many answers the question has had (PeerQuestionCount)."""
    total = (
        PeerQuestionCount.objects.filter(question_id=question_id)
        .values_list("answers", flat=True)
        .first()
    )
    return total or 0


def question_peer_distribution(*, question_id: int) -> PeerDistribution:
    """How often each choice was picked by the reps of the question's organization.

    Every answer counts, from the counters the answer service keeps
    (PeerQuestionCount, PeerChoiceCount). ``total`` counts answers; with
    multiple-choice questions the shares can add up to more than one.
    """
    return peer_distribution_build(
        total=question_peer_answers(question_id=question_id),
        choices=[
            (c.id, c.text, c.is_correct, c.picks)
            for c in answer_choices_get(question_id=question_id)
        ],
    )
