"""What a rep sees after answering: right or wrong, why, and how peers answered."""

import datetime as dt
from dataclasses import dataclass

from reinforcement.memory.answering import ChoiceContext
from reinforcement.models import Answer
from reinforcement.selectors.answer_context import answer_choices_get
from reinforcement.selectors.peers import (
    PeerDistribution,
    peer_distribution_build,
    question_peer_answers,
)


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
    *, answer: Answer, next_due: dt.datetime | None, replayed: bool
) -> AnswerFeedback:
    """The feedback of a stored answer (its question's choices, explanation, peers)."""
    question = answer.question
    return answer_feedback_build(
        answer=answer,
        choices=answer_choices_get(question_id=question.id),
        explanation=question.explanation,
        reference_url=question.reference_url,
        peer_answers=question_peer_answers(question_id=question.id),
        next_due=next_due,
        replayed=replayed,
    )


def answer_feedback_build(
    *,
    answer: Answer,
    choices: list[ChoiceContext],
    explanation: str,
    reference_url: str,
    peer_answers: int,
    next_due: dt.datetime | None,
    replayed: bool = False,
) -> AnswerFeedback:
    """The feedback of an answer from its question's choices and peer counts.

    ``choices`` carry the peers' picks and ``peer_answers`` the peers' answers,
    both with this answer counted. No query.
    """
    chosen = set(answer.chosen_choice_ids)
    return AnswerFeedback(
        id=str(answer.id),
        prompt_id=str(answer.prompt_id),
        replayed=replayed,
        correct=answer.correct,
        confidence=answer.confidence,
        chosen_choice_ids=list(answer.chosen_choice_ids),
        correct_choice_ids=[c.id for c in choices if c.is_correct],
        explanation=explanation,
        reference_url=reference_url,
        choices=[
            ChoiceFeedback(
                id=c.id,
                text=c.text,
                is_correct=c.is_correct,
                chosen=c.id in chosen,
                feedback=c.feedback,
            )
            for c in choices
        ],
        peers=peer_distribution_build(
            total=peer_answers,
            choices=[(c.id, c.text, c.is_correct, c.picks) for c in choices],
        ),
        next_due=next_due,
        answered_at=answer.answered_at,
    )
