"""How a rep's peers answered a question."""

from collections import Counter
from dataclasses import dataclass

from enablement.models import Choice
from reinforcement.models import Answer

# The distribution is read on every answer; the most recent answers are
# plenty for a bar chart and keep the cost flat as the log grows.
PEER_ANSWER_SAMPLE = 2000


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


def question_peer_distribution(
    *, question_id: int, organization_id: int
) -> PeerDistribution:
    """How often each choice was picked by reps of the organization (latest answers).

    ``total`` counts answers; with multiple-choice questions the shares of the
    choices can add up to more than one.
    """
    chosen_lists = (
        Answer.objects.filter(
            question_id=question_id,
            rep__rep_profile__team__organization_id=organization_id,
        )
        .order_by("-answered_at")
        .values_list("chosen_choice_ids", flat=True)[:PEER_ANSWER_SAMPLE]
    )
    counts: Counter[int] = Counter()
    total = 0
    for chosen in chosen_lists:
        total += 1
        counts.update(set(chosen))
    choices = Choice.objects.filter(question_id=question_id).order_by("position", "id")
    return PeerDistribution(
        total=total,
        choices=[
            PeerChoice(
                choice_id=c.id,
                text=c.text,
                is_correct=c.is_correct,
                count=counts[c.id],
                share=counts[c.id] / total if total else 0.0,
            )
            for c in choices
        ],
    )
