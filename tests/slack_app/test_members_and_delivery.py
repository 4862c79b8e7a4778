"""Reps matched to Slack users by email, and the daily dose sent to them as DMs."""

import json

import pytest
from django.utils import timezone

from enablement.services.groups import admin_group_sync
from reinforcement.models import Delivery, Prompt
from reinforcement.services.delivery import plan_deliver, triggers_deliver
from reinforcement.services.planning import plans_create
from reinforcement.services.refresher_triggered import refresher_triggered_create
from slack_app.blocks import prompt_open_blocks
from slack_app.models import SlackMember, SlackMessage
from slack_app.services.members import slack_members_match
from tests.factories.enablement import (
    EnrollmentFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    UserFactory,
)
from tests.factories.reinforcement import make_prompt
from tests.slack_app.conftest import BOT_TOKEN

pytestmark = pytest.mark.django_db


def _new_rep(world, email: str):
    return RepProfileFactory(team=world["profile"].team, user__email=email).user


def test_reps_are_matched_by_email_and_the_rest_listed_as_unmatched(
    slack_api, slack_world
):
    """lookupByEmail finds one rep; the other keeps a row saying why not."""
    found = _new_rep(slack_world, "bo@acme.example")
    missing = _new_rep(slack_world, "cy@acme.example")
    slack_api.users["bo@acme.example"] = "U0BO000001"

    matched, unmatched = slack_members_match(
        installation=slack_world["installation"], now=timezone.now()
    )

    assert (matched, unmatched) == (1, 1)
    assert SlackMember.objects.get(rep=found).slack_user_id == "U0BO000001"
    row = SlackMember.objects.get(rep=missing)
    assert row.slack_user_id == "" and "no Slack user" in row.error
    # The already matched rep was not looked up again.
    assert [p["email"] for p in slack_api.of("users.lookupByEmail")] == [
        "bo@acme.example",
        "cy@acme.example",
    ]


def test_admin_lists_unmatched_reps_and_matches_them_again(
    client, slack_api, slack_world
):
    """Admin's "Matched: no" lists the rep; once Slack knows the email,
    "Match again" matches them."""
    # given
    missing = _new_rep(slack_world, "cy@acme.example")
    slack_members_match(installation=slack_world["installation"], now=timezone.now())
    admin = UserFactory(is_staff=True)
    admin.groups.add(admin_group_sync())
    slack_world["organization"].admins.add(admin)
    client.force_login(admin)
    url = "/admin/slack_app/slackmember/"

    # when
    listing = client.get(url, {"matched": "no"})

    # then
    assert listing.status_code == 200
    listed = [m.rep for m in listing.context["cl"].result_list]
    assert listed == [missing]
    assert "no Slack user has this email" in listing.content.decode()

    # when: the rep joined Slack, and the admin matches again
    slack_api.users["cy@acme.example"] = "U0CY000001"
    row = SlackMember.objects.get(rep=missing)
    response = client.post(
        url, {"action": "match_again", "_selected_action": [row.pk]}, follow=True
    )

    # then
    assert "1 of 1 rep matched" in response.content.decode()
    row.refresh_from_db()
    assert row.slack_user_id == "U0CY000001" and row.error == ""


