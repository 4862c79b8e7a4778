"""SCIM errors: scimType and status as RFC 7644 §3.12 says, in SCIM JSON, for
any input; and paging by startIndex and count."""

import pytest

from enablement.models import Membership
from tests.provisioning.conftest import user_body

pytestmark = pytest.mark.django_db
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def assert_error(response, status: int, scim_type: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/scim+json")
    error = response.json()
    assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert error["status"] == str(status)
    assert error.get("scimType") == scim_type
    return error


def test_a_second_user_with_the_same_user_name_is_a_409(scim_b):
    """userName (and email) are unique: 409 uniqueness, nothing created."""
    assert scim_b("POST", "/Users", user_body("new@b.example")).status_code == 201
    count = Membership.objects.count()
    assert_error(
        scim_b("POST", "/Users", user_body("NEW@b.example")), 409, "uniqueness"
    )
    other = user_body("other@b.example", externalId="ext-B")  # B's rep has it
    assert_error(scim_b("POST", "/Users", other), 409, "uniqueness")
    group = {"schemas": [GROUP], "displayName": "team b"}  # "Team B" exists
    assert_error(scim_b("POST", "/Groups", group), 409, "uniqueness")
    assert Membership.objects.count() == count


def test_unknown_ids_are_404(scim_b):
    for path in ("/Users/999999", "/Users/abc", "/Groups/999999", "/Groups/x"):
        assert_error(scim_b("GET", path), 404)
        assert_error(scim_b("DELETE", path), 404)


@pytest.mark.parametrize(
    "query",
    [
        'userName zz "x"',
        'userName eq "x',
        "userName eq",
        '(userName eq "x"',
        'userName eq "x" and',
    ],
)
def test_a_malformed_filter_is_invalid_filter(scim_b, query):
    assert_error(scim_b("GET", f"/Users?filter={query}"), 400, "invalidFilter")


def test_bad_values_are_400_and_change_nothing(scim_b, two_organizations):
    b_user = two_organizations["B"]["user"]
    for body in (
        {"schemas": [USER], "userName": "no-email"},
        user_body("x@b.example") | {"emails": [{"value": "not-an-email"}]},
        user_body("x@b.example") | {"active": "maybe"},
        {"schemas": [USER], "emails": [{"value": "x@b.example"}]},
    ):
        response = scim_b("POST", "/Users", body)
        assert 400 <= response.status_code < 500, (body, response.content)
        assert response.json()["status"] == str(response.status_code)
    patch = {"schemas": [PATCH], "Operations": [{"op": "explode", "path": "active"}]}
    assert_error(scim_b("PATCH", f"/Users/{b_user.pk}", patch), 400, "invalidValue")
    unknown = {
        "schemas": [PATCH],
        "Operations": [{"op": "add", "path": "nope", "value": 1}],
    }
    response = scim_b("PATCH", f"/Users/{b_user.pk}", unknown)
    assert response.status_code == 400
    assert not Membership.objects.filter(user__email="x@b.example").exists()
    b_user.refresh_from_db()
    assert b_user.is_active


BAD_BODIES = [
    "",
    "{",
    "null",
    "[]",
    "42",
    '"text"',
    '{"schemas": 1}',
    '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": []}',
    '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "'
    + "a" * 5000
    + '@x.io", "emails": [{"value": "a@x.io"}]}',
    '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": null}',
    '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [1]}',
    '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": '
    '[{"op": "Remove", "path": "members", "value": [1, {"x": 2}]}]}',
    '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "x",'
    ' "members": [{"value": "not-a-number"}]}',
    '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": " "}',
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_no_input_produces_a_500(scim_b, two_organizations, body):
    """Every endpoint and method answers a bad body with a 4xx SCIM error."""
    user, team = two_organizations["B"]["user"].pk, two_organizations["B"]["team"].pk
    for method, path in (
        ("POST", "/Users"),
        ("PUT", f"/Users/{user}"),
        ("PATCH", f"/Users/{user}"),
        ("POST", "/Groups"),
        ("PUT", f"/Groups/{team}"),
        ("PATCH", f"/Groups/{team}"),
        ("POST", "/.search"),
        ("POST", "/Users/.search"),
    ):
        response = scim_b(method, path, raw=body)
        assert 400 <= response.status_code < 500, (method, path, response.content)
        assert response["Content-Type"].startswith("application/scim+json")
    # Bulk is announced as unsupported: 501, as RFC 7644 §3.12 says.
    assert_error(scim_b("POST", "/Bulk", raw=body), 501)


def test_lists_page_by_start_index_and_count(scim_b):
    """startIndex is 1-based; totalResults counts every match."""
    for n in range(5):
        scim_b("POST", "/Users", user_body(f"p{n}@b.example"))
    page = scim_b("GET", "/Users?startIndex=3&count=2").json()
    assert page["totalResults"] == 6  # B's rep and the five
    assert page["startIndex"] == 3
    assert page["itemsPerPage"] == 2
    assert [r["userName"] for r in page["Resources"]] == [
        "p1@b.example",
        "p2@b.example",
    ]
    page = scim_b("GET", '/Users?filter=userName sw "p"&startIndex=1&count=100').json()
    assert page["totalResults"] == 5
    assert scim_b("GET", "/Users?count=0").json()["totalResults"] == 6
