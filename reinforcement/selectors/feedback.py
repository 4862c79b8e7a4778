"""What a rep sees after answering: right or wrong, why, and how peers answered."""

import datetime as dt
from dataclasses import dataclass

from reinforcement.models import Answer
from reinforcement.selectors.peers import PeerDistribution, question_peer_distribution


@dataclass(frozen=True)
class ChoiceFeedback:
    id: int
    text: str
    is_correct: bool
    chosen: bool
    feedback: str


@dataclass(frozen=True)
class AnswerFeedback:
    id: str
    prompt_id: str
    replayed: bool
    correct: bool
    confidence: str
    chosen_choice_ids: list[int]
    correct_choice_ids: list[int]
    explanation: str
    reference_url: str
    choices: list[ChoiceFeedback]
    peers: PeerDistribution
    next_due: dt.datetime | None
    answered_at: dt.datetime


def answer_feedback_get(
    *,
    answer: Answer,
    organization_id: int,
    next_due: dt.datetime | None,
    replayed: bool,
) -> AnswerFeedback:
    """Assemble the feedback of an answer (its question's choices, explanation, peers)."""
    question = answer.question
    chosen = set(answer.chosen_choice_ids)
    peers = question_peer_distribution(
        question_id=question.id, organization_id=organization_id
    )
    feedback = dict(question.choices.values_list("id", "feedback"))
    choices = [
        ChoiceFeedback(
            id=c.choice_id,
            text=c.text,
            is_correct=c.is_correct,
            chosen=c.choice_id in chosen,
            feedback=feedback.get(c.choice_id, ""),
        )
        for c in peers.choices
    ]
    return AnswerFeedback(
        id=str(answer.id),
        prompt_id=str(answer.prompt_id),
        replayed=replayed,
        correct=answer.correct,
        confidence=answer.confidence,
        chosen_choice_ids=list(answer.chosen_choice_ids),
        correct_choice_ids=[c.id for c in choices if c.is_correct],
        explanation=question.explanation,
        reference_url=question.reference_url,
        choices=choices,
        peers=peers,
        next_due=next_due,
        answered_at=answer.answered_at,
    )
