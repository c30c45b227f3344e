"""Where an output goes: the output paths of entities and of asset instances."""

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from file_trees import services as file_tree_services
from file_trees.inputs import PathOptions, resolve_path_options
from kitsufiles.api.inputs import validated
from kitsufiles.api.schema import answers
from output_files import selectors, services
from output_files.lines import RevisionLine
from production import permissions


class OutputPathInput(serializers.Serializer):
    name = serializers.CharField(default="main", allow_blank=True, max_length=250)
    revision = serializers.IntegerField(default=0, min_value=0)
    representation = serializers.CharField(default="", allow_blank=True, max_length=20)
    mode = serializers.CharField(default="output")
    output_type_id = serializers.CharField()
    task_type_id = serializers.CharField()
    extension = serializers.CharField(required=False, allow_blank=True)  # accepted, unused
    # These routes read `separator` (the publish routes read `sep`), as Zou does.
    separator = serializers.CharField(
        default="/", trim_whitespace=False, max_length=4, source="sep"
    )


def path_of(request: Request, line: RevisionLine, options: PathOptions) -> Response:
    answer = file_tree_services.path_answer(
        lambda: services.output_path(line, options),
        received_data=request.data,
        keys=("folder_path", "file_name"),
    )
    return Response(answer)


class EntityOutputFilePathView(APIView):
    """POST data/entities/<id>/output-file-path → {"folder_path", "file_name"}.

    Revision 0: the file name takes the next revision; the folder is rendered with the
    revision as sent (Zou's behaviour, visible only if a folder template has <Revision>)."""

    Input = OutputPathInput

    @answers(200)
    def post(self, request: Request, entity_id: str) -> Response:
        person = permissions.caller(request)
        values = validated(self.Input, request.data)
        entity = permissions.get_entity(
            person, entity_id, access=permissions.Access.TASK
        )
        options = resolve_path_options(values)
        return path_of(request, RevisionLine.of_entity(entity), options)


class InstanceOutputFilePathView(APIView):
    """POST data/asset-instances/<id>/entities/<temporal id>/output-file-path.

    No automatic revision here: 0 renders v000, as Zou does."""

    Input = OutputPathInput

    @answers(200)
    def post(self, request: Request, instance_id: str, temporal_entity_id: str) -> Response:
        person = permissions.caller(request)
        values = validated(self.Input, request.data)
        instance = selectors.asset_instance_by_id(instance_id)
        temporal_entity = selectors.entity_by_id(temporal_entity_id)
        line = RevisionLine.of_instance(instance, temporal_entity)
        options = resolve_path_options(values)  # its refusals come before the access check
        permissions.check_entity(person, instance.asset, permissions.Access.TASK)
        # Its path reads the temporal entity's production: its team only.
        permissions.check_entity(person, temporal_entity, permissions.Access.PROJECT)
        return path_of(request, line, options)
