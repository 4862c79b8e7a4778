"""A live /scim/v2/ (pytest-django's live server: a real HTTP server thread on
a free loopback port) and an organization with a SCIM token."""

import json

import pytest
import requests

from enablement.services.people import PersonData, person_upsert
from provisioning.services import token_rotate
from tests.factories.enablement import OrganizationFactory, TeamFactory


class Scim:
    """requests against the live SCIM root, with the organization's token."""

    def __init__(self, base_url: str, token: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/scim+json",
                "Accept": "application/scim+json",
            }
        )

    def __getattr__(self, method):
        def call(path, **kwargs):
            return self.session.request(
                method.upper(), self.base_url + path, timeout=30, **kwargs
            )

        return call


@pytest.fixture
def scim_organization(transactional_db):
    organization = OrganizationFactory(name="Okta Corp")
    organization.scim_token = token_rotate(organization=organization)
    return organization


@pytest.fixture
def scim(live_server, scim_organization) -> Scim:
    return Scim(f"{live_server.url}/scim/v2", scim_organization.scim_token)


class ScimClient:
    """Django's test client speaking SCIM with one token (no live server)."""

    def __init__(self, client, token: str):
        self.client, self.token = client, token

    def __call__(self, method: str, path: str, body=None, token=None, raw=None):
        data = raw if raw is not None else None if body is None else json.dumps(body)
        kwargs = {"content_type": "application/scim+json"} if data is not None else {}
        return getattr(self.client, method.lower())(
            "/scim/v2" + path,
            data=data,
            headers={"Authorization": f"Bearer {token or self.token}"},
            **kwargs,
        )


@pytest.fixture
def two_organizations(db):
    """Organizations A and B, each with a token, a team and a rep."""
    worlds = {}
    for name in ("A", "B"):
        organization = OrganizationFactory(name=f"Org {name}")
        token = token_rotate(organization=organization)
        team = TeamFactory(organization=organization, name=f"Team {name}")
        data = PersonData(
            email=f"rep@{name.lower()}.example",
            team=team,
            first_name=name,
            external_id=f"ext-{name}",
        )
        user = person_upsert(organization=organization, data=data).user
        worlds[name] = {
            "organization": organization,
            "token": token,
            "team": team,
            "user": user,
        }
    return worlds


@pytest.fixture
def scim_b(client, two_organizations) -> ScimClient:
    return ScimClient(client, two_organizations["B"]["token"])


def user_body(email: str, **extra) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "emails": [{"value": email, "type": "work", "primary": True}],
        **extra,
    }
