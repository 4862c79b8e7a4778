"""A live /scim/v2/ (pytest-django's live server: a real HTTP server thread on
a free loopback port) and an organization with a SCIM token."""

import pytest
import requests

from provisioning.services import token_rotate
from tests.factories.enablement import OrganizationFactory


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
