"""scim2-tester, the python-scim conformance checker, against the live /scim/v2/."""

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

FAILED = {Status.ERROR, Status.CRITICAL}
# The one check this server knowingly does not pass, and why: a person is
# active or deactivated, never "unassigned", so a PATCH removing `active`
# leaves them as they are (identity providers deactivate with active: false).
KNOWN = {
    (
        "User",
        "check_remove_attribute",
        "PATCH modify() did not remove attribute 'active'",
    )
}


@pytest.mark.postgresql
def test_scim2_tester_finds_no_failure_but_the_known_one(
    live_server, scim_organization
):
    """Discovery, create/read/list/replace/delete, attribute selection and PATCH
    add/replace/remove of every attribute of Users and Groups, over HTTP."""
    http = httpx2.Client(
        base_url=f"{live_server.url}/scim/v2",
        headers={"Authorization": f"Bearer {scim_organization.scim_token}"},
        timeout=30,
    )
    results = check_server(SyncSCIMClient(http))

    failures = {
        (r.resource_type, r.title, (r.reason or "").splitlines()[0])
        for r in results
        if r.status in FAILED
    }
    assert failures == KNOWN
    skipped = [r for r in results if r.status == Status.SKIPPED]
    assert skipped == [], skipped
    passed = {(r.resource_type, r.title) for r in results if r.status == Status.SUCCESS}
    for resource in ("User", "Group"):
        for check in (
            "object_creation",
            "object_query",
            "object_query_without_id",
            "object_replacement",
            "object_deletion",
            "check_add_attribute",
            "check_replace_attribute",
            "check_remove_attribute",
        ):
            assert (resource, check) in passed, (resource, check)
    assert len(results) > 60
