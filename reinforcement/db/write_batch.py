"""Several writes made as one atomic unit, gated on an optimistic check.

The answer path writes about ten rows in different tables. Through the ORM
that is ten compiled queries and ten round trips inside a transaction; here
each write is a plain SQL statement built once per shape (table and column
names from the models' ``_meta``), and ``statements_execute_guarded`` makes
them all or none of them depending on a first "guard" statement (an update
conditioned on a version, or an insert that may conflict):

- PostgreSQL runs guard and writes as ONE statement of data-modifying CTEs in
  which every write is conditioned on the guard having returned a row. A
  single statement is atomic on its own, so there is no BEGIN, no COMMIT and
  no row lock taken ahead of the writes: two round trips fewer per answer.
- SQLite, the embedded default, has no data-modifying CTEs, so there the
  statements run one after another inside a transaction.
"""

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Model

# The name later writes use to ask whether the guard wrote (PostgreSQL).
_GUARD = "guard"


@dataclass(frozen=True)
class Statement:
    sql: str  # the statement on its own
    gated_sql: str  # the same, writing only if the guard CTE returned a row
    params: tuple


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


# Values of these types go to the driver as they are on every backend.
_PLAIN = frozenset({int, float, str, bool, type(None)})


def _prep(model: type[Model], values: dict) -> tuple:
    get_field = model._meta.get_field
    return tuple(
        value
        if type(value) in _PLAIN
        else get_field(name).get_db_prep_save(value, connection)
        for name, value in values.items()
    )


@lru_cache(maxsize=256)
def _insert_sql(
    model: type[Model], names: tuple[str, ...], conflict: str
) -> tuple[str, str]:
    meta = model._meta
    fields = [meta.get_field(n) for n in names]
    head = (
        f"INSERT INTO {_qn(meta.db_table)} ({', '.join(_qn(f.column) for f in fields)})"
    )
    plain = f"{head} VALUES ({', '.join(['%s'] * len(fields))}){conflict}"
    # INSERT ... SELECT infers nothing from the target columns, so each value
    # is cast to its column's type (a NULL would otherwise be text).
    casts = ", ".join(f"%s::{f.cast_db_type(connection)}" for f in fields)
    gated = f"{head} SELECT {casts} WHERE EXISTS (SELECT 1 FROM {_GUARD}){conflict}"
    return plain, gated


def insert_statement(
    model: type[Model], values: dict, *, on_conflict_ignore: bool = False
) -> Statement:
    """INSERT one row; ``values`` maps field attnames to Python values.

    ``on_conflict_ignore``: a row that violates a unique constraint is not
    written (as a guard, that means the guard did not write).
    """
    conflict = " ON CONFLICT DO NOTHING" if on_conflict_ignore else ""
    plain, gated = _insert_sql(model, tuple(values), conflict)
    return Statement(plain, gated, _prep(model, values))


@lru_cache(maxsize=256)
def _increment_sql(
    model: type[Model],
    names: tuple[str, ...],
    keys: tuple[str, ...],
    increments: tuple[str, ...],
    latest: tuple[str, ...],
) -> tuple[str, str]:
    meta = model._meta
    table = _qn(meta.db_table)

    def col(name: str) -> str:
        return _qn(meta.get_field(name).column)

    updates = [f"{col(n)} = {table}.{col(n)} + excluded.{col(n)}" for n in increments]
    updates += [f"{col(n)} = excluded.{col(n)}" for n in latest]
    conflict = (
        f" ON CONFLICT ({', '.join(col(k) for k in keys)}) "
        f"DO UPDATE SET {', '.join(updates)}"
    )
    return _insert_sql(model, names, conflict)


