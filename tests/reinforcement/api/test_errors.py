"""Service refusals reach API clients through the one exception handler."""

from core.errors import ApplicationError
from reinforcement.api.errors import ApiError, api_exception_handler


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
