"""Service refusals reach API clients through the one exception handler."""

import json

import pytest
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import OperationalError, connection
from django.http import Http404
from rest_framework.exceptions import ValidationError

from core.errors import ApplicationError
from reinforcement.api.errors import (
    ApiError,
    api_exception_handler,
    api_or_page_bad_request,
    api_or_page_not_found,
    api_or_page_server_error,
)


def test_an_application_error_becomes_the_error_shape_with_its_codes_status():
    response = api_exception_handler(
        ApplicationError("conflict", "Try again.", {"choice_ids": ["stale"]}), {}
    )
    assert response.status_code == 409
    assert response.data == {
        "error": {
            "code": "conflict",
            "message": "Try again.",
            "fields": {"choice_ids": ["stale"]},
        }
    }


def test_an_application_error_without_a_listed_code_is_400():
    response = api_exception_handler(ApplicationError("not_listed", "No."), {})
    assert response.status_code == 400
    assert response.data["error"] == {
        "code": "not_listed",
        "message": "No.",
        "fields": {},
    }


def test_api_error_status_defaults_to_its_codes():
    assert ApiError("not_a_rep", "No profile.").status_code == 403
    assert ApiError("token_not_valid", "Bad token.", 401).status_code == 401


def test_nested_field_errors_are_flattened_to_lists_by_dotted_path():
    """fields maps a path to a list of messages, however deep the error was."""
    response = api_exception_handler(
        ValidationError({"choice_ids": {0: ["A valid integer is required."]}}), {}
    )
    assert response.data["error"]["fields"] == {
        "choice_ids.0": ["A valid integer is required."]
    }
    whole = api_exception_handler(ValidationError(["Send a topic."]), {})
    assert whole.data["error"]["fields"] == {"non_field_errors": ["Send a topic."]}


def test_djangos_400_under_api_is_json_and_a_body_too_big_is_413(rf):
    """handler400: JSON under /api/ (413 for RequestDataTooBig), Django's page elsewhere."""
    too_big = api_or_page_bad_request(
        rf.post("/api/v1/refreshers/"), RequestDataTooBig()
    )
    assert too_big.status_code == 413
    assert json.loads(too_big.content)["error"]["code"] == "request_too_large"
    other = api_or_page_bad_request(rf.get("/api/v1/me/"), SuspiciousOperation())
    assert other.status_code == 400 and other["Content-Type"] == "application/json"
    page = api_or_page_bad_request(rf.get("/manager/"), SuspiciousOperation())
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


def test_djangos_404_and_500_under_api_are_json(rf):
    missing = api_or_page_not_found(rf.get("/api/v1/prompts/12/"), Http404())
    assert json.loads(missing.content)["error"]["code"] == "not_found"
    failed = api_or_page_server_error(rf.get("/api/v1/me/"))
    assert failed.status_code == 500
    assert json.loads(failed.content)["error"]["code"] == "server_error"


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql
def test_a_database_error_is_a_503_with_retry_after():
    """A restarting database is transient: 503 unavailable, never a 500."""
    # given: a real OperationalError from the database (a cancelled statement)
    with pytest.raises(OperationalError) as caught, connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 1")
        cursor.execute("SELECT pg_sleep(1)")
    connection.close()
    # when
    response = api_exception_handler(caught.value, {})
    # then
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.data["error"]["code"] == "unavailable"


def test_every_operation_documents_503(client):
    """The schema says so, with the error shape of the operation's other errors."""
    schema = client.get("/api/v1/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            response = operation["responses"].get("503")
            assert response, f"{method} {path}"
            assert "application/json" in response["content"]
