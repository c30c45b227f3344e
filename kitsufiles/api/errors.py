"""Zou's error bodies, produced in one place (docs/compatibility.md#errors-and-identifiers).

Services, selectors and permission checks raise domain errors (`kitsufiles.errors`); views may
also let Django's and DRF's own exceptions through. `zou_exception_handler` turns all of them
into the status and body a Zou client expects. Nothing here depends on a view.
"""

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

from kitsufiles.errors import (
    BAD_REQUEST_MESSAGE,
    UNIQUE_VIOLATION_MESSAGE,
    DomainError,
    Kind,
    Shape,
)

logger = logging.getLogger(__name__)


class ZouError(exceptions.APIException):
    """An API-layer answer whose exact body a route defines itself (the log-in failure).
    Below the API layer, raise a domain error instead."""

    def __init__(self, status_code: int, body: dict[str, Any]) -> None:
        super().__init__(str(body))
        self.status_code = status_code
        self.body = body


class ZouNotAuthenticated(exceptions.AuthenticationFailed):
    """401 with flask-jwt-extended's bodies: `{"msg": ...}`, or Zou's expiry body."""

    status_code = status.HTTP_401_UNAUTHORIZED

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(str(body))
        self.body = body


NOT_FOUND_MESSAGE = (
    "404 Not Found: The requested URL was not found on the server. If you entered the URL "
    "manually please check your spelling and try again."
)
FORBIDDEN_MESSAGE = (
    "You don't have the permission to access the requested resource. It is either "
    "read-protected or not readable by the server."
)
METHOD_NOT_ALLOWED_MESSAGE = "The method is not allowed for the requested URL."
REFERENCE_VIOLATION_MESSAGE = "The change conflicts with records referencing this one."
NOT_NULL_VIOLATION_MESSAGE = "A required field is missing."
INTEGRITY_MESSAGE = "The data conflicts with database integrity rules."
INVALID_FORMAT_MESSAGE = "One of the provided values has an invalid format."


def validation_error_body(detail: Any) -> dict[str, Any]:
    """DRF's {field: [messages]} → Zou's validation body with one entry per message."""
    errors: list[dict[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, (dict, list)):
                    walk(prefix, item)
                else:
                    errors.append({"field": prefix or "body", "message": str(item)})
        else:
            errors.append({"field": prefix or "body", "message": str(value)})

    walk("", detail)
    return {"error": True, "message": "Validation error.", "data": {"errors": errors}}


def integrity_error_message(error: IntegrityError) -> str:
    """Zou's sanitized CRUD messages, read from the SQLSTATE (PostgreSQL) or text (SQLite)."""
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    text = str(error).lower()
    if sqlstate == "23505" or "unique constraint" in text:
        return UNIQUE_VIOLATION_MESSAGE
    if sqlstate == "23503" or "foreign key constraint" in text:
        return REFERENCE_VIOLATION_MESSAGE
    if sqlstate == "23502" or "not null constraint" in text:
        return NOT_NULL_VIOLATION_MESSAGE
    return INTEGRITY_MESSAGE


def error_body(message: str) -> dict[str, Any]:
    return {"error": True, "message": message}


STATUS_OF_KIND = {
    Kind.INVALID: 400,
    Kind.FORBIDDEN: 403,
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.PRECONDITION_FAILED: 412,
    Kind.TOO_LARGE: 413,
    Kind.UNSUPPORTED_MEDIA_TYPE: 415,
    Kind.CHECKSUM_MISMATCH: 460,
    Kind.UNAVAILABLE: 503,
}
STANDARD_MESSAGE_OF_KIND = {
    Kind.INVALID: BAD_REQUEST_MESSAGE,
    Kind.FORBIDDEN: FORBIDDEN_MESSAGE,
    Kind.NOT_FOUND: NOT_FOUND_MESSAGE,
}


def domain_error_response(error: DomainError) -> Response:
    """A domain error as Zou answers it: the status of its kind, the body of its shape."""
    message = error.message or STANDARD_MESSAGE_OF_KIND.get(error.kind, error.kind.value)
    if error.shape is Shape.WRONG_PARAMETER:
        body: dict[str, Any] = {"error": True, "message": message, "data": None}
    elif error.shape is Shape.MESSAGE:
        body = {"message": message}
    elif error.shape is Shape.ERROR:
        body = {"error": message}
    else:
        body = error_body(message)
    body.update(error.extra)
    headers = None
    retry_after = getattr(error, "retry_after", None)
    if error.kind is Kind.UNAVAILABLE and retry_after is not None:
        headers = {"Retry-After": str(retry_after)}
    return Response(body, status=STATUS_OF_KIND[error.kind], headers=headers)


def zou_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, (Http404, ObjectDoesNotExist, exceptions.NotFound)):
        return Response(error_body(NOT_FOUND_MESSAGE), status=404)
    if isinstance(exc, ZouNotAuthenticated):
        return Response(exc.body, status=401, headers={"WWW-Authenticate": "Bearer"})
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        return Response(
            {"msg": "Missing JWT in cookies or headers"},
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    if isinstance(exc, (DjangoPermissionDenied, exceptions.PermissionDenied)):
        return Response(error_body(FORBIDDEN_MESSAGE), status=403)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return Response(error_body(METHOD_NOT_ALLOWED_MESSAGE), status=405)
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, ZouError):
        return Response(exc.body, status=exc.status_code)
    if isinstance(exc, exceptions.ValidationError):
        return Response(validation_error_body(exc.detail), status=400)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"body": exc.messages}
        return Response(validation_error_body(detail), status=400)
    if isinstance(exc, exceptions.ParseError):
        return Response(error_body(BAD_REQUEST_MESSAGE), status=400)
    if isinstance(exc, (ProtectedError, RestrictedError)):
        return Response({"message": REFERENCE_VIOLATION_MESSAGE}, status=400)
    if isinstance(exc, IntegrityError):
        return Response({"message": integrity_error_message(exc)}, status=400)
    if isinstance(exc, DataError):  # a value the column cannot hold that validation let through
        return Response({"message": INVALID_FORMAT_MESSAGE}, status=400)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return Response(error_body(BAD_REQUEST_MESSAGE), status=400)
    if isinstance(exc, exceptions.Throttled):
        return Response(error_body("Too many requests."), status=429)
    if isinstance(exc, exceptions.APIException):
        return Response(error_body(str(exc.detail)), status=exc.status_code)
    logger.exception("Unhandled error", exc_info=exc)
    return Response(error_body("Internal server error."), status=500)


# Django-level handlers for what never reaches DRF (unknown URLs under /api/).


@csrf_exempt  # an unknown URL is a 404 whatever the method, not a CSRF refusal
def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body(NOT_FOUND_MESSAGE), status=404)


def json_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body("Internal server error."), status=500)
