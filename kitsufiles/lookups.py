"""Row look-ups by id where a malformed id is simply "not found" (404), as in Zou."""

import uuid
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from kitsufiles.errors import NotFound

_M = TypeVar("_M", bound=models.Model)


def parse_id(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise NotFound() from None


def get_or_404(
    model_or_queryset: type[_M] | models.QuerySet[_M], object_id: object, **select: Any
) -> _M:
    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset._default_manager.all()
    )
    try:
        return queryset.get(pk=parse_id(object_id), **select)
    except ObjectDoesNotExist:  # get() raises only the DoesNotExist of the queryset's model
        raise NotFound() from None
