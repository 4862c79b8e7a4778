"""Keep the KPI rollups up to date (docs/kpis.md).

- ``counters``: the writes one answer makes, inside the answer's statement;
- ``refresh``: participation, weekly snapshots and ramp, per minute, hour and
  night;
- ``rebuild``: everything of some reps again from the Answer log.

The rules (mastery, spaced review, guessing correction, per-answer deltas)
are in ``reinforcement.kpi_rules``.
"""