def increment_statement(
    model: type[Model],
    keys: dict,
    *,
    defaults: dict | None = None,
    latest: dict | None = None,
    **increments: float,
) -> Statement:
    """Add ``increments`` to the row with these ``keys``, creating it when missing.

    One ``INSERT ... ON CONFLICT (keys) DO UPDATE``, which PostgreSQL and
    SQLite run atomically: no read, no savepoint, no race between two writers
    creating the same row. ``defaults`` only apply to a new row; ``latest``
    columns are overwritten. The keys must be a unique constraint of the model.
    """
    values = {**keys, **(defaults or {}), **(latest or {}), **increments}
    for field in model._meta.concrete_fields:
        if not field.primary_key and field.attname not in values:
            values[field.attname] = field.get_default()
    plain, gated = _increment_sql(
        model, tuple(values), tuple(keys), tuple(increments), tuple(latest or ())
    )
    return Statement(plain, gated, _prep(model, values))


@lru_cache(maxsize=256)
def _update_sql(
    model: type[Model], names: tuple[str, ...], where: tuple[str, ...]
) -> tuple[str, str]:
    meta = model._meta

    def col(name: str) -> str:
        return _qn(meta.get_field(name).column)

    sets = ", ".join(f"{col(n)} = %s" for n in names)
    conditions = " AND ".join(f"{col(n)} = %s" for n in where)
    plain = f"UPDATE {_qn(meta.db_table)} SET {sets} WHERE {conditions}"
    return plain, f"{plain} AND EXISTS (SELECT 1 FROM {_GUARD})"


def update_statement(model: type[Model], values: dict, where: dict) -> Statement:
    """UPDATE the rows matching ``where`` (equalities) with ``values``."""
    plain, gated = _update_sql(model, tuple(values), tuple(where))
    return Statement(plain, gated, _prep(model, values) + _prep(model, where))


def statements_execute_guarded(
    guard: Statement, statements: Sequence[Statement]
) -> bool:
    """Run ``guard``, then ``statements`` only if the guard wrote a row.

    All or nothing: returns True when everything was written, False when the
    guard wrote nothing (and so nothing was written). An error in any
    statement writes nothing either.
    """
    if connection.vendor == "postgresql":
        sql, native_sql = _combined_sql(
            guard.sql, tuple(s.gated_sql for s in statements)
        )
        params = guard.params + tuple(p for s in statements for p in s.params)
        # Inside a caller's transaction a failed statement would abort it;
        # a savepoint keeps it usable (e.g. to read a racing answer's replay).
        inner = transaction.atomic() if connection.in_atomic_block else nullcontext()
        # Query logging (DEBUG, tests that count queries) renders %s queries.
        logged = connection.queries_logged
        with inner, connection.cursor() if logged else _native_cursor() as cursor:
            cursor.execute(sql if logged else native_sql, params)
            return cursor.fetchone()[0] > 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(guard.sql, guard.params)
        if cursor.rowcount < 1:
            return False
        for statement in statements:
            cursor.execute(statement.sql, statement.params)
    return True


@lru_cache(maxsize=128)
def _combined_sql(guard_sql: str, gated_sqls: tuple[str, ...]) -> tuple[str, str]:
    """The one PostgreSQL statement with %s placeholders, and with native $n
    ones (cached per shape of the batch)."""
    ctes = ", ".join(
        [f"{_GUARD} AS ({guard_sql} RETURNING 1)"]
        + [f"w{i} AS ({sql})" for i, sql in enumerate(gated_sqls)]
    )
    sql = f"WITH {ctes} SELECT count(*) FROM {_GUARD}"
    pieces = sql.split("%s")
    numbered = [f"{piece}${i}" for i, piece in enumerate(pieces[:-1], start=1)]
    return sql, "".join(numbered) + pieces[-1]


def _native_cursor():
    """A Django cursor over psycopg's RawCursor, which takes $n placeholders.

    psycopg's usual cursors scan the query for %s on every execution and
    cache the result only for queries under 4 KB and 50 parameters; the
    answer's write is about 5 KB with 70, and the scan cost more client CPU
    than the rest of the answer's SQL. The Django wrapper keeps execute
    wrappers and Django's database exceptions.
    """
    import psycopg  # PostgreSQL only; SQLite never gets here

    connection.ensure_connection()
    return connection.make_cursor(psycopg.RawCursor(connection.connection))
