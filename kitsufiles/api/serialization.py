"""Model rows → Zou's JSON shape, without DRF's per-field serializers.

Zou serializes a row as one key per column (foreign keys as `<name>_id`), ids as strings,
datetimes as `YYYY-MM-DDTHH:MM:SS` in UTC, plus `"type": "<ModelName>"`; with `relations=True`
the many-to-many collections become lists of ids.

Listings are hot (a task with 1,000 revisions is common), so rows come from `.values_list()`
and are left to orjson: UUIDs, dates, dicts and lists are native to it, and datetimes come out
of the database already written as Zou writes them (`ZouDateTime`), because turning 2,000
timestamps into Python datetimes and back took half the time of a 1,000-row listing. The
figures behind this choice are in docs/decisions/listing-serialization.md.

A model tells the serializer (and the input validation and list filters beside it) where its
JSON differs from its columns through the hooks described by `ZouRowModel` below. They are all
optional; a model without any is serialized column by column.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, Protocol

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Func, Q
from django.db.models.sql.compiler import SQLCompiler

Row = dict[str, Any]


class ZouRowModel(Protocol):
    """The hooks a model may declare to shape its Zou JSON. Read by `shape_of` (rows),
    `kitsufiles.api.inputs` (bodies) and `kitsufiles.api.filters` (query strings).

    - `ZOU_HIDDEN_FIELDS`: field names never serialized, validated from a body nor filtered on
      (a password hash, Django's `last_login`).
    - `ZOU_READ_ONLY_FIELDS`: columns the server computes (a stored file's `size` and
      `checksum`, a preview's `status` and `width`): serialized and filtered on like any
      column, but a body's values for them are ignored by the input validation, as unknown
      keys are, on creation and update alike.
    - `ZOU_REVERSE_RELATIONS`: reverse relations listed as lists of ids with `relations=True`
      (a comment's `previews`, a working file's `outputs`); reverse foreign keys and
      many-to-many fields declared on the other model both work.
    - `ZOU_NESTED`: foreign keys whose related row is embedded in full next to `<name>_id`
      (an output file's `source_file`).
    - `zou_complete_row(row)`: a static method adding keys computed from the row's columns
      (a person's `full_name`); it changes `row` in place.
    - `zou_filters()`: a static method returning `{query key: value → Q}` for filters on
      computed keys (`?full_name=`).
    """

    ZOU_HIDDEN_FIELDS: ClassVar[tuple[str, ...]]
    ZOU_READ_ONLY_FIELDS: ClassVar[tuple[str, ...]]
    ZOU_REVERSE_RELATIONS: ClassVar[tuple[str, ...]]
    ZOU_NESTED: ClassVar[tuple[str, ...]]

    @staticmethod
    def zou_complete_row(row: Row) -> None: ...

    @staticmethod
    def zou_filters() -> dict[str, Callable[[str], Q]]: ...


@dataclass(frozen=True)
class ZouShape:
    """What Zou's JSON of one model looks like, computed once per model."""

    model: type[models.Model]
    columns: tuple[str, ...]  # `.values()` names, which are Zou's keys (attnames)
    datetime_columns: tuple[str, ...]
    many_to_many: tuple[models.ManyToManyField, ...]
    # Reverse foreign keys Zou also lists with relations=True (a working file's `outputs`).
    reverse_relations: tuple[str, ...]
    # Foreign keys Zou also embeds as the related row (an output file's `source_file`).
    nested: tuple[str, ...]
    type_name: str
    # Keys computed from the row rather than read from a column (Person's `full_name`).
    complete_row: Callable[[Row], None] | None
    # What `.values_list()` reads for `columns`, in their order: datetimes already in Zou's
    # format, the other columns as they are.
    read: tuple[str | Func, ...]


@cache
def shape_of(model: type[models.Model]) -> ZouShape:
    hidden = set(getattr(model, "ZOU_HIDDEN_FIELDS", ()))
    columns: list[str] = []
    datetimes: list[str] = []
    for field in model._meta.concrete_fields:
        if field.name in hidden:
            continue
        columns.append(field.attname)
        if isinstance(field, models.DateTimeField):
            datetimes.append(field.attname)
    return ZouShape(
        model=model,
        columns=tuple(columns),
        datetime_columns=tuple(datetimes),
        many_to_many=tuple(model._meta.many_to_many),
        reverse_relations=tuple(getattr(model, "ZOU_REVERSE_RELATIONS", ())),
        nested=tuple(getattr(model, "ZOU_NESTED", ())),
        type_name=model.__name__,
        complete_row=getattr(model, "zou_complete_row", None),
        read=tuple(ZouDateTime(column) if column in datetimes else column for column in columns),
    )


class ZouDateTime(Func):
    """A datetime column as Zou writes it, `YYYY-MM-DDTHH:MM:SS` in UTC (the time zone and
    the fraction of a second dropped), written by the database: the row then carries a string
    that orjson copies, instead of a timestamp psycopg parses into a datetime that Python
    rounds and orjson formats again. A NULL stays NULL. PostgreSQL and SQLite only, the two
    databases kitsufiles runs on (a DISTINCT query ordered by such a column would need the
    column itself in its select list: none is)."""

    output_field = models.CharField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        # Connections run in UTC (Django's USE_TZ); `to_char` drops the fraction, as Python's
        # `replace(microsecond=0)` did.
        template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        sql, params = self.as_sql(compiler, connection, template=template, **extra)
        return sql, list(params)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        # Django stores datetimes there as UTC text (`YYYY-MM-DD HH:MM:SS[.ffffff]`). `%`
        # is doubled twice: once for this template, once for the query's parameters.
        template = "strftime('%%%%Y-%%%%m-%%%%dT%%%%H:%%%%M:%%%%S', %(expressions)s)"
        sql, params = self.as_sql(compiler, connection, template=template, **extra)
        return sql, list(params)


# A row extension adds keys to the rows of a model of another app: `(rows, ids, relations)`,
# where `ids` names the rows' primary keys in a filter (`pk__in=ids`) and `relations` says
# whether the caller asked for the collections. It runs one query for all the rows.
RowExtension = Callable[[list[Row], Any, bool], None]
_ROW_EXTENSIONS: dict[type[models.Model], tuple[RowExtension, ...]] = {}


def extend_rows(model: type[models.Model], extension: RowExtension) -> None:
    """Let an app that depends on `model`'s app add keys to its rows (a project's
    `preview_background_files`, kept by previews: production may not import previews,
    docs/architecture.md). Called from the app's `AppConfig.ready`, once."""
    current = _ROW_EXTENSIONS.get(model, ())
    if extension not in current:
        _ROW_EXTENSIONS[model] = (*current, extension)


def serialize_rows(
    queryset: models.QuerySet,
    *,
    relations: bool = False,
    type_name: str | None = None,
) -> list[Row]:
    """Serialize every row of `queryset` in Zou's shape with one query (plus one per m2m)."""
    model: type[models.Model] = queryset.model
    shape = shape_of(model)
    columns = shape.columns
    rows = [dict(zip(columns, values, strict=True)) for values in queryset.values_list(*shape.read)]
    name = type_name or shape.type_name
    for row in rows:
        row["type"] = name
    if shape.complete_row is not None:
        for row in rows:
            shape.complete_row(row)
    extensions = _ROW_EXTENSIONS.get(model, ())
    if extensions and rows:
        ids = _named(rows, "id", queryset)
        for extension in extensions:
            extension(rows, ids, relations)
    if relations and (shape.many_to_many or shape.reverse_relations) and rows:
        attach_relations(shape, rows, queryset)
    if shape.nested and rows:
        attach_nested(shape, rows, queryset)
    return rows


def link_table(field: models.ManyToManyField) -> type[models.Model]:
    """The through model of a many-to-many field (Django resolves it, declared or automatic,
    when the app registry is ready)."""
    through = field.remote_field.through
    if through is None:
        raise TypeError(f"{field} has no link table yet")
    return through


def related_model(field: models.ForeignKey) -> type[models.Model]:
    """The model a foreign key points at (resolved, never "self" or a name, once the app
    registry is ready)."""
    model = field.related_model
    if not (isinstance(model, type) and issubclass(model, models.Model)):
        raise TypeError(f"{field} points at an unresolved model")
    return model


# Up to this many rows, a listing's related rows are named by their ids; beyond, by the
# listing's own query as a subquery (`_named`).
FEW_ROWS = 100


def _named(rows: list[Row], column: str, queryset: models.QuerySet) -> Any:
    """What names the values of `column` of `rows` in a filter (`<field>__in=...`): a list of
    a thousand ids is a thousand parameters to adapt, quote and parse (half the time of a
    listing of a thousand rows), so a long listing is named by the query that read it, as a
    subquery. That query runs a second time inside, which costs little for a plain listing
    but its whole work again for one such as the last revisions (a walk of an index): a few
    rows are named by their ids."""
    if len(rows) <= FEW_ROWS:
        return list({row[column] for row in rows if row[column] is not None})
    return queryset.values("pk" if column == "id" else column)


def attach_relations(shape: ZouShape, rows: list[Row], queryset: models.QuerySet) -> None:
    """Add each collection as a list of ids: one query per relation, not per row."""
    ids = _named(rows, "id", queryset)
    related: defaultdict[Any, list[str]]
    for m2m in shape.many_to_many:
        own_column = m2m.m2m_column_name()
        other_column = m2m.m2m_reverse_name()
        related = defaultdict(list)
        links = (
            link_table(m2m)
            ._default_manager.filter(**{f"{own_column}__in": ids})
            .values_list(own_column, other_column)
        )
        for own_id, other_id in links:
            related[own_id].append(str(other_id))
        for row in rows:
            row[m2m.name] = related.get(row["id"], [])
    for name in shape.reverse_relations:
        relation = shape.model._meta.get_field(name)
        if not isinstance(relation, models.ForeignObjectRel):
            raise TypeError(f"{shape.type_name}.{name} is not a reverse relation")
        field = relation.field
        related = defaultdict(list)
        if isinstance(field, models.ManyToManyField):  # declared on the other model
            links = (
                link_table(field)
                ._default_manager.filter(**{f"{field.m2m_reverse_name()}__in": ids})
                .values_list(field.m2m_reverse_name(), field.m2m_column_name())
            )
        else:  # a foreign key of the other model, the one declaring it
            column = field.attname
            links = field.model._default_manager.filter(**{f"{column}__in": ids}).values_list(
                column, "pk"
            )
        for own_id, other_id in links:
            related[own_id].append(str(other_id))
        for row in rows:
            row[name] = related.get(row["id"], [])


def attach_nested(shape: ZouShape, rows: list[Row], queryset: models.QuerySet) -> None:
    """Embed each nested foreign key's row (or None): one query per key, not per row, the
    related rows named by the query that read `rows` (see attach_relations)."""
    for name in shape.nested:
        field = shape.model._meta.get_field(name)
        if not isinstance(field, models.ForeignKey):
            raise TypeError(f"{shape.type_name}.{name} is not a foreign key")
        related: dict[Any, Row] = {}
        if any(row[field.attname] is not None for row in rows):
            named = _named(rows, field.attname, queryset)
            nested = related_model(field)._default_manager.filter(pk__in=named)
            related = {row["id"]: row for row in serialize_rows(nested)}
        for row in rows:
            row[name] = related.get(row[field.attname])


def serialize_instance(
    instance: models.Model, *, relations: bool = False, type_name: str | None = None
) -> Row:
    """One row in Zou's shape (reads it again through `.values()` so both paths agree)."""
    queryset = type(instance)._default_manager.filter(pk=instance.pk)
    rows = serialize_rows(queryset, relations=relations, type_name=type_name)
    return rows[0]
