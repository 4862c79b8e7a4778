"""Slack's signed requests against the live /slack/ endpoints, end to end.

Bolt acknowledges first and runs the work in a lazy listener (a thread with
its own database connection), so these tests commit their data
(transaction=True) and wait for the Web API call the work ends with.
"""

import datetime as dt
import json
import threading
import time
import urllib.parse

import pytest
from django.utils import timezone

from enablement.models import AuditEntry
from reinforcement.models import Answer, Prompt, ReplanRequest
from slack_app.blocks import CHOICES_BLOCK, CHOICES_TOGGLE
from slack_app.models import SlackInstallation, SlackMember, SlackMessage
from tests.factories.enablement import QuestionFactory, RepProfileFactory
from tests.factories.reinforcement import make_prompt
from tests.slack_app.conftest import (
    TEAM_ID,
    action_body,
    post_signed,
    signed_headers,
)

pytestmark = pytest.mark.django_db(transaction=True)

CHANNEL = "D0ANA00001"
TS = "1700000000.000100"


def _choice_click(prompt, choice, *, user_id="U0ANA00001", index=0):
    return action_body(
        user_id=user_id,
        message_ts=TS,
        channel=CHANNEL,
        action={
            "type": "button",
            "action_id": f"choice:{index}",
            "value": f"{prompt.pk}:{choice.pk}",
        },
    )


def _confidence_click(prompt, choice_ids, confidence="certain", user_id="U0ANA00001"):
    value = json.dumps({"p": str(prompt.pk), "c": choice_ids}, separators=(",", ":"))
    return action_body(
        user_id=user_id,
        message_ts=TS,
        channel=CHANNEL,
        action={
            "type": "button",
            "action_id": f"confidence:{confidence}",
            "value": value,
        },
    )


def _texts(blocks) -> str:
    return json.dumps(blocks)


def test_a_choice_then_confidence_records_the_answer_once_and_updates_the_message(
    client, slack_api, slack_world
):
    """Picking a choice asks for confidence in place; the confidence click,
    sent twice (a retry), records one answer and both updates show the verdict."""
    # given
    question = slack_world["questions"][0]
    prompt = make_prompt(rep=slack_world["rep"], question=question)
    right = question.choices.get(is_correct=True)

    # when: the rep picks the right choice
    response = post_signed(
        client, "/slack/interactivity/", _choice_click(prompt, right)
    )

    # then: acknowledged at once, and the message asks how sure they are
    assert response.status_code == 200
    (update,) = slack_api.wait_for("chat.update")
    assert update["channel"] == CHANNEL and update["ts"] == TS
    assert "confidence:certain" in _texts(update["blocks"])
    assert Answer.objects.count() == 0

    # when: the confidence click arrives twice (Slack retries, double clicks)
    body = _confidence_click(prompt, [right.pk])
    first = post_signed(client, "/slack/interactivity/", body)
    second = post_signed(client, "/slack/interactivity/", body)

    # then: one answer, from Slack, and the message shows the verdict twice
    assert first.status_code == second.status_code == 200
    updates = slack_api.wait_for("chat.update", count=3)
    answers = list(Answer.objects.filter(prompt=prompt))
    assert len(answers) == 1
    assert answers[0].channel == Answer.Channel.SLACK and answers[0].correct
    for update in updates[1:]:
        text = _texts(update["blocks"])
        assert "Correct" in text and question.explanation[:20] in text
        assert "How peers answered" in text
    assert Prompt.objects.get(pk=prompt.pk).status == Prompt.Status.ANSWERED


def test_the_acknowledgement_does_not_wait_for_the_answer_work(
    client, slack_api, slack_world
):
    """The request is answered while the work's chat.update is still held
    at Slack's side: the message's update runs after the acknowledgement."""
    question = slack_world["questions"][0]
    prompt = make_prompt(rep=slack_world["rep"], question=question)
    slack_api.hold_updates = threading.Event()

    response = post_signed(
        client,
        "/slack/interactivity/",
        _confidence_click(prompt, [question.choices.first().pk]),
    )

    assert response.status_code == 200 and response.content == b""
    assert slack_api.of("chat.update") == []  # still held: the work is not done
    slack_api.hold_updates.set()
    slack_api.wait_for("chat.update")
    assert Answer.objects.filter(prompt=prompt).count() == 1


