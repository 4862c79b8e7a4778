"""How a rep's peers answered a question."""

from dataclasses import dataclass

from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from enablement.models import Choice
from reinforcement.models import PeerChoiceCount, PeerQuestionCount


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


def question_peer_distribution(*, question_id: int) -> PeerDistribution:
    """How often each choice was picked by the reps of the question's organization.

    Every answer counts, from the counters the answer service keeps
    (PeerQuestionCount, PeerChoiceCount). ``total`` counts answers; with
    multiple-choice questions the shares can add up to more than one.
    """
    total = (
        PeerQuestionCount.objects.filter(question_id=question_id)
        .values_list("answers", flat=True)
        .first()
    )
    picks = PeerChoiceCount.objects.filter(choice_id=OuterRef("pk")).values("picks")
    rows = (
        Choice.objects.filter(question_id=question_id)
        .order_by("position", "id")
        .annotate(picks=Coalesce(Subquery(picks), Value(0)))
        .values_list("id", "text", "is_correct", F("picks"))
    )
    return peer_distribution_build(total=total or 0, choices=list(rows))
