"""INSERT rows, skipping those a unique key already holds, and say which
were written: one ``INSERT ... ON CONFLICT (key) DO NOTHING RETURNING``
(PostgreSQL, and SQLite from 3.35).

Django's ``bulk_create(ignore_conflicts=True)`` writes the same rows but
returns nothing about them; the ingest needs to know which event ids were
new (the rest are replays) and which history rows it added (for the signal),
and asking with a SELECT first costs a round trip per batch.
"""

from collections.abc import Sequence
from functools import lru_cache

from django.db import connection
from django.db.models import Model


@lru_cache(maxsize=64)
def _sql(
    model: type[Model], rows: int, unique: tuple[str, ...], returning: tuple[str, ...]
) -> str:
    meta = model._meta
    qn = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]

    def column(name: str) -> str:
        return qn(meta.get_field(name).column)

    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES {', '.join([row] * rows)} "
        f"ON CONFLICT ({', '.join(column(n) for n in unique)}) DO NOTHING "
        f"RETURNING {', '.join(column(n) for n in returning)}"
    )


def rows_insert_new(
    objs: Sequence[Model], *, unique: tuple[str, ...], returning: tuple[str, ...]
) -> list[tuple]:
    """Insert ``objs`` (instances of one model) except those whose ``unique``
    fields match a row already there; ``returning`` of each row written.

    A row another open transaction is inserting with the same key waits for
    it: written if that one rolls back, skipped if it commits. Callers pass
    rows in a fixed order of the key, so two such writers never deadlock.
    """
    if not objs:
        return []
    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    params = [
        f.get_db_prep_save(f.pre_save(obj, True), connection)
        for obj in objs
        for f in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(_sql(model, len(objs), unique, returning), params)
        return cursor.fetchall()
