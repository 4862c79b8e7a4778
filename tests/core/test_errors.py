"""One refusal type, one status per code."""

import pytest

from core.errors import ApplicationError, error_status
from reinforcement.selectors.scoping import ScopeDenied
from reinforcement.services.answers import AnswerRejected
from reinforcement.services.refresher import RefresherRejected


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("not_a_rep", 403),
        ("scope_denied", 403),
        ("not_found", 404),
        ("prompt_not_found", 404),
        ("already_answered", 409),
        ("idempotency_key_reused", 409),
        ("conflict", 409),
        ("invalid_choice", 422),
        ("idempotency_key_mismatch", 422),
        ("anything_else", 400),
    ],
)
def test_each_code_has_one_status(code, status):
    assert error_status(code) == status
    assert ApplicationError(code, "message").status == status


@pytest.mark.parametrize("refusal", [AnswerRejected, RefresherRejected])
def test_service_refusals_are_application_errors(refusal):
    error = refusal("conflict", "Try again.")
    assert isinstance(error, ApplicationError)
    assert (error.code, error.message, error.details, str(error)) == (
        "conflict",
        "Try again.",
        {},
        "Try again.",
    )


def test_scope_denied_keeps_its_reason_as_its_text():
    """The KPI views report str(ScopeDenied) as before; its code is a 403."""
    error = ScopeDenied("team not visible")
    assert isinstance(error, ApplicationError)
    assert str(error) == error.message == "team not visible"
    assert (error.code, error.status) == ("scope_denied", 403)
