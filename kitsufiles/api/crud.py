"""Zou's generic CRUD routes: `/api/data/<collection>` and `/api/data/<collection>/<id>`.

A `CrudResource` says which model a collection holds, who may do what (a `Policy`) and which
services write it; the two views below are the same for every model. Apps declare their
resources and get their routes from `crud_urls`. The plumbing imports no app, so policies and
services are described here as protocols that the apps' classes and functions satisfy as they
are (see docs/compatibility.md#generic-crud-routes).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

from django.db import models, transaction
from django.http import QueryDict
from django.urls import URLPattern, path
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles import records
from kitsufiles.api.conditional import if_match, with_version
from kitsufiles.api.filters import filters_from_query, parse_bool, wants_relations
from kitsufiles.api.inputs import input_serializer_for, validated
from kitsufiles.api.serialization import serialize_instance, serialize_rows
from kitsufiles.errors import WrongParameter
from kitsufiles.versions import check_version

EMPTY_BODY_MESSAGE = (
    "Data are empty. Please verify that you sent JSON data and that you set the right headers."
)
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_PARAMETER = 2**31 - 1  # larger pages or limits overflow the database's integers

# The authenticated caller: a row of settings.AUTH_USER_MODEL, which the plumbing cannot name.
Caller = Any
Row = dict[str, Any]


class Policy(Protocol):
    """Who may do what on one collection. Each check raises a domain error (Forbidden,
    NotFound) to refuse; `values` are the validated input, foreign keys resolved to rows."""

    def scope(self, person: Caller, queryset: models.QuerySet) -> models.QuerySet:
        """The rows `person` may list."""
        ...

    def fetch(self, person: Caller, queryset: models.QuerySet, object_id: object) -> Any:
        """The row `object_id` of `queryset` (NotFound if none) a route reads, updates or
        deletes, with what the checks below read of it."""
        ...

    def check_read(self, person: Caller, obj: Any) -> None: ...

    def pre_check_create(self, person: Caller) -> None:
        """Refuse before the body is validated, when no body could be allowed."""
        ...

    def check_create(self, person: Caller, values: dict[str, Any]) -> None: ...

    def check_update(self, person: Caller, obj: Any, values: dict[str, Any]) -> None:
        """Called twice: with no values before the body is validated, then with them."""
        ...

    def check_delete(self, person: Caller, obj: Any) -> None: ...


class CreateService(Protocol):
    def __call__(self, *, person: Caller, values: dict[str, Any]) -> Any: ...


class UpdateService(Protocol):
    def __call__(self, *, person: Caller, instance: Any, values: dict[str, Any]) -> Any: ...


class DeleteService(Protocol):
    def __call__(self, *, person: Caller, instance: Any, force: bool) -> None: ...


# The default services write the row as it is validated.


def create_row(*, person: Caller, values: dict[str, Any], model: type[models.Model]) -> Any:
    return records.create_record(model, values)


def update_row(*, person: Caller, instance: models.Model, values: dict[str, Any]) -> Any:
    return records.update_record(instance, values)


def delete_row(*, person: Caller, instance: models.Model, force: bool) -> None:
    records.delete_record(instance)


def never_forced(params: QueryDict) -> bool:
    return False


def force_flag(params: QueryDict) -> bool:
    """`?force=`, read as Zou's boolean filters are: "true"/"false" in any case; anything else
    is a 400."""
    value = params.get("force")
    return value is not None and parse_bool(value, "force")


def as_sent(data: dict[str, Any]) -> dict[str, Any]:
    return data


@dataclass(frozen=True)
class CrudResource:
    model: type[models.Model]
    collection: str
    policy: Policy
    # Services; None writes the row as it is validated.
    create: CreateService | None = None
    update: UpdateService = update_row
    delete: DeleteService = delete_row
    # Reads the delete's `force` from the query string (never forced by default).
    read_force: Callable[[QueryDict], bool] = never_forced
    # Input keys not accepted from clients (beyond id and timestamps).
    input_exclude: tuple[str, ...] = ()
    # Turns the raw body into what the model serializer validates (aliases, defaults).
    prepare_input: Callable[[dict[str, Any]], dict[str, Any]] = as_sent
    # A serializer class for bodies with more than the model's columns (e.g. a password).
    serializer: type[serializers.Serializer] | None = None
    type_name: str | None = None
    # Whether the single read lists the collections: None follows `relations` (default true);
    # True always, as Zou's service getters do (they ignore the parameter).
    read_relations: bool | None = None
    # Whether the rows are versioned (kitsufiles/versions.py): the single read and the update
    # answer an `ETag`, and an update runs under the row's lock, from the row as it is then,
    # refused (412) when its `If-Match` names another version.
    versioned: bool = False

    @property
    def input_serializer(self) -> type[serializers.Serializer]:
        return self.serializer or input_serializer_for(self.model, self.input_exclude)

    def create_instance(self, person: Caller, values: dict[str, Any]) -> Any:
        """The new row, written by the resource's create service."""
        if self.create is None:
            return create_row(person=person, values=values, model=self.model)
        return self.create(person=person, values=values)


