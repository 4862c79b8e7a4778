"""What reinforcement tells the apps above it (they import it; it never imports them).

``demo_history_seeded(sender, organization_id: int, today: date, days: int, seed: int)``:
``demo_history_seed`` simulated ``days`` days of the demo's answers up to ``today``; the revenue app simulates
the demo's CRM on top of them.
"""

from django.dispatch import Signal

demo_history_seeded = Signal()
