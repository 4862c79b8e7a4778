"""A rep's own settings: PATCH /api/v1/me/, the Settings page, re-planning,
the audit log, and a vacation during which nothing is planned or delivered."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from enablement.models import AuditEntry, RepProfile
from reinforcement.models import DailyPlan, Delivery, Prompt, ReplanRequest
from reinforcement.selectors.planning import reps_due_for_planning
from reinforcement.services.delivery import plan_deliver
from reinforcement.services.planning import plans_create
from reinforcement.services.replan import replan_requests_apply
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/"


@pytest.fixture
def profile():
    team = TeamFactory()
    organization = team.organization
    organization.email_delivery = True
    organization.teams_delivery = True
    organization.working_days = "1234567"  # a rep may choose any day
    organization.save()
    module = ModuleFactory(methodology__organization=organization)
    for _ in range(6):
        QuestionFactory(module=module)
    EnrollmentFactory(module=module, team=team, starts_on=dt.date(2026, 1, 1))
    profile = RepProfileFactory(team=team, working_days="1234567")
    ReplanRequest.objects.all().delete()  # the enrollment's
    return profile


@pytest.fixture
def api(profile):
    client = APIClient()
    client.force_authenticate(profile.user)
    return client


def at(day: dt.date, hour: int = 15) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def test_get_me_shows_the_rep_settings_and_what_the_organization_offers(api):
    """Settings come with the channels offered and the allowed working days."""
    body = api.get(URL).json()
    assert body["is_rep"] is True
    settings = body["settings"]
    assert settings["time_zone"] == "UTC"
    assert settings["channels"] == ["web", "email", "teams"]
    assert settings["channels_offered"] == ["web", "email", "teams"]
    assert settings["working_days_allowed"] == "1234567"
    assert settings["paused_from"] is None


def test_patch_me_changes_settings_asks_for_a_replan_and_is_audited(api, profile):
    """A valid PATCH saves, writes a rep re-plan request and an audit entry by the rep."""
    response = api.patch(
        URL,
        {
            "time_zone": "Europe/Paris",
            "delivery_hour": 7,
            "working_days": "1234",
            "channels": ["web", "teams"],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["settings"]["channels"] == ["web", "teams"]
    profile.refresh_from_db()
    assert (profile.time_zone, profile.delivery_hour, profile.working_days) == (
        "Europe/Paris",
        7,
        "1234",
    )
    assert profile.channels_off == "email"
    assert ReplanRequest.objects.filter(scope="rep", scope_id=profile.user_id).exists()
    entry = AuditEntry.objects.filter(
        object_pk=str(profile.pk), content_type__model="repprofile"
    ).latest("timestamp")
    assert entry.actor == profile.user
    assert entry.cause == "rep settings"
    assert entry.changes["time_zone"] == ["UTC", "Europe/Paris"]
    assert entry.organization_id == profile.team.organization_id


@pytest.mark.parametrize(
    ("body", "status", "field", "text"),
    [
        ({"time_zone": "Mars/Olympus"}, 422, "time_zone", "not a known time zone"),
        (
            {"paused_from": "2026-12-20", "paused_until": "2026-12-10"},
            422,
            "paused_until",
            "cannot end before it starts",
        ),
        ({"paused_from": "2026-12-20"}, 422, "paused_until", "needs a last day"),
        ({"channels": ["slack"]}, 422, "channels", "does not deliver on slack"),
        ({"working_days": "1123"}, 422, "working_days", "without repeats"),
        ({"paused_until": "2099-01-01"}, 422, "paused_until", "within a year"),
        # Refused by the schema itself: 400.
        ({"delivery_hour": 24}, 400, "delivery_hour", "less than or equal to 23"),
        ({"engagement_opt_out": "yes"}, 400, "engagement_opt_out", "valid boolean"),
        ({"channels": ["fax"]}, 400, "channels.0", "not a valid choice"),
    ],
)
def test_bad_settings_are_refused_by_field_and_change_nothing(
    api, profile, body, status, field, text
):
    """Each bad value names its field with a clear message (400 when the schema
    refuses it, 422 when the rep may not have it); nothing is saved."""
    before = RepProfile.objects.values().get(pk=profile.pk)
    response = api.patch(URL, body, format="json")
    assert response.status_code == status, response.content
    fields = response.json()["error"]["fields"]
    assert field in fields, fields
    assert text in " ".join(fields[field])
    assert RepProfile.objects.values().get(pk=profile.pk) == before
    assert not ReplanRequest.objects.exists()


def test_a_patch_without_a_body_is_refused_and_an_empty_one_changes_nothing(api):
    """No body: 400; {}: 200 with the settings as they were."""
    assert api.patch(URL).status_code == 400
    response = api.patch(URL, {}, format="json")
    assert response.status_code == 200
    assert response.json()["settings"]["time_zone"] == "UTC"
    assert not ReplanRequest.objects.exists()


def test_a_user_who_is_no_rep_cannot_patch_settings(profile):
    """A manager without a rep profile gets 403 not_a_rep; GET shows settings null."""
    manager = TeamFactory().managers.create(username="boss")
    client = APIClient()
    client.force_authenticate(manager)
    assert client.get(URL).json()["settings"] is None
    response = client.patch(URL, {"time_zone": "UTC"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_a_rep"


def test_a_vacation_gets_nothing_planned_or_delivered_and_resumes_after(
    api, profile, mailoutbox
):
    """Vacation from today to tomorrow: today's plan is withdrawn and nothing sent,
    tomorrow nothing is planned, and the day after the dose is planned and sent."""
    rep_id = profile.user_id
    today = timezone.now().date()
    [first] = plans_create(rep_ids=[rep_id], now=at(today))
    assert first.status == "planned" and first.question_keys
    ReplanRequest.objects.all().delete()

    response = api.patch(
        URL,
        {
            "paused_from": today.isoformat(),
            "paused_until": (today + dt.timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    replan_requests_apply(now=at(today, 16))
    assert not Prompt.objects.filter(
        rep_id=rep_id, status__in=[Prompt.Status.PLANNED, Prompt.Status.DELIVERED]
    ).exists()
    assert plan_deliver(plan_id=first.plan_id, now=at(today, 16)) == {
        "inbox": "canceled",
        "email": "canceled",
    }
    assert mailoutbox == []

    tomorrow = today + dt.timedelta(days=1)
    assert rep_id not in reps_due_for_planning(now=at(tomorrow))
    assert [o.status for o in plans_create(rep_ids=[rep_id], now=at(tomorrow))] == [
        "paused"
    ]
    assert not DailyPlan.objects.filter(rep_id=rep_id, local_date=tomorrow).exists()

    after = today + dt.timedelta(days=2)
    assert rep_id in reps_due_for_planning(now=at(after))
    [resumed] = plans_create(rep_ids=[rep_id], now=at(after))
    assert resumed.status == "planned" and resumed.question_keys
    assert plan_deliver(plan_id=resumed.plan_id, now=at(after)) == {
        "inbox": "sent",
        "email": "sent",
    }
    assert len(mailoutbox) == 1


def test_a_vacation_ahead_leaves_today_alone(api, profile):
    """A pause starting next week does not stop today's plan."""
    today = timezone.now().date()
    api.patch(
        URL,
        {
            "paused_from": (today + dt.timedelta(days=7)).isoformat(),
            "paused_until": (today + dt.timedelta(days=9)).isoformat(),
        },
        format="json",
    )
    assert profile.user_id in reps_due_for_planning(now=at(today))
    [outcome] = plans_create(rep_ids=[profile.user_id], now=at(today))
    assert outcome.status == "planned"
    assert [
        o.status
        for o in plans_create(
            rep_ids=[profile.user_id], now=at(today + dt.timedelta(days=8))
        )
    ] == ["paused"]


