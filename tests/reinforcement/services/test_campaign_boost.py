"""Campaigns in the planner: during a campaign its topics get more of the
daily dose of its teams' reps, within the cap; outside its dates, and for
other teams, nothing changes (reinforcement/selectors/campaigns.py,
memory/plan_scoring.py)."""

import datetime as dt

import pytest

from enablement.models import Campaign
from enablement.services.campaigns import campaign_plans_affect
from reinforcement.models import MemoryState, Prompt
from reinforcement.services.planning import plans_create
from reinforcement.services.replan import replan_requests_apply
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    OrganizationFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)  # a Tuesday
DOSE = 3


@pytest.fixture
def org():
    org = OrganizationFactory(default_daily_dose=DOSE)
    module = ModuleFactory(methodology__organization=org)
    org.discovery = TopicFactory(organization=org, name="Discovery questioning")
    org.pricing = TopicFactory(organization=org, name="Pricing")
    # Pricing is the more forgotten (shorter stability): unboosted, the dose
    # goes to it first; both topics have reviews worth asking.
    org.questions = {
        org.discovery: QuestionFactory.create_batch(
            6, module=module, topic=org.discovery
        ),
        org.pricing: QuestionFactory.create_batch(6, module=module, topic=org.pricing),
    }
    org.module = module
    return org


def team_rep(org):
    """A rep of a new team, enrolled, every question reviewed 12 days ago."""
    team = TeamFactory(organization=org)
    rep = RepProfileFactory(team=team).user
    EnrollmentFactory(module=org.module, team=team, starts_on=dt.date(2026, 1, 1))
    for topic, stability in ((org.discovery, 6.0), (org.pricing, 2.0)):
        for question in org.questions[topic]:
            MemoryState.objects.create(
                rep=rep,
                question=question,
                state="review",
                stability=stability,
                difficulty=5.0,
                last_review=NOW - dt.timedelta(days=12),
                review_count=1,
            )
    return team, rep


def discovery_share(org, rep) -> tuple[int, int]:
    prompts = Prompt.objects.filter(rep=rep, plan__isnull=False)
    boosted = prompts.filter(question__topic=org.discovery).count()
    return boosted, prompts.count()


def campaign(org, team, **dates):
    c = Campaign.objects.create(
        organization=org,
        name=f"Discovery push {team.pk}",
        boost=3.0,
        starts_on=dates.get("starts_on", dt.date(2026, 11, 25)),
        ends_on=dates.get("ends_on", dt.date(2026, 12, 15)),
    )
    c.topics.add(org.discovery)
    c.teams.add(team)
    return c


def test_a_campaign_gives_its_topics_more_of_the_dose_never_above_the_cap(org):
    """The campaign team's rep gets more Discovery questions than the same rep
    of another team; both doses stay at most the daily dose."""
    boosted_team, boosted_rep = team_rep(org)
    _, control_rep = team_rep(org)
    campaign(org, boosted_team)

    plans_create(rep_ids=[boosted_rep.pk, control_rep.pk], now=NOW)

    boosted, boosted_total = discovery_share(org, boosted_rep)
    control, control_total = discovery_share(org, control_rep)
    assert control < boosted
    assert boosted_total <= DOSE and control_total <= DOSE
    assert control_total > 0


def test_outside_its_dates_a_campaign_changes_nothing(org):
    """A campaign that ended yesterday, or starts tomorrow (in the rep's local
    date), plans exactly what no campaign plans."""
    ended_team, ended_rep = team_rep(org)
    future_team, future_rep = team_rep(org)
    _, control_rep = team_rep(org)
    campaign(
        org, ended_team, starts_on=dt.date(2026, 11, 1), ends_on=dt.date(2026, 11, 30)
    )
    campaign(
        org, future_team, starts_on=dt.date(2026, 12, 2), ends_on=dt.date(2026, 12, 9)
    )

    plans_create(rep_ids=[ended_rep.pk, future_rep.pk, control_rep.pk], now=NOW)

    def keys(rep):
        return list(
            Prompt.objects.filter(rep=rep)
            .order_by("position")
            .values_list("question__topic__name", flat=True)
        )

    assert keys(ended_rep) == keys(future_rep) == keys(control_rep)


def test_the_campaign_day_is_the_rep_local_date(org):
    """At 12:00 UTC on 1 December it is already 2 December in Auckland: a
    campaign starting on the 2nd boosts the Auckland rep only."""
    team, rep = team_rep(org)
    rep.rep_profile.time_zone = "Pacific/Auckland"
    rep.rep_profile.delivery_hour = 0
    rep.rep_profile.working_days = "1234567"
    rep.rep_profile.save()
    other_team, other = team_rep(org)
    for t in (team, other_team):
        campaign(org, t, starts_on=dt.date(2026, 12, 2), ends_on=dt.date(2026, 12, 9))

    plans_create(rep_ids=[rep.pk, other.pk], now=NOW)

    assert discovery_share(org, other)[0] < discovery_share(org, rep)[0]


def test_a_new_campaign_re_plans_today_unanswered_plan(org):
    """A plan made before the campaign is re-planned toward its topics once
    the campaign is saved (plans_affected for its teams); the dose stays at
    most the cap."""
    team, rep = team_rep(org)
    plans_create(rep_ids=[rep.pk], now=NOW)
    before, _ = discovery_share(org, rep)

    campaign(org, team)
    campaign_plans_affect(team_ids=[team.pk])
    replan_requests_apply(now=NOW)

    open_ = Prompt.objects.filter(rep=rep, plan__isnull=False).exclude(
        status="withdrawn"
    )
    assert open_.filter(question__topic=org.discovery).count() > before
    assert open_.count() <= DOSE
