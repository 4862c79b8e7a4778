"""Roster import in Django admin: upload, preview, confirm, for an enablement admin
of one organization (not a superuser), scoped to that organization."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enablement.admin_roster import SESSION_KEY
from enablement.models import Membership, RepProfile, Team
from enablement.services.roster_format import COLUMNS
from enablement.services.roster_import import roster_import
from tests.factories.enablement import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()
HEADER = ",".join(COLUMNS)
PERMISSIONS = ("add_repprofile", "change_repprofile", "view_repprofile")


def csv_file(*lines: str, name: str = "roster.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([HEADER, *lines]) + "\n").encode())


ADA = 'ada@x.io,Ada,L,East,rep,Europe/Berlin,8,"mon,tue,wed,thu,fri",2024-03-01,e1'
BOB = "bob@x.io,Bob,S,East,manager,,,,,e2"
CY = "cy@x.io,Cy,,West,rep,UTC,,,,"


@pytest.fixture
def acme():
    return OrganizationFactory(name="Acme")


@pytest.fixture
def rival():
    return OrganizationFactory(name="Rival")


def enablement_admin(organization, *, permissions=PERMISSIONS):
    """A staff user in Organization.admins with the rep-profile permissions."""
    user = UserFactory(username="enable", is_staff=True)
    organization.admins.add(user)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="enablement", codename__in=permissions
        )
    )
    return user


@pytest.fixture
def admin_of_acme(client, acme):
    client.force_login(enablement_admin(acme))
    return client


def upload(client, organization, file, deactivate=False):
    data = {"organization": organization.pk, "file": file}
    if deactivate:
        data["deactivate_missing"] = "on"
    return client.post(reverse("roster:import"), data)


def test_the_preview_lists_created_changed_and_deactivated_and_writes_nothing(
    admin_of_acme, acme
):
    """Counts and rows of each kind; the changed row names its fields."""
    roster_import(
        organization=acme, data=("\n".join([HEADER, ADA, CY]) + "\n").encode()
    )
    changed_ada = ADA.replace(",8,", ",10,")
    response = upload(admin_of_acme, acme, csv_file(changed_ada, BOB), deactivate=True)
    assert response.status_code == 200
    summary = response.context["summary"]
    assert [c.email for c in summary.created] == ["bob@x.io"]
    assert [(c.email, c.field_names) for c in summary.changed] == [
        ("ada@x.io", "delivery_hour")
    ]
    assert [c.email for c in summary.deactivated] == ["cy@x.io"]
    page = response.content.decode()
    assert (
        '<td class="created">1</td>' in page
        and '<td class="deactivated">1</td>' in page
    )
    assert "<code>delivery_hour</code>: 8 &rarr; 10" in page
    assert not User.objects.filter(email="bob@x.io").exists()
    assert RepProfile.objects.get(user__email="ada@x.io").delivery_hour == 8
    assert not Membership.objects.filter(deactivated_at__isnull=False).exists()

    token = admin_of_acme.session[SESSION_KEY]["token"]
    response = admin_of_acme.post(reverse("roster:confirm"), {"token": token})
    assert response.status_code == 302
    assert response.url == reverse("admin:enablement_repprofile_changelist")
    assert User.objects.get(email="bob@x.io").managed_teams.get().name == "East"
    assert RepProfile.objects.get(user__email="ada@x.io").delivery_hour == 10
    assert Membership.objects.get(user__email="cy@x.io").deactivated_at is not None
    assert SESSION_KEY not in admin_of_acme.session
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert "1 created, 1 changed, 0 unchanged, 1 deactivated" in texts[0]


def test_a_confirm_after_the_people_changed_writes_nothing(admin_of_acme, acme):
    """Between preview and confirm someone else imported: confirm is refused."""
    response = upload(admin_of_acme, acme, csv_file(ADA, CY))
    token = response.context["token"]
    roster_import(organization=acme, data=("\n".join([HEADER, CY]) + "\n").encode())
    response = admin_of_acme.post(reverse("roster:confirm"), {"token": token})
    assert response.status_code == 200
    assert "changed since the preview" in response.context["errors"][0]
    assert not User.objects.filter(email="ada@x.io").exists()


def test_a_second_confirm_or_a_forged_token_writes_nothing(admin_of_acme, acme):
    token = upload(admin_of_acme, acme, csv_file(ADA)).context["token"]
    response = admin_of_acme.post(reverse("roster:confirm"), {"token": "forged"})
    assert response.status_code == 302 and response.url == reverse("roster:import")
    assert not User.objects.filter(email="ada@x.io").exists()
    admin_of_acme.post(reverse("roster:confirm"), {"token": token})
    User.objects.filter(email="ada@x.io").update(first_name="Changed")
    response = admin_of_acme.post(reverse("roster:confirm"), {"token": token})
    assert response.url == reverse("roster:import")
    assert User.objects.get(email="ada@x.io").first_name == "Changed"


@pytest.mark.parametrize(
    "file, error",
    [
        (
            csv_file("a@x.io,,,East,chief,,,,,"),
            "row 2: role: 'chief': use rep or manager",
        ),
        (SimpleUploadedFile("r.csv", "é".encode("latin-1")), "not UTF-8"),
        (SimpleUploadedFile("r.csv", b"name,team\nx,y\n"), "row 1: header: missing"),
        (SimpleUploadedFile("r.csv", b"\x00\x01\xff" * 50), "not UTF-8"),
    ],
)
def test_a_bad_file_shows_every_error_and_writes_nothing(
    admin_of_acme, acme, file, error
):
    response = upload(admin_of_acme, acme, file)
    assert response.status_code == 200
    assert any(error in e for e in response.context["errors"]), response.context[
        "errors"
    ]
    assert error.split(": ")[-1].replace("'", "&#x27;") in response.content.decode()
    assert SESSION_KEY not in admin_of_acme.session
    assert not Team.objects.exists()


def test_only_the_users_organization_is_offered_or_accepted(admin_of_acme, acme, rival):
    """Rival is neither a choice, an import target, nor exportable."""
    response = admin_of_acme.get(reverse("roster:import"))
    assert list(response.context["form"].fields["organization"].queryset) == [acme]
    assert "Rival" not in response.content.decode()
    response = upload(admin_of_acme, rival, csv_file(ADA))
    assert "organization" in response.context["form"].errors
    roster_import(organization=rival, data=("\n".join([HEADER, CY]) + "\n").encode())
    assert (
        admin_of_acme.get(reverse("roster:export", args=[rival.pk])).status_code == 404
    )
    response = admin_of_acme.get(reverse("roster:export", args=[acme.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="roster-acme.csv"'
    assert response.content.decode() == HEADER + "\n"


def test_the_export_is_the_organizations_roster(admin_of_acme, acme):
    roster_import(
        organization=acme, data=("\n".join([HEADER, ADA, BOB]) + "\n").encode()
    )
    response = admin_of_acme.get(reverse("roster:export", args=[acme.pk]))
    assert response.content.decode().splitlines() == [HEADER, ADA, BOB]


def test_without_the_permissions_or_as_an_author_nothing_is_offered(client, acme):
    user = enablement_admin(acme, permissions=("view_repprofile",))
    client.force_login(user)
    assert client.get(reverse("roster:import")).status_code == 403
    assert "roster-link" not in client.get(reverse("admin:index")).content.decode()
    acme.admins.remove(user)
    acme.authors.add(user)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=PERMISSIONS, content_type__app_label="enablement"
        )
    )
    response = client.get(reverse("roster:import"))
    assert list(response.context["form"].fields["organization"].queryset) == []
    assert client.get(reverse("roster:export", args=[acme.pk])).status_code == 404


def test_the_admin_index_links_the_roster_for_an_enablement_admin(admin_of_acme):
    page = admin_of_acme.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("roster:import")}"' in page


def test_a_superuser_picks_any_organization(admin_client, acme, rival):
    response = admin_client.get(reverse("roster:import"))
    assert set(response.context["form"].fields["organization"].queryset) == {
        acme,
        rival,
    }
    response = upload(admin_client, rival, csv_file(CY))
    assert [c.email for c in response.context["summary"].created] == ["cy@x.io"]
