"""Manager numbers that are true on day one (issue 13, item 5): pages and API."""

import csv
import datetime as dt
import io
import re

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from reinforcement.kpi_rules import MIN_ANSWERS, week_start
from reinforcement.models import RepQuestionStat, RepTopicSnapshot
from reinforcement.services.answers import answer_submit
from reinforcement.services.rollups.snapshots import snapshots_refresh
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    OrganizationFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    TopicFactory,
    UserFactory,
)
from tests.factories.reinforcement import make_prompt
from tests.reinforcement.kpi_data import kpi_world, new_team

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("manager:dashboard")


@pytest.fixture
def world():
    return kpi_world(timezone.now())


def test_a_new_teams_dashboard_says_not_enough_answers_instead_of_100(client):
    """Taught but unanswered: no percentage, no "Nobody is under target"."""
    _org, _team, manager, _reps = new_team(timezone.now())
    client.force_login(manager)
    body = client.get(DASHBOARD).content.decode()
    summary = body[body.index('id="kpi-predicted"') : body.index('id="kpi-observed"')]
    assert "Not enough answers yet" in summary
    assert f"0 answers so far, {MIN_ANSWERS} needed" in summary
    assert not re.search(r"<b>\d+%</b>", summary)
    assert "Nobody is under target" not in body
    assert "Not enough answers yet to rank anyone" in body
    # The heat map cells are grey and say why, with the count.
    assert f"not enough answers yet (0 answers, {MIN_ANSWERS} needed)" in body
    assert ">99</text>" not in body


def test_a_new_teams_kpi_api_gives_null_and_the_flag_not_100(client):
    """Heat map, summary, coaching and trends answer null with enough_answers false."""
    _org, _team, manager, _reps = new_team(timezone.now())
    api = APIClient()
    api.force_authenticate(manager)
    heatmap = api.get(reverse("kpis:heatmap")).json()
    assert heatmap["cells"] and all(
        c["retention"]["predicted_retention"] is None
        and c["retention"]["enough_answers"] is False
        and c["retention"]["answers"] == 0
        for c in heatmap["cells"]
    )
    assert heatmap["total"]["predicted_retention"] is None
    summary = api.get(reverse("kpis:summary")).json()
    assert summary["total"]["retention"]["predicted_retention"] is None
    assert summary["total"]["retention"]["enough_answers"] is False
    assert api.get(reverse("kpis:coaching")).json() == []
    trends = api.get(reverse("kpis:trends")).json()
    assert all(t["predicted_retention"] is None for t in trends)


def test_nobody_under_target_only_when_there_is_data(client, world):
    """With enough answers and everyone above target the list says so."""
    RepTopicSnapshot.objects.update(predicted_sum=F("introduced"))
    client.force_login(world.manager_a)
    body = client.get(DASHBOARD).content.decode()
    assert "Nobody is under target." in body
    assert "Not enough answers yet to rank anyone" not in body


def test_headline_pairs_observed_with_the_models_prediction_for_the_same_reviews(
    client, world
):
    """Observed 75% on 8 reviews beside the model's 90% for those reviews
    (7.2 / 8), and predicted now labelled as recall if asked today."""
    client.force_login(world.manager_a)
    body = client.get(DASHBOARD).content.decode()
    observed = body[body.index('id="kpi-observed"') : body.index('id="heatmap"')]
    assert "<b>75%</b>" in observed and "on 8 spaced reviews" in observed
    assert re.search(r'id="predicted-at-review">90%<', observed)
    assert "Predicted recall if asked today" in body


def test_each_figure_carries_its_definition_from_docs_kpis_md(client, world):
    """The definitions are docs/kpis.md's text, in <details>, on the page."""
    client.force_login(world.manager_a)
    body = client.get(DASHBOARD).content.decode()
    assert body.count('<details class="definition">') >= 8
    assert "is the unbiased estimate of" in body  # from ## 1. Retention
    assert "Prompts answered within their window" not in body  # not invented
    page = client.get(reverse("manager:definitions")).content.decode()
    for heading in ("Not enough answers yet", "Retention", "At risk (coaching list)"):
        assert f">{heading}</h2>" in page
    assert "<table>" in page  # the Rollups table, rendered


def test_definitions_page_needs_a_scope(client):
    client.force_login(UserFactory())
    assert client.get(reverse("manager:definitions")).status_code == 403


def test_retention_as_of_has_no_double_period(client, world):
    """Django's "8:33 a.m." followed by the sentence's period gave "a.m.."."""
    at = timezone.now().replace(hour=8, minute=33)
    RepTopicSnapshot.objects.update(computed_at=at)
    client.force_login(world.manager_a)
    body = client.get(DASHBOARD).content.decode()
    assert (
        "Retention as of" in body and ".." not in body.split("Retention as of")[1][:60]
    )


