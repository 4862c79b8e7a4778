"""The outcome rollups' beat entry (docs/kpis.md, "Outcome rollups"), read by base.py."""

OUTCOMES_SWEEP_SECONDS = 300

OUTCOMES_BEAT_SCHEDULE = {
    # Stage history whose rollup task was lost (a broker outage) is rolled up here.
    "sweep-outcome-rollups": {
        "task": "revenue.tasks.outcome_rollups_sweep_task",
        "schedule": OUTCOMES_SWEEP_SECONDS,
        "options": {"expires": 0.8 * OUTCOMES_SWEEP_SECONDS},
    },
}
