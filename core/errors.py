"""The one refusal type of the application's services.

A service that refuses raises an ``ApplicationError`` (or a subclass naming
its domain) with a machine-readable ``code``, a message for people and
optional ``details``; nothing is written. The API maps it to its JSON error
shape and the pages to an error template, each in one place, both with the
HTTP status of its code below.
"""

from typing import Any

# The HTTP status of each refusal code that is not a plain bad request (400).
ERROR_STATUS: dict[str, int] = {
    "signature_invalid": 401,  # the CRM webhook's signature or timestamp
    "not_a_rep": 403,
    "scope_denied": 403,
    "not_found": 404,
    "prompt_not_found": 404,
    "push_disabled": 404,  # no VAPID keys: this deployment offers no Web Push
    "already_answered": 409,
    "prompt_withdrawn": 409,  # taken back after it was shown (question retired or changed)
    "idempotency_key_reused": 409,
    "conflict": 409,
    "request_too_large": 413,
    # 422: the request fits the schema but not what is recorded (400 is for
    # a request the schema already refuses).
    "invalid_choice": 422,  # not choices of this prompt's question
    "future_timestamp": 422,
    "timestamp_out_of_range": 422,
    "question_retired": 422,
    "not_enrolled": 422,
    "nothing_left": 422,
    "idempotency_key_mismatch": 422,  # the key was first used with another body
    # Links in the daily email (docs/channels.md).
    "link_invalid": 404,
    "link_expired": 410,
    "link_used": 410,
    "prompt_closed": 410,  # expired unanswered: its link no longer answers
    "invalid_settings": 422,  # a rep's settings: unknown zone, pause ending first, ...
    "crm_batch_invalid": 422,  # an event of a CRM batch cannot be read: none applied
    "unavailable": 503,  # the database is restarting: retry after Retry-After
}


def error_status(code: str) -> int:
    """The HTTP status a refusal with this code is answered with."""
    return ERROR_STATUS.get(code, 400)


class ApplicationError(Exception):
    """A refused request: nothing was written."""

    def __init__(self, code: str, message: str, details: Any = None):
        self.code = code
        self.message = message
        self.details = details if details is not None else {}
        super().__init__(message)

    @property
    def status(self) -> int:
        return error_status(self.code)