def _many_under_target(count: int):
    """``count`` reps, each under target alone and in one topic: 2 * count items."""
    organization = OrganizationFactory(target_retention=0.9)
    team = TeamFactory(organization=organization)
    manager = UserFactory()
    team.managers.add(manager)
    topic = TopicFactory(organization=organization)
    module = ModuleFactory(methodology__organization=organization)
    question = QuestionFactory(module=module, topic=topic)
    now = timezone.now()
    for i in range(count):
        rep = RepProfileFactory(team=team, user__username=f"low{i:03}").user
        RepTopicSnapshot.objects.create(
            rep=rep, topic=topic, week=week_start(now.date()), computed_at=now,
            enrolled=2, introduced=2, predicted_sum=1.0 + i / 1000, mastered=0,
        )  # fmt: skip
        RepQuestionStat.objects.create(
            rep=rep, question=question, topic=topic, answers=MIN_ANSWERS, correct=2
        )
    return manager


def test_coaching_list_says_25_of_n_and_links_the_whole_list(client):
    manager = _many_under_target(60)
    client.force_login(manager)
    body = client.get(DASHBOARD).content.decode()
    assert "Showing 25 of 120" in body
    assert f'href="{reverse("manager:coaching")}?"' in body
    page = client.get(reverse("manager:coaching")).content.decode()
    assert "Rows 1 to 100 of 120" in page and 'rel="next"' in page
    assert page.count('href="/manager/reps/') == 100
    second = client.get(reverse("manager:coaching"), {"page": 2}).content.decode()
    assert "Rows 101 to 120 of 120" in second and 'rel="prev"' in second
    # A page past the end shows the last; a bad number the first: never a 500.
    assert client.get(reverse("manager:coaching"), {"page": "x"}).status_code == 200


def test_coaching_page_is_scoped_like_the_dashboard(client, world):
    client.force_login(world.manager_a)
    page = client.get(reverse("manager:coaching")).content.decode()
    assert "bella_b1" not in page
    assert (
        client.get(reverse("manager:coaching"), {"team": world.team_b.pk}).status_code
        == 403
    )


def _answer(rep, question, choice, at, key):
    prompt = make_prompt(rep=rep, question=question, local_date=at.date())
    answer_submit(rep_id=rep.pk, prompt_id=prompt.pk, choice_ids=[choice.pk],
                  confidence="certain", idempotency_key=key, now=at)  # fmt: skip


@pytest.fixture
def rep_world():
    """A rep who picked the same wrong choice twice, a manager, an admin, outsiders."""
    organization = OrganizationFactory(name="Rep Org")
    team = TeamFactory(organization=organization, name="Rep Team")
    other_team = TeamFactory(organization=organization, name="Other Team")
    profile = RepProfileFactory(team=team, user__username="rita",
                                user__first_name="Rita", user__last_name="Rep")  # fmt: skip
    module = ModuleFactory(methodology__organization=organization)
    EnrollmentFactory(module=module, team=team)
    question = QuestionFactory(module=module, stem="Who signs the contract?")
    wrong = question.choices.get(text="Wrong A")
    now = timezone.now()
    for i, days in enumerate((6, 3)):
        _answer(profile.user, question, wrong, now - dt.timedelta(days=days), f"k{i}")
    snapshots_refresh(rep_ids=[profile.user.pk], now=now)  # the minutely task's
    manager, other_manager, admin, other_admin = (UserFactory() for _ in range(4))
    team.managers.add(manager)
    other_team.managers.add(other_manager)
    organization.admins.add(admin)
    OrganizationFactory().admins.add(other_admin)
    return {
        "rep": profile.user, "question": question, "manager": manager,
        "other_manager": other_manager, "admin": admin, "other_admin": other_admin,
    }  # fmt: skip


