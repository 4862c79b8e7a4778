"""The reinforcement settings an organization starts with, defined once.

``enablement.models.Organization`` uses them as its field defaults, and the
pure planner (``reinforcement.memory.plan_scoring``), which the simulator runs
without Django, plans with them.
"""

DEFAULT_TARGET_RETENTION = 0.85
DEFAULT_NEW_QUESTIONS_PER_DAY = 1