def test_the_dose_goes_out_as_direct_messages_not_the_webhook(
    slack_api, slack_world, django_capture_on_commit_callbacks
):
    """With the app installed, the Slack delivery opens a DM and posts each
    question with its choices as buttons; the team's webhook is not used."""
    # given: a team webhook that would fail if it were called
    team = slack_world["profile"].team
    team.slack_webhook_url = "http://127.0.0.1:9/unreachable"
    team.save()
    now = timezone.now()
    with django_capture_on_commit_callbacks():
        (outcome,) = plans_create(
            rep_ids=[slack_world["rep"].pk], now=now, ignore_delivery_hour=True
        )
    assert outcome.status == "planned"

    # when
    statuses = plan_deliver(plan_id=outcome.plan_id, now=now)

    # then
    assert statuses[Delivery.Channel.SLACK] == Delivery.Status.SENT
    (opened,) = slack_api.of("conversations.open")
    assert opened["users"] == "U0ANA00001"
    posts = slack_api.of("chat.postMessage")
    prompts = Prompt.objects.filter(plan_id=outcome.plan_id)
    assert len(posts) == prompts.count() > 0
    assert all(p["channel"] == "D0ANA00001" for p in posts)
    assert "Question 1 of" in json.dumps(posts[0]["blocks"])
    assert SlackMessage.objects.filter(prompt__in=prompts).count() == len(posts)

    # when: the delivery is run again (a retry): nothing is posted twice
    Delivery.objects.filter(plan_id=outcome.plan_id).update(
        status=Delivery.Status.PENDING
    )
    plan_deliver(plan_id=outcome.plan_id, now=now)
    assert len(slack_api.of("chat.postMessage")) == len(posts)


def test_an_unmatched_rep_of_an_installed_organization_gets_no_slack_delivery(
    slack_api, slack_world
):
    """No Slack user found: the plan has no Slack row (the inbox and email stay)."""
    missing = _new_rep(slack_world, "cy@acme.example")

    (outcome,) = plans_create(
        rep_ids=[missing.pk], now=timezone.now(), ignore_delivery_hour=True
    )

    channels = set(
        Delivery.objects.filter(plan_id=outcome.plan_id).values_list(
            "channel", flat=True
        )
    )
    assert Delivery.Channel.SLACK not in channels
    assert Delivery.Channel.INBOX in channels


def test_organizations_without_the_app_keep_the_team_webhook(slack_api, slack_world):
    """Another organization's team with a webhook still gets a Slack row."""
    team = TeamFactory(slack_webhook_url="https://hooks.slack.com/services/T/B/x")
    team.organization.slack_delivery = True
    team.organization.save()
    rep = RepProfileFactory(team=team).user
    question = QuestionFactory(module__methodology__organization=team.organization)
    question.topic.organization = team.organization
    question.topic.save()
    EnrollmentFactory(module=question.module, team=team)

    (outcome,) = plans_create(
        rep_ids=[rep.pk], now=timezone.now(), ignore_delivery_hour=True
    )

    assert Delivery.objects.filter(
        plan_id=outcome.plan_id, channel=Delivery.Channel.SLACK
    ).exists()


def _values_blanked(node, values: list):
    """The blocks with every "value" replaced, collected into values."""
    if isinstance(node, dict):
        return {
            k: (values.append(v) or "<value>")
            if k == "value"
            else _values_blanked(v, values)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_values_blanked(v, values) for v in node]
    return node


@pytest.mark.parametrize("kind", ["single_choice", "multiple_choice"])
def test_the_open_question_never_reveals_the_correct_choice(slack_world, kind):
    """Two questions alike but for which choice is correct give the same
    blocks once values are blanked, and a value holds only the prompt and
    choice ids: nothing tells the right choice from a wrong one."""
    shapes = []
    for right in (0, 1):
        question = QuestionFactory(
            module=slack_world["questions"][0].module,
            topic=slack_world["topic"],
            kind=kind,
            stem="Same stem",
            choices=[("First", right == 0), ("Second", right == 1)],
        )
        prompt = make_prompt(rep=slack_world["rep"], question=question)
        blocks = prompt_open_blocks(
            prompt=prompt, heading="Q", today=timezone.now().date()
        )
        values: list = []
        shapes.append(_values_blanked(blocks, values))
        ids = [c.pk for c in question.choices.all()]
        if kind == "single_choice":
            assert values == [f"{prompt.pk}:{pk}" for pk in ids]
        else:
            assert values == [*(str(pk) for pk in ids), str(prompt.pk)]
        assert "correct" not in json.dumps(blocks).lower()
    assert shapes[0] == shapes[1]


