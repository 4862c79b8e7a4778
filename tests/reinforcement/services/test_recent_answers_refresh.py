import datetime as dt

import pytest
from django.utils import timezone

from reinforcement.models import KpiFillState, RepDay, RepTopicSnapshot
from reinforcement.services.answers import answer_submit
from reinforcement.services.rollups.refresh import (
    RECENT_ANSWERS_OVERLAP,
    recent_answers_refresh,
)
from tests.factories.enablement import QuestionFactory
from tests.factories.reinforcement import make_prompt

pytestmark = pytest.mark.django_db


def answer(rep_profile, now, key, *, refresh_inline=False):
    question = QuestionFactory(
        module__methodology__organization=rep_profile.team.organization
    )
    prompt = make_prompt(rep=rep_profile.user, question=question)
    answer_submit(
        rep_id=rep_profile.user_id,
        prompt_id=prompt.id,
        choice_ids=[question.choices.get(is_correct=True).id],
        confidence="certain",
        idempotency_key=key,
        now=now,
        refresh_inline=refresh_inline,
    )
    return prompt


def test_refreshes_what_deferred_answers_left_and_moves_the_watermark(rep_profile):
    now = timezone.now()
    prompt = answer(rep_profile, now - dt.timedelta(seconds=30), "a")
    assert not RepDay.objects.exists()

    assert recent_answers_refresh(now=now) == 1

    day = RepDay.objects.get(rep=rep_profile.user, day=prompt.local_date)
    assert (day.delivered, day.answered, day.answered_on_time) == (1, 1, 1)
    snapshot = RepTopicSnapshot.objects.get(rep=rep_profile.user)
    assert snapshot.introduced == 1 and snapshot.predicted_sum > 0.9
    assert KpiFillState.objects.get(name="recent_answers").end_time == now


def test_rereads_the_overlap_and_nothing_older(rep_profile):
    now = timezone.now()
    answer(rep_profile, now - dt.timedelta(minutes=30), "old")
    recent_answers_refresh(now=now - dt.timedelta(minutes=20))
    # Committed late: answered before the last run's end, within the overlap.
    late = answer(rep_profile, now - dt.timedelta(minutes=21), "late")
    RepDay.objects.all().delete()

    assert recent_answers_refresh(now=now) == 1
    day = RepDay.objects.get()
    assert day.answered == 2 and day.day == late.local_date
    assert RECENT_ANSWERS_OVERLAP > dt.timedelta(minutes=1)


def refreshed_rows():
    return (
        list(RepDay.objects.values_list("rep_id", "day", "delivered", "answered",
                                        "answered_on_time", "expired")),
        list(RepTopicSnapshot.objects.values_list("rep_id", "topic_id", "week",
                                                  "introduced", "predicted_sum",
                                                  "computed_at")),
    )  # fmt: skip


def test_inline_refresh_writes_in_the_answer_what_the_minutely_refresh_would(
    rep_profile,
):
    """refresh_inline=True recomputes participation and snapshot right after the
    answer's write, the same rows recent_answers_refresh writes later."""
    # given
    now = timezone.now()
    prompt = answer(rep_profile, now, "inline", refresh_inline=True)
    # then
    inline = refreshed_rows()
    assert inline[0] == [(rep_profile.user_id, prompt.local_date, 1, 1, 1, 0)]
    assert len(inline[1]) == 1
    # when the minutely refresh recomputes them from scratch
    RepDay.objects.all().delete()
    RepTopicSnapshot.objects.all().delete()
    recent_answers_refresh(now=now)
    # then
    assert refreshed_rows() == inline
