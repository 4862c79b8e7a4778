"""What the OpenAPI schema says beyond what the views' serializers tell it.

Every operation documents each status it can answer with, in the one error
shape (``error_responses``), and every JSON request body is required
(``request_bodies_required``), so a generated client sends a JSON body and
schemathesis holds the views to the schema.
"""

from drf_spectacular.utils import OpenApiResponse

from reinforcement.api.serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "Invalid input: see error.code and error.fields.",
    401: "Not signed in, or the token is not valid.",
    403: "Signed in but not allowed (error.code says why).",
    404: "No such resource, or not yours.",
    409: "Conflicts with what is recorded (error.code says how).",
    413: "The request body is over the upload limit.",
    415: "The body is not JSON (application/json).",
    422: "Well-formed but refused by what is recorded (error.code says why, "
    "e.g. invalid_choice, idempotency_key_mismatch).",
    429: "Too many requests: wait for Retry-After seconds.",
    503: "The database is briefly unavailable: retry after Retry-After seconds "
    "(an answer with the same idempotency key).",
}
# Every authenticated operation can answer these.
AUTHENTICATED = (401, 403)
# Every operation with a JSON body can answer these.
WITH_BODY = (400, 413, 415)


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The documented error responses for these statuses, in the error shape."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status])
        for status in sorted(set(statuses))
    }


def service_unavailable_documented(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every operation may answer 503.

    Any request can meet a database restart (api_exception_handler maps it to
    503 ``unavailable`` with Retry-After); the body is the error shape of the
    operation's other errors.
    """
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = (
                operation.get("responses", {}) if isinstance(operation, dict) else {}
            )
            error = next(
                (r for code, r in responses.items() if str(code).startswith("4")), None
            )
            if error is not None:
                responses["503"] = {**error, "description": ERROR_DESCRIPTIONS[503]}
    return result


def request_bodies_required(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: mark every request body required.

    drf-spectacular leaves a body optional when none of its fields is
    required (the refresher's); the views always need one.
    """
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation["requestBody"]["required"] = True
    return result
