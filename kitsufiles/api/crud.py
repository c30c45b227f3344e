"""Zou's generic CRUD routes: `/api/data/<collection>` and `/api/data/<collection>/<id>`.

A `CrudResource` says which model a collection holds, who may do what (a policy from
production.permissions) and which service writes it; the two views below are the same for
every model. Apps declare their resources and get their routes from `crud_urls`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles import records
from kitsufiles.api.filters import filters_from_query, wants_relations
from kitsufiles.api.inputs import input_serializer_for, validated
from kitsufiles.api.serialization import serialize_instance, serialize_rows
from kitsufiles.errors import WrongParameter
from kitsufiles.lookups import get_or_404

EMPTY_BODY_MESSAGE = (
    "Data are empty. Please verify that you sent JSON data and that you set the right headers."
)
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_PARAMETER = 2**31 - 1  # larger pages or limits overflow the database's integers


def _create(person, model, values):
    return records.create_record(model, values)


def _update(person, instance, values):
    return records.update_record(instance, values)


def _delete(person, instance, params):
    records.delete_record(instance)


@dataclass(frozen=True)
class CrudResource:
    model: type[models.Model]
    collection: str
    policy: object
    # Services; the defaults write the row as it is validated.
    create: Callable = _create  # (person, model, values) -> instance
    update: Callable = _update  # (person, instance, values) -> instance
    delete: Callable = _delete  # (person, instance, query params) -> None
    # Input keys not accepted from clients (beyond id and timestamps).
    input_exclude: tuple[str, ...] = ()
    # Turns the raw body into what the model serializer validates (aliases, defaults).
    prepare_input: Callable[[dict], dict] = field(default=lambda data: data)
    # A serializer class for bodies with more than the model's columns (e.g. a password).
    serializer: type | None = None
    type_name: str | None = None
    # Whether the single read lists the collections: None follows `relations` (default true);
    # True always, as Zou's service getters do (they ignore the parameter, contract §11.30).
    read_relations: bool | None = None

    @property
    def input_serializer(self) -> type:
        return self.serializer or input_serializer_for(self.model, self.input_exclude)


def request_body(request: Request) -> dict:
    """The JSON (or form) body as a plain dict; Zou refuses an empty one."""
    data = request.data
    if hasattr(data, "dict"):
        data = data.dict()
    if not isinstance(data, dict) or not data:
        raise WrongParameter(EMPTY_BODY_MESSAGE)
    return data


def list_response(
    queryset: models.QuerySet,
    params,
    *,
    type_name: str | None = None,
    relations_default: bool = False,
) -> Response:
    """Filter by the query string, then answer a plain list or Zou's page object."""
    queryset = queryset.filter(filters_from_query(queryset.model, params))
    relations = wants_relations(params, relations_default)
    page = params.get("page")
    if page is None:
        rows = serialize_rows(
            queryset.order_by("created_at", "pk"), relations=relations, type_name=type_name
        )
        return Response(_only_fields(rows, params))
    page_number = _integer(page, "page")
    limit = _integer(params.get("limit", DEFAULT_PAGE_SIZE), "limit")
    if limit < 1:
        raise WrongParameter("limit should be a positive integer.")
    total = queryset.count()
    offset = max(page_number - 1, 0) * limit
    rows = []
    if page_number >= 1 and offset < total:  # a page below 1 is empty, as is one past the end
        ordered = queryset.order_by("-updated_at", "-created_at", "pk")[offset : offset + limit]
        rows = serialize_rows(ordered, relations=relations, type_name=type_name)
    return Response(
        {
            "data": _only_fields(rows, params),
            "total": total,
            "nb_pages": (total + limit - 1) // limit,
            "limit": limit,
            "offset": offset,
            "page": page_number,
        }
    )


def _integer(value, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise WrongParameter(f"{name} should be a positive integer.") from None
    if abs(number) > MAX_PAGE_PARAMETER:
        raise WrongParameter(f"{name} is out of range.")
    return number


def _only_fields(rows: list[dict], params) -> list[dict]:
    wanted = params.get("fields")
    if not wanted:
        return rows
    keep = {name.strip() for name in wanted.split(",")} | {"id", "type"}
    return [{key: value for key, value in row.items() if key in keep} for row in rows]


class CollectionView(APIView):
    resource: CrudResource = None

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
        instance = resource.create(request.user, resource.model, values)
        body = serialize_instance(instance, relations=True, type_name=resource.type_name)
        return Response(body, status=201)


class InstanceView(APIView):
    resource: CrudResource = None

    def get(self, request: Request, instance_id: str) -> Response:
        resource = self.resource
        instance = get_or_404(resource.model, instance_id)
        resource.policy.check_read(request.user, instance)
        relations = resource.read_relations
        if relations is None:
            relations = wants_relations(request.query_params, default=True)
        return Response(
            serialize_instance(instance, relations=relations, type_name=resource.type_name)
        )

    def put(self, request: Request, instance_id: str) -> Response:
        resource = self.resource
        instance = get_or_404(resource.model, instance_id)
        resource.policy.check_update(request.user, instance, {})
        data = resource.prepare_input(request_body(request))
        values = validated(resource.input_serializer, data, instance=instance)
        resource.policy.check_update(request.user, instance, values)
        instance = resource.update(request.user, instance, values)
        return Response(serialize_instance(instance, type_name=resource.type_name))

    def delete(self, request: Request, instance_id: str) -> Response:
        resource = self.resource
        instance = get_or_404(resource.model, instance_id)
        resource.policy.check_delete(request.user, instance)
        resource.delete(request.user, instance, request.query_params)
        return Response(status=204)


def crud_urls(resources: list[CrudResource]) -> list:
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