def test_a_channel_turned_off_gets_no_delivery_row(api, profile):
    """Email off: today's plan goes out in the app only."""
    api.patch(URL, {"channels": ["web"]}, format="json")
    [outcome] = plans_create(rep_ids=[profile.user_id], now=at(timezone.now().date()))
    assert list(
        Delivery.objects.filter(plan_id=outcome.plan_id).values_list(
            "channel", flat=True
        )
    ) == ["inbox"]


def test_settings_page_saves_and_shows_errors_by_field(client, profile):
    """The page is linked from the rep's pages, saves a valid form and explains a
    bad pause next to its field, saving nothing."""
    client.force_login(profile.user)
    today_page = client.get(reverse("rep:today")).content.decode()
    assert f'href="{reverse("rep:settings")}"' in today_page
    page = client.get(reverse("rep:settings"))
    assert page.status_code == 200
    form = {
        "time_zone": "America/New_York",
        "delivery_hour": "8",
        "working_days": ["1", "2", "3", "4", "5"],
        "channels": ["web", "email"],
        "paused_from": "",
        "paused_until": "",
    }
    response = client.post(reverse("rep:settings"), form)
    assert response.status_code == 302
    assert "saved" in client.get(response.url).content.decode().lower()
    profile.refresh_from_db()
    assert (profile.time_zone, profile.delivery_hour, profile.working_days) == (
        "America/New_York",
        8,
        "12345",
    )
    assert profile.channels_off == "teams"

    bad = {**form, "paused_from": "2026-12-20", "paused_until": "2026-12-10"}
    response = client.post(reverse("rep:settings"), bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="paused_until-error"' in html
    assert "cannot end before it starts" in html
    profile.refresh_from_db()
    assert profile.paused_from is None


def test_a_vacation_pauses_only_its_own_days():
    """RepSchedule: paused from its first to its last day, both included; a pause
    with no first day runs from now."""
    from reinforcement.memory.rep_calendar import RepSchedule

    start, end = dt.date(2026, 12, 21), dt.date(2026, 12, 31)
    vacation = RepSchedule(1, "UTC", 9, "12345", end, paused_from=start)
    assert [
        vacation.is_paused(start + dt.timedelta(days=n)) for n in (-1, 0, 10, 11)
    ] == [
        False,
        True,
        True,
        False,
    ]
    assert RepSchedule(1, "UTC", 9, "12345", end).is_paused(dt.date(2026, 1, 1))


def test_a_rep_following_the_organization_sees_its_days_and_chooses_among_them(
    api, profile
):
    """A profile without days of its own shows the organization's; a day the
    organization does not work is refused."""
    organization = profile.team.organization
    organization.working_days = "1234"
    organization.save()
    profile.working_days = ""
    profile.save()
    settings = api.get(URL).json()["settings"]
    assert (settings["working_days"], settings["working_days_allowed"]) == (
        "1234",
        "1234",
    )
    response = api.patch(URL, {"working_days": "12345"}, format="json")
    assert response.status_code == 422
    profile.refresh_from_db()
    assert profile.working_days == ""
