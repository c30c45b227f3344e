"""Generic row writes shared by every app's services: one transaction, all-or-nothing.

`values` are validated input (foreign keys already resolved to rows, many-to-many as lists of
rows). Uniqueness is left to the database, whose IntegrityError the API turns into Zou's 400;
where the database cannot enforce a constraint (`nulls_distinct=False` on SQLite) it is checked
here first, so the rule holds on every backend.
"""

from typing import Any, TypeVar, cast

from django.db import connection, models, transaction

from kitsufiles.errors import DataConflict

_M = TypeVar("_M", bound=models.Model)


def split_values(
    model: type[models.Model], values: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(column values, many-to-many values) of an input dict."""
    m2m_names = {field.name for field in model._meta.many_to_many}
    columns = {key: value for key, value in values.items() if key not in m2m_names}
    relations = {key: value for key, value in values.items() if key in m2m_names}
    return columns, relations


def check_unique_constraints(instance: models.Model) -> None:
    """Enforce `nulls_distinct=False` constraints where the database does not."""
    if connection.features.supports_nulls_distinct_unique_constraints:
        return
    model = type(instance)
    for constraint in model._meta.constraints:
        if (
            not isinstance(constraint, models.UniqueConstraint)
            or constraint.nulls_distinct is not False
        ):
            continue
        # A constraint names concrete columns (never a reverse relation), which have an attname.
        attnames = [
            cast(models.Field, model._meta.get_field(name)).attname for name in constraint.fields
        ]
        lookup = {attname: getattr(instance, attname) for attname in attnames}
        clash = model._default_manager.filter(**lookup).exclude(pk=instance.pk)
        if clash.exists():
            raise DataConflict()


@transaction.atomic
def create_record(model: type[_M], values: dict[str, Any]) -> _M:
    return insert_record(model, values)


def insert_record(model: type[_M], values: dict[str, Any]) -> _M:
    """`create_record` for a caller already in a transaction that it rolls back whole if the
    insert fails (a new revision): no savepoint of its own, which costs two round trips."""
    columns, relations = split_values(model, values)
    instance = model(**columns)
    check_unique_constraints(instance)
    instance.save(force_insert=True)
    for name, related in relations.items():
        getattr(instance, name).set(related)
    return instance


@transaction.atomic
def update_record(instance: _M, values: dict[str, Any]) -> _M:
    columns, relations = split_values(type(instance), values)
    for name, value in columns.items():
        setattr(instance, name, value)
    check_unique_constraints(instance)
    instance.save()
    for name, related in relations.items():
        getattr(instance, name).set(related)
    return instance


@transaction.atomic
def delete_record(instance: models.Model) -> None:
    instance.delete()


def lock_row(model: type[models.Model], pk: object) -> None:
    """Take the row lock of `model` row `pk` until the transaction ends.

    Revision lines (a task's working files, an entity's outputs, a task's previews) have no
    row of their own: their owner's row is locked instead, so that writers of the same line
    queue up and each reads the highest revision after the previous one committed. The
    unique constraints behind the lines catch whatever slips past (a missing owner row). On
    SQLite, transactions take the database write lock when they begin
    (`transaction_mode="IMMEDIATE"` in settings), and this is a plain read."""
    list(model._default_manager.select_for_update().filter(pk=pk).values_list("pk"))


def reload_locked(instance: models.Model) -> None:
    """Take the row lock of `instance` until the transaction ends and read its columns again
    under it, in one query: a write that follows starts from the row as the previous writer
    left it (a whole-row `save()` would otherwise put back columns another request changed
    meanwhile). Related rows read with it stay, unless their key changed (Django's
    `refresh_from_db` forgets them all, and a route would read them again)."""
    fresh = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    for field in instance._meta.concrete_fields:
        value = getattr(fresh, field.attname)
        if (
            field.is_relation
            and field.is_cached(instance)  # type: ignore[attr-defined]
            and getattr(instance, field.attname) != value
        ):
            field.delete_cached_value(instance)  # type: ignore[attr-defined]
        setattr(instance, field.attname, value)
