"""Recompute an organization's memory states when its refit adopts new parameters.

A memory state is a function of the parameters and the answers. Without this,
an adoption would change only predictions from then on: every state kept the
stability the old parameters gave it, and a question taught live but not yet
answered kept the old taught memory, which after a kickoff is most of them
and what the refit fits first. The simulator's refit replays its belief the
same way (``simulation.planners.PlannerRefit._replay``).

Each state is advanced again exactly as the answer path advanced it: from its
start (the taught memory, or new), through the answers since then, with the
rating and the elapsed days each answer recorded (``Answer.elapsed_days``, in
the answer path's whole days), by ``fsrs_forward``, which equals fsrs-rs.
"""

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from django.db import connection, transaction

from enablement.models import Organization
from reinforcement.memory import fsrs_forward
from reinforcement.memory.scheduling import TAUGHT_DIFFICULTY, MemoryModel
from reinforcement.models import Answer, MemoryState
from reinforcement.selectors.memory_models import rep_memory_models

CHUNK_ROWS = 2000


def memory_states_recompute(
    *, organization: Organization, parameters: Sequence[float], now: dt.datetime
) -> int:
    """Advance every memory state of the organization again under ``parameters``.

    A state is rewritten only if its answers since its start are all its
    reviews (its review count), and only if no answer moved it meanwhile (the
    review count is the state's version, as on the answer path). Returns how
    many states were rewritten.
    """
    model = MemoryModel(parameters)
    chains = _answer_chains(organization_id=organization.pk)
    rows = list(
        MemoryState.objects.filter(
            question__module__methodology__organization_id=organization.pk
        )
        .exclude(stability=None)
        .values_list("id", "rep_id", "question_id", "review_count", "last_review")
    )
    answered = [r for r in rows if r[3] > 0 and len(chains[(r[1], r[2])][1]) == r[3]]
    states = _last_states(model, [chains[(r[1], r[2])] for r in answered])
    taught = model.taught_memory()
    models = rep_memory_models(
        rep_organizations={r[1]: organization.pk for r in answered}
    )
    target = organization.target_retention
    new = {
        row_id: (taught.stability, taught.difficulty, None)
        for row_id, _, _, count, _ in rows
        if count == 0
    }
    for (row_id, rep_id, _, _, last_review), (s, d) in zip(
        answered, states, strict=True
    ):
        days = models[rep_id].interval(s, target)
        new[row_id] = (s, d, last_review + dt.timedelta(days=days))
    counts = {r[0]: r[3] for r in rows}
    written = 0
    ids = list(new)
    for start in range(0, len(ids), CHUNK_ROWS):
        written += _write(ids[start : start + CHUNK_ROWS], new, counts, now)
    return written


def _answer_chains(
    *, organization_id: int
) -> defaultdict[tuple[int, int], tuple[bool, list[tuple[int, int]]]]:
    """Each (rep, question)'s (taught start, [(rating, whole days)]) since its start.

    An answer with no memory before it (``stability_before`` empty) starts a
    chain from new: the first answer of a question met in a quiz, or the first
    after a major edit reset the memory. A first answer with a memory before
    it started from the taught memory.
    """
    chains: defaultdict[tuple[int, int], tuple[bool, list[tuple[int, int]]]] = (
        defaultdict(lambda: (False, []))
    )
    rows = (
        Answer.objects.filter(
            question__module__methodology__organization_id=organization_id
        )
        .order_by("rep_id", "question_id", "answered_at")
        .values_list(
            "rep_id", "question_id", "rating", "elapsed_days", "stability_before"
        )
        .iterator(chunk_size=10_000)
    )
    for rep_id, question_id, rating, elapsed, stability_before in rows:
        pair = (rep_id, question_id)
        if stability_before is None:
            chains[pair] = (False, [])
        elif pair not in chains:
            chains[pair] = (True, [])
        # The answer path's whole days (scheduling._whole_days).
        chains[pair][1].append((rating, max(int(elapsed or 0.0), 0)))
    return chains


def _last_states(model: MemoryModel, chains) -> list[tuple[float, float]]:
    if not chains:
        return []
    packed = fsrs_forward.histories_pack(
        [reviews for _, reviews in chains],
        [TAUGHT_DIFFICULTY if taught else math.nan for taught, _ in chains],
    )
    stability, difficulty = fsrs_forward.last_states(
        np.asarray(model.parameters, dtype=float), packed
    )
    return list(zip(stability.tolist(), difficulty.tolist(), strict=True))


@transaction.atomic
def _write(ids: list[int], new: dict, counts: dict[int, int], now: dt.datetime) -> int:
    """Rewrite the chunk's states that no answer moved since they were read.

    One UPDATE per state, each guarded by the review count read (the answer
    path's version): a state answered meanwhile keeps the answer path's
    values. Sent as one batch (psycopg pipelines ``executemany``); an ORM
    ``bulk_update`` of a chunk is a CASE over every row, quadratic in it.
    """
    table = connection.ops.quote_name(MemoryState._meta.db_table)
    at = connection.ops.adapt_datetimefield_value
    with_due, without_due = [], []
    for pk in ids:
        stability, difficulty, due = new[pk]
        if due is None:
            without_due.append((stability, difficulty, at(now), pk, counts[pk]))
        else:
            with_due.append((stability, difficulty, at(due), at(now), pk, counts[pk]))
    written = 0
    with connection.cursor() as cursor:
        for sql, params in (
            (_UPDATE_WITH_DUE.format(table=table), with_due),
            (_UPDATE.format(table=table), without_due),
        ):
            if params:
                cursor.executemany(sql, params)
                written += max(cursor.rowcount, 0)
    return written


_UPDATE = (
    "UPDATE {table} SET stability = %s, difficulty = %s, updated_at = %s"
    " WHERE id = %s AND review_count = %s"
)
_UPDATE_WITH_DUE = (
    "UPDATE {table} SET stability = %s, difficulty = %s, due = %s, updated_at = %s"
    " WHERE id = %s AND review_count = %s"
)
