import datetime as dt

import pytest

from enablement.models import Enrollment
from reinforcement.models import MemoryState, ModuleMastery
from reinforcement.selectors.kpi_ramp import kpi_ramp_summary
from reinforcement.selectors.scoping import kpi_scope_get
from reinforcement.services.rollups.ramp import ramp_milestones_check
from tests.factories.enablement import (
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)
START = dt.date(2026, 5, 1)


def _stable(rep, question, stability):
    MemoryState.objects.create(
        rep=rep, question=question, state="review", stability=stability,
        difficulty=5, last_review=NOW,
    )  # fmt: skip


def test_milestone_needs_eighty_percent_of_the_module(rep_profile):
    """3 of 5 questions stable for 21 days is not enough; 4 of 5 is."""
    rep = rep_profile.user
    module = ModuleFactory(methodology__organization=rep_profile.team.organization)
    questions = [QuestionFactory(module=module) for _ in range(5)]
    for q in questions[:3]:
        _stable(rep, q, 30.0)
    _stable(rep, questions[3], 20.9)
    assert ramp_milestones_check(rep_id=rep.pk, module_ids=[module.pk], now=NOW) == []
    MemoryState.objects.filter(question=questions[3]).update(stability=21.0)
    assert ramp_milestones_check(rep_id=rep.pk, module_ids=[module.pk], now=NOW) == [
        module.pk
    ]
    later = NOW + dt.timedelta(days=3)
    ramp_milestones_check(rep_id=rep.pk, module_ids=[module.pk], now=later)
    assert ModuleMastery.objects.get(rep=rep).reached_at == NOW


def test_ramp_days_from_the_later_of_enrollment_and_hire():
    """Veterans count from the enrollment's start; a new hire from the hire date."""
    # given: a team enrolled on 1 May; a veteran, a new hire on 6 May, a slow rep
    team = TeamFactory()
    module = ModuleFactory(methodology__organization=team.organization, name="MEDDICC")
    Enrollment.objects.create(module=module, team=team, starts_on=START)
    veteran = RepProfileFactory(
        team=team, user__username="vet", hired_on=dt.date(2023, 1, 1)
    )
    hire = RepProfileFactory(
        team=team, user__username="new", hired_on=dt.date(2026, 5, 6)
    )
    RepProfileFactory(team=team, user__username="slow", hired_on=dt.date(2023, 1, 1))
    at = dt.datetime.combine(START, dt.time(9), tzinfo=dt.UTC)
    ModuleMastery.objects.create(
        rep=veteran.user, module=module, reached_at=at + dt.timedelta(days=12)
    )
    ModuleMastery.objects.create(
        rep=hire.user, module=module, reached_at=at + dt.timedelta(days=15)
    )
    manager = UserFactory()
    team.managers.add(manager)
    # when
    ramp = kpi_ramp_summary(scope=kpi_scope_get(user=manager), now=NOW)
    # then
    rows = {r.rep.username: r for r in ramp.rows}
    assert rows["vet"].days == 12 and not rows["vet"].new_hire
    assert rows["new"].days == 10 and rows["new"].new_hire
    assert rows["new"].started_on == dt.date(2026, 5, 6)
    assert rows["slow"].reached_on is None and rows["slow"].days == 40  # so far
    assert ramp.team_median_days[module.pk] == 11
    assert ramp.new_hire_median_days[module.pk] == 10
