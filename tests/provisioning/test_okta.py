"""The request sequence Okta documents for SCIM 2.0 provisioning and
deprovisioning, sent over HTTP to the live server, with the resulting people,
teams and memberships asserted in the database."""

import pytest

from enablement.models import Membership, RepProfile, Team

pytestmark = pytest.mark.postgresql

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def okta_user(given="Test", email="test.user@okta.local") -> dict:
    # Okta's create-user body, as its SCIM 2.0 guide shows it.
    return {
        "schemas": [USER],
        "userName": email,
        "name": {"givenName": given, "familyName": "User"},
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "displayName": f"{given} User",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": True,
    }


def test_okta_provisions_updates_and_deprovisions_a_user(scim, scim_organization):
    """GET filter (none) → POST → GET → PUT → PATCH active false: one person,
    renamed, then deactivated with their membership kept."""
    response = scim.get(
        '/Users?filter=userName eq "test.user@okta.local"&startIndex=1&count=100'
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/scim+json")
    empty = response.json()
    assert empty["schemas"] == [LIST]
    assert empty["totalResults"] == 0
    assert empty.get("Resources", []) == []

    response = scim.post("/Users", json=okta_user())
    assert response.status_code == 201, response.text
    created = response.json()
    user_id = created["id"]
    assert created["userName"] == "test.user@okta.local"
    assert created["active"] is True
    assert created["externalId"] == "00ujl29u0le5T6Aj10h7"
    assert response.headers["Location"].endswith(f"/scim/v2/Users/{user_id}")
    membership = Membership.objects.select_related("user").get(user_id=user_id)
    assert membership.organization == scim_organization
    assert membership.external_id == "00ujl29u0le5T6Aj10h7"
    assert membership.deactivated_at is None
    user = membership.user
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "test.user@okta.local",
        "test.user@okta.local",
        "Test",
        "User",
    )
    assert not user.has_usable_password()  # Okta's password is not taken
    assert not RepProfile.objects.filter(user=user).exists()  # no group yet

    response = scim.get(f"/Users/{user_id}")
    assert response.status_code == 200
    assert response.json()["name"] == {"givenName": "Test", "familyName": "User"}

    response = scim.get(
        '/Users?filter=userName eq "test.user@okta.local"&startIndex=1&count=100'
    )
    assert response.json()["totalResults"] == 1
    assert response.json()["Resources"][0]["id"] == user_id

    body = {**okta_user(given="Another"), "id": user_id}
    response = scim.put(f"/Users/{user_id}", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["name"]["givenName"] == "Another"
    user.refresh_from_db()
    assert user.first_name == "Another"

    response = scim.patch(
        f"/Users/{user_id}",
        json={
            "schemas": [PATCH],
            "Operations": [{"op": "replace", "value": {"active": False}}],
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False
    membership.refresh_from_db()
    user.refresh_from_db()
    assert membership.deactivated_at is not None
    assert user.is_active is False
    assert Membership.objects.filter(organization=scim_organization).count() == 1

    # Okta reactivates with active true: the same person comes back.
    response = scim.patch(
        f"/Users/{user_id}",
        json={
            "schemas": [PATCH],
            "Operations": [{"op": "replace", "value": {"active": True}}],
        },
    )
    assert response.json()["active"] is True
    membership.refresh_from_db()
    assert membership.deactivated_at is None


def test_okta_pushes_a_group_and_its_members(scim, scim_organization):
    """POST /Groups → PATCH members add → GET ?filter=displayName eq →
    PATCH members remove → PATCH rename → DELETE: a team and its reps."""
    ids = []
    for name in ("ann", "bob"):
        body = okta_user(given=name, email=f"{name}@okta.local")
        body["externalId"] = f"00u-{name}"
        ids.append(scim.post("/Users", json=body).json()["id"])

    response = scim.post(
        "/Groups",
        json={"schemas": [GROUP], "displayName": "Test SCIMv2", "members": []},
    )
    assert response.status_code == 201, response.text
    group_id = response.json()["id"]
    team = Team.objects.get(pk=group_id)
    assert (team.organization, team.name) == (scim_organization, "Test SCIMv2")

    response = scim.patch(
        f"/Groups/{group_id}",
        json={
            "schemas": [PATCH],
            "Operations": [
                {
                    "op": "add",
                    "path": "members",
                    "value": [
                        {"value": ids[0], "display": "ann@okta.local"},
                        {"value": ids[1], "display": "bob@okta.local"},
                    ],
                }
            ],
        },
    )
    assert response.status_code in (200, 204), response.text
    assert set(
        RepProfile.objects.filter(team=team).values_list("user_id", flat=True)
    ) == {int(i) for i in ids}

    response = scim.get(
        '/Groups?filter=displayName eq "Test SCIMv2"&startIndex=1&count=100'
    )
    assert response.status_code == 200
    listed = response.json()
    assert listed["totalResults"] == 1
    assert {m["value"] for m in listed["Resources"][0]["members"]} == set(ids)

    response = scim.patch(
        f"/Groups/{group_id}",
        json={
            "schemas": [PATCH],
            "Operations": [{"op": "remove", "path": f'members[value eq "{ids[0]}"]'}],
        },
    )
    assert response.status_code in (200, 204), response.text
    assert list(
        RepProfile.objects.filter(team=team).values_list("user_id", flat=True)
    ) == [int(ids[1])]
    # Ann left the team, not the organization.
    ann = Membership.objects.get(user_id=ids[0])
    assert ann.deactivated_at is None
    assert not RepProfile.objects.filter(user_id=ids[0]).exists()

    response = scim.patch(
        f"/Groups/{group_id}",
        json={
            "schemas": [PATCH],
            "Operations": [
                {"op": "replace", "value": {"id": group_id, "displayName": "Renamed"}}
            ],
        },
    )
    assert response.status_code in (200, 204), response.text
    team.refresh_from_db()
    assert team.name == "Renamed"

    # PUT replaces the members: Ann back, Bob out.
    response = scim.put(
        f"/Groups/{group_id}",
        json={
            "schemas": [GROUP],
            "id": group_id,
            "displayName": "Renamed",
            "members": [{"value": ids[0]}],
        },
    )
    assert response.status_code == 200, response.text
    assert list(
        RepProfile.objects.filter(team=team).values_list("user_id", flat=True)
    ) == [int(ids[0])]

    response = scim.delete(f"/Groups/{group_id}")
    assert response.status_code == 204
    assert not Team.objects.filter(pk=group_id).exists()
    assert scim.get(f"/Groups/{group_id}").status_code == 404
    # Its reps stay people of the organization, with no team.
    assert Membership.objects.filter(organization=scim_organization).count() == 2
    assert not RepProfile.objects.filter(user_id__in=ids).exists()


def test_a_rep_added_to_a_second_group_moves_there(scim):
    """A rep is in exactly one team: the second group takes them from the first."""
    user_id = scim.post("/Users", json=okta_user()).json()["id"]
    first, second = (
        scim.post(
            "/Groups",
            json={
                "schemas": [GROUP],
                "displayName": name,
                "members": [{"value": user_id}],
            },
        ).json()["id"]
        for name in ("East", "West")
    )
    assert RepProfile.objects.get(user_id=user_id).team_id == int(second)
    assert "members" not in scim.get(f"/Groups/{first}").json()
    assert scim.get(f"/Groups/{second}").json()["members"][0]["value"] == user_id
