"""Roles an organization runs itself: enablement admin, author, manager, rep.

The enablement admin does the roll-out in Django admin without a superuser:
people in one form (through person_upsert), teams, managers, enrollments,
organization settings; never anything of another organization, never a
privilege. Authors edit content only; frontline managers never enter admin.
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from enablement.models import Enrollment, Membership, Organization, RepProfile, Team
from enablement.services.demo import ADMIN_USERNAME, AUTHOR_USERNAME, demo_seed
from enablement.services.groups import ADMIN_GROUP, AUTHOR_GROUP
from enablement.services.people import PersonData, Role, person_upsert
from tests.factories.enablement import ModuleFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

PEOPLE_ADD = reverse("admin:enablement_membership_add")
PEOPLE_LIST = reverse("admin:enablement_membership_changelist")


def codenames(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return set(group.permissions.values_list("codename", flat=True))


def person(organization, role, **extra):
    email = f"{role}-{organization.pk}@acme.example"
    return person_upsert(
        organization=organization, data=PersonData(email=email, role=role, **extra)
    ).user


@pytest.fixture
def team():
    return TeamFactory(name="East")


@pytest.fixture
def admin_user(team):
    return person(team.organization, Role.ADMIN)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def rep_form(in_team, **overrides):
    return {
        "organization": in_team.organization_id,
        "email": "New.Rep@Acme.example",
        "first_name": "Nia",
        "last_name": "Newhire",
        "role": "rep",
        "team": in_team.pk,
        "external_id": "HR-42",
        "time_zone": "Europe/Berlin",
        "delivery_hour": "8",
        "working_days": ["1", "2", "3", "4"],
        "hired_on": "2026-11-02",
        **overrides,
    }


def test_the_role_groups_exist_after_migrate_with_their_permissions():
    """Admin: people, teams, enrollments, settings (change only), content,
    deliveries (view). Author: content, nothing about people."""
    admin, author = codenames(ADMIN_GROUP), codenames(AUTHOR_GROUP)
    content = {"add_question", "change_choice", "delete_module", "view_topic"}
    assert content <= admin and content <= author
    assert {
        "add_membership", "change_membership", "add_team", "change_team",
        "add_enrollment", "change_repprofile", "change_organization",
        "view_delivery", "change_user",
    } <= admin  # fmt: skip
    assert not {"add_organization", "delete_organization", "add_user"} & admin
    people = {"membership", "team", "repprofile", "user", "enrollment", "organization"}
    assert not {c for c in author if c.split("_", 1)[1] in people}


def test_person_upsert_puts_admins_and_authors_in_their_group(team):
    """The role's group and staff status come with the role; managers are not staff."""
    organization = team.organization
    admin = person(organization, Role.ADMIN)
    author = person(organization, Role.AUTHOR)
    manager = person(organization, Role.MANAGER, team=team)
    assert list(admin.groups.values_list("name", flat=True)) == [ADMIN_GROUP]
    assert list(author.groups.values_list("name", flat=True)) == [AUTHOR_GROUP]
    assert admin.is_staff and author.is_staff
    assert not manager.is_staff and not manager.groups.exists()


def test_the_enablement_admin_adds_a_rep_in_one_form(admin_client, admin_user, team):
    """One admin form creates the user, membership and rep profile, unstaffed,
    with no usable password (they set one from their invitation)."""
    assert not admin_user.is_superuser
    page = admin_client.get(PEOPLE_ADD)
    assert page.status_code == 200
    assert b'name="working_days"' in page.content

    response = admin_client.post(PEOPLE_ADD, rep_form(team))

    assert response.status_code == 302, response.context["adminform"].form.errors
    rep = get_user_model().objects.get(email="new.rep@acme.example")
    assert (rep.first_name, rep.last_name) == ("Nia", "Newhire")
    assert not rep.is_staff and not rep.has_usable_password()
    assert rep.membership.organization == team.organization
    assert rep.membership.external_id == "HR-42"
    profile = RepProfile.objects.get(user=rep)
    assert (profile.team, profile.time_zone, profile.delivery_hour) == (
        team, "Europe/Berlin", 8,
    )  # fmt: skip
    assert profile.working_days == "1234"
    assert profile.hired_on == dt.date(2026, 11, 2)

    listing = admin_client.get(PEOPLE_LIST, {"role": "rep", "q": "newhire"})
    assert [m.user for m in listing.context["cl"].result_list] == [rep]
    assert "East" in listing.content.decode()


