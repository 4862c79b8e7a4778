"""One error shape for the whole API: {"error": {"code", "message", "fields"}}.

``fields`` is always an object of lists of messages, keyed by the field's
path: nested errors are flattened with dots (``choice_ids.0``), errors of the
body as a whole are under ``non_field_errors``. A service's
``core.errors.ApplicationError`` reaches the client through
``api_exception_handler`` with the status of its code, so views let it
propagate. Under /api/, Django's own 400, 404 and 500 pages (a path no URL
matches, a body over the upload limit) are answered in the same shape by
the ``api_or_page_*`` handlers.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from core.errors import ApplicationError, error_status

NON_FIELD = "non_field_errors"
# A client told "unavailable" retries after this many seconds: a database
# restart or failover is over in about a second.
UNAVAILABLE_RETRY_AFTER = 1


class ApiError(exceptions.APIException):
    """A refusal with a machine-readable code raised by the API layer itself
    (authentication, permissions); the status defaults to its code's."""

    def __init__(
        self,
        code: str,
        message: str,
        status_code: int | None = None,
        fields: Any = None,
    ):
        self.status_code = (
            status_code if status_code is not None else error_status(code)
        )
        super().__init__(detail=message, code=code)
        self.error_code = code
        self.fields = fields_flatten(fields) if fields else {}


def fields_flatten(detail: Any) -> dict[str, list[str]]:
    """Per-field messages keyed by dotted path, e.g. {"choice_ids.0": ["..."]}."""
    flat: dict[str, list[str]] = {}
    _flatten(detail, "", flat)
    return flat


def _flatten(detail: Any, path: str, flat: dict[str, list[str]]) -> None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            _flatten(value, f"{path}.{key}" if path else str(key), flat)
    elif isinstance(detail, list | tuple) and any(
        isinstance(item, dict | list | tuple) for item in detail
    ):
        for index, item in enumerate(detail):
            _flatten(item, f"{path}.{index}" if path else str(index), flat)
    elif isinstance(detail, list | tuple):
        flat.setdefault(path or NON_FIELD, []).extend(str(m) for m in detail)
    else:
        flat.setdefault(path or NON_FIELD, []).append(str(detail))


def _first_message(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        return _first_message(next(iter(detail.values())))
    return str(detail)


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Map service refusals, Django and DRF errors to the API's single error shape."""
    exc = _as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    response.data = {"error": _error_body(exc)}
    if response.status_code == 503:
        response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
    return response


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, ApplicationError):
        return ApiError(exc.code, exc.message, exc.status, exc.details)
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return ApiError("request_too_large", _too_large_message())
    if isinstance(exc, OperationalError | InterfaceError):
        # The database is restarting or unreachable: transient, and nothing
        # was written (the request's transaction is rolled back), so the
        # client may retry, with the same idempotency key for an answer.
        return ApiError("unavailable", _("The service is briefly unavailable; retry."))
    return exc


def _too_large_message() -> str:
    return _("The request body is over the upload limit.")


def _error_body(exc: Exception) -> dict:
    if isinstance(exc, ApiError):
        return {
            "code": exc.error_code,
            "message": str(exc.detail),
            "fields": exc.fields,
        }
    if isinstance(exc, exceptions.ValidationError):
        return {
            "code": "invalid",
            "message": _("The request is not valid; see fields."),
            "fields": fields_flatten(exc.detail),
        }
    detail = getattr(exc, "detail", str(exc))
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    if isinstance(codes, dict) and isinstance(codes.get("code"), str):
        # simplejwt's token errors: {"detail", "code", "messages"}.
        code, detail = codes["code"], detail.get("detail", detail)
    elif isinstance(codes, str):
        code = codes
    else:
        code = getattr(exc, "default_code", "error")
    return {"code": code, "message": _first_message(detail), "fields": {}}


# Django's error views, in the API's shape under /api/ ---------------------------


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json_error(code: str, message: str, status: int) -> JsonResponse:
    body = {"error": {"code": code, "message": message, "fields": {}}}
    return JsonResponse(body, status=status)


def api_or_page_bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a 413 for a body over the limit, else a 400, as JSON under /api/."""
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return _json_error("request_too_large", _too_large_message(), 413)
    return _json_error("bad_request", _("The request is not valid."), 400)


def api_or_page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON ``not_found`` under /api/ (e.g. a prompt id that is no UUID)."""
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return _json_error("not_found", _("Not found."), 404)


def api_or_page_server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/, so a client can always parse the body."""
    if not _is_api(request):
        return defaults.server_error(request)
    return _json_error("server_error", _("Something went wrong on our side."), 500)
