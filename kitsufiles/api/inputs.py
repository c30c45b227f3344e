"""Validation of request bodies with DRF serializers, under Zou's key names.

Output never goes through these (see serialization.py); they only turn a JSON body into
validated values. Zou's bodies name foreign keys by column (`project_id`), so each foreign key
is exposed under its attname. Unknown keys are ignored, as Zou does, and so are the columns a
model lists in `ZOU_READ_ONLY_FIELDS`. Uniqueness is left to the
database (see kitsufiles.records) so that duplicates get Zou's message, not DRF's.
"""

import math
from functools import cache
from typing import Any, cast

from django.db import models
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.validators import UniqueValidator

from kitsufiles import digests

READ_ONLY = ("id", "created_at", "updated_at")


def _has_null_character(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_null_character(k) or _has_null_character(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_null_character(item) for item in value)
    return False


class ZouJSONField(serializers.JSONField):
    """PostgreSQL cannot store NUL in JSON text: refused on every backend, as text fields are."""

    default_error_messages = {"null_characters": "Null characters are not allowed."}

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if _has_null_character(value):
            self.fail("null_characters")
        return value


class ZouFloatField(serializers.FloatField):
    """NaN and infinities are not durations or rates: refused (PostgreSQL would store them)."""

    default_error_messages = {"not_finite": "A finite number is required."}

    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("not_finite")
        return value


class ZouInputSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.JSONField: ZouJSONField,
        models.FloatField: ZouFloatField,
    }

    def get_validators(self) -> list[Any]:
        return []

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for field in fields.values():
            field.validators = [v for v in field.validators if not isinstance(v, UniqueValidator)]
        return fields


def _relation_field(field: models.Field, many: bool = False) -> serializers.Field:
    # Resolved to a model class once the apps are loaded (never "self" or None by then).
    related_model = cast(type[models.Model], field.related_model)
    related = related_model._default_manager.all()
    if many:
        return serializers.PrimaryKeyRelatedField(
            queryset=related, many=True, required=False, pk_field=serializers.UUIDField()
        )
    required = not field.null and not field.has_default()
    return serializers.PrimaryKeyRelatedField(
        source=field.name,
        queryset=related,
        allow_null=field.null,
        required=required,
        pk_field=serializers.UUIDField(),
    )


@cache
def input_serializer_for(
    model: type[models.Model],
    exclude: tuple[str, ...] = (),
    base: type[ZouInputSerializer] = ZouInputSerializer,
) -> type[ZouInputSerializer]:
    """A serializer class validating every writable column of `model` (and its m2m ids).

    A model whose body carries more than its columns passes a `base` declaring the extra
    fields (validated after the columns) and its `validate_<field>` methods."""
    hidden = set(getattr(model, "ZOU_HIDDEN_FIELDS", ()))
    # Sent values of the server's columns are dropped like unknown keys: a client may send
    # back a row it read (docs/compatibility.md#generic-crud-routes).
    server_owned = set(getattr(model, "ZOU_READ_ONLY_FIELDS", ()))
    skipped = set(READ_ONLY) | set(exclude) | hidden | server_owned
    declared: dict[str, serializers.Field] = {}
    names: list[str] = []
    for field in model._meta.concrete_fields:
        if field.name in skipped:
            continue
        if field.is_relation:
            declared[field.attname] = _relation_field(field)
            names.append(field.attname)
        else:
            names.append(field.name)
    for field in model._meta.many_to_many:
        if field.name in skipped:
            continue  # link columns (a team member's role) are set by dedicated routes
        declared[field.name] = _relation_field(field, many=True)
        names.append(field.name)
    names.extend(name for name in base._declared_fields if name not in names)
    meta = type("Meta", (), {"model": model, "fields": names})
    return type(f"{model.__name__}Input", (base,), {**declared, "Meta": meta})


def validated(
    serializer_class: type[serializers.Serializer],
    data: Any,
    *,
    instance: models.Model | None = None,
) -> dict[str, Any]:
    """Validate `data` for a create (instance None) or a partial update; raise 400 if invalid."""
    serializer = serializer_class(instance, data=data, partial=instance is not None)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def stated_sha256(request: Request, *, form: bool = True) -> str | None:
    """The whole file's sha256 (hex) an upload request states: its `Repr-Digest` or `Digest`
    header, or (`form`, once the multipart body has been read) its `sha256` field, which may
    come before or after the file part. None when it states none; MalformedDigest (400) when
    it cannot be read. The rules are kitsufiles/digests.py's."""
    return digests.expected_sha256(
        repr_digest=request.headers.get("Repr-Digest"),
        digest=request.headers.get("Digest"),
        form_sha256=request.POST.getlist("sha256") if form else (),
    )