def test_an_answer_is_recorded_before_the_acknowledgement(
    client, slack_api, slack_world, monkeypatch
):
    """The web process dies right after acknowledging (its lazy work never
    runs): the answer is recorded all the same, once, and a retried click
    replays it; only the message's update is lost."""
    from slack_app.bolt import slack_request_handler

    # (the Django adapter installs its own runner: patch the one it serves with)
    runner = slack_request_handler().app.listener_runner.lazy_listener_runner
    monkeypatch.setattr(runner, "start", lambda **kwargs: None)
    question = slack_world["questions"][0]
    prompt = make_prompt(rep=slack_world["rep"], question=question)
    right = question.choices.get(is_correct=True)
    body = _confidence_click(prompt, [right.pk])

    first = post_signed(client, "/slack/interactivity/", body)
    second = post_signed(client, "/slack/interactivity/", body)

    assert first.status_code == second.status_code == 200
    (answer,) = Answer.objects.filter(prompt=prompt)
    assert answer.channel == Answer.Channel.SLACK and answer.correct
    assert slack_api.of("chat.update") == []  # the lazy work never ran


def test_a_wrong_answer_shows_the_right_one_and_the_playbook(
    client, slack_api, slack_world
):
    """The verdict of a wrong answer names the right choice and links the playbook."""
    question = slack_world["questions"][1]
    question.reference_url = "https://playbook.example/discovery"
    question.save()
    prompt = make_prompt(rep=slack_world["rep"], question=question)
    wrong = question.choices.get(is_correct=False)

    post_signed(client, "/slack/interactivity/", _confidence_click(prompt, [wrong.pk]))

    (update,) = slack_api.wait_for("chat.update")
    text = _texts(update["blocks"])
    assert "Not quite" in text and "The right one" in text
    assert "https://playbook.example/discovery" in text
    assert not Answer.objects.get(prompt=prompt).correct


def test_a_select_all_question_is_answered_with_its_ticked_boxes(
    client, slack_api, slack_world
):
    """Submit reads the ticked checkboxes from the message's state."""
    question = QuestionFactory(
        module=slack_world["questions"][0].module,
        topic=slack_world["topic"],
        kind="multiple_choice",
        choices=[("One", True), ("Two", True), ("Three", False)],
    )
    prompt = make_prompt(rep=slack_world["rep"], question=question)
    ticked = list(question.choices.filter(is_correct=True).values_list("pk", flat=True))
    state = {
        "values": {
            CHOICES_BLOCK: {
                CHOICES_TOGGLE: {
                    "type": "checkboxes",
                    "selected_options": [{"value": str(pk)} for pk in ticked],
                }
            }
        }
    }
    body = action_body(
        user_id="U0ANA00001",
        message_ts=TS,
        channel=CHANNEL,
        action={
            "type": "button",
            "action_id": "choices_submit",
            "value": str(prompt.pk),
        },
        state=state,
    )

    post_signed(client, "/slack/interactivity/", body)

    (update,) = slack_api.wait_for("chat.update")
    confidence = [b for b in update["blocks"] if b.get("block_id") == "confidence"][0][
        "elements"
    ][0]
    assert json.loads(confidence["value"]) == {"p": str(prompt.pk), "c": sorted(ticked)}


