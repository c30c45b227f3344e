"""Querysets compiled to SQL once per process, then run again with new values.

Building a queryset and compiling it costs more than running it on the hottest queries of a
request: the person behind a token is 0.37 ms of database work and 0.73 ms of Django
(annotate, filter, the compiler walking 36 columns, the instance). A `Prepared` keeps the SQL,
the parameter positions and the row-to-instance recipe of its queryset, and each later call
only swaps the parameter values in, runs the SQL through Django's cursor (so query counts,
logging and transactions see it as usual) and builds the instances the way a queryset would.
The why and the figures: docs/decisions/prepared-queries.md.

    _USER = Prepared(lambda user_id: User.objects.filter(pk=user_id).order_by())
    person = _USER.first(user_id=uuid.UUID(raw_id))

Rules for `build`:
- it must depend on its parameters only (no `timezone.now()`, no settings read per call): it
  runs once, with stand-in values, and its SQL is kept for the life of the process;
- each parameter must reach the SQL as a plain value (an equality, an `IN` of one value):
  transformed ones (`__icontains`, `__iexact`) are refused when compiling, as are parameters
  that never reach it;
- the values a call passes must have the types of the first call's (a UUID stays a UUID):
  that is how their stand-ins are made. Parse ids before (kitsufiles.lookups.parse_id).
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

M = TypeVar("M", bound=models.Model)

# How a parameter's value reaches the SQL, by what the compiled parameter was next to the
# stand-in: itself (a UUID on PostgreSQL, a string, an int), its hex (a UUID on SQLite), its text.
_AS_IS, _HEX, _TEXT = "as is", "hex", "text"
_FORMS: dict[str, Callable[[Any], Any]] = {
    _AS_IS: lambda value: value,
    _HEX: lambda value: value.hex,
    _TEXT: str,
}


def _stand_in(value: object) -> object:
    """A value of `value`'s type that nothing else in a query can equal."""
    if isinstance(value, uuid.UUID):
        return uuid.uuid4()
    if isinstance(value, str):
        return f"prepared-{secrets.token_hex(16)}"
    if isinstance(value, int) and not isinstance(value, bool):
        return secrets.randbelow(2**62) + 2**40
    raise TypeError(f"a prepared query takes UUIDs, strings and integers, not {type(value)!r}")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    # parameter name -> [(position in params, form)]
    slots: dict[str, list[tuple[int, str]]]
    types: dict[str, type]
    model: type[models.Model]
    init_list: list[str]
    model_columns: slice
    related_populators: list[Any]
    annotations: list[tuple[str, int]]
    converters: dict[int, Any]
    compiler: Any


class Prepared(Generic[M]):
    """A queryset `build(**parameters)` compiled once (on first use, with
    stand-ins for the values), run by `all(**values)` / `first(**values)`."""

    def __init__(self, build: Callable[..., models.QuerySet[M]]) -> None:
        self.build = build
        self._compiled: _Compiled | None = None
        self._lock = threading.Lock()

    def all(self, **values: object) -> list[M]:
        compiled = self._compiled_for(values)
        params = list(compiled.params)
        for name, slots in compiled.slots.items():
            value = values[name]
            if type(value) is not compiled.types[name]:
                raise TypeError(
                    f"{name}={value!r}: this prepared query takes a {compiled.types[name]!r}"
                )
            for position, form in slots:
                params[position] = _FORMS[form](value)
        return self._instances(compiled, params)

    def first(self, **values: object) -> M | None:
        rows = self.all(**values)
        return rows[0] if rows else None

    def _compiled_for(self, values: dict[str, object]) -> _Compiled:
        compiled = self._compiled
        if compiled is None:
            with self._lock:
                compiled = self._compiled or self._compile(values)
                self._compiled = compiled
        return compiled

    def _compile(self, values: dict[str, object]) -> _Compiled:
        stand_ins = {name: _stand_in(value) for name, value in values.items()}
        queryset = self.build(**stand_ins)
        # The database the queryset reads from (the router's choice, or its `using()`): one
        # per Prepared, which is all this project has.
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots: dict[str, list[tuple[int, str]]] = {name: [] for name in stand_ins}
        for position, param in enumerate(params):
            for name, stand_in in stand_ins.items():
                form = _form_of(param, stand_in)
                if form is not None:
                    slots[name].append((position, form))
        missing = [name for name, found in slots.items() if not found]
        if missing:
            raise ImproperlyConfigured(
                f"prepared query on {queryset.model.__name__}: {', '.join(missing)} never "
                "reaches the SQL as a plain value (see kitsufiles/prepared.py)"
            )
        select, klass_info = compiler.select, compiler.klass_info
        columns = klass_info["select_fields"]
        model_columns = slice(columns[0], columns[-1] + 1)
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=slots,
            types={name: type(value) for name, value in values.items()},
            model=klass_info["model"],
            init_list=[column[0].target.attname for column in select[model_columns]],
            model_columns=model_columns,
            related_populators=get_related_populators(klass_info, select, queryset.db),
            annotations=list(compiler.annotation_col_map.items()),
            converters=compiler.get_converters([column[0] for column in select]),
            compiler=compiler,
        )

    @staticmethod
    def _instances(compiled: _Compiled, params: list[Any]) -> list[M]:
        alias = compiled.compiler.using
        connection = connections[alias]  # this thread's: the compiler kept the compiling one's
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows: list[Any] = cursor.fetchall()
        if compiled.converters:
            rows = [_converted(row, compiled.converters, connection) for row in rows]
        instances = []
        for row in rows:
            instance = compiled.model.from_db(
                alias, compiled.init_list, row[compiled.model_columns]
            )
            for populator in compiled.related_populators:
                populator.populate(row, instance)
            for name, index in compiled.annotations:
                setattr(instance, name, row[index])
            instances.append(instance)
        return instances  # type: ignore[return-value]


def _form_of(param: object, stand_in: object) -> str | None:
    if param == stand_in and type(param) is type(stand_in):
        return _AS_IS
    if isinstance(stand_in, uuid.UUID):
        if param == stand_in.hex:
            return _HEX
        if param == str(stand_in):
            return _TEXT
    return None


def _converted(row: tuple[Any, ...], converters: dict[int, Any], connection: Any) -> list[Any]:
    """What the compiler's apply_converters does (the field's from_db_value...), with this
    thread's connection."""
    values = list(row)
    for position, (functions, expression) in converters.items():
        value = values[position]
        for function in functions:
            value = function(value, expression, connection)
        values[position] = value
    return values