def request_body(request: Request) -> dict[str, Any]:
    """The JSON (or form) body as a plain dict; Zou refuses an empty one."""
    data = request.data
    if hasattr(data, "dict"):
        data = data.dict()
    if not isinstance(data, dict) or not data:
        raise WrongParameter(EMPTY_BODY_MESSAGE)
    return data


def list_response(
    queryset: models.QuerySet,
    params: QueryDict,
    *,
    type_name: str | None = None,
    relations_default: bool = False,
    complete_row: Callable[[Row], object] | None = None,
) -> Response:
    """Filter by the query string, then answer a plain list or Zou's page object.
    `complete_row` adds keys to each row before `fields` picks the ones asked for."""
    queryset = queryset.filter(filters_from_query(queryset.model, params))
    relations = wants_relations(params, relations_default)

    def rows_of(ordered: models.QuerySet) -> list[Row]:
        rows = serialize_rows(ordered, relations=relations, type_name=type_name)
        if complete_row is not None:
            for row in rows:
                complete_row(row)
        return _only_fields(rows, params)

    page = params.get("page")
    if page is None:
        return Response(rows_of(queryset.order_by("created_at", "pk")))
    page_number = _integer(page, "page")
    limit = _integer(params.get("limit", DEFAULT_PAGE_SIZE), "limit")
    if limit < 1:
        raise WrongParameter("limit should be a positive integer.")
    total = queryset.count()
    offset = max(page_number - 1, 0) * limit
    rows = []
    if page_number >= 1 and offset < total:  # a page below 1 is empty, as is one past the end
        ordered = queryset.order_by("-updated_at", "-created_at", "pk")
        rows = rows_of(ordered[offset : offset + limit])
    return Response(
        {
            "data": rows,
            "total": total,
            "nb_pages": (total + limit - 1) // limit,
            "limit": limit,
            "offset": offset,
            "page": page_number,
        }
    )


def _integer(value: str | int, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise WrongParameter(f"{name} should be a positive integer.") from None
    if abs(number) > MAX_PAGE_PARAMETER:
        raise WrongParameter(f"{name} is out of range.")
    return number


def _only_fields(rows: list[Row], params: QueryDict) -> list[Row]:
    wanted = params.get("fields")
    if not wanted:
        return rows
    keep = {name.strip() for name in wanted.split(",")} | {"id", "type"}
    return [{key: value for key, value in row.items() if key in keep} for row in rows]


class CollectionView(APIView):
    resource = cast(CrudResource, None)  # set per collection by crud_urls

    def get(self, request: Request) -> Response:
        resource = self.resource
        queryset = resource.policy.scope(request.user, resource.model._default_manager.all())
        return list_response(queryset, request.query_params, type_name=resource.type_name)

    def post(self, request: Request) -> Response:
        resource = self.resource
        resource.policy.pre_check_create(request.user)
        data = resource.prepare_input(request_body(request))
        values = validated(resource.input_serializer, data)
        resource.policy.check_create(request.user, values)
        instance = resource.create_instance(request.user, values)
        body = serialize_instance(instance, relations=True, type_name=resource.type_name)
        return Response(body, status=201)


class InstanceView(APIView):
    resource = cast(CrudResource, None)  # set per collection by crud_urls

    def instance(self, request: Request, instance_id: str) -> Any:
        queryset = self.resource.model._default_manager.all()
        return self.resource.policy.fetch(request.user, queryset, instance_id)

    def get(self, request: Request, instance_id: str) -> Response:
        resource = self.resource
        instance = self.instance(request, instance_id)
        resource.policy.check_read(request.user, instance)
        relations = resource.read_relations
        if relations is None:
            relations = wants_relations(request.query_params, default=True)
        response = Response(
            serialize_instance(instance, relations=relations, type_name=resource.type_name)
        )
        return with_version(response, instance) if resource.versioned else response

    def put(self, request: Request, instance_id: str) -> Response:
        resource = self.resource
        instance = self.instance(request, instance_id)
        resource.policy.check_update(request.user, instance, {})
        data = resource.prepare_input(request_body(request))
        values = validated(resource.input_serializer, data, instance=instance)
        resource.policy.check_update(request.user, instance, values)
        if not resource.versioned:
            instance = resource.update(person=request.user, instance=instance, values=values)
            return Response(serialize_instance(instance, type_name=resource.type_name))
        with transaction.atomic():  # the answer is read under the lock: the version it tags
            records.reload_locked(instance)
            check_version(if_match(request), instance)
            instance = resource.update(person=request.user, instance=instance, values=values)
            answer = serialize_instance(instance, type_name=resource.type_name)
        return with_version(Response(answer), instance)

    def delete(self, request: Request, instance_id: str) -> Response:
        resource = self.resource
        instance = self.instance(request, instance_id)
        resource.policy.check_delete(request.user, instance)
        force = resource.read_force(request.query_params)
        resource.delete(person=request.user, instance=instance, force=force)
        return Response(status=204)


def crud_urls(resources: list[CrudResource]) -> list[URLPattern]:
    patterns = []
    for resource in resources:
        name = resource.collection
        patterns += [
            path(
                f"data/{name}",
                CollectionView.as_view(resource=resource),
                name=f"{name}-list",
            ),
            path(
                f"data/{name}/<str:instance_id>",
                InstanceView.as_view(resource=resource),
                name=f"{name}-detail",
            ),
        ]
    return patterns
