import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.reinforcement.kpi_data import kpi_world

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "summary", "heatmap", "coaching", "participation", "trends", "forgetting-curve",
    "content", "misconceptions", "ramp",
]  # fmt: skip


@pytest.fixture
def world():
    return kpi_world(timezone.now())


@pytest.fixture
def api():
    return APIClient()


@pytest.mark.parametrize("name", ENDPOINTS)
def test_every_endpoint_answers_in_scope_within_a_query_budget(
    api, world, name, django_assert_max_num_queries
):
    api.force_authenticate(world.manager_a)
    with django_assert_max_num_queries(15):
        response = api.get(reverse(f"kpis:{name}"))
    assert response.status_code == 200, response.content
    text = response.content.decode()
    assert "bella_b1" not in text and "xavier_x1" not in text and "Team B" not in text


def test_heatmap_cells_are_the_hand_known_ones(api, world):
    api.force_authenticate(world.manager_a)
    data = api.get(reverse("kpis:heatmap")).json()
    assert [r["username"] for r in data["reps"]] == ["alice_a1", "arthur_a2"]
    cell = next(
        c["retention"]
        for c in data["cells"]
        if c["rep_id"] == world.rep_a1.pk and c["topic_id"] == world.topic.pk
    )
    assert cell["predicted_retention"] == pytest.approx(0.9)
    assert cell["observed_retention"] == pytest.approx(0.75)
    assert cell["reviews"] == 8 and cell["mastery"] == pytest.approx(0.5)


def test_other_team_or_organization_is_forbidden(api, world):
    api.force_authenticate(world.manager_a)
    assert (
        api.get(reverse("kpis:heatmap"), {"team": world.team_b.pk}).status_code == 403
    )
    api.force_authenticate(world.outsider)
    response = api.get(reverse("kpis:summary"), {"organization": world.organization.pk})
    assert response.status_code == 403
    data = api.get(reverse("kpis:heatmap")).json()
    assert [r["username"] for r in data["reps"]] == ["xavier_x1"]


def test_admin_summary_covers_the_organization(api, world):
    api.force_authenticate(world.admin)
    data = api.get(reverse("kpis:summary")).json()
    assert {t["name"] for t in data["teams"]} == {"Team A", "Team B"}
    assert data["total"]["reps"] == 3
    assert data["target_retention"] == 0.85


def test_anonymous_is_refused(api, world):
    assert api.get(reverse("kpis:summary")).status_code in (401, 403)


def test_kpi_endpoints_are_in_the_openapi_schema(api):
    response = api.get(reverse("api-schema"), {"format": "json"})
    paths = response.json()["paths"]
    for name in ENDPOINTS:
        assert f"/api/v1/kpis/{name}/" in paths
