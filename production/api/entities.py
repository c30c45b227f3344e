"""Entity kinds: assets, sequences, shots, episodes... are rows of one entity table that Zou's
routes list, read and create with the keys of their kind (production/shapes.py); and the asset
instances inside an asset."""

import functools
from functools import partial

from django.db.models import QuerySet
from django.http import QueryDict
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles.api.crud import force_flag, list_response, request_body
from kitsufiles.api.filters import wants_relations
from kitsufiles.api.inputs import validated
from kitsufiles.api.serialization import Row, serialize_instance, serialize_rows
from kitsufiles.lookups import get_or_404
from production import permissions, selectors, services
from production.models import Entity, EntityTypeNames
from production.permissions import Access
from production.shapes import ASSET, KIND_PARENT, complete_kind_row, kind_keys


def kind_row(entity: Entity, kind: str) -> Row:
    return complete_kind_row(serialize_instance(entity, type_name=kind), kind)


def kind_params(params: QueryDict, kind: str) -> QueryDict:
    """Accept the kind's keys (`sequence_id`...) as filters on the columns they repeat."""
    renames = kind_keys(kind)
    if not any(key in params for key in renames):
        return params
    params = params.copy()
    for key, column in renames.items():
        if key in params:
            params.setlist(column, params.pop(key))
    return params


def kind_list_response(request: Request, kind: str, queryset: QuerySet[Entity]) -> Response:
    person = permissions.caller(request)
    return list_response(
        permissions.entities_visible_to(person, queryset),
        kind_params(request.query_params, kind),
        type_name=kind,
        complete_row=partial(complete_kind_row, kind=kind),
    )


@functools.cache
def _lookup_of(kind: str) -> permissions.Lookup[Entity]:
    """The look-up of one entity kind (a route's: a few kinds in all), with what paths read."""
    return permissions.Lookup(
        lambda: selectors.entities_of(kind).select_related(*permissions.ENTITY_RELATIONS),
        project="project_id",
    )


class EntityKindView(APIView):
    """A route of one entity kind."""

    kind = ""  # set per route by production/urls.py

    def entity(self, request: Request, entity_id: str, access: Access) -> Entity:
        """The entity of this kind `entity_id`, once the caller has `access` on it."""
        person = permissions.caller(request)
        lookup = _lookup_of(self.kind)
        return permissions.get_entity(person, entity_id, access=access, lookup=lookup)


class EntityKindListView(EntityKindView):
    """GET data/assets[/all], data/sequences, data/shots[/all], data/episodes..."""

    def get(self, request: Request) -> Response:
        return kind_list_response(request, self.kind, selectors.entities_of(self.kind))


class EntityKindDetailView(EntityKindView):
    """GET/DELETE data/assets/<id>, data/sequences/<id>, data/shots/<id>, data/episodes/<id>."""

    def get(self, request: Request, entity_id: str) -> Response:
        entity = self.entity(request, entity_id, Access.TASK)
        return Response(kind_row(entity, self.kind))

    def delete(self, request: Request, entity_id: str) -> Response:
        person = permissions.caller(request)
        entity = self.entity(request, entity_id, Access.MANAGER)
        services.delete_entity(
            instance=entity, force=force_flag(request.query_params), person=person
        )
        return Response(status=204)


class EntityTasksView(EntityKindView):
    """GET data/assets/<id>/tasks, data/shots/<id>/tasks... sorted by name."""

    def get(self, request: Request, entity_id: str) -> Response:
        person = permissions.caller(request)
        entity = self.entity(request, entity_id, Access.TASK)
        tasks = permissions.tasks_visible_to(person, selectors.tasks_of_entity(entity))
        relations = wants_relations(request.query_params)
        return Response(serialize_rows(tasks, relations=relations))


class AssetTypeListView(APIView):
    def get(self, request: Request) -> Response:
        return list_response(selectors.asset_types(), request.query_params, type_name="AssetType")


class AssetTypeDetailView(APIView):
    def get(self, request: Request, asset_type_id: str) -> Response:
        asset_type = get_or_404(selectors.asset_types(), asset_type_id)
        return Response(serialize_instance(asset_type, type_name="AssetType"))


# ---------------------------------------------------------------------------------------------
# The entities of a project


