"""An asset instance's outputs as seen in a temporal entity (a shot, a scene, or the asset
hosting it). The outputs carry the instance's asset as entity, the instance, and the temporal
entity; the asset's project decides access."""

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from file_trees import services as file_tree_services
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
from output_files.errors import PublishRefused
from output_files.lines import RevisionLine
from production import permissions
from production.models import AssetInstance, Entity


def instance_for(request: Request, instance_id: str) -> AssetInstance:
    person = permissions.caller(request)
    return permissions.get_asset_instance(
        person, instance_id, access=permissions.Access.PROJECT
    )


def check_place(request: Request, temporal_entity: Entity) -> None:
    """Where an instance's outputs go: the temporal entity's production names their paths
    (its tree, its names) and holds them, so its team only; the asset's project decides the
    rest, as in Zou (docs/compatibility.md#output-files)."""
    person = permissions.caller(request)
    permissions.check_entity(person, temporal_entity, permissions.Access.PROJECT)


def instance_line(request: Request, instance_id: str, temporal_entity_id: str) -> RevisionLine:
    instance = instance_for(request, instance_id)
    temporal_entity = selectors.entity_by_id(temporal_entity_id)
    check_place(request, temporal_entity)
    return RevisionLine.of_instance(instance, temporal_entity)


class NewInstanceOutputFileView(APIView):
    """POST data/asset-instances/<id>/entities/<temporal id>/output-files/new."""

    Input = PublishInput

    def post(self, request: Request, instance_id: str, temporal_entity_id: str) -> Response:
        person = permissions.caller(request)
        values = validated(self.Input, request.data)
        # The temporal entity first: an unknown one is a 404 even to an outsider, as in Zou.
        temporal_entity = selectors.entity_by_id(temporal_entity_id)
        instance = instance_for(request, instance_id)
        check_place(request, temporal_entity)
        line = RevisionLine.of_instance(instance, temporal_entity)
        try:
            arguments = publish_arguments(values, person, line.entity.project)
            with file_tree_services.tree_errors_reported(request.data):
                output_file, folder, file_name = services.publish(line, arguments)
        except PublishRefused as error:  # this route answers them as {"message": ...}
            raise error.shaped(Shape.MESSAGE) from None
        return published(output_file, folder, file_name)


class InstanceNextRevisionView(APIView):
    """POST .../asset-instances/<id>/entities/<temporal id>/output-files/next-revision."""

    Input = NextRevisionInput

    @answers(200)
    def post(self, request: Request, instance_id: str, temporal_entity_id: str) -> Response:
        values = validated(self.Input, request.data)
        line = instance_line(request, instance_id, temporal_entity_id)
        output_type = selectors.output_type_by_id(values["output_type_id"])
        task_type = selectors.task_type_by_id(values["task_type_id"])
        revision = selectors.next_revision(line, output_type, task_type, values["name"])
        return Response({"next_revision": revision})


class InstanceLastOutputRevisionsView(APIView):
    """GET .../asset-instances/<id>/entities/<temporal id>/output-files/last-revisions."""

    def get(self, request: Request, instance_id: str, temporal_entity_id: str) -> Response:
        line = instance_line(request, instance_id, temporal_entity_id)
        return Response(serialize_rows(selectors.last_revisions(line, request.query_params)))


class InstanceOutputTypesView(APIView):
    """GET .../asset-instances/<id>/entities/<temporal id>/output-types."""

    def get(self, request: Request, instance_id: str, temporal_entity_id: str) -> Response:
        line = instance_line(request, instance_id, temporal_entity_id)
        return Response(serialize_rows(selectors.output_types_used(line)))


class InstanceOutputTypeFilesView(APIView):
    """GET .../entities/<temporal id>/output-types/<type id>/output-files[?representation=]."""

    def get(
        self, request: Request, instance_id: str, temporal_entity_id: str, output_type_id: str
    ) -> Response:
        line = instance_line(request, instance_id, temporal_entity_id)
        output_type = selectors.output_type_by_id(output_type_id)
        representation = request.query_params.get("representation")
        outputs = selectors.outputs_of_type(line, output_type, representation)
        return Response(serialize_rows(outputs))


class InstanceOutputFilesView(APIView):
    """GET data/asset-instances/<id>/output-files[?temporal_entity_id=&...]: Zou always
    answers 500 here (docs/compatibility.md#output-files); this is what it was meant to do."""

    def get(self, request: Request, instance_id: str) -> Response:
        instance = instance_for(request, instance_id)
        temporal_entity_id = request.query_params.get("temporal_entity_id")
        outputs = selectors.instance_output_listing(
            instance, temporal_entity_id, request.query_params
        )
        return Response(serialize_rows(outputs))
