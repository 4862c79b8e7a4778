"""What SCIM added to the people service: a login name apart from the email,
updating a person the caller names, and leaving a team."""

import pytest

from enablement.models import Membership, RepProfile
from enablement.services.people import (
    PersonData,
    person_leave_team,
    person_upsert,
)
from provisioning.services import NO_ROLE
from tests.factories.enablement import TeamFactory

pytestmark = pytest.mark.django_db


def test_a_login_name_apart_from_the_email():
    team = TeamFactory()
    user = person_upsert(
        organization=team.organization,
        data=PersonData(email="a@x.io", username="ada.upn", team=team),
    ).user
    assert (user.username, user.email) == ("ada.upn", "a@x.io")
    # Without a username the login name stays what it is.
    person_upsert(
        organization=team.organization, data=PersonData(email="a@x.io", team=team)
    )
    user.refresh_from_db()
    assert user.username == "ada.upn"


def test_the_named_person_is_updated_even_when_the_email_changes():
    team = TeamFactory()
    user = person_upsert(
        organization=team.organization, data=PersonData(email="old@x.io", team=team)
    ).user
    result = person_upsert(
        organization=team.organization,
        data=PersonData(email="new@x.io", role=NO_ROLE),
        user=user,
    )
    assert result.user.pk == user.pk and not result.created
    user.refresh_from_db()
    assert user.email == "new@x.io"
    assert Membership.objects.count() == 1
    # No role: the person's team is left as it was.
    assert RepProfile.objects.get(user=user).team == team


def test_leaving_a_team_keeps_the_person():
    team = TeamFactory()
    user = person_upsert(
        organization=team.organization, data=PersonData(email="a@x.io", team=team)
    ).user
    assert (
        person_leave_team(user=user, team=TeamFactory(organization=team.organization))
        is False
    )
    assert person_leave_team(user=user, team=team) is True
    assert not RepProfile.objects.filter(user=user).exists()
    membership = Membership.objects.get(user=user)
    assert membership.deactivated_at is None and user.is_active
