"""The people service: one write path for adding, changing and deactivating people."""

import pytest

from core.errors import ApplicationError
from enablement.models import Membership, RepProfile
from enablement.services.people import (
    PersonData,
    Role,
    person_deactivate,
    person_reactivate,
    person_upsert,
)
from tests.factories.enablement import OrganizationFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_a_new_rep_gets_a_login_a_membership_and_a_profile():
    team = TeamFactory()
    result = person_upsert(
        organization=team.organization,
        data=PersonData(
            email=" Ada@Example.com ", first_name="Ada", team=team, external_id="e1",
            time_zone="Europe/Berlin",
        ),
    )  # fmt: skip
    user = result.user
    assert result.created
    assert (user.username, user.email) == ("ada@example.com", "ada@example.com")
    assert not user.has_usable_password()
    assert user.membership.organization == team.organization
    assert user.membership.external_id == "e1"
    assert RepProfile.objects.get(user=user).time_zone == "Europe/Berlin"


def test_the_same_person_again_changes_nothing_and_is_matched_by_external_id():
    team = TeamFactory()
    data = PersonData(email="a@x.io", first_name="A", team=team, external_id="e1")
    person_upsert(organization=team.organization, data=data)
    again = person_upsert(organization=team.organization, data=data)
    assert (again.created, again.changed) == (False, [])
    renamed = person_upsert(
        organization=team.organization,
        data=PersonData(email="new@x.io", team=team, external_id="e1"),
    )
    assert not renamed.created and renamed.changed == ["email"]
    assert Membership.objects.count() == 1


def test_an_email_of_another_organization_is_refused():
    team = TeamFactory()
    person_upsert(
        organization=team.organization, data=PersonData(email="a@x.io", team=team)
    )
    other = TeamFactory(organization=OrganizationFactory())
    with pytest.raises(ApplicationError) as refused:
        person_upsert(
            organization=other.organization, data=PersonData(email="A@x.io", team=other)
        )
    assert refused.value.code == "conflict"


def test_roles_are_the_links_that_grant_them():
    team = TeamFactory()
    organization = team.organization
    manager = person_upsert(
        organization=organization,
        data=PersonData(email="m@x.io", role=Role.MANAGER, team=team),
    ).user
    admin = person_upsert(
        organization=organization, data=PersonData(email="a@x.io", role=Role.ADMIN)
    ).user
    author = person_upsert(
        organization=organization, data=PersonData(email="w@x.io", role=Role.AUTHOR)
    ).user
    # A frontline manager works in /manager/, not Django admin.
    assert list(team.managers.all()) == [manager] and not manager.is_staff
    assert admin.is_staff and author.is_staff
    assert list(organization.admins.all()) == [admin]
    assert list(organization.authors.all()) == [author]
    with pytest.raises(ApplicationError):
        person_upsert(organization=organization, data=PersonData(email="r@x.io"))


def test_deactivation_blocks_login_and_reactivation_restores_it():
    team = TeamFactory()
    user = person_upsert(
        organization=team.organization, data=PersonData(email="a@x.io", team=team)
    ).user
    person_deactivate(membership=user.membership)
    user.refresh_from_db()
    assert not user.is_active and user.membership.deactivated_at is not None
    person_reactivate(membership=user.membership)
    user.refresh_from_db()
    assert user.is_active and user.membership.deactivated_at is None
