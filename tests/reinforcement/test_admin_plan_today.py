""" "Plan today now" in admin, as an enablement admin with the test client."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from enablement.services.groups import admin_group_sync
from reinforcement.models import DailyPlan, Delivery, Prompt
from tests.factories.enablement import (
    EnrollmentFactory,
    ModuleFactory,
    QuestionFactory,
    RepProfileFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def team_world(*, reps=2, questions=5):
    team = TeamFactory()
    module = ModuleFactory(methodology__organization=team.organization)
    QuestionFactory.create_batch(questions, module=module)
    enrollment = EnrollmentFactory(module=module, team=team)
    # Every day a working day and a delivery hour of 23: planning now is "early".
    profiles = [
        RepProfileFactory(team=team, working_days="1234567", delivery_hour=23)
        for _ in range(reps)
    ]
    return team, enrollment, profiles


def enablement_admin(client, organization):
    """What the demo's enablement user is: an organization admin in the admin group."""
    user = UserFactory(is_staff=True)
    user.groups.add(admin_group_sync())
    organization.admins.add(user)
    client.force_login(user)
    return user


def messages_of(response) -> list[str]:
    """The message this request added (earlier unread ones stay in the session)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1:]


def test_the_team_page_button_plans_every_rep_and_says_how_much(client):
    team, _, profiles = team_world(reps=2)
    enablement_admin(client, team.organization)
    change = reverse("admin:enablement_team_change", args=[team.pk])
    page = client.get(change)
    url = reverse("admin:enablement_team_plan_today", args=[team.pk])
    assert page.status_code == 200 and url in page.content.decode()

    response = client.post(url)
    assert response.status_code == 302 and response.url == change
    assert messages_of(response) == [
        "2 of 2 reps have a plan for today, with 6 questions in all."
    ]
    for profile in profiles:
        assert Prompt.objects.filter(rep=profile.user).count() == 3
        assert set(
            Delivery.objects.filter(plan__rep=profile.user).values_list(
                "channel", flat=True
            )
        ) == {"inbox", "email"}
    # Again: nothing new to plan, no second set of deliveries.
    again = client.post(url)
    assert messages_of(again) == [
        "2 of 2 reps have a plan for today, with 6 questions in all."
    ]
    assert Prompt.objects.filter(rep__rep_profile__team=team).count() == 6
    assert Delivery.objects.filter(plan__rep__rep_profile__team=team).count() == 4


def test_the_action_on_rep_profiles_plans_the_selected_reps_only(client):
    team, _, profiles = team_world(reps=3)
    enablement_admin(client, team.organization)
    response = client.post(
        reverse("admin:enablement_repprofile_changelist"),
        {"action": "plan_today_now", "_selected_action": [profiles[0].pk]},
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        "1 of 1 rep has a plan for today, with 3 questions in all."
    ]
    assert list(DailyPlan.objects.values_list("rep_id", flat=True)) == [
        profiles[0].user_id
    ]


def test_the_enrollment_page_button_plans_its_team(client):
    team, enrollment, profiles = team_world(reps=2, questions=2)
    enablement_admin(client, team.organization)
    url = reverse("admin:enablement_enrollment_plan_today", args=[enrollment.pk])
    page = client.get(
        reverse("admin:enablement_enrollment_change", args=[enrollment.pk])
    )
    assert url in page.content.decode()
    response = client.post(url)
    assert messages_of(response) == [
        "2 of 2 reps have a plan for today, with 4 questions in all."
    ]


def test_a_plan_with_an_answer_is_counted_but_left_alone(client):
    team, _, profiles = team_world(reps=2)
    enablement_admin(client, team.organization)
    url = reverse("admin:enablement_team_plan_today", args=[team.pk])
    client.post(url)
    answered = Prompt.objects.filter(rep=profiles[0].user).first()
    Prompt.objects.filter(pk=answered.pk).update(status=Prompt.Status.ANSWERED)
    response = client.post(url)
    assert messages_of(response) == [
        "1 of 2 reps have a plan for today, with 3 questions in all. The others "
        "already answered today, are paused, on a day off, or have nothing to learn yet."
    ]
    assert Prompt.objects.filter(rep=profiles[0].user).count() == 3


def test_another_organizations_team_is_not_found_and_nothing_is_planned(client):
    mine, _, _ = team_world(reps=1)
    theirs, _, _ = team_world(reps=1)
    enablement_admin(client, mine.organization)
    response = client.post(
        reverse("admin:enablement_team_plan_today", args=[theirs.pk])
    )
    assert response.status_code == 404
    response = client.post(
        reverse("admin:enablement_repprofile_changelist"),
        {
            "action": "plan_today_now",
            "_selected_action": list(theirs.reps.values_list("pk", flat=True)),
        },
    )
    assert not DailyPlan.objects.exists()


def test_without_the_enrollment_permission_there_is_no_button_and_no_plan(client):
    team, _, _ = team_world(reps=1)
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_team"))
    team.organization.admins.add(user)
    client.force_login(user)
    page = client.get(reverse("admin:enablement_team_change", args=[team.pk]))
    url = reverse("admin:enablement_team_plan_today", args=[team.pk])
    assert page.status_code == 200 and url not in page.content.decode()
    assert client.post(url).status_code == 403
    assert not DailyPlan.objects.exists()