class EntityInput(serializers.Serializer):
    """What every new entity's body may carry."""

    name = serializers.CharField(max_length=160)
    description = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    # DRF's metaclass moves declared fields off the class, so the `data` property stays; the
    # stubs see this field replace it.
    data = serializers.JSONField(required=False, allow_null=True)  # type: ignore[assignment]


class ProjectEntitiesView(EntityKindView):
    """GET/POST data/projects/<id>/{sequences,shots,episodes,scenes...}."""

    class Input(EntityInput):
        nb_frames = serializers.IntegerField(required=False, allow_null=True)
        sequence_id = serializers.UUIDField(required=False, allow_null=True)
        episode_id = serializers.UUIDField(required=False, allow_null=True)

    def get(self, request: Request, project_id: str) -> Response:
        person = permissions.caller(request)
        project = permissions.get_project(person, project_id, access=Access.PROJECT)
        queryset = selectors.entities_of(self.kind, project=project)
        return kind_list_response(request, self.kind, queryset)

    def post(self, request: Request, project_id: str) -> Response:
        person = permissions.caller(request)
        project = permissions.get_project(person, project_id, access=Access.MANAGER)
        values = validated(self.Input, request_body(request))
        parent = None
        link = KIND_PARENT.get(self.kind)
        if link is not None and values.get(link.key):
            parent = get_or_404(selectors.entities_of(link.kind, project=project), values[link.key])
        entity = services.create_temporal_entity(
            kind=self.kind,
            project=project,
            name=values["name"],
            parent=parent,
            description=values.get("description"),
            data=values.get("data"),
            nb_frames=values.get("nb_frames"),
            created_by=person,
        )
        return Response(kind_row(entity, self.kind), status=201)


class ProjectAssetsView(APIView):
    """GET data/projects/<id>/assets."""

    def get(self, request: Request, project_id: str) -> Response:
        person = permissions.caller(request)
        project = permissions.get_project(person, project_id, access=Access.PROJECT)
        return kind_list_response(request, ASSET, selectors.entities_of(ASSET, project=project))


class NewAssetView(APIView):
    """POST data/projects/<id>/asset-types/<asset_type_id>/assets/new"""

    class Input(EntityInput):
        is_shared = serializers.BooleanField(required=False, default=False)
        episode_id = serializers.UUIDField(required=False, allow_null=True)

    def post(self, request: Request, project_id: str, asset_type_id: str) -> Response:
        person = permissions.caller(request)
        project = permissions.get_project(person, project_id, access=Access.MANAGER)
        asset_type = get_or_404(selectors.asset_types(), asset_type_id)
        values = validated(self.Input, request_body(request))
        episode = None
        if values.get("episode_id"):
            episode = get_or_404(
                selectors.entities_of(EntityTypeNames.EPISODE, project=project),
                values["episode_id"],
            )
        asset = services.create_asset(
            project=project,
            asset_type=asset_type,
            name=values["name"],
            description=values.get("description"),
            data=values.get("data"),
            is_shared=values["is_shared"],
            episode=episode,
            created_by=person,
        )
        return Response(kind_row(asset, ASSET), status=201)


# ---------------------------------------------------------------------------------------------
# Asset instances


class AssetAssetInstancesView(APIView):
    """Instances of assets inside an asset: GET (keyed by instantiated asset id), POST."""

    class Input(serializers.Serializer):
        asset_to_instantiate_id = serializers.UUIDField()
        description = serializers.CharField(required=False, allow_null=True, allow_blank=True)

    def get(self, request: Request, asset_id: str) -> Response:
        person = permissions.caller(request)
        asset = permissions.get_entity(
            person, asset_id, access=Access.TASK, lookup=_lookup_of(ASSET)
        )
        grouped: dict[str, list[Row]] = {}
        for row in serialize_rows(selectors.asset_instances_in_asset(asset)):
            grouped.setdefault(str(row["asset_id"]), []).append(row)
        return Response(grouped)

    def post(self, request: Request, asset_id: str) -> Response:
        person = permissions.caller(request)
        target = permissions.get_entity(
            person, asset_id, access=Access.MANAGER, lookup=_lookup_of(ASSET)
        )
        values = validated(self.Input, request_body(request))
        asset = get_or_404(selectors.assets(), values["asset_to_instantiate_id"])
        instance = services.create_asset_instance(
            asset=asset, target_asset=target, description=values.get("description")
        )
        return Response(serialize_instance(instance), status=201)