def test_rep_page_shows_topics_misconceptions_answers_trend_participation(
    client, rep_world
):
    rep = rep_world["rep"]
    client.force_login(rep_world["manager"])
    response = client.get(reverse("manager:rep", args=[rep.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Rita Rep</h1>" in body
    assert rep_world["question"].topic.name in body  # topics
    misconceptions = body[
        body.index('id="rep-misconceptions"') : body.index('id="rep-recent"')
    ]
    assert "Wrong A" in misconceptions and '<td class="num">2</td>' in misconceptions
    recent = body[body.index('id="rep-recent"') : body.index('id="rep-trend"')]
    assert recent.count("<tr>") == 1 + 2 and "wrong" in recent
    assert 'class="trend"' in body and 'id="rep-participation"' in body
    # Two answers: not enough for a figure, and the page says so with the count.
    summary = body[body.index('id="rep-summary"') : body.index('id="rep-topics"')]
    assert "Not enough answers yet" in summary and "2 answers so far" in summary


@pytest.mark.parametrize(
    ("who", "status"),
    [("manager", 200), ("admin", 200), ("other_manager", 404), ("other_admin", 404),
     ("rep", 404)],
)  # fmt: skip
def test_rep_page_is_for_the_reps_managers_and_organization_admins(
    client, rep_world, who, status
):
    client.force_login(rep_world[who])
    url = reverse("manager:rep", args=[rep_world["rep"].pk])
    assert client.get(url).status_code == status


def test_rep_page_of_nobody_is_404(client, rep_world):
    client.force_login(rep_world["admin"])
    assert client.get(reverse("manager:rep", args=[999_999])).status_code == 404
    assert client.get("/manager/reps/99999999999999999999999/").status_code == 404


def test_coaching_list_and_heat_map_rows_link_the_rep_page(client, world):
    client.force_login(world.manager_a)
    body = client.get(DASHBOARD).content.decode()
    url = reverse("manager:rep", args=[world.rep_a2.pk])
    coaching = body[body.index('id="coaching"') : body.index('id="participation"')]
    heatmap = body[body.index('id="heatmap"') : body.index('id="coaching"')]
    assert f'href="{url}"' in coaching and f'href="{url}"' in heatmap


@pytest.mark.parametrize(
    ("role", "landing"), [("manager", DASHBOARD), ("admin", DASHBOARD), ("rep", "/")]
)
def test_login_lands_by_role(client, rep_world, role, landing):
    """Managers and enablement admins land on /manager/, not the 403 of Today."""
    user = rep_world[role]
    user.set_password("pw")
    user.save()
    response = client.post(
        reverse("rep:login"), {"username": user.username, "password": "pw"},
        follow=True,
    )  # fmt: skip
    assert response.redirect_chain[-1][0] == landing
    assert response.status_code == 200
    assert b"set up for practice" not in response.content


def test_a_manager_opening_today_is_sent_to_the_dashboard(client, rep_world):
    client.force_login(rep_world["manager"])
    response = client.get(reverse("rep:today"))
    assert response.status_code == 302 and response.url == DASHBOARD
    client.force_login(UserFactory())  # neither rep nor manager: still the 403
    assert client.get(reverse("rep:today")).status_code == 403


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_csv_exports_use_names_with_the_username_beside(client, world):
    world.rep_a1.first_name, world.rep_a1.last_name = "Alice", "Archer"
    world.rep_a1.save()
    client.force_login(world.manager_a)
    for table in ("heatmap", "coaching", "participation"):
        rows = _csv(client.get(reverse("manager:export", args=[table])))
        alice = [r for r in rows if r["username"] == "alice_a1"]
        assert alice and {r["rep"] for r in alice} == {"Alice Archer"}, table


def test_one_team_summary_does_not_repeat_the_team_as_the_total(client, world):
    client.force_login(world.manager_a)
    rows = _csv(client.get(reverse("manager:export", args=["summary"])))
    assert [r["team"] for r in rows] == ["Team A"]
    client.force_login(world.admin)
    rows = _csv(client.get(reverse("manager:export", args=["summary"])))
    assert [r["team"] for r in rows] == ["Team A", "Team B", "Hand Org"]


def test_heatmap_csv_leaves_a_thin_cell_empty_and_gives_its_count(client):
    _org, _team, manager, _reps = new_team(timezone.now())
    client.force_login(manager)
    rows = _csv(client.get(reverse("manager:export", args=["heatmap"])))
    assert rows and all(
        r["predicted_retention"] == "" and r["answers"] == "0" for r in rows
    )


def test_pooled_answers_do_not_make_nobody_under_target(client):
    """Three reps with 2 answers each: the team total has 6, but nobody can be
    ranked, so the list says not enough answers rather than nobody under target."""
    _org, _team, manager, reps = new_team(timezone.now())
    topic = RepTopicSnapshot.objects.filter(rep=reps[0]).get().topic
    question = QuestionFactory(
        module=ModuleFactory(methodology__organization=topic.organization),
        topic=topic,
    )
    for rep in reps:
        RepQuestionStat.objects.create(
            rep=rep, question=question, topic=topic, answers=2, correct=1
        )
    client.force_login(manager)
    body = client.get(DASHBOARD).content.decode()
    assert "Nobody is under target" not in body
    assert "Not enough answers yet to rank anyone: 6 answers so far" in body
