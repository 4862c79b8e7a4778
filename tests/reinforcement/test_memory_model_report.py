"""The memory model report: each organization's own, in admin and in the KPI API."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from enablement.services.groups import admin_group_sync
from reinforcement.memory.calibration import calibration_summary
from reinforcement.memory.scheduling import DEFAULT_PARAMETERS
from reinforcement.models import MemoryModelFit
from tests.factories.enablement import RepProfileFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 11, 30, 3, 20, tzinfo=dt.UTC)


def report_fit(organization, *, shift=0.0, adopted=True, days_ago=0):
    """A refit with a hold-out report: the model's predictions are off by ``shift``."""
    observed = [1, 1, 1, 0, 1, 0, 0, 1]
    predicted = [0.9, 0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.3]
    parameters = list(DEFAULT_PARAMETERS)
    parameters[20] = 0.2 + shift
    return MemoryModelFit.objects.create(
        organization=organization,
        fitted_at=AT - dt.timedelta(days=days_ago),
        parameters=parameters,
        previous_parameters=list(DEFAULT_PARAMETERS),
        adopted=adopted,
        train_reviews=900,
        holdout_reviews=8,
        holdout_from=AT - dt.timedelta(days=30),
        current_log_loss=0.6,
        candidate_log_loss=0.5,
        likelihood=MemoryModelFit.Likelihood.ANSWERS,
        calibration={
            "model": calibration_summary(
                [min(p + shift, 0.99) for p in predicted], observed
            ),
            "default": calibration_summary([0.5] * 8, observed),
        },
        note="adopted: better on the hold-out",
    )


@pytest.fixture
def two_orgs():
    """Organizations A and B, each with an admin, a manager, a rep and refits."""
    out = {}
    for name, shift in (("A", 0.0), ("B", 0.05)):
        team = TeamFactory(name=f"Team {name}")
        org = team.organization
        admin = UserFactory(
            username=f"admin_{name}", password="s3cret-pass", is_staff=True
        )
        admin.groups.add(admin_group_sync())
        org.admins.add(admin)
        manager = UserFactory(username=f"manager_{name}")
        team.managers.add(manager)
        rep = RepProfileFactory(team=team).user
        report_fit(org, shift=shift, adopted=False, days_ago=1)
        fit = report_fit(org, shift=shift)
        out[name] = {
            "org": org,
            "admin": admin,
            "manager": manager,
            "rep": rep,
            "fit": fit,
        }
    return out


def test_api_report_is_the_organizations_own(two_orgs):
    """Admin and manager of A get A's bins, scores and refit history, newest first."""
    api = APIClient()
    for role in ("admin", "manager"):
        api.force_authenticate(two_orgs["A"][role])
        response = api.get(reverse("kpis:memory-model"))
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["organization_id"] == two_orgs["A"]["org"].pk
        assert data["parameters"][20] == pytest.approx(0.2)
        assert data["model"]["answers"] == 8
        bins = {b["low"]: b for b in data["model"]["bins"] if b["answers"]}
        assert bins[0.9]["answers"] == 2 and bins[0.9]["observed"] == 1.0
        assert bins[0.3]["answers"] == 2 and bins[0.3]["observed"] == 0.5
        assert data["default"]["bins"][5]["answers"] == 8
        assert data["model"]["log_loss"] < data["default"]["log_loss"]
        assert [f["adopted"] for f in data["fits"]] == [True, False]


def test_api_refuses_another_organization_and_reps(two_orgs):
    """B's admin naming A, and A's rep, are refused; nothing of A leaks."""
    api = APIClient()
    api.force_authenticate(two_orgs["B"]["admin"])
    url = reverse("kpis:memory-model")
    assert api.get(url, {"organization": two_orgs["A"]["org"].pk}).status_code == 403
    team_a = two_orgs["A"]["manager"].managed_teams.get()
    assert api.get(url, {"team": team_a.pk}).status_code == 403
    data = api.get(url).json()
    assert data["organization_id"] == two_orgs["B"]["org"].pk
    assert data["parameters"][20] == pytest.approx(0.25)
    api.force_authenticate(two_orgs["A"]["rep"])
    assert api.get(url).status_code == 403
    assert api.get(url, {"organization": "x"}).status_code == 400


def test_report_is_in_the_openapi_schema():
    response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert "/api/v1/kpis/memory-model/" in response.json()["paths"]


def test_admin_page_shows_only_the_admins_organization(client, two_orgs):
    """B's admin asking for A's report gets B's; a superuser picks either."""
    client.force_login(two_orgs["B"]["admin"])
    url = reverse("admin:reinforcement_memorymodelfit_report")
    response = client.get(url, {"organization": two_orgs["A"]["org"].pk})
    assert response.status_code == 200
    assert response.context["organization"] == two_orgs["B"]["org"]
    html = response.content.decode()
    assert two_orgs["A"]["org"].name not in html
    assert 'id="reliability-diagram"' in html and "<svg" in html
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    response = client.get(url, {"organization": two_orgs["A"]["org"].pk})
    assert response.context["organization"] == two_orgs["A"]["org"]
    assert len(response.context["organizations"]) == 2


def test_admin_page_without_refits_says_so(client, organization):
    admin = UserFactory(username="fresh_admin", is_staff=True)
    admin.groups.add(admin_group_sync())
    organization.admins.add(admin)
    client.force_login(admin)
    response = client.get(reverse("admin:reinforcement_memorymodelfit_report"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="no-report"' in html and "FSRS-6 default parameters" in html


def test_manager_without_staff_cannot_open_the_admin_page(client, two_orgs):
    client.force_login(two_orgs["A"]["manager"])
    response = client.get(reverse("admin:reinforcement_memorymodelfit_report"))
    assert response.status_code == 302  # to the admin login
