"""seed_demo_history also simulates the demo's CRM: a stage map of the demo's
topics, deals whose conversion rises with the owner's recall, and a campaign."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from enablement.models import Campaign, Organization
from enablement.services.demo import DEMO_ORGANIZATION, demo_seed
from reinforcement.selectors.scoping import kpi_scope_get
from revenue.models import Opportunity, SalesStage, StageEntry
from revenue.selectors.retention_outcomes import kpi_retention_outcomes

pytestmark = pytest.mark.django_db


def test_demo_history_seeds_the_crm_and_shows_the_link(client, django_user_model):
    today = timezone.localdate()
    demo_seed(today=today)
    call_command("seed_demo_history", days=30)
    organization = Organization.objects.get(name=DEMO_ORGANIZATION)
    stages = SalesStage.objects.filter(organization=organization)
    discovery = stages.get(name="Discovery")
    assert set(discovery.topics.values_list("key", flat=True)) == {
        "identify-pain", "discovery-questioning", "active-listening",
    }  # fmt: skip
    assert stages.filter(refresh_on_entry=True).count() == 2
    assert Opportunity.objects.filter(organization=organization, outcome="won").exists()
    entries = StageEntry.objects.filter(organization=organization, stage=discovery)
    assert entries.filter(retention__isnull=False).count() > 0.9 * entries.count()
    assert Campaign.objects.filter(organization=organization).count() == 1

    admin = django_user_model.objects.get(username="enablement")
    report = kpi_retention_outcomes(scope=kpi_scope_get(user=admin))[0]
    assert report.stage == "Discovery"
    assert report.logistic.enough and report.logistic.odds_ratio.estimate > 1
    client.force_login(admin)
    page = client.get("/manager/").content.decode()
    assert 'id="kpi-win-rate"' in page and "Not available" not in page
    campaign = Campaign.objects.get(organization=organization)
    report_page = client.get(f"/manager/outcomes/campaigns/{campaign.pk}/")
    assert report_page.status_code == 200

    # A second run changes nothing.
    deals = Opportunity.objects.count()
    call_command("seed_demo_history", days=30)
    assert Opportunity.objects.count() == deals
