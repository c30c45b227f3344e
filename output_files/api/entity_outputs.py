"""An entity's outputs (publish, next revision, listings), and a project's."""

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from file_trees.errors import TreeCannotRender
from kitsufiles.api.inputs import validated
from kitsufiles.api.schema import answers
from kitsufiles.api.serialization import serialize_rows
from kitsufiles.errors import Shape
from output_files import selectors, services
from output_files.api.bodies import (
    NextRevisionInput,
    PublishInput,
    publish_arguments,
    published,
)
from output_files.lines import RevisionLine
from production import permissions
from production.models import Entity

# An entity with what its output paths read.
PATH_ENTITIES = permissions.Lookup(
    lambda: Entity.objects.select_related(*selectors.ENTITY_RELATIONS), project="project_id"
)


def entity_line(request: Request, entity_id: str, *, paths: bool = False) -> RevisionLine:
    """The entity's line once the caller has project access; with what the entity's paths
    read when a route renders them (a listing needs the id alone)."""
    person = permissions.caller(request)
    entity = permissions.get_entity(
        person,
        entity_id,
        access=permissions.Access.PROJECT,
        lookup=PATH_ENTITIES if paths else permissions.ENTITY_ROWS,
    )
    return RevisionLine.of_entity(entity)


def named_entity(request: Request, entity_id: str) -> Entity:
    """The entity a route names, before its access is checked (for the routes where Zou looks
    up the rows the request names first), read with the caller's team link."""
    person = permissions.caller(request)
    return permissions.fetch(person, Entity.objects.all(), entity_id, project="project_id")


def checked_line(request: Request, entity: Entity) -> RevisionLine:
    """The entity's line once the caller has project access."""
    person = permissions.caller(request)
    permissions.check_entity(person, entity, permissions.Access.PROJECT)
    return RevisionLine.of_entity(entity)


class NewEntityOutputFileView(APIView):
    """POST data/entities/<id>/output-files/new: publish the next (or a given) revision."""

    Input = PublishInput

    def post(self, request: Request, entity_id: str) -> Response:
        person = permissions.caller(request)
        values = validated(self.Input, request.data)
        line = entity_line(request, entity_id, paths=True)
        arguments = publish_arguments(values, person, line.entity.project)
        try:
            output_file, folder, file_name = services.publish(line, arguments)
        except TreeCannotRender as error:  # this route answers the tree's message alone
            raise error.shaped(Shape.ERROR) from None
        return published(output_file, folder, file_name)


class EntityNextRevisionView(APIView):
    """POST data/entities/<id>/output-files/next-revision → {"next_revision": n}."""

    Input = NextRevisionInput

    @answers(200)
    def post(self, request: Request, entity_id: str) -> Response:
        values = validated(self.Input, request.data)
        entity = named_entity(request, entity_id)
        output_type = selectors.output_type_by_id(values["output_type_id"])
        task_type = selectors.task_type_by_id(values["task_type_id"])
        line = checked_line(request, entity)
        revision = selectors.next_revision(line, output_type, task_type, values["name"])
        return Response({"next_revision": revision})


class EntityLastOutputRevisionsView(APIView):
    """GET data/entities/<id>/output-files/last-revisions: a list, one row per line."""

    def get(self, request: Request, entity_id: str) -> Response:
        line = entity_line(request, entity_id)
        return Response(serialize_rows(selectors.last_revisions(line, request.query_params)))


class EntityOutputTypesView(APIView):
    """GET data/entities/<id>/output-types: the types its outputs use, once each, by name."""

    def get(self, request: Request, entity_id: str) -> Response:
        line = entity_line(request, entity_id)
        return Response(serialize_rows(selectors.output_types_used(line)))


class EntityOutputTypeFilesView(APIView):
    """GET data/entities/<id>/output-types/<type id>/output-files[?representation=]."""

    def get(self, request: Request, entity_id: str, output_type_id: str) -> Response:
        entity = named_entity(request, entity_id)
        output_type = selectors.output_type_by_id(output_type_id)
        line = checked_line(request, entity)
        representation = request.query_params.get("representation")
        outputs = selectors.outputs_of_type(line, output_type, representation)
        return Response(serialize_rows(outputs))


class EntityOutputFilesView(APIView):
    """GET data/entities/<id>/output-files with Zou's filters, newest revision first."""

    def get(self, request: Request, entity_id: str) -> Response:
        person = permissions.caller(request)
        entity = permissions.get_entity(
            person, entity_id, access=permissions.Access.PROJECT, lookup=permissions.ENTITY_ROWS
        )
        outputs = selectors.entity_output_listing(entity, request.query_params)
        return Response(serialize_rows(outputs))


class ProjectOutputFilesView(APIView):
    """GET data/projects/<id>/output-files (manager rights), latest first."""

    def get(self, request: Request, project_id: str) -> Response:
        person = permissions.caller(request)
        project = permissions.get_project(person, project_id, access=permissions.Access.MANAGER)
        outputs = selectors.project_outputs(project, request.query_params)
        return Response(serialize_rows(outputs))
