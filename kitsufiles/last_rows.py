"""The last row of each group of a queryset: "the highest revision of each line", read in one
query whose cost grows with the number of groups, not with the history behind them.

A task with thousands of revisions over a dozen names is common; its last revisions are a dozen
rows. A correlated subquery per row costs the square of the history (seconds at 1,000 rows), a
window function or DISTINCT ON still reads every row. On PostgreSQL the groups are walked
through an index instead (a "loose index scan", written as a recursive query): one index probe
finds the next group, a second one its newest row, so the cost is a few probes per group
whatever the history. That needs an index on the queryset's equality filters, then the grouping
columns, then the first ordering column (each caller declares it in its model's Meta). Other
databases (SQLite, the embedded default) number the rows of each group with a window function
and keep the first: the same answer, in one pass over the history.
docs/decisions/last-revisions.md has the plans and the figures.
"""

from collections.abc import Sequence
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, Window
from django.db.models.expressions import Expression, OrderBy
from django.db.models.functions import RowNumber
from django.db.models.sql.compiler import SQLCompiler

_M = TypeVar("_M", bound=models.Model)


def last_of_each_group(
    queryset: models.QuerySet[_M], *, group_by: Sequence[str], newest_first: Sequence[str]
) -> models.QuerySet[_M]:
    """The rows of `queryset` that come first by `newest_first` (field names, `-` for
    descending; end with the primary key so there is one first row) among the rows with the
    same values of the `group_by` fields.

    A row with NULL in a grouping field is in no group and is left out, as Zou's equality join
    of rows on their group's highest revision leaves it out. The ordering fields must not be
    NULL on the rows kept (filter them first): databases place NULLs differently.

    `queryset` must read one table (filters on its own columns, no joins); the answer is a
    queryset of the same model, unordered."""
    queryset = queryset.filter(**{f"{name}__isnull": False for name in group_by})
    if connections[queryset.db].vendor == "postgresql":
        try:
            return queryset.filter(_loose_index_scan(queryset, group_by, newest_first))
        except EmptyResultSet:  # a filter that matches nothing (`pk__in=[]`)
            return queryset.none()
    numbered = queryset.annotate(
        _place_in_group=Window(
            RowNumber(),
            partition_by=[F(name) for name in group_by],
            order_by=[_order_by(name) for name in newest_first],
        )
    )
    return queryset.filter(pk__in=numbered.filter(_place_in_group=1).values("pk"))


def _order_by(name: str) -> OrderBy:
    return OrderBy(F(name.lstrip("-")), descending=name.startswith("-"))


def _loose_index_scan(
    queryset: models.QuerySet, group_by: Sequence[str], newest_first: Sequence[str]
) -> "_PrimaryKeyIn":
    """`pk = ANY(ARRAY(...))`, where the array holds the newest row's id of each group.

    The recursive query walks the groups in index order: the first group, then repeatedly the
    first one after the last found (a row comparison, which a B-tree index answers with one
    probe). For each group, the newest row is one more probe. The ids come back as an array so
    that the outer query fetches them by primary key (with `IN (subquery)` the planner, unable
    to estimate a recursive query's size, hashes the whole table)."""
    query = queryset.query
    if sum(1 for count in query.alias_refcount.values() if count) > 1:
        raise ValueError("last_of_each_group reads one table: filter on its own columns")
    connection = connections[queryset.db]
    quote = connection.ops.quote_name
    meta = queryset.model._meta
    table = quote(meta.db_table)

    def column(name: str) -> str:
        field = meta.pk if name == "pk" else meta.get_field(name)
        return f"{table}.{quote(field.column)}"

    where, params = query.get_compiler(using=queryset.db).compile(query.where)
    groups = [column(name) for name in group_by]
    group_names = [quote(meta.get_field(name).column) for name in group_by]
    found = [f"line_groups.{name}" for name in group_names]
    grouped = ", ".join(groups)
    newest = ", ".join(
        f"{column(name.lstrip('-'))} {'DESC' if name.startswith('-') else 'ASC'}"
        for name in newest_first
    )
    pairs = zip(groups, found, strict=True)
    same_group = " AND ".join(f"{mine} = {theirs}" for mine, theirs in pairs)
    first_group = f"SELECT {grouped} FROM {table} WHERE {where} ORDER BY {grouped} LIMIT 1"
    next_group = (
        f"SELECT group_after.* FROM line_groups, LATERAL ("
        f"SELECT {grouped} FROM {table} WHERE {where} AND ({grouped}) > ({', '.join(found)}) "
        f"ORDER BY {grouped} LIMIT 1) AS group_after"
    )
    newest_of_group = (
        f"SELECT (SELECT {column('pk')} FROM {table} WHERE {where} AND {same_group} "
        f"ORDER BY {newest} LIMIT 1) FROM line_groups"
    )
    newest_ids = (
        f"WITH RECURSIVE line_groups({', '.join(group_names)}) AS "
        f"(({first_group}) UNION ALL {next_group}) {newest_of_group}"
    )
    return _PrimaryKeyIn(newest_ids, (*params, *params, *params))


class _PrimaryKeyIn(Expression):
    """`pk = ANY(ARRAY(<ids>))`: the condition names the outer row through an expression
    Django compiles (so it holds when the queryset becomes another query's subquery and its
    table is renamed), while `<ids>` reads only its own tables."""

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, ids_sql: str, params: tuple[Any, ...]) -> None:
        super().__init__()
        self.ids_sql, self.params = ids_sql, params
        # F("pk") until the query resolves it to its column (under whatever alias it gives).
        self.primary_key: Any = F("pk")

    def get_source_expressions(self) -> list[Any]:
        return [self.primary_key]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.primary_key,) = exprs

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        key_sql, key_params = compiler.compile(self.primary_key)
        return f"{key_sql} = ANY(ARRAY({self.ids_sql}))", (*key_params, *self.params)
