"""plan_now: plan the chosen reps today, print one line each, enqueue delivery."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reinforcement.models import DailyPlan
from reinforcement.tasks import plan_deliver_task
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


def team_with_reps(name, usernames):
    """A team enrolled in a two-question module, its reps working every day."""
    team = TeamFactory(name=name)
    module = ModuleFactory(methodology__organization=team.organization)
    for _ in range(2):
        QuestionFactory(module=module)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    # Every day a working day, and a late delivery hour that plan_now ignores.
    return [
        RepProfileFactory(
            team=team,
            user__username=username,
            working_days="1234567",
            delivery_hour=23,
        ).user
        for username in usernames
    ]


def plan_now(*args):
    out = StringIO()
    call_command("plan_now", *args, stdout=out)
    return out.getvalue().splitlines()


def test_plans_only_the_named_team_and_prints_each_rep():
    """--team plans that team's reps, one line each by username, then the total."""
    team_with_reps("East", ["east.b", "east.a"])
    [west] = team_with_reps("West", ["west.a"])
    lines = plan_now("--team", "East", "--no-deliver")
    assert [(line.split()[0], line.split()[2]) for line in lines[:2]] == [
        ("east.a", "planned"),
        ("east.b", "planned"),
    ]
    assert lines[-1] == "Planned 2 of 2 reps."
    assert DailyPlan.objects.count() == 2
    assert not DailyPlan.objects.filter(rep=west).exists()


def test_enqueues_delivery_of_each_new_plan_unless_told_not_to(monkeypatch):
    """Each plan with prompts is enqueued once; a second run finds it exists."""
    [rep] = team_with_reps("East", ["east.a"])
    enqueued = []
    monkeypatch.setattr(
        plan_deliver_task, "delay", lambda *, plan_id: enqueued.append(plan_id)
    )
    plan_now("--rep", "east.a")
    assert enqueued == [DailyPlan.objects.get(rep=rep).pk]
    lines = plan_now("--all")
    assert lines[0].split()[2] == "exists"
    assert lines[-1] == "Planned 0 of 1 reps."
    assert len(enqueued) == 1


def test_no_matching_rep_is_an_error():
    team_with_reps("East", ["east.a"])
    with pytest.raises(CommandError, match="No rep matches"):
        plan_now("--rep", "nobody")
