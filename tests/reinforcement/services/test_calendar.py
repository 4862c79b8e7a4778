"""Organization calendars: working days reps inherit, company and public holidays."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from enablement.models import Holiday
from reinforcement.models import Prompt, ReplanRequest
from reinforcement.selectors.calendars import team_days_off
from reinforcement.selectors.planning import reps_due_for_planning
from reinforcement.services.planning import plans_create
from reinforcement.services.replan import replan_requests_apply
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db
UTC = dt.UTC
# A Friday, 15:00 UTC, and Christmas Day 2026 (also a Friday).
FRIDAY = dt.datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
CHRISTMAS = dt.datetime(2026, 12, 25, 15, 0, tzinfo=UTC)
THANKSGIVING = dt.datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def enrolled_team(**organization):
    team = TeamFactory(**{f"organization__{k}": v for k, v in organization.items()})
    module = ModuleFactory(methodology__organization=team.organization)
    for _ in range(8):
        QuestionFactory(module=module)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    return team


def open_prompts(rep) -> int:
    return Prompt.objects.filter(
        rep=rep, status__in=[Prompt.Status.PLANNED, Prompt.Status.DELIVERED]
    ).count()


def test_reps_without_days_of_their_own_follow_the_organization():
    """An organization working Monday to Thursday plans nothing on Friday for
    reps who follow it; a rep with Friday in their own days still gets one."""
    team = enrolled_team(working_days="1234")
    follower = RepProfileFactory(team=team).user
    own_days = RepProfileFactory(team=team, working_days="12345").user
    assert follower.rep_profile.working_days == ""

    assert reps_due_for_planning(now=FRIDAY) == [own_days.pk]
    outcomes = plans_create(rep_ids=[follower.pk, own_days.pk], now=FRIDAY)
    assert {o.rep_id: o.status for o in outcomes} == {
        follower.pk: "not_working_day",
        own_days.pk: "planned",
    }


def test_a_company_holiday_is_a_day_off_for_everyone():
    """A listed holiday plans nothing, even for reps with their own working days."""
    team = enrolled_team()
    rep = RepProfileFactory(team=team, working_days="12345").user
    Holiday.objects.create(
        organization=team.organization, date=FRIDAY.date(), name="Offsite"
    )
    assert reps_due_for_planning(now=FRIDAY) == []
    [outcome] = plans_create(rep_ids=[rep.pk], now=FRIDAY)
    assert outcome.status == "not_working_day"
    # The next working day plans as usual.
    monday = FRIDAY + dt.timedelta(days=3)
    assert reps_due_for_planning(now=monday) == [rep.pk]


def test_the_country_public_holidays_are_days_off():
    """With a holiday country, its public holidays are days off; others' are not."""
    us = enrolled_team(holiday_country="US")
    plain = enrolled_team()
    us_rep = RepProfileFactory(team=us).user
    plain_rep = RepProfileFactory(team=plain).user
    days_off = team_days_off(team_ids=[us.pk, plain.pk], around=CHRISTMAS.date())
    assert CHRISTMAS.date() in days_off[us.pk]
    # Thanksgiving, a moving feast: the fourth Thursday of November.
    assert THANKSGIVING.date() in days_off[us.pk]
    assert days_off[plain.pk] == frozenset()
    assert reps_due_for_planning(now=CHRISTMAS) == [plain_rep.pk]
    assert us_rep.pk not in reps_due_for_planning(now=CHRISTMAS)


def test_a_team_in_another_country_keeps_that_countrys_public_holidays():
    """A team naming its own country takes its public holidays instead of the
    organization's; the organization's listed holidays apply to every team."""
    us = enrolled_team(holiday_country="US")
    london = TeamFactory(organization=us.organization, holiday_country="GB")
    EnrollmentFactory(
        module=us.enrollments.get().module, team=london, starts_on=dt.date(2026, 1, 1)
    )
    us_rep = RepProfileFactory(team=us).user
    london_rep = RepProfileFactory(team=london).user
    offsite = Holiday.objects.create(
        organization=us.organization, date=dt.date(2026, 12, 1), name="Offsite"
    )

    days_off = team_days_off(team_ids=[us.pk, london.pk], around=CHRISTMAS.date())

    assert THANKSGIVING.date() in days_off[us.pk]
    assert THANKSGIVING.date() not in days_off[london.pk]
    assert dt.date(2026, 4, 3) in days_off[london.pk]  # Good Friday
    assert dt.date(2026, 4, 3) not in days_off[us.pk]
    assert {offsite.date, CHRISTMAS.date()} <= days_off[us.pk] & days_off[london.pk]
    # and planning follows each team's calendar
    assert reps_due_for_planning(now=THANKSGIVING) == [london_rep.pk]
    [us_outcome] = plans_create(rep_ids=[us_rep.pk], now=THANKSGIVING)
    assert us_outcome.status == "not_working_day"


def test_changing_a_teams_holiday_country_replans_the_team():
    """Today may have become a day off for the team: its plans are re-planned;
    another save of the team that names its fields leaves them alone."""
    team = enrolled_team()
    ReplanRequest.objects.all().delete()
    team.holiday_country = "GB"
    team.full_clean()
    team.save()
    assert list(ReplanRequest.objects.values_list("scope", "scope_id")) == [
        ("team", team.pk)
    ]
    ReplanRequest.objects.all().delete()
    team.save(update_fields=["name"])
    assert not ReplanRequest.objects.exists()
    team.holiday_country = "XX"
    with pytest.raises(ValidationError, match="holiday_country"):
        team.full_clean()


def test_a_holiday_added_for_today_withdraws_the_unanswered_plan():
    """Declaring today a holiday re-plans: today's open questions are withdrawn;
    removing it again gives the rep their dose back."""
    team = enrolled_team()
    rep = RepProfileFactory(team=team).user
    plans_create(rep_ids=[rep.pk], now=FRIDAY)
    assert open_prompts(rep) == 3
    ReplanRequest.objects.all().delete()

    holiday = Holiday.objects.create(organization=team.organization, date=FRIDAY.date())
    replan_requests_apply(now=FRIDAY + dt.timedelta(minutes=1))
    assert open_prompts(rep) == 0

    holiday.delete()
    replan_requests_apply(now=FRIDAY + dt.timedelta(minutes=2))
    # The withdrawn questions were asked today; three others are chosen.
    assert open_prompts(rep) == 3


def test_an_unknown_holiday_country_is_refused():
    """The country must be one the holiday calendar knows."""
    team = TeamFactory()
    organization = team.organization
    organization.holiday_country = "XX"
    with pytest.raises(ValidationError, match="holiday_country"):
        organization.full_clean()