def test_bad_signature_and_old_timestamp_are_refused_and_change_nothing(
    client, slack_api, slack_world
):
    """A body signed with another secret, or five minutes old, is refused (401)."""
    question = slack_world["questions"][0]
    prompt = make_prompt(rep=slack_world["rep"], question=question)
    body = _confidence_click(prompt, [question.choices.first().pk])

    forged = post_signed(client, "/slack/interactivity/", body, secret="not-the-secret")
    stale = post_signed(
        client, "/slack/interactivity/", body, timestamp=int(time.time()) - 6 * 60
    )
    unsigned = client.post(
        "/slack/interactivity/", body, content_type="application/x-www-form-urlencoded"
    )

    assert forged.status_code == stale.status_code == unsigned.status_code == 401
    time.sleep(0.3)  # a lazy listener, had one started, would have called by now
    assert slack_api.calls == [] and Answer.objects.count() == 0


def test_another_reps_prompt_is_not_answered(client, slack_api, slack_world):
    """A Slack user answering a prompt that is not their rep's records nothing."""
    other = RepProfileFactory(team=slack_world["profile"].team).user
    question = slack_world["questions"][0]
    theirs = make_prompt(rep=other, question=question)

    post_signed(
        client,
        "/slack/interactivity/",
        _confidence_click(theirs, [question.choices.first().pk]),
    )
    unknown_user = _confidence_click(
        theirs, [question.choices.first().pk], user_id="U0NOBODY01"
    )
    post_signed(client, "/slack/interactivity/", unknown_user)

    time.sleep(0.5)
    assert Answer.objects.count() == 0 and slack_api.of("chat.update") == []


def test_a_question_taken_back_since_it_was_posted_is_explained(
    client, slack_api, slack_world
):
    """A withdrawn prompt's click records nothing and tells the rep why."""
    question = slack_world["questions"][0]
    prompt = make_prompt(
        rep=slack_world["rep"], question=question, status=Prompt.Status.WITHDRAWN
    )

    post_signed(
        client,
        "/slack/interactivity/",
        _confidence_click(prompt, [question.choices.first().pk]),
    )

    (notice,) = slack_api.wait_for("chat.postMessage")
    assert "not recorded" in notice["text"]
    assert Answer.objects.count() == 0


def test_pause_until_from_the_message_pauses_the_rep(client, slack_api, slack_world):
    """The datepicker pauses the rep through the people service and says so."""
    until = timezone.now().date() + dt.timedelta(days=10)
    body = action_body(
        user_id="U0ANA00001",
        message_ts=TS,
        channel=CHANNEL,
        action={
            "type": "datepicker",
            "action_id": "pause_until",
            "selected_date": until.isoformat(),
        },
    )

    response = post_signed(client, "/slack/interactivity/", body)

    assert response.status_code == 200
    (notice,) = slack_api.wait_for("chat.postMessage")
    assert "Paused" in notice["text"]
    slack_world["profile"].refresh_from_db()
    assert slack_world["profile"].paused_until == until
    # Re-planning follows, and the audit log names the rep and the channel.
    assert ReplanRequest.objects.filter(
        scope=ReplanRequest.Scope.REP, scope_id=slack_world["rep"].pk
    ).exists()
    entry = AuditEntry.objects.filter(cause="pause").latest("pk")
    assert (entry.actor_id, entry.via) == (slack_world["rep"].pk, "slack")


def test_a_day_in_the_past_is_refused(client, slack_api, slack_world):
    """Pausing until yesterday changes nothing and tells the rep why."""
    body = action_body(
        user_id="U0ANA00001",
        message_ts=TS,
        channel=CHANNEL,
        action={
            "type": "datepicker",
            "action_id": "pause_until",
            "selected_date": (timezone.now().date() - dt.timedelta(days=2)).isoformat(),
        },
    )

    post_signed(client, "/slack/interactivity/", body)

    (notice,) = slack_api.wait_for("chat.postMessage")
    assert "from today" in notice["text"]
    slack_world["profile"].refresh_from_db()
    assert slack_world["profile"].paused_until is None


def _command(text: str, user_id: str = "U0ANA00001") -> str:
    return urllib.parse.urlencode(
        {
            "command": "/reinforce",
            "text": text,
            "team_id": TEAM_ID,
            "user_id": user_id,
            "channel_id": "C0GENERAL1",
            "response_url": "https://hooks.slack.com/commands/T/1/x",
            "trigger_id": "1.2.3",
        }
    )