def test_erasing_a_rep_forgets_their_slack_user(slack_api, slack_world):
    """GDPR erasure deletes the rep's Slack user id; other reps keep theirs."""
    from enablement.models import Membership
    from enablement.services.person_data import person_erase

    staying = _new_rep(slack_world, "bo@acme.example")
    SlackMember.objects.create(
        installation=slack_world["installation"],
        rep=staying,
        slack_user_id="U0BO000001",
        checked_at=timezone.now(),
    )
    Membership.objects.create(
        user=slack_world["rep"], organization=slack_world["organization"]
    )

    person_erase(user=slack_world["rep"])

    assert list(SlackMember.objects.values_list("slack_user_id", flat=True)) == [
        "U0BO000001"
    ]


def test_admin_shows_the_install_link_and_the_workspace(client, slack_api, slack_world):
    """An enablement admin's Slack installations list links the install and
    shows their workspace with its matched and unmatched counts."""
    _new_rep(slack_world, "cy@acme.example")
    slack_members_match(installation=slack_world["installation"], now=timezone.now())
    admin = UserFactory(is_staff=True)
    admin.groups.add(admin_group_sync())
    slack_world["organization"].admins.add(admin)
    client.force_login(admin)

    response = client.get("/admin/slack_app/slackinstallation/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/slack/install/"' in page and "Acme Sales" in page
    (row,) = response.context["cl"].result_list
    assert (row.matched, row.unmatched) == (1, 1)
    assert BOT_TOKEN not in page


def test_the_match_task_looks_up_a_chunk_and_passes_the_rest_on(
    slack_api, slack_world, monkeypatch
):
    """A run stays inside the broker's visibility timeout: it looks up at most
    MATCH_CHUNK reps and enqueues the rest for the next run."""
    from slack_app import tasks

    reps = [_new_rep(slack_world, f"rep{n}@acme.example") for n in range(3)]
    monkeypatch.setattr(tasks, "MATCH_CHUNK", 2)
    queued = []
    monkeypatch.setattr(
        tasks.slack_members_match_task, "delay", lambda **kw: queued.append(kw)
    )
    installation = slack_world["installation"]

    [(matched, unmatched)] = tasks.slack_members_match_task(
        installation_id=installation.pk
    )

    assert matched + unmatched == 2
    [rest] = queued
    assert rest["installation_id"] == installation.pk
    # The world's own rep is matched already: the third new rep is left.
    assert len(rest["rep_ids"]) == 1 and rest["rep_ids"][0] in {r.pk for r in reps}
    queued.clear()
    tasks.slack_members_match_task(**rest)
    assert queued == []
    assert len(slack_api.of("users.lookupByEmail")) == 3


def test_a_deal_refresher_goes_as_direct_messages_too(slack_api, slack_world):
    """A refresher triggered by a deal reaches the rep in a DM, headed
    "Refresher 1 of ...", not the team's webhook (which the app replaces)."""
    team = slack_world["profile"].team
    team.slack_webhook_url = "http://127.0.0.1:9/unreachable"
    team.save()
    now = timezone.now()
    trigger = refresher_triggered_create(
        rep_id=slack_world["rep"].pk,
        topic_ids=[slack_world["topic"].pk],
        label="Refresher for Acme (entered Discovery)",
        reference="deal-1:discovery",
        now=now,
    )
    assert Delivery.objects.filter(
        trigger=trigger, channel=Delivery.Channel.SLACK
    ).exists()

    triggers_deliver(trigger_ids=[trigger.pk], now=now)

    slack = Delivery.objects.get(trigger=trigger, channel=Delivery.Channel.SLACK)
    assert slack.status == Delivery.Status.SENT, slack.last_error
    posts = slack_api.of("chat.postMessage")
    assert len(posts) == trigger.prompts.count() > 0
    assert all(p["channel"] == "D0ANA00001" for p in posts)
    assert "Refresher 1 of" in json.dumps(posts[0]["blocks"])
