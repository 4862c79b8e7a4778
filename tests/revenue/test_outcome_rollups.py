"""Outcome rollups: kept by the stage_changes_recorded receiver, the same as a
rebuild, idempotent, and read by the outcome KPIs of a scope."""

import datetime as dt

import pytest

from config.celery_app import app
from reinforcement.selectors.scoping import kpi_scope_get
from revenue.models import StageDayCell, StageEntry
from revenue.selectors.outcomes import kpi_outcome_summary
from revenue.services.outcome_rollups import (
    outcome_rollups_rebuild,
    outcome_rollups_sweep,
)
from revenue.signals import stage_changes_recorded
from revenue.tasks import outcome_rollups_refresh_task
from tests.revenue.outcome_data import NOW, T0, answer_at, deal, sales_world

pytestmark = pytest.mark.django_db


def _cells():
    return sorted(
        StageDayCell.objects.values_list(
            "rep_id", "stage_id", "month", "days", "entries", "converted"
        )
    )


def _queued() -> int:
    with app.connection_for_write() as connection:
        return connection.default_channel.client.llen("celery")


def _record(world, changes):
    """What the ingest does after commit, and what the worker then runs."""
    queued = _queued()
    stage_changes_recorded.send(
        sender=None,
        organization_id=world["organization"].pk,
        stage_change_ids=[c.pk for c in changes],
    )
    # One task for the outcome rollups, one for the stage-entry refreshers.
    assert _queued() == queued + 2, "each receiver enqueued its task"
    outcome_rollups_refresh_task(
        organization_id=world["organization"].pk,
        stage_change_ids=[c.pk for c in changes],
    )


def test_receiver_rolls_up_and_a_repeat_changes_nothing():
    """The ingest's signal enqueues the rollup of its deals; a retried
    delivery gives the same cells; a rebuild gives them too."""
    world = sales_world()
    rep = world["reps"][0]
    _, a = deal(world, rep, "a", [("Discovery", 0), ("Proposal", 4), ("Won", 10)])
    _, b = deal(world, rep, "b", [("Discovery", 0), ("Lost", 6)])
    _record(world, a + b)
    first = _cells()
    assert first, "cells were written"
    _record(world, a + b)
    assert _cells() == first
    outcome_rollups_rebuild(organization_id=world["organization"].pk)
    assert _cells() == first


def test_outcome_figures_of_a_scope():
    """Win rate, median cycle, stage conversion and time in stage, as defined."""
    world = sales_world()
    one, two = world["reps"][:2]
    deal(world, one, "a", [("Discovery", 0), ("Proposal", 4), ("Won", 10)])
    deal(world, one, "b", [("Discovery", 0), ("Proposal", 2), ("Won", 20)])
    deal(world, two, "c", [("Discovery", 0), ("Lost", 6)])
    deal(world, two, "d", [("Discovery", 0)])
    deal(world, world["reps"][2], "e", [("Discovery", 0), ("Proposal", 1), ("Won", 30)])
    outcome_rollups_rebuild(organization_id=world["organization"].pk)
    scope = kpi_scope_get(user=world["manager"])
    summary = kpi_outcome_summary(scope=scope, now=NOW, months=6)
    total = summary.total
    assert (total.won, total.lost, total.created) == (2, 1, 4)
    assert total.win_rate == pytest.approx(2 / 3)
    assert total.cycle_median_days == 15  # 10 and 20 days
    assert total.lead_conversion is None  # no lead data: "not available"
    discovery = next(s for s in summary.stages if s.name == "Discovery")
    assert (discovery.entries, discovery.resolved, discovery.converted) == (4, 3, 2)
    assert discovery.median_days == 4  # 2, 4, 6
    assert {r.name for r in summary.reps} == {one.username, two.username}
    admin = kpi_outcome_summary(
        scope=kpi_scope_get(user=world["admin"]), now=NOW, months=6
    )
    assert admin.total.won == 3 and len(admin.teams) == 2


def test_retention_at_entry_comes_from_the_answers_before_it():
    """The owner's predicted recall of the stage's topics at entry: from the
    latest answer before entry, decayed to the moment; none without one."""
    world = sales_world()
    rep, fresh = world["reps"][0], world["reps"][1]
    answer_at(world, rep, T0 - dt.timedelta(days=10), stability=10.0)
    answer_at(world, rep, T0 + dt.timedelta(days=30))  # after entry: not counted
    _, a = deal(world, rep, "a", [("Discovery", 0), ("Proposal", 3)])
    _, b = deal(world, fresh, "b", [("Discovery", 0)])
    _record(world, a + b)
    entry = StageEntry.objects.get(stage_change=a[0])
    # FSRS: recall is 0.9 when elapsed days equal the stability.
    assert entry.retention == pytest.approx(0.9, abs=1e-6)
    assert entry.retention_questions == 1
    assert StageEntry.objects.get(stage_change=b[0]).retention is None
    proposal = StageEntry.objects.get(stage_change=a[1])
    assert proposal.retention is None  # Proposal lists no topics


def test_sweeper_rolls_up_rows_whose_task_was_lost():
    """Stage history written without the signal is rolled up by the sweeper."""
    world = sales_world()
    _, changes = deal(world, world["reps"][0], "a", [("Discovery", 0), ("Won", 5)])
    assert not StageEntry.objects.exists()
    assert outcome_rollups_sweep().opportunities == 1
    assert StageEntry.objects.filter(stage_change=changes[0]).exists()
    assert outcome_rollups_sweep().opportunities == 0
