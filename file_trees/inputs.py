"""Body validation shared by the path routes of the file apps (they differ in a few keys)."""

from rest_framework import serializers

from kitsufiles.errors import NotFound, WrongParameter
from kitsufiles.lookups import get_or_404


class PathInput(serializers.Serializer):
    name = serializers.CharField(default="main", allow_blank=True, max_length=250)
    revision = serializers.IntegerField(default=0, min_value=0)
    representation = serializers.CharField(default="", allow_blank=True, max_length=20)


def row_named_by(model_or_queryset, value, label: str):
    """The row a body id names. An unknown or malformed id in a body is bad input: a 400
    that names the key (ids in the URL stay 404s)."""
    try:
        return get_or_404(model_or_queryset, value)
    except NotFound:
        raise WrongParameter(f"Unknown {label}: {value}") from None


def optional_row(model_or_queryset, values: dict, key: str, label: str):
    """The row `values[key]` names, or None when the key is absent or empty."""
    return row_named_by(model_or_queryset, values[key], label) if values.get(key) else None
