"""The Outcomes section, its CSV tables, the outcome API and the retention and
campaign pages: scoped like every KPI."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from enablement.models import Campaign
from revenue.services.outcome_rollups import outcome_rollups_rebuild
from tests.revenue.outcome_data import deal, sales_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = sales_world()
    one, two, three, _ = world["reps"]
    today = timezone.now()
    start = (today - dt.timedelta(days=40)).replace(tzinfo=dt.UTC)
    for i, rep in enumerate([one, two, three]):
        deal(world, rep, f"won-{i}", [("Discovery", 0), ("Proposal", 3), ("Won", 9)])
        deal(world, rep, f"lost-{i}", [("Discovery", 0), ("Lost", 5)])
    for opp in world["organization"].opportunities.all():
        # Recent deals, so the default 12-month window holds them.
        shift = start - opp.created_in_crm_at
        opp.created_in_crm_at += shift
        if opp.closed_at:
            opp.closed_at += shift
        opp.save()
        for change in opp.stage_changes.all():
            change.changed_at += shift
            change.save()
    outcome_rollups_rebuild(organization_id=world["organization"].pk)
    return world


def test_dashboard_shows_outcomes_of_the_managers_teams(client, world):
    """The manager sees win rate, cycle and stages of their team only."""
    client.force_login(world["manager"])
    page = client.get("/manager/").content.decode()
    assert 'id="outcomes"' in page
    assert "Win rate" in page and "50%" in page  # 2 won of 4 closed in team one
    assert "Not available" in page  # no leads sent
    assert world["reps"][2].username not in page  # team two is not theirs


def test_outcome_csv_tables_are_scoped(client, world):
    client.force_login(world["manager"])
    response = client.get("/manager/export/outcomes-reps.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["rep", "team", "created", "won"]
    assert sorted(r[0] for r in rows[1:]) == sorted(
        u.username for u in world["reps"][:2]
    )
    stages = client.get("/manager/export/outcomes-stages.csv").content.decode()
    assert "Discovery,4,4,0,2,0.5000" in stages
    assert client.get("/manager/export/outcomes-teams.csv?months=0").status_code == 400


def test_outcome_api_and_schema(client, world):
    """The API gives the same figures, refuses another team, and is documented."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.for_user(world['manager'])}"}
    summary = client.get("/api/v1/kpis/outcomes/summary/", **headers).json()
    assert summary["total"]["won"] == 2 and summary["total"]["win_rate"] == 0.5
    assert summary["total"]["lead_conversion"] is None
    refused = client.get(
        f"/api/v1/kpis/outcomes/reps/?team={world['other'].pk}", **headers
    )
    assert refused.status_code == 403
    assert client.get("/api/v1/kpis/outcomes/retention/", **headers).status_code == 200
    assert (
        client.get("/api/v1/kpis/outcomes/summary/?months=99", **headers).status_code
        == 400
    )
    schema = client.get("/api/v1/schema/?format=json").json()
    for path in ("summary", "reps", "retention"):
        assert f"/api/v1/kpis/outcomes/{path}/" in schema["paths"]


def test_retention_page_says_association_and_not_enough_data(client, world):
    """Few deals: "not enough data", and the page says it is no proof of cause."""
    client.force_login(world["admin"])
    page = client.get("/manager/outcomes/retention/").content.decode()
    assert "association, not proof of cause" in page
    assert "Not enough data" in page
    assert 'class="conversion-bands"' in page


def test_reps_do_not_see_the_outcome_pages(client, world):
    client.force_login(world["reps"][0])
    assert client.get("/manager/outcomes/retention/").status_code == 403


def test_campaign_report_of_the_organization_only(client, world):
    """The report shows before and after; another organization's campaign is 404."""
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        organization=world["organization"], name="Push", starts_on=today - dt.timedelta(days=20),
        ends_on=today + dt.timedelta(days=5),
    )  # fmt: skip
    campaign.teams.add(world["team"])
    campaign.topics.add(world["question"].topic)
    client.force_login(world["admin"])
    page = client.get(f"/manager/outcomes/campaigns/{campaign.pk}/").content.decode()
    assert "Campaign teams, before" in page and "Days in Discovery" in page
    assert "not enough data" in page  # four reps: below the minimum
    listing = client.get("/manager/outcomes/campaigns/").content.decode()
    assert "Push" in listing
    elsewhere = sales_world(prefix="x")
    client.force_login(elsewhere["admin"])
    assert client.get(f"/manager/outcomes/campaigns/{campaign.pk}/").status_code == 404
