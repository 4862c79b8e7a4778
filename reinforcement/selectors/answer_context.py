"""Everything the answer path needs to know, read in one statement.

The prompt, its question, the question's organization and target retention,
the adopted memory-model fit and the rep's forgetting multiplier, the rep's
memory state of the question, an earlier answer with the same idempotency key,
and the question's choices with the peers' counts (on SQLite the choices take a second query). Through the
ORM this was a dozen compiled queries per answer (docs/benchmarks.md, "Answer
endpoint under load"). The row is read by column name into the pure
dataclasses of ``reinforcement.memory.answering``.

Nothing is locked: the answer service writes only if the memory state is
still the one read here (services/answers.py).
"""

import datetime as dt
import uuid
from functools import cache

from django.db import connection

from enablement.models import (
    Choice,
    Methodology,
    Module,
    Organization,
    Question,
)
from reinforcement.memory.answering import AnswerContext, ChoiceContext, StoredMemory
from reinforcement.models import (
    Answer,
    MemoryModelFit,
    MemoryState,
    PeerChoiceCount,
    PeerQuestionCount,
    Prompt,
    RepMemory,
)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@cache
def _context_sql(vendor: str) -> tuple[str, tuple[str, ...]]:
    """The statement, and the names its row's columns are read by."""
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
    columns = {
        "prompt_status": "p.status",
        "prompt_local_date": "p.local_date",
        "prompt_expires_at": "p.expires_at",
        "question_id": "q.id",
        "question_kind": "q.kind",
        "question_status": "q.status",
        "question_version": "q.version",
        "question_change": "q.version_change",
        "topic_id": "q.topic_id",
        "module_id": "q.module_id",
        "explanation": "q.explanation",
        "reference_url": "q.reference_url",
        "organization_id": "o.id",
        "target_retention": "o.target_retention",
        "fit_id": f"""(SELECT f.id FROM {_table(MemoryModelFit)} f
                 WHERE f.organization_id = o.id AND f.adopted
                 ORDER BY f.fitted_at DESC LIMIT 1)""",
        "memory_id": "ms.id",
        "memory_state": "ms.state",
        "memory_stability": "ms.stability",
        "memory_difficulty": "ms.difficulty",
        "memory_last_review": "ms.last_review",
        "memory_review_count": "ms.review_count",
        "memory_lapse_count": "ms.lapse_count",
        "forgetting": "rm.forgetting",
        "replay_id": "a.id",
        "peer_answers": "pq.answers",
        "choices": choices,
    }
    sql = f"""
        SELECT {", ".join(columns.values())}
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
          LEFT JOIN {_table(RepMemory)} rm
                 ON rm.rep_id = p.rep_id AND rm.organization_id = o.id
         WHERE p.id = %s AND p.rep_id = %s
    """
    return sql, tuple(columns)


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
    sql, names = _context_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, (idempotency_key, prompt_param, rep_id))
        row = cursor.fetchone()
    if row is None:
        return None
    values = dict(zip(names, row, strict=True))
    question_id = values["question_id"]
    return AnswerContext(
        prompt_status=values["prompt_status"],
        prompt_local_date=_date(values["prompt_local_date"]),
        prompt_expires_at=_datetime(values["prompt_expires_at"]),
        question_id=question_id,
        question_kind=values["question_kind"],
        question_status=values["question_status"],
        question_version=values["question_version"],
        question_change=values["question_change"],
        topic_id=values["topic_id"],
        module_id=values["module_id"],
        explanation=values["explanation"],
        reference_url=values["reference_url"],
        organization_id=values["organization_id"],
        target_retention=values["target_retention"],
        fit_id=values["fit_id"],
        forgetting=values["forgetting"] or 1.0,
        choices=(
            [ChoiceContext(*c) for c in values["choices"]]
            if values["choices"] is not None
            else answer_choices_get(question_id=question_id)
        ),
        memory=_stored_memory(values),
        key_seen=values["replay_id"] is not None,
        peer_answers=values["peer_answers"] or 0,
    )


def _stored_memory(values: dict) -> StoredMemory | None:
    if values["memory_id"] is None:
        return None
    return StoredMemory(
        id=values["memory_id"],
        state=values["memory_state"],
        stability=values["memory_stability"],
        difficulty=values["memory_difficulty"],
        last_review=_datetime(values["memory_last_review"]),
        review_count=values["memory_review_count"],
        lapse_count=values["memory_lapse_count"],
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
