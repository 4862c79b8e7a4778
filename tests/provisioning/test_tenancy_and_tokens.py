"""The bearer token names the organization: nothing of another organization
is readable or writable through SCIM, and a token is stored only as a digest."""

import hashlib

import pytest

from enablement.models import Membership, RepProfile, Team
from provisioning.models import ProvisioningToken
from provisioning.services import token_rotate
from tests.provisioning.conftest import ScimClient, user_body

pytestmark = pytest.mark.django_db
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def snapshot(world):
    user = world["user"]
    user.refresh_from_db()
    membership = Membership.objects.get(user=user)
    return (
        user.username,
        user.email,
        user.first_name,
        user.is_active,
        membership.external_id,
        membership.deactivated_at,
        RepProfile.objects.get(user=user).team_id,
        Team.objects.get(pk=world["team"].pk).name,
    )


def test_without_a_valid_token_nothing_is_served(client, two_organizations):
    """No token, a wrong one or another scheme: 401 in SCIM JSON with a Bearer challenge."""
    scim = ScimClient(client, "")
    for token in ("", "scim_wrong", two_organizations["A"]["token"] + "x"):
        response = scim("GET", "/Users", token=token or " ")
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/scim+json")
        assert response.json()["status"] == "401"
        assert "Bearer" in response["WWW-Authenticate"]
    response = client.get(
        "/scim/v2/Users",
        headers={"Authorization": f"Basic {two_organizations['A']['token']}"},
    )
    assert response.status_code == 401
    # RFC 7644 §4: the configuration is public, and says how to authenticate.
    response = client.get("/scim/v2/ServiceProviderConfig")
    assert response.status_code == 200
    assert response.json()["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_b_reads_nothing_of_a(scim_b, two_organizations):
    """Lists, filters by A's userName and externalId, ids of A's user and team."""
    a, b = two_organizations["A"], two_organizations["B"]
    users = scim_b("GET", "/Users").json()
    assert [r["id"] for r in users["Resources"]] == [str(b["user"].pk)]
    for query in (
        'userName eq "rep@a.example"',
        'externalId eq "ext-A"',
        'emails.value eq "rep@a.example"',
        f'id eq "{a["user"].pk}"',
        'userName sw "rep"',
    ):
        found = scim_b("GET", f"/Users?filter={query}").json()
        assert str(a["user"].pk) not in {r["id"] for r in found.get("Resources", [])}
    groups = scim_b("GET", "/Groups").json()
    assert [r["id"] for r in groups["Resources"]] == [str(b["team"].pk)]
    assert (
        scim_b("GET", '/Groups?filter=displayName eq "Team A"').json()["totalResults"]
        == 0
    )
    assert scim_b("GET", f"/Users/{a['user'].pk}").status_code == 404
    assert scim_b("GET", f"/Groups/{a['team'].pk}").status_code == 404
    response = scim_b(
        "POST",
        "/.search",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]},
    )
    found = {(r["meta"]["resourceType"], r["id"]) for r in response.json()["Resources"]}
    assert found == {("User", str(b["user"].pk)), ("Group", str(b["team"].pk))}
    assert "a.example" not in response.content.decode()


def test_b_writes_nothing_of_a(scim_b, two_organizations):
    """PUT, PATCH, DELETE on A's ids, A's user into B's group, A's email as B's user."""
    a, b = two_organizations["A"], two_organizations["B"]
    before = snapshot(a)
    user_a, team_a = a["user"].pk, a["team"].pk
    deactivate = {
        "schemas": [PATCH],
        "Operations": [{"op": "replace", "value": {"active": False}}],
    }
    assert scim_b("PATCH", f"/Users/{user_a}", deactivate).status_code == 404
    assert (
        scim_b("PUT", f"/Users/{user_a}", user_body("x@b.example")).status_code == 404
    )
    assert scim_b("DELETE", f"/Users/{user_a}").status_code == 404
    rename = {
        "schemas": [PATCH],
        "Operations": [{"op": "replace", "path": "displayName", "value": "hacked"}],
    }
    assert scim_b("PATCH", f"/Groups/{team_a}", rename).status_code == 404
    assert scim_b("DELETE", f"/Groups/{team_a}").status_code == 404
    add_a = {
        "schemas": [PATCH],
        "Operations": [
            {"op": "add", "path": "members", "value": [{"value": str(user_a)}]}
        ],
    }
    response = scim_b("PATCH", f"/Groups/{b['team'].pk}", add_a)
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    group = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Mine",
        "members": [{"value": str(user_a)}],
    }
    assert scim_b("POST", "/Groups", group).status_code == 400
    assert not Team.objects.filter(name="Mine").exists()
    # A's person's email as a B user: taken (409), without saying by whom.
    response = scim_b("POST", "/Users", user_body("rep@a.example"))
    assert response.status_code == 409
    assert response.json()["scimType"] == "uniqueness"
    assert "Org A" not in response.content.decode()
    # B's own user cannot take A's email either.
    put = user_body("rep@a.example")
    assert scim_b("PUT", f"/Users/{b['user'].pk}", put).status_code == 409
    assert snapshot(a) == before
    assert Membership.objects.get(user_id=user_a).organization == a["organization"]


def test_a_token_is_stored_as_its_digest_and_rotation_ends_the_old_one(
    client, two_organizations
):
    """The row holds SHA-256 of the token, never the token; after rotation the
    old token is refused and the new one opens the same organization."""
    a = two_organizations["A"]
    row = ProvisioningToken.objects.get(organization=a["organization"])
    assert row.token_digest == hashlib.sha256(a["token"].encode()).hexdigest()
    assert a["token"] not in str(list(ProvisioningToken.objects.values_list()))
    assert len(a["token"]) >= 40

    new = token_rotate(organization=a["organization"])
    assert new != a["token"]
    scim = ScimClient(client, new)
    assert scim("GET", "/Users", token=a["token"]).status_code == 401
    users = scim("GET", "/Users").json()
    assert [r["id"] for r in users["Resources"]] == [str(a["user"].pk)]
    assert ProvisioningToken.objects.filter(organization=a["organization"]).count() == 1
