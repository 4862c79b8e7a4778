import datetime as dt

import pytest

from reinforcement.models import Prompt
from reinforcement.selectors.kpi_participation import kpi_participation_summary
from reinforcement.selectors.scoping import kpi_scope_get
from reinforcement.services.answers import answer_submit
from reinforcement.services.prompts import prompts_expire
from reinforcement.services.rollups.participation import participation_refresh
from tests.factories.enablement import QuestionFactory, UserFactory
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)


def test_participation_counts_answers_within_the_window(rep_profile):
    """3 delivered: 1 answered on time, 1 late, 1 expired unanswered -> 1/3."""
    # given
    rep, team = rep_profile.user, rep_profile.team
    questions = [
        QuestionFactory(module__methodology__organization=team.organization)
        for _ in range(4)
    ]
    day = NOW.date() - dt.timedelta(days=5)
    opened = NOW - dt.timedelta(days=5)
    prompts = []
    for q in questions[:3]:
        prompt = make_prompt(rep=rep, question=q, local_date=day)
        Prompt.objects.filter(pk=prompt.pk).update(
            delivered_at=opened, expires_at=opened + dt.timedelta(days=1)
        )
        prompts.append(prompt)
    # A prompt planned but never delivered does not count.
    make_prompt(rep=rep, question=questions[3], local_date=day, status="planned")
    right = {q.pk: q.choices.get(is_correct=True).pk for q in questions}
    # when
    answer_submit(
        rep_id=rep.pk,
        prompt_id=prompts[0].pk,
        choice_ids=[right[questions[0].pk]],
        confidence="certain",
        idempotency_key="a",
        now=opened + dt.timedelta(hours=2),
    )
    answer_submit(
        rep_id=rep.pk,
        prompt_id=prompts[1].pk,
        choice_ids=[right[questions[1].pk]],
        confidence="certain",
        idempotency_key="b",
        now=opened + dt.timedelta(days=2),
    )
    prompts_expire(now=NOW)  # expires the third prompt only
    participation_refresh(days=[day])
    manager = UserFactory()
    team.managers.add(manager)
    summary = kpi_participation_summary(scope=kpi_scope_get(user=manager), now=NOW)
    # then
    (row,) = summary.rows
    assert (row.delivered, row.answered_on_time) == (3, 1)
    assert row.rate == pytest.approx(1 / 3) and summary.rate == pytest.approx(1 / 3)
    assert row.active_7 and row.active_30 and summary.active_7 == 1
    assert (row.current_streak, row.longest_streak) == (1, 1)
