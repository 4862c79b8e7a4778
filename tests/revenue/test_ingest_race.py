"""Two deliveries of the same events at the same time apply them once."""

import threading
import time

import pytest
from django.db import connection, transaction

from revenue.events import OpportunityEvent, StageRef
from revenue.models import CrmEvent, StageChange
from revenue.services.ingest import crm_batch_ingest
from tests.revenue.conftest import NOW

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


def test_a_racing_duplicate_delivery_waits_and_finds_duplicates(organization, stages):
    """B runs while A's transaction is open: B waits on A's event id, then,
    once A commits, finds it recorded and reports a duplicate."""
    events = [
        OpportunityEvent(
            event_id="race-1", external_id="006R", occurred_at=NOW,
            stage=StageRef(name="Discovery"),
        )
    ]  # fmt: skip
    opened, release, results = threading.Event(), threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                results["a"] = crm_batch_ingest(
                    organization=organization, events=events, source="generic", now=NOW
                )
                opened.set()
                release.wait(20)
        finally:
            connection.close()

    def second():
        opened.wait(20)
        try:
            results["b"] = crm_batch_ingest(
                organization=organization, events=events, source="generic", now=NOW
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    opened.wait(20)
    time.sleep(0.5)  # B is now waiting on A's uncommitted event id
    assert "b" not in results
    release.set()
    for thread in threads:
        thread.join(30)
    assert [r.status for r in results["a"].results] == ["applied"]
    assert [r.status for r in results["b"].results] == ["duplicate"]
    assert StageChange.objects.count() == 1 and CrmEvent.objects.count() == 1
