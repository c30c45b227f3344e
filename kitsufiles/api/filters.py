"""Zou's list filters: every query-string key naming a column filters on it.

gazu's `get_X_by_name` helpers all rely on this (`?name=`, `?email=&is_bot=False`,
`?task_id=`, `?is_default=True`). Keys that are not columns are ignored, as Zou does; values
that cannot be a column's type answer 400 instead of reaching the database.
"""

import json
import uuid
from collections.abc import Mapping
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.datastructures import MultiValueDict

from kitsufiles.errors import WrongParameter

RESERVED_PARAMETERS = frozenset({"page", "limit", "relations", "fields"})


def parse_bool(value: str, key: str) -> bool:
    lowered = value.strip().lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise WrongParameter(f"Invalid boolean value: {value}")


def parse_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise WrongParameter(f"Invalid UUID value: {value}") from None


def filterable_fields(model: type[models.Model]) -> dict[str, models.Field]:
    """Query key → field: columns by attname (`project_id`) and name, and m2m relations."""
    hidden = set(getattr(model, "ZOU_HIDDEN_FIELDS", ()))
    fields: dict[str, models.Field] = {}
    for field in model._meta.concrete_fields:
        if field.name in hidden or isinstance(field, models.JSONField):
            continue
        fields[field.attname] = field
        fields.setdefault(field.name, field)
    for field in model._meta.many_to_many:
        fields[field.name] = field
    return fields


def convert(field: models.Field, value: Any, key: str) -> Any:
    if isinstance(value, str) and "\x00" in value:  # PostgreSQL refuses NUL in any text
        raise WrongParameter(
            f"One of the value of the filter has not the proper format: {key}={value}"
        )
    if field.is_relation:
        return parse_uuid(value)
    if isinstance(field, models.BooleanField):
        return parse_bool(str(value), key)
    if isinstance(field, models.UUIDField):
        return parse_uuid(value)
    try:
        converted = field.to_python(value)
        if isinstance(field, models.IntegerField):
            # The column's range (the database's, via the field's validators): `2**63` would
            # otherwise reach PostgreSQL and come back as a DataError.
            field.run_validators(converted)
        return converted
    except ValidationError:
        raise WrongParameter(
            f"One of the value of the filter has not the proper format: {key}={value}"
        ) from None


def filters_from_query(model: type[models.Model], params: MultiValueDict[str, str]) -> Q:
    """A Q object for every recognised key of `params` (a QueryDict)."""
    fields = filterable_fields(model)
    computed = model.zou_filters() if hasattr(model, "zou_filters") else {}
    condition = Q()
    for key in params:
        if key in computed:
            condition &= computed[key](params[key])
            continue
        if key in RESERVED_PARAMETERS or key not in fields:
            continue
        field = fields[key]
        values = params.getlist(key)
        if isinstance(field, models.ManyToManyField):
            condition &= _many_to_many_condition(field, values, key)
            continue
        lookup = field.name
        if len(values) == 1 and values[0].startswith("["):
            try:
                values = json.loads(values[0])
            except (ValueError, RecursionError):  # nesting deep enough to exhaust the parser
                raise WrongParameter(f"Malformed list filter for field {key}.") from None
            if not isinstance(values, list):
                raise WrongParameter(f"Malformed list filter for field {key}.")
            condition &= Q(**{f"{lookup}__in": [convert(field, v, key) for v in values]})
        elif len(values) > 1:  # gazu sends lists as repeated keys
            condition &= Q(**{f"{lookup}__in": [convert(field, v, key) for v in values]})
        elif key == "name":
            # Zou compares names with ILIKE: case-insensitive (wildcards aside).
            condition &= Q(**{f"{lookup}__iexact": convert(field, values[0], key)})
        else:
            condition &= Q(**{lookup: convert(field, values[0], key)})
    return condition


def _many_to_many_condition(field: models.ManyToManyField, values: list[str], key: str) -> Q:
    """Rows linked to any of the given ids, as a subquery so no row is listed twice."""
    ids = [parse_uuid(value) for value in values]
    # Set once the apps are loaded: the link model, declared or generated.
    through = cast(type[models.Model], field.remote_field.through)
    links = through._default_manager.filter(**{f"{field.m2m_reverse_name()}__in": ids}).values(
        field.m2m_column_name()
    )
    return Q(pk__in=links)


def query_flag(params: Mapping[str, str], key: str, default: bool = False) -> bool:
    """A boolean query parameter as Zou reads it: "true" (any case) is true, anything else
    false, absent gives `default`."""
    value = params.get(key)
    if value is None:
        return default
    return value.strip().lower() == "true"


def wants_relations(params: Mapping[str, str], default: bool = False) -> bool:
    return query_flag(params, "relations", default)
