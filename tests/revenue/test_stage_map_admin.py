"""The stage-to-topic map and campaigns in admin, as an enablement admin:
their organization's topics and teams only, and a campaign change re-plans
its teams' plans of today."""

import datetime as dt

import pytest
from django.urls import reverse

from enablement.models import Campaign
from enablement.services.people import PersonData, Role, person_upsert
from reinforcement.models import ReplanRequest
from revenue.models import SalesStage
from tests.factories.enablement import TeamFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, organization):
    user = person_upsert(
        organization=organization,
        data=PersonData(email="admin@acme.example", role=Role.ADMIN),
    ).user
    client.force_login(user)
    return client


def test_an_admin_maps_a_stage_to_their_topics_only(admin_client, organization):
    """The admin adds Discovery with its topics and refresh on entry; a topic
    of another organization is refused and nothing is written."""
    pain = TopicFactory(organization=organization, name="Pain")
    foreign = TopicFactory(name="Foreign topic")
    url = reverse("admin:revenue_salesstage_add")
    form = {
        "organization": organization.pk,
        "name": "Discovery",
        "order": 1,
        "kind": "open",
        "refresh_on_entry": "on",
    }
    refused = admin_client.post(url, {**form, "topics": [foreign.pk]})
    assert refused.status_code == 200 and not SalesStage.objects.exists()
    assert admin_client.post(url, {**form, "topics": []}).status_code == 200
    assert not SalesStage.objects.exists()  # refresh on entry needs topics

    assert admin_client.post(url, {**form, "topics": [pain.pk]}).status_code == 302
    stage = SalesStage.objects.get()
    assert stage.refresh_on_entry and list(stage.topics.all()) == [pain]
    page = admin_client.get(reverse("admin:revenue_salesstage_changelist"))
    assert "Discovery" in page.content.decode()


def test_a_campaign_change_re_plans_its_teams(admin_client, organization):
    """Saving a campaign asks for a re-plan of its teams (and those it had);
    another organization's team is refused."""
    east = TeamFactory(organization=organization, name="East")
    west = TeamFactory(organization=organization, name="West")
    foreign = TeamFactory(name="Foreign team")
    topic = TopicFactory(organization=organization)
    url = reverse("admin:enablement_campaign_add")
    form = {
        "organization": organization.pk,
        "name": "Discovery push",
        "topics": [topic.pk],
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-14",
        "boost": "2.0",
        "note": "Reps rush Discovery",
    }
    refused = admin_client.post(url, {**form, "teams": [foreign.pk]})
    assert refused.status_code == 200 and not Campaign.objects.exists()
    backwards = {**form, "teams": [east.pk], "ends_on": "2026-11-01"}
    assert admin_client.post(url, backwards).status_code == 200
    assert not Campaign.objects.exists()

    assert admin_client.post(url, {**form, "teams": [east.pk]}).status_code == 302
    assert set(ReplanRequest.objects.values_list("scope", "scope_id")) == {
        ("team", east.pk)
    }
    ReplanRequest.objects.all().delete()
    campaign = Campaign.objects.get()
    change = reverse("admin:enablement_campaign_change", args=[campaign.pk])
    assert admin_client.post(change, {**form, "teams": [west.pk]}).status_code == 302
    assert set(ReplanRequest.objects.values_list("scope", "scope_id")) == {
        ("team", east.pk),
        ("team", west.pk),
    }
    assert campaign.starts_on == dt.date(2026, 12, 1)
