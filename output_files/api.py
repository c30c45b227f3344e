"""Routes of output files (so far: the output paths of entities and asset instances)."""

from django.http import Http404
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from file_trees import services as file_tree_services
from file_trees.inputs import PathInput, row_named_by
from kitsufiles.api.serialization import serialize_instance
from kitsufiles.lookups import get_or_404, parse_id
from output_files import selectors
from output_files.models import OutputFile
from production import permissions
from production.models import AssetInstance, Entity, OutputType, TaskType
from working_files.models import WorkingFile

ENTITY_RELATIONS = ("project", "entity_type", "parent__parent")


class OutputPathInput(PathInput):
    mode = serializers.CharField(default="output")
    output_type_id = serializers.CharField()
    task_type_id = serializers.CharField()
    extension = serializers.CharField(required=False, allow_blank=True)  # accepted, unused
    # The output path routes read `separator` (the publish routes read `sep`), as Zou does.
    separator = serializers.CharField(default="/", trim_whitespace=False, max_length=4)


def output_and_task_types(values: dict) -> tuple[OutputType, TaskType]:
    return (
        row_named_by(OutputType, values["output_type_id"], "output type"),
        row_named_by(
            TaskType.objects.select_related("department"), values["task_type_id"], "task type"
        ),
    )


class EntityOutputFilePathView(APIView):
    """POST data/entities/<id>/output-file-path → {"folder_path", "file_name"}.

    Revision 0: the file name takes the next revision; the folder is rendered with the
    revision as sent (Zou's behaviour, visible only if a folder template has <Revision>)."""

    Input = OutputPathInput

    def post(self, request: Request, entity_id: str) -> Response:
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        entity = get_or_404(Entity.objects.select_related(*ENTITY_RELATIONS), entity_id)
        role = permissions.check_project_access(request.user, entity.project)
        permissions.check_entity_access(request.user, entity, role)
        output_type, task_type = output_and_task_types(values)
        revision = values["revision"] or selectors.next_entity_revision(
            entity, output_type, task_type, values["name"]
        )
        with file_tree_services.tree_errors_reported(request.data):
            folder, file_name = file_tree_services.entity_output_file_path(
                entity=entity,
                output_type=output_type,
                task_type=task_type,
                name=values["name"],
                revision=revision,
                folder_revision=values["revision"],
                representation=values["representation"],
                mode=values["mode"],
                sep=values["separator"],
            )
        return Response({"folder_path": folder, "file_name": file_name})


class InstanceOutputFilePathView(APIView):
    """POST data/asset-instances/<id>/entities/<temporal id>/output-file-path.

    No automatic revision here: 0 renders v000, as Zou does."""

    Input = OutputPathInput

    def post(self, request: Request, instance_id: str, temporal_entity_id: str) -> Response:
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        instance = get_or_404(
            AssetInstance.objects.select_related("asset__project", "asset__entity_type"),
            instance_id,
        )
        temporal_entity = get_or_404(
            Entity.objects.select_related(*ENTITY_RELATIONS), temporal_entity_id
        )
        output_type, task_type = output_and_task_types(values)
        role = permissions.check_project_access(request.user, instance.asset.project)
        permissions.check_entity_access(request.user, instance.asset, role)
        with file_tree_services.tree_errors_reported(request.data):
            folder, file_name = file_tree_services.instance_output_file_path(
                instance=instance,
                temporal_entity=temporal_entity,
                output_type=output_type,
                task_type=task_type,
                name=values["name"],
                revision=values["revision"],
                representation=values["representation"],
                mode=values["mode"],
                sep=values["separator"],
            )
        return Response({"folder_path": folder, "file_name": file_name})


class FileView(APIView):
    """GET data/files/<id>: a working file (with `outputs`) or an output file (with its
    `source_file`), whichever the id names; `type` tells them apart."""

    def get(self, request: Request, file_id: str) -> Response:
        file_id = parse_id(file_id)
        working_file = (
            WorkingFile.objects.select_related("task__project").filter(pk=file_id).first()
        )
        if working_file is not None:
            if working_file.task is None:
                raise Http404
            permissions.check_project_access(request.user, working_file.task.project)
            return Response(serialize_instance(working_file, relations=True))
        output_file = get_or_404(OutputFile.objects.select_related("entity__project"), file_id)
        if output_file.entity is None:
            raise Http404
        permissions.check_project_access(request.user, output_file.entity.project)
        return Response(selectors.output_file_rows(OutputFile.objects.filter(pk=file_id))[0])
