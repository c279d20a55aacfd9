"""One error shape for the API: {"detail": ..., "errors": {...}} with a 4xx that says what was wrong."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from geotrack.core import requestid
from geotrack.core.params import BadParameter
from geotrack.core.renderers import GeoJSONRenderer


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The project changed since you read it (stale If-Match). Reload it and apply your change again."
    default_code = "precondition_failed"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The upload is too large.")


def _errors(detail) -> dict:
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {}


def exception_handler(exc, context):
    if isinstance(exc, BadParameter):
        exc = exceptions.ValidationError(exc.errors)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        message = "Invalid input."
        if isinstance(detail, dict) and len(detail) == 1:
            field, problems = next(iter(detail.items()))
            first = problems[0] if isinstance(problems, list) and problems else problems
            if isinstance(first, str):
                message = f"{first}" if field in ("non_field_errors", "detail") else f"{field}: {first}"
        body = {"detail": message, "errors": _errors(detail)}
    elif isinstance(exc, exceptions.NotAcceptable):
        body = {"detail": _not_acceptable(context), "errors": {}}
    else:
        message = detail.get("detail", detail) if isinstance(detail, dict) else detail
        body = {"detail": message, "errors": {}}
    body["request_id"] = requestid.current()
    # An error is not GeoJSON, whatever the caller asked for (geotrack.core.renderers).
    negotiated = getattr(context.get("request"), "accepted_renderer", None)
    content_type = "application/json" if isinstance(negotiated, GeoJSONRenderer) else None
    return Response(body, status=response.status_code, headers=_headers(response), content_type=content_type)


def _not_acceptable(context) -> str:
    """A 406 names what was asked and what this resource answers."""
    request, view = context.get("request"), context.get("view")
    asked = request.headers.get("Accept", "")[:200] if request is not None else ""
    offered = sorted({renderer.media_type for renderer in getattr(view, "renderer_classes", ())})
    return f"Cannot answer Accept: {asked}. This resource answers {', '.join(offered)}."


def _headers(response: Response) -> dict:
    return {key: value for key, value in response.items() if key in {"WWW-Authenticate", "Retry-After", "ETag"}}


def json_error(detail: str, status_code: int, errors: dict | None = None) -> JsonResponse:
    """The same error shape, for plain Django views and middleware."""
    return JsonResponse({"detail": detail, "errors": errors or {}, "request_id": requestid.current()},
                        status=status_code)


def bad_parameter_response(exc: BadParameter) -> JsonResponse:
    """A 400 naming the parameter, for plain Django views."""
    return json_error(f"{exc.name}: {exc.message}", 400, exc.errors)