def test_the_people_form_refuses_bad_input_and_changes_nothing(admin_client, team):
    """A rep without a team, an unknown zone, an email of another organization."""
    theirs = TeamFactory()
    other = person(theirs.organization, Role.REP, team=theirs)
    count = get_user_model().objects.count()
    for overrides, field in (
        ({"team": ""}, "team"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"delivery_hour": "24"}, "delivery_hour"),
        ({"email": other.email}, "email"),
    ):
        response = admin_client.post(PEOPLE_ADD, rep_form(team, **overrides))
        assert response.status_code == 200
        assert field in response.context["adminform"].form.errors, overrides
    assert get_user_model().objects.count() == count


def test_the_enablement_admin_changes_a_person(admin_client, team):
    rep = person(team.organization, Role.REP, team=team)
    url = reverse("admin:enablement_membership_change", args=[rep.membership.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    form = rep_form(team, email=rep.email, first_name="Renamed", time_zone="Asia/Tokyo")
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    rep.refresh_from_db()
    assert rep.first_name == "Renamed"
    assert rep.rep_profile.time_zone == "Asia/Tokyo"
    assert Membership.objects.filter(user=rep).count() == 1


def test_the_enablement_admin_runs_teams_managers_enrollments_and_settings(
    admin_client, team
):
    """Without a superuser: create a team, set its manager, enroll it, tune the org."""
    organization = team.organization
    manager = person(organization, Role.MANAGER, team=team)
    response = admin_client.post(
        reverse("admin:enablement_team_add"),
        {"organization": organization.pk, "name": "West", "managers": [manager.pk]},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    west = Team.objects.get(name="West")
    assert list(west.managers.all()) == [manager]

    module = ModuleFactory(methodology__organization=organization)
    response = admin_client.post(
        reverse("admin:enablement_enrollment_add"),
        {"module": module.pk, "team": west.pk, "starts_on": "2026-12-01"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Enrollment.objects.filter(team=west, module=module).exists()

    url = reverse("admin:enablement_organization_change", args=[organization.pk])
    response = admin_client.post(
        url,
        {
            "name": organization.name,
            "target_retention": "0.85",
            "default_daily_dose": "4",
            "new_questions_per_day": "2",
            "prompt_window_days": "3",
            "email_delivery": "on",
            "working_days": "12345",
            "holidays-TOTAL_FORMS": "0",
            "holidays-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    organization.refresh_from_db()
    assert organization.default_daily_dose == 4
    assert (
        admin_client.get(reverse("admin:enablement_organization_add")).status_code
        == 403
    )
    delete = reverse("admin:enablement_organization_delete", args=[organization.pk])
    assert admin_client.get(delete).status_code == 403
    assert (
        admin_client.get(reverse("admin:reinforcement_delivery_changelist")).status_code
        == 200
    )


def test_the_enablement_admin_grants_nothing_outside_their_organization(
    admin_client, admin_user, team
):
    """Another organization, its teams, superusers and privileges are out of reach."""
    other_team = TeamFactory(name="Theirs")
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    Membership.objects.create(user=superuser, organization=team.organization)
    count = get_user_model().objects.count()

    response = admin_client.post(
        PEOPLE_ADD,
        rep_form(team, organization=other_team.organization_id, team=other_team.pk),
    )
    assert response.status_code == 200
    assert {"organization", "team"} <= set(response.context["adminform"].form.errors)
    assert get_user_model().objects.count() == count

    users = admin_client.get(reverse("admin:auth_user_changelist"))
    assert superuser not in users.context["cl"].result_list
    people = admin_client.get(PEOPLE_LIST)
    assert superuser.membership not in people.context["cl"].result_list
    root = reverse("admin:auth_user_change", args=[superuser.pk])
    assert admin_client.get(root).status_code == 302  # "doesn't exist"
    password = reverse("admin:auth_user_password_change", args=[superuser.pk])
    assert admin_client.post(password, {"password1": "x" * 12}).status_code == 404

    own = reverse("admin:auth_user_change", args=[admin_user.pk])
    admin_client.post(
        own,
        {
            "username": admin_user.username, "email": admin_user.email,
            "is_superuser": "on", "is_staff": "on", "is_active": "on",
            "groups": [Group.objects.get(name=ADMIN_GROUP).pk],
            "date_joined_0": "2026-01-01", "date_joined_1": "00:00",
        },
    )  # fmt: skip
    admin_user.refresh_from_db()
    assert not admin_user.is_superuser
    assert admin_client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert admin_client.get(reverse("admin:auth_user_add")).status_code == 403


def test_an_author_cannot_reach_people(client, team):
    """Content yes; people, teams and enrollments no (403)."""
    author = person(team.organization, Role.AUTHOR)
    client.force_login(author)
    assert client.get(reverse("admin:enablement_question_add")).status_code == 200
    for name in (
        "enablement_membership_changelist",
        "enablement_membership_add",
        "enablement_team_add",
        "enablement_enrollment_add",
        "auth_user_changelist",
    ):
        assert client.get(reverse(f"admin:{name}")).status_code == 403, name


def test_a_frontline_manager_cannot_reach_admin(client, team):
    """A manager signs in to /manager/; admin sends them to its login page."""
    manager = person(team.organization, Role.MANAGER, team=team)
    client.force_login(manager)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    response = client.get(PEOPLE_LIST)
    assert response.status_code == 302


def test_the_demo_logins_are_who_the_readme_says():
    """enablement: admin, not superuser; author: content only; managers: not staff."""
    summary = demo_seed()
    User = get_user_model()
    admin = User.objects.get(username=ADMIN_USERNAME)
    author = User.objects.get(username=AUTHOR_USERNAME)
    assert admin.is_staff and not admin.is_superuser
    assert admin.groups.filter(name=ADMIN_GROUP).exists()
    assert summary.organization.admins.filter(pk=admin.pk).exists()
    assert list(author.groups.values_list("name", flat=True)) == [AUTHOR_GROUP]
    assert summary.organization.authors.filter(pk=author.pk).exists()
    managers = User.objects.filter(username__in=summary.managers)
    assert managers.count() == 3 and not managers.filter(is_staff=True).exists()
    assert Organization.objects.get().memberships.count() == 2 + 3 + len(summary.reps)


def test_the_roles_migration_groups_admins_and_unstaffs_managers(team):
    """Existing deployments: admins and authors join their group, managers leave admin."""
    import importlib

    from django.apps import apps

    roles = importlib.import_module("enablement.migrations.0005_roles")
    organization = team.organization
    admin = UserFactory(username="old-admin", is_staff=True)
    organization.admins.add(admin)
    author = UserFactory(username="old-author", is_staff=True)
    organization.authors.add(author)
    manager = UserFactory(username="old-manager", is_staff=True)
    team.managers.add(manager)
    root = UserFactory(username="root-manager", is_staff=True, is_superuser=True)
    team.managers.add(root)

    roles.roles_assign(apps, None)

    for user in (admin, author, manager, root):
        user.refresh_from_db()
    assert admin.groups.filter(name=ADMIN_GROUP).exists() and admin.is_staff
    assert author.groups.filter(name=AUTHOR_GROUP).exists() and author.is_staff
    assert not manager.is_staff
    assert root.is_staff


def test_migrate_gives_the_admin_group_every_permission_it_lists():
    """The groups are synced after migrate once each app's permissions exist,
    so an app whose models the admin manages cannot be left out (slack_app was)."""
    from django.contrib.auth.models import Permission
    from django.core.management import call_command

    from enablement.services.groups import ADMIN_EXTRA

    # As on a fresh database: each app's permissions appear only at its own
    # post_migrate, after the apps listed before it were synced.
    Group.objects.filter(name=ADMIN_GROUP).delete()
    Permission.objects.filter(
        content_type__app_label__in={app for app, _model, _actions in ADMIN_EXTRA}
        - {"auth", "enablement"}
    ).delete()
    call_command("migrate", verbosity=0)
    granted = set(
        Group.objects.get(name=ADMIN_GROUP).permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    listed = {
        (app, f"{action}_{model}")
        for app, model, actions in ADMIN_EXTRA
        for action in actions
    }
    assert listed - granted == set()
