"""Small portable database functions (PostgreSQL and SQLite)."""

from django.db.models import FloatField, Func


class Epoch(Func):
    """Seconds since 1970 of a datetime column, computed by the database.

    Reading epochs instead of datetimes skips parsing tens of thousands of
    timestamps per planning chunk.
    """

    output_field = FloatField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM %(expressions)s)::float8",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
            **extra,
        )
