"""Participation counts answers per channel: in the rollup, the KPI selector, the
API, the CSV export and the manager dashboard."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from reinforcement.models import RepDay
from reinforcement.selectors.kpi_participation import kpi_participation_summary
from reinforcement.selectors.scoping import kpi_scope_get
from reinforcement.services.answers import answer_submit
from reinforcement.services.rollups.participation import participation_refresh
from tests.factories.enablement import QuestionFactory, RepProfileFactory, UserFactory
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(team):
    """Two reps answered today: 2 on the web and 1 in Slack; 1 in Teams."""
    now = timezone.now()
    reps = [RepProfileFactory(team=team).user for _ in range(2)]
    for rep, channels in zip(reps, [["web", "web", "slack"], ["teams"]], strict=True):
        for i, channel in enumerate(channels):
            question = QuestionFactory(
                module__methodology__organization=team.organization
            )
            prompt = make_prompt(rep=rep, question=question)
            answer_submit(
                rep_id=rep.pk,
                prompt_id=prompt.pk,
                choice_ids=[question.choices.first().pk],
                confidence="certain",
                idempotency_key=f"{channel}-{i}",
                now=now,
                channel=channel,
            )
    participation_refresh(days=[now.date()])
    manager = UserFactory()
    team.managers.add(manager)
    return reps, manager


def test_the_rollup_and_the_kpi_count_answers_per_channel(answered):
    """RepDay holds each rep's day per channel; the summary adds them up."""
    (ana, bo), manager = answered
    assert RepDay.objects.get(rep=ana).answered_by_channel == {"web": 2, "slack": 1}
    assert RepDay.objects.get(rep=bo).answered_by_channel == {"teams": 1}
    summary = kpi_participation_summary(
        scope=kpi_scope_get(user=manager), now=timezone.now()
    )
    assert summary.by_channel == {"web": 2, "slack": 1, "teams": 1}
    assert summary.channels[0] == ("Web", 2)
    rows = {r.rep.rep_id: r.by_channel for r in summary.rows}
    assert rows[ana.pk] == {"web": 2, "slack": 1}


def test_a_replayed_answer_is_not_counted_twice(answered, team):
    """The same idempotency key again: the channel count stays."""
    (ana, _), _manager = answered
    prompt = ana.prompts.filter(answer__channel="slack").get()
    answer_submit(
        rep_id=ana.pk,
        prompt_id=prompt.pk,
        choice_ids=list(prompt.answer.chosen_choice_ids),
        confidence="certain",
        idempotency_key="slack-2",
        now=timezone.now() + dt.timedelta(seconds=5),
        channel="slack",
    )
    participation_refresh(days=[timezone.now().date()])
    assert RepDay.objects.get(rep=ana).answered_by_channel == {"web": 2, "slack": 1}


def test_api_csv_and_dashboard_show_answers_by_channel(answered, client):
    """The participation API, its CSV and the dashboard's section carry the counts."""
    (ana, _), manager = answered
    api = APIClient()
    api.force_authenticate(manager)
    body = api.get("/api/v1/kpis/participation/").json()
    assert body["answered_by_channel"] == {"web": 2, "slack": 1, "teams": 1}
    mine = next(r for r in body["reps"] if r["rep"]["id"] == ana.pk)
    assert mine["answered_by_channel"] == {"web": 2, "slack": 1}

    client.force_login(manager)
    text = client.get(reverse("manager:export", args=["participation"])).content
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    row = next(r for r in rows if r["username"] == ana.username)
    assert (row["answers_web_30d"], row["answers_slack_30d"]) == ("2", "1")
    assert row["answers_teams_30d"] == "0"
    html = client.get(reverse("manager:dashboard")).content.decode()
    assert "Answers by channel: Web 2 · Slack 1 · Microsoft Teams 1." in html
