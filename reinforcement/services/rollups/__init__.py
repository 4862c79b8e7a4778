"""Keep the KPI rollups up to date (docs/kpis.md).

- ``counters``: the writes one answer makes, inside the answer's statement;
- ``refresh``: what an answer's write cannot keep, per answer and per minute,
  from ``participation``, ``snapshots`` and ``ramp``, which the hourly and
  nightly tasks also run;
- ``rebuild``: everything of some reps again from the Answer log.

The rules (mastery, spaced review, guessing correction, per-answer deltas)
are in ``reinforcement.kpi_rules``.
"""

# Rows per bulk insert or update.
BATCH_SIZE = 2000
