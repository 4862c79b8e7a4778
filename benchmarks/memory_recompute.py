"""Time memory_states_recompute on kpi_generate's organization (run memory_recompute.sh).

kpi_generate writes one memory state per (rep, question) with a review count
of 1; this sets each to its answers since the last one with no memory before
it (what the recompute replays), then recomputes every state under new
parameters and prints the time and how many were rewritten.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from enablement.models import Organization  # noqa: E402
from reinforcement.memory.scheduling import DEFAULT_PARAMETERS  # noqa: E402
from reinforcement.services.memory_recompute import (  # noqa: E402
    memory_states_recompute,
)


def main() -> None:
    organization = Organization.objects.get(name="KPI Bench")
    with connection.cursor() as cur:
        cur.execute("""
            UPDATE reinforcement_memorystate m SET review_count = c.n
            FROM (SELECT a.rep_id, a.question_id, count(*) AS n
                  FROM reinforcement_answer a
                  JOIN (SELECT rep_id, question_id,
                               max(answered_at) FILTER (WHERE stability_before IS NULL)
                                   AS start
                        FROM reinforcement_answer GROUP BY 1, 2) s
                    USING (rep_id, question_id)
                  WHERE s.start IS NULL OR a.answered_at >= s.start
                  GROUP BY 1, 2) c
            WHERE m.rep_id = c.rep_id AND m.question_id = c.question_id
        """)
        cur.execute("SELECT count(*), sum(review_count) FROM reinforcement_memorystate")
        states, reviews = cur.fetchone()
    parameters = list(DEFAULT_PARAMETERS)
    parameters[2] *= 1.5  # a refit that lengthens the taught memory
    started = time.perf_counter()
    written = memory_states_recompute(
        organization=organization, parameters=parameters, now=timezone.now()
    )
    seconds = time.perf_counter() - started
    print(
        f"recomputed {written:,} of {states:,} states ({reviews:,} answers replayed) "
        f"in {seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
