"""Row look-ups by id where a malformed id is simply "not found" (404), as in Zou."""

import uuid

from django.db import models

from kitsufiles.errors import NotFound


def parse_id(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise NotFound() from None


def get_or_404(model_or_queryset, object_id, **select):
    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset._default_manager.all()
    )
    try:
        return queryset.get(pk=parse_id(object_id), **select)
    except queryset.model.DoesNotExist:
        raise NotFound() from None
