import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from reinforcement.web.manager_views import CSV_TABLES
from tests.factories.enablement import UserFactory
from tests.reinforcement.kpi_data import kpi_world

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("manager:dashboard")


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def world():
    return kpi_world(timezone.now())


def test_dashboard_shows_the_managers_team_within_a_query_budget(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.manager_a)
    # 25 for reinforcement's KPIs, 10 for revenue's Outcomes section.
    with django_assert_max_num_queries(35):
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="heatmap"' in body and "<title>" in body and 'tabindex="0"' in body
    assert "alice_a1" in body or world.rep_a1.get_full_name() in body
    assert "Economic buyer" in body and "Coaching list" in body
    assert "forgetting-curve" in body and 'class="trend"' in body


def test_dashboard_never_shows_another_team_or_organization(client, world):
    """Manager A sees neither team B's rep nor the other organization's."""
    client.force_login(world.manager_a)
    body = client.get(DASHBOARD).content.decode()
    assert "alice_a1" in body
    assert "bella_b1" not in body and "xavier_x1" not in body
    assert "Other topic" not in body
    # Asking for team B or the other organization's team is refused.
    assert client.get(DASHBOARD, {"team": world.team_b.pk}).status_code == 403
    assert client.get(DASHBOARD, {"organization": 999999}).status_code == 403


@pytest.mark.parametrize("table", sorted(CSV_TABLES))
def test_every_csv_stays_in_scope(client, world, table):
    client.force_login(world.manager_a)
    response = client.get(reverse("manager:export", args=[table]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert "bella_b1" not in text and "xavier_x1" not in text and "Team B" not in text
    assert text.splitlines()[0]  # a header row


def test_heatmap_csv_has_the_hand_known_cells(client, world):
    client.force_login(world.manager_a)
    rows = _csv(client.get(reverse("manager:export", args=["heatmap"])))
    cells = {(r["username"], r["topic"]): r for r in rows}
    assert set(cells) == {
        ("alice_a1", "Economic buyer"), ("alice_a1", "Metrics"),
        ("arthur_a2", "Economic buyer"),
    }  # fmt: skip
    assert cells[("alice_a1", "Economic buyer")]["predicted_retention"] == "0.9000"
    assert cells[("alice_a1", "Economic buyer")]["observed_retention"] == "0.7500"
    assert cells[("alice_a1", "Economic buyer")]["reviews"] == "8"


def test_admin_sees_the_whole_organization_and_can_pick_a_team(client, world):
    client.force_login(world.admin)
    rows = _csv(client.get(reverse("manager:export", args=["heatmap"])))
    assert {r["username"] for r in rows} == {"alice_a1", "arthur_a2", "bella_b1"}
    rows = _csv(
        client.get(
            reverse("manager:export", args=["heatmap"]), {"team": world.team_b.pk}
        )
    )
    assert {r["username"] for r in rows} == {"bella_b1"}


def test_outsider_and_rep_see_only_their_own(client, world):
    client.force_login(world.outsider)
    rows = _csv(client.get(reverse("manager:export", args=["heatmap"])))
    assert {r["username"] for r in rows} == {"xavier_x1"}
    client.force_login(world.rep_a2)
    rows = _csv(client.get(reverse("manager:export", args=["heatmap"])))
    assert {r["username"] for r in rows} == {"arthur_a2"}
    assert client.get(DASHBOARD, {"team": world.team_b.pk}).status_code == 403


def test_user_without_teams_is_refused_and_anonymous_sent_to_login(client, world):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(DASHBOARD).status_code == 403
    client.logout()
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "login" in response["Location"]


def test_admin_index_links_the_dashboard(client, world):
    client.force_login(world.admin)
    assert DASHBOARD in client.get(reverse("admin:index")).content.decode()
