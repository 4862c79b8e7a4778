"""Everything the answer path needs to know, read in one statement.

The prompt, its question, the question's organization and target retention,
the adopted memory-model fit, the rep's memory state of the question, an
earlier answer with the same idempotency key, and the question's choices with
the peers' counts (on SQLite the choices take a second query). Through the ORM this was a dozen compiled queries per answer
(docs/benchmarks.md, "Answer endpoint under load").

Nothing is locked: the answer service writes only if the memory state is
still the one read here (services/answers.py).
"""

import datetime as dt
import uuid
from dataclasses import dataclass
from functools import cache

from django.db import connection

from enablement.models import (
    Choice,
    Methodology,
    Module,
    Organization,
    Question,
)
from reinforcement.models import (
    Answer,
    MemoryModelFit,
    MemoryState,
    PeerChoiceCount,
    PeerQuestionCount,
    Prompt,
)


@dataclass(frozen=True)
class StoredMemory:
    id: int
    state: str
    stability: float | None
    difficulty: float | None
    last_review: dt.datetime | None
    review_count: int
    lapse_count: int


@dataclass(frozen=True)
class ChoiceContext:
    id: int
    text: str
    is_correct: bool
    feedback: str
    picks: int  # peers' picks before this answer


@dataclass(frozen=True)
class AnswerContext:
    prompt_status: str
    prompt_local_date: dt.date
    prompt_expires_at: dt.datetime
    question_id: int
    question_kind: str
    question_status: str
    question_version: int
    topic_id: int
    module_id: int
    explanation: str
    reference_url: str
    organization_id: int
    target_retention: float
    fit_id: int | None  # the organization's adopted fit; None: FSRS defaults
    choices: list[ChoiceContext]
    memory: StoredMemory | None
    key_seen: bool  # an answer of the rep's already has this idempotency key
    peer_answers: int  # peers' answers before this one


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@cache
def _context_sql(vendor: str) -> str:
    # PostgreSQL brings the choices along as one JSON column, saving a round
    # trip; SQLite cannot correlate an ordered subquery, so it reads them apart.
    choices = (
        f"""(SELECT json_agg(json_build_array(c.id, c.text, c.is_correct,
                       c.feedback, COALESCE(pc.picks, 0)) ORDER BY c.position, c.id)
              FROM {_table(Choice)} c
              LEFT JOIN {_table(PeerChoiceCount)} pc ON pc.choice_id = c.id
             WHERE c.question_id = q.id)"""
        if vendor == "postgresql"
        else "NULL"
    )
    return f"""
        SELECT p.status, p.local_date, p.expires_at,
               q.id, q.kind, q.status, q.version, q.topic_id, q.module_id,
               q.explanation, q.reference_url,
               o.id, o.target_retention,
               (SELECT f.id FROM {_table(MemoryModelFit)} f
                 WHERE f.organization_id = o.id AND f.adopted
                 ORDER BY f.fitted_at DESC LIMIT 1),
               ms.id, ms.state, ms.stability, ms.difficulty, ms.last_review,
               ms.review_count, ms.lapse_count,
               a.id,
               pq.answers,
               {choices}
          FROM {_table(Prompt)} p
          JOIN {_table(Question)} q ON q.id = p.question_id
          JOIN {_table(Module)} m ON m.id = q.module_id
          JOIN {_table(Methodology)} me ON me.id = m.methodology_id
          JOIN {_table(Organization)} o ON o.id = me.organization_id
          LEFT JOIN {_table(MemoryState)} ms
                 ON ms.rep_id = p.rep_id AND ms.question_id = p.question_id
          LEFT JOIN {_table(Answer)} a
                 ON a.rep_id = p.rep_id AND a.idempotency_key = %s
          LEFT JOIN {_table(PeerQuestionCount)} pq ON pq.question_id = q.id
         WHERE p.id = %s AND p.rep_id = %s
    """


@cache
def _choices_sql() -> str:
    return f"""
        SELECT c.id, c.text, c.is_correct, c.feedback, COALESCE(pc.picks, 0)
          FROM {_table(Choice)} c
          LEFT JOIN {_table(PeerChoiceCount)} pc ON pc.choice_id = c.id
         WHERE c.question_id = %s
         ORDER BY c.position, c.id
    """


def _datetime(value) -> dt.datetime | None:
    # Raw SQL on SQLite returns naive UTC datetimes (or text); PostgreSQL aware ones.
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def answer_context_get(
    *, rep_id: int, prompt_id: uuid.UUID, idempotency_key: str
) -> AnswerContext | None:
    """The context of the rep's prompt, choices included; None if the rep has
    no such prompt."""
    # Django keeps UUIDs as 32 hex characters on SQLite, as uuid on PostgreSQL.
    prompt_param = prompt_id.hex if connection.vendor != "postgresql" else prompt_id
    with connection.cursor() as cursor:
        cursor.execute(
            _context_sql(connection.vendor), (idempotency_key, prompt_param, rep_id)
        )
        row = cursor.fetchone()
    if row is None:
        return None
    (status, local_date, expires_at, question_id, kind, question_status, version,
     topic_id, module_id, explanation, reference_url, organization_id, target,
     fit_id, memory_id, state, stability, difficulty,
     last_review, review_count, lapse_count, replay_id, peer_answers,
     choice_rows) = row  # fmt: skip
    memory = (
        StoredMemory(
            id=memory_id,
            state=state,
            stability=stability,
            difficulty=difficulty,
            last_review=_datetime(last_review),
            review_count=review_count,
            lapse_count=lapse_count,
        )
        if memory_id is not None
        else None
    )
    return AnswerContext(
        prompt_status=status,
        prompt_local_date=_date(local_date),
        prompt_expires_at=_datetime(expires_at),
        question_id=question_id,
        question_kind=kind,
        question_status=question_status,
        question_version=version,
        topic_id=topic_id,
        module_id=module_id,
        explanation=explanation,
        reference_url=reference_url,
        organization_id=organization_id,
        target_retention=target,
        fit_id=fit_id,
        choices=(
            [ChoiceContext(*c) for c in choice_rows]
            if choice_rows is not None
            else answer_choices_get(question_id=question_id)
        ),
        memory=memory,
        key_seen=replay_id is not None,
        peer_answers=peer_answers or 0,
    )


def answer_choices_get(*, question_id: int) -> list[ChoiceContext]:
    """The question's choices in order, with how often peers picked each."""
    with connection.cursor() as cursor:
        cursor.execute(_choices_sql(), (question_id,))
        return [
            ChoiceContext(
                id=id_, text=text, is_correct=bool(correct), feedback=fb, picks=picks
            )
            for id_, text, correct, fb, picks in cursor.fetchall()
        ]