def test_reinforce_command_posts_a_refresher_as_direct_messages(
    client, slack_api, slack_world
):
    """`/reinforce discovery` acknowledges at once, then posts the refresher's
    questions, each a message of its own recorded for the later update."""
    response = post_signed(client, "/slack/commands/", _command("Discovery"))

    assert response.status_code == 200
    assert "on its way" in response.content.decode()
    posts = slack_api.wait_for("chat.postMessage", count=4)
    assert "A refresher on Discovery: 3 questions" in posts[0]["text"]
    assert all(p["channel"] == "D0ANA00001" for p in posts)
    refresher = Prompt.objects.filter(source=Prompt.Source.REFRESHER)
    assert refresher.count() == 3
    assert SlackMessage.objects.filter(prompt__in=refresher).count() == 3


def test_reinforce_with_an_unknown_topic_lists_the_rep_topics(
    client, slack_api, slack_world
):
    """No such topic: the rep is told which topics they can ask for."""
    post_signed(client, "/slack/commands/", _command("pricing"))

    (post,) = slack_api.wait_for("chat.postMessage")
    assert "`discovery` (Discovery)" in post["text"]
    assert not Prompt.objects.filter(source=Prompt.Source.REFRESHER).exists()


def test_reinforce_from_an_unmatched_slack_user_is_answered_at_once(
    client, slack_api, slack_world
):
    """A Slack user linked to no rep is told so in the acknowledgement."""
    response = post_signed(client, "/slack/commands/", _command("x", "U0STRANGER"))

    assert response.status_code == 200
    assert "not linked" in response.content.decode()
    time.sleep(0.3)
    assert slack_api.sent() == []


def _post_json(client, path: str, payload: dict):
    body = json.dumps(payload)
    return client.post(
        path, body, content_type="application/json", **signed_headers(body)
    )


def test_url_verification_is_answered_with_the_challenge(client, slack_api):
    """Slack's check of the events URL gets its challenge back."""
    response = _post_json(
        client, "/slack/events/", {"type": "url_verification", "challenge": "c-42"}
    )
    assert response.status_code == 200 and "c-42" in response.content.decode()


def test_uninstalling_the_app_removes_the_installation(client, slack_api, slack_world):
    """app_uninstalled: the installation and its members are deleted."""
    response = _post_json(
        client,
        "/slack/events/",
        {
            "type": "event_callback",
            "team_id": TEAM_ID,
            "api_app_id": "A0APP00001",
            "event": {"type": "app_uninstalled"},
            "event_id": "Ev01",
            "event_time": int(time.time()),
        },
    )

    assert response.status_code == 200
    deadline = time.monotonic() + 10
    while SlackInstallation.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not SlackInstallation.objects.exists()
    assert not SlackMember.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "payload=not-json",
        "payload=" + urllib.parse.quote(json.dumps({"type": "block_actions"})),
        action_body(
            user_id="U0ANA00001",
            message_ts=TS,
            channel=CHANNEL,
            action={"type": "button", "action_id": "confidence:certain", "value": "x"},
        ),
        action_body(
            user_id="U0ANA00001",
            message_ts=TS,
            channel=CHANNEL,
            action={"type": "button", "action_id": "choice:0", "value": "nope:1"},
        ),
        "",
    ],
    ids=["not-json", "no-actions", "bad-value", "bad-prompt", "empty"],
)
def test_malformed_signed_requests_are_no_500_and_record_nothing(
    client, slack_api, slack_world, body
):
    """Whatever a signed body holds, the answer is below 500 and nothing is written."""
    response = post_signed(client, "/slack/interactivity/", body)

    assert response.status_code < 500
    time.sleep(0.3)
    assert Answer.objects.count() == 0 and slack_api.of("chat.update") == []
