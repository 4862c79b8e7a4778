"""What Microsoft Entra ID sends (its SCIM validator's requests and its
documented non-RFC forms), over HTTP to the live server."""

import pytest

from enablement.models import Membership, RepProfile, Team

pytestmark = pytest.mark.postgresql

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
OBJECT_ID = "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"


def entra_user() -> dict:
    return {
        "schemas": [USER, ENTERPRISE],
        "externalId": OBJECT_ID,
        "userName": "Test_User@contoso.com",
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": "test.user@contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Test User", "familyName": "User", "givenName": "Test"},
        "roles": [],
        ENTERPRISE: {"department": "Sales", "manager": {"value": "abc"}},
    }


def patch(scim, path, *operations):
    return scim.patch(path, json={"schemas": [PATCH], "Operations": list(operations)})


def test_entra_creates_finds_by_external_id_updates_and_disables(
    scim, scim_organization
):
    """Enterprise extension ignored; filter externalId eq; capitalized ops with
    filtered paths; "active": "False" as a string, by path and as a no-path
    value object; DELETE deactivates and hides the person."""
    response = scim.get(f'/Users?filter=externalId eq "{OBJECT_ID}"')
    assert response.json()["totalResults"] == 0
    response = scim.post("/Users", json=entra_user())
    assert response.status_code == 201, response.text
    user_id = response.json()["id"]
    assert ENTERPRISE not in response.json()["schemas"]

    found = scim.get(f'/Users?filter=externalId eq "{OBJECT_ID}"').json()
    assert [r["id"] for r in found["Resources"]] == [user_id]
    found = scim.get('/Users?filter=userName eq "test_user@CONTOSO.com"').json()
    assert [r["id"] for r in found["Resources"]] == [user_id]  # caseExact false

    response = patch(
        scim,
        f"/Users/{user_id}",
        {
            "op": "Replace",
            "path": 'emails[type eq "work"].value',
            "value": "renamed@contoso.com",
        },
        {"op": "Replace", "path": "name.familyName", "value": "Renamed"},
        {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Ignored"},
    )
    assert response.status_code == 200, response.text
    membership = Membership.objects.select_related("user").get(user_id=user_id)
    assert membership.user.email == "renamed@contoso.com"
    assert membership.user.last_name == "Renamed"
    assert membership.user.username == "Test_User@contoso.com"

    # Entra's default mappings PATCH attributes this service does not store.
    response = patch(
        scim,
        f"/Users/{user_id}",
        {"op": "Add", "path": "displayName", "value": "Test User"},
        {"op": "Replace", "path": "title", "value": "AE"},
        {"op": "Add", "path": 'phoneNumbers[type eq "work"].value', "value": "+1"},
        {"op": "Replace", "path": "name.formatted", "value": "Test User"},
        {
            "op": "Add",
            "value": {"preferredLanguage": "en-US", "name.givenName": "Tess"},
        },
    )
    assert response.status_code == 200, response.text
    assert "displayName" not in response.json()
    membership.user.refresh_from_db()
    assert membership.user.first_name == "Tess"

    response = patch(
        scim, f"/Users/{user_id}", {"op": "Replace", "path": "active", "value": "False"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False
    membership.refresh_from_db()
    assert membership.deactivated_at is not None

    response = patch(
        scim, f"/Users/{user_id}", {"op": "Replace", "value": {"active": "True"}}
    )
    assert response.json()["active"] is True
    response = patch(
        scim, f"/Users/{user_id}", {"op": "Replace", "value": {"active": "False"}}
    )
    assert response.json()["active"] is False
    membership.refresh_from_db()
    assert membership.deactivated_at is not None and not membership.user.is_active

    assert scim.delete(f"/Users/{user_id}").status_code == 204
    assert scim.get(f"/Users/{user_id}").status_code == 404
    assert (
        scim.get(f'/Users?filter=externalId eq "{OBJECT_ID}"').json()["totalResults"]
        == 0
    )
    # History stays: the person is deactivated, not erased.
    membership.refresh_from_db()
    assert membership.deactivated_at is not None
    assert Membership.objects.filter(organization=scim_organization).count() == 1

    # Assigned again later: the same person returns, active.
    response = scim.post("/Users", json=entra_user())
    assert response.status_code == 201, response.text
    assert response.json()["id"] == user_id
    membership.refresh_from_db()
    assert membership.deactivated_at is None


def test_entra_group_members_add_and_remove_with_its_value_form(scim):
    """Entra's `Remove` on path members with a value list removes just those."""
    users = []
    for n in range(3):
        body = entra_user()
        body.update(
            externalId=f"oid-{n}",
            userName=f"u{n}@contoso.com",
            emails=[{"primary": True, "type": "work", "value": f"u{n}@contoso.com"}],
        )
        users.append(scim.post("/Users", json=body).json()["id"])
    group = scim.post(
        "/Groups",
        json={"schemas": [GROUP], "externalId": "gid-1", "displayName": "EMEA"},
    ).json()
    group_id = group["id"]
    assert scim.get('/Groups?filter=externalId eq "gid-1"').json()["totalResults"] == 1
    listed = scim.get('/Groups?excludedAttributes=members&filter=displayName eq "EMEA"')
    assert listed.json()["Resources"][0]["id"] == group_id

    response = patch(
        scim,
        f"/Groups/{group_id}",
        {"op": "Add", "path": "members", "value": [{"value": u} for u in users]},
    )
    assert response.status_code == 200, response.text
    team = Team.objects.get(pk=group_id)
    assert RepProfile.objects.filter(team=team).count() == 3

    response = patch(
        scim,
        f"/Groups/{group_id}",
        {"op": "Remove", "path": "members", "value": [{"value": users[0]}]},
    )
    assert response.status_code == 200, response.text
    assert set(
        RepProfile.objects.filter(team=team).values_list("user_id", flat=True)
    ) == {
        int(users[1]),
        int(users[2]),
    }
