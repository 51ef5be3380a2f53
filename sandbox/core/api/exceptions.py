"""Errors in the platform's shape: DRF's `{"detail": "..."}`, or field errors for a 400."""

from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


class InvalidRequest(exceptions.APIException):
    """A 400 about the request as a whole: `{"detail": "..."}`."""

    status_code = 400
    default_detail = "Invalid request."
    default_code = "invalid"


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)
