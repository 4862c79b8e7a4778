"""Erasing a person (GDPR) forgets their identity-provider subject too."""

import pytest

from enablement.services.people import PersonData, person_upsert
from enablement.services.person_data import person_erase
from sso.models import IdentityProvider, SsoIdentity
from tests.factories.enablement import TeamFactory

pytestmark = pytest.mark.django_db


def test_erasure_deletes_the_persons_sso_identity_only():
    team = TeamFactory()
    organization = team.organization
    provider = IdentityProvider.objects.create(
        organization=organization, issuer="https://idp.example", client_id="c"
    )
    leaving, staying = (
        person_upsert(
            organization=organization, data=PersonData(email=e, team=team)
        ).user
        for e in ("leaving@x.io", "staying@x.io")
    )
    SsoIdentity.objects.create(provider=provider, user=leaving, subject="sub-1")
    SsoIdentity.objects.create(provider=provider, user=staying, subject="sub-2")
    person_erase(user=leaving)
    assert list(SsoIdentity.objects.values_list("subject", flat=True)) == ["sub-2"]
