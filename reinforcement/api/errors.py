"""One error shape for the whole API: {"error": {"code", "message", "fields"}}.

A service's ``core.errors.ApplicationError`` reaches the client through
``api_exception_handler`` with the status of its code, so views let it
propagate.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from core.errors import ApplicationError, error_status


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
        self.fields = fields if fields is not None else {}


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
    return exc


def _error_body(exc: Exception) -> dict:
    if isinstance(exc, ApiError):
        return {
            "code": exc.error_code,
            "message": str(exc.detail),
            "fields": exc.fields,
        }
    if isinstance(exc, exceptions.ValidationError):
        detail = (
            exc.detail
            if isinstance(exc.detail, dict)
            else {"non_field_errors": exc.detail}
        )
        return {
            "code": "invalid",
            "message": str(_("The request is not valid; see fields.")),
            "fields": detail,
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
