"""Routes of output files (so far: the output paths of entities and asset instances)."""

from django.http import Http404
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from file_trees import services as file_tree_services
from file_trees.engine import FileTreeError
from file_trees.inputs import PathInput, optional_row, row_named_by
from kitsufiles.api.crud import CrudResource
from kitsufiles.api.errors import ZouError
from kitsufiles.api.serialization import serialize_instance, serialize_rows
from kitsufiles.errors import NotFound
from kitsufiles.lookups import get_or_404, parse_id
from output_files import selectors, services
from output_files.models import OutputFile
from production import permissions
from production.models import (
    AssetInstance,
    Entity,
    FileStatus,
    OutputType,
    Person,
    Project,
    TaskType,
)
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
        return Response(serialize_instance(output_file))


# ---------------------------------------------------------------------------------------------
# Entity outputs (§3.11-3.16) and project outputs (§3.25)

RESOURCES = [CrudResource(OutputFile, "output-files", permissions.EntityFilePolicy())]


def entity_for(request: Request, entity_id: str) -> Entity:
    entity = get_or_404(Entity.objects.select_related(*ENTITY_RELATIONS), entity_id)
    permissions.check_project_access(request.user, entity.project)
    return entity


class PublishInput(serializers.Serializer):
    name = serializers.CharField(default="main", max_length=250)
    mode = serializers.CharField(default="output")  # accepted, always "output" (Zou)
    output_type_id = serializers.CharField()
    task_type_id = serializers.CharField()
    person_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    working_file_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    file_status_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    comment = serializers.CharField(default="", allow_blank=True)
    revision = serializers.IntegerField(default=0)
    extension = serializers.CharField(default="", allow_blank=True, max_length=10)
    representation = serializers.CharField(default="", allow_blank=True, max_length=20)
    nb_elements = serializers.IntegerField(default=1, min_value=1)
    sep = serializers.CharField(default="/", trim_whitespace=False, max_length=4)


def publish_arguments(request: Request, values: dict, *, error_key: str) -> dict:
    """The rows a publish body names, in Zou's order and with its errors: an unknown output
    type or person is a 400 (`error_key` is "error" for entities, "message" for instances),
    an unknown task type a 404, and an unknown working file is silently no source."""
    try:
        output_type = get_or_404(OutputType, values["output_type_id"])
    except NotFound:
        raise ZouError(400, {error_key: "Cannot find given output type."}) from None
    task_type = get_or_404(TaskType.objects.select_related("department"), values["task_type_id"])
    person = request.user
    if values.get("person_id"):
        person = Person.objects.filter(pk=_uuid_or_none(values["person_id"])).first()
        if person is None:
            raise ZouError(400, {error_key: "Cannot find given person."})
    working_file = WorkingFile.objects.filter(pk=_uuid_or_none(values.get("working_file_id")))
    return {
        "output_type": output_type,
        "task_type": task_type,
        "person": person,
        "working_file": working_file.first(),
        "file_status": optional_row(FileStatus, values, "file_status_id", "file status"),
        **{
            key: values[key]
            for key in (
                "name",
                "comment",
                "revision",
                "extension",
                "representation",
                "nb_elements",
                "sep",
            )
        },
    }


def published(output_file, folder: str, file_name: str) -> Response:
    body = serialize_instance(output_file)
    body.update(folder_path=folder, file_name=file_name)
    return Response(body, status=201)


class NewEntityOutputFileView(APIView):
    """POST data/entities/<id>/output-files/new: publish the next (or a given) revision."""

    Input = PublishInput

    def post(self, request: Request, entity_id: str) -> Response:
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        entity = entity_for(request, entity_id)
        arguments = publish_arguments(request, body.validated_data, error_key="error")
        try:
            output_file, folder, file_name = services.publish_entity_output(
                entity=entity, **arguments
            )
        except FileTreeError as error:  # the entity publish's own error body (§3.11 step 8)
            raise ZouError(400, {"error": str(error)}) from None
        return published(output_file, folder, file_name)


def _uuid_or_none(value):
    try:
        return parse_id(value) if value else None
    except NotFound:
        return None


class EntityNextRevisionView(APIView):
    """POST data/entities/<id>/output-files/next-revision → {"next_revision": n}."""

    class Input(serializers.Serializer):
        name = serializers.CharField(default="main")
        output_type_id = serializers.CharField()
        task_type_id = serializers.CharField()

    def post(self, request: Request, entity_id: str) -> Response:
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        entity = get_or_404(Entity.objects.select_related("project"), entity_id)
        output_type = get_or_404(OutputType, values["output_type_id"])
        task_type = get_or_404(TaskType, values["task_type_id"])
        permissions.check_project_access(request.user, entity.project)
        revision = selectors.next_entity_revision(entity, output_type, task_type, values["name"])
        return Response({"next_revision": revision})


class EntityLastOutputRevisionsView(APIView):
    """GET data/entities/<id>/output-files/last-revisions: a list, one row per line."""

    def get(self, request: Request, entity_id: str) -> Response:
        entity = entity_for(request, entity_id)
        queryset = selectors.filtered(selectors.entity_outputs(entity), request.query_params)
        rows = selectors.last_revisions(queryset).order_by("name", "-revision")
        return Response(serialize_rows(rows))


class EntityOutputTypesView(APIView):
    """GET data/entities/<id>/output-types: the types its outputs use, once each, by name."""

    def get(self, request: Request, entity_id: str) -> Response:
        entity = entity_for(request, entity_id)
        used = OutputFile.objects.filter(entity=entity).values("output_type_id")
        return Response(serialize_rows(OutputType.objects.filter(pk__in=used).order_by("name")))


class EntityOutputTypeFilesView(APIView):
    """GET data/entities/<id>/output-types/<type id>/output-files[?representation=]."""

    def get(self, request: Request, entity_id: str, output_type_id: str) -> Response:
        entity = get_or_404(Entity.objects.select_related("project"), entity_id)
        output_type = get_or_404(OutputType, output_type_id)
        permissions.check_project_access(request.user, entity.project)
        queryset = selectors.entity_outputs(entity).filter(output_type=output_type)
        if "representation" in request.query_params:  # here an empty value filters on ""
            queryset = queryset.filter(representation=request.query_params["representation"])
        return Response(serialize_rows(queryset.order_by("-revision", "representation")))


class EntityOutputFilesView(APIView):
    """GET data/entities/<id>/output-files with Zou's filters, newest revision first."""

    def get(self, request: Request, entity_id: str) -> Response:
        entity = entity_for(request, entity_id)
        queryset = selectors.entity_outputs(entity).filter(
            temporal_entity__isnull=True, revision__gte=0
        )
        queryset = selectors.filtered(queryset, request.query_params)
        return Response(serialize_rows(queryset.order_by("-revision", "representation")))


class ProjectOutputFilesView(APIView):
    """GET data/projects/<id>/output-files (manager rights), newest first."""

    def get(self, request: Request, project_id: str) -> Response:
        project = get_or_404(Project, project_id)
        permissions.check_manager_project_access(request.user, project)
        queryset = OutputFile.objects.filter(
            entity__project=project,
            asset_instance__isnull=True,
            temporal_entity__isnull=True,
            revision__gte=0,
        )
        queryset = selectors.filtered(queryset, request.query_params)
        return Response(serialize_rows(queryset.order_by("-created_at")))


# ---------------------------------------------------------------------------------------------
# Asset-instance outputs (§3.18-3.22, §3.24): the asset's project decides access; the outputs
# carry the asset as entity, the instance, and the temporal entity they were made in.


def instance_for(request: Request, instance_id: str) -> AssetInstance:
    instance = get_or_404(
        AssetInstance.objects.select_related("asset__project", "asset__entity_type"), instance_id
    )
    permissions.check_project_access(request.user, instance.asset.project)
    return instance


def temporal_entity_for(temporal_entity_id: str) -> Entity:
    return get_or_404(Entity.objects.select_related(*ENTITY_RELATIONS), temporal_entity_id)


class NewInstanceOutputFileView(APIView):
    """POST data/asset-instances/<id>/entities/<temporal id>/output-files/new."""

    Input = PublishInput

    def post(self, request: Request, instance_id: str, temporal_entity_id: str) -> Response:
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        temporal_entity = temporal_entity_for(temporal_entity_id)
        instance = instance_for(request, instance_id)
        arguments = publish_arguments(request, body.validated_data, error_key="message")
        with file_tree_services.tree_errors_reported(request.data):
            output_file, folder, file_name = services.publish_instance_output(
                instance=instance, temporal_entity=temporal_entity, **arguments
            )
        return published(output_file, folder, file_name)


class InstanceNextRevisionView(APIView):
    """POST .../asset-instances/<id>/entities/<temporal id>/output-files/next-revision."""

    Input = EntityNextRevisionView.Input

    def post(self, request: Request, instance_id: str, temporal_entity_id: str) -> Response:
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        instance = instance_for(request, instance_id)
        temporal_entity = temporal_entity_for(temporal_entity_id)  # Zou: 500 if malformed
        output_type = get_or_404(OutputType, values["output_type_id"])
        task_type = get_or_404(TaskType, values["task_type_id"])
        revision = selectors.next_instance_revision(
            instance, temporal_entity, output_type, task_type, values["name"]
        )
        return Response({"next_revision": revision})


class InstanceLastOutputRevisionsView(APIView):
    """GET .../asset-instances/<id>/entities/<temporal id>/output-files/last-revisions."""

    def get(self, request: Request, instance_id: str, temporal_entity_id: str) -> Response:
        instance = instance_for(request, instance_id)
        temporal_entity = temporal_entity_for(temporal_entity_id)
        queryset = selectors.filtered(
            selectors.instance_outputs(instance, temporal_entity.pk), request.query_params
        )
        rows = selectors.last_revisions(queryset).order_by("name", "-revision")
        return Response(serialize_rows(rows))


class InstanceOutputTypesView(APIView):
    """GET .../asset-instances/<id>/entities/<temporal id>/output-types."""

    def get(self, request: Request, instance_id: str, temporal_entity_id: str) -> Response:
        instance = instance_for(request, instance_id)
        temporal_entity = temporal_entity_for(temporal_entity_id)
        used = selectors.instance_outputs(instance, temporal_entity.pk).values("output_type_id")
        return Response(serialize_rows(OutputType.objects.filter(pk__in=used).order_by("name")))


class InstanceOutputTypeFilesView(APIView):
    """GET .../entities/<temporal id>/output-types/<type id>/output-files[?representation=]."""

    def get(
        self, request: Request, instance_id: str, temporal_entity_id: str, output_type_id: str
    ) -> Response:
        instance = instance_for(request, instance_id)
        temporal_entity = temporal_entity_for(temporal_entity_id)
        output_type = get_or_404(OutputType, output_type_id)
        queryset = selectors.instance_outputs(instance, temporal_entity.pk).filter(
            output_type=output_type
        )
        if "representation" in request.query_params:  # an empty value filters on ""
            queryset = queryset.filter(representation=request.query_params["representation"])
        return Response(serialize_rows(queryset.order_by("-revision", "representation")))


class InstanceOutputFilesView(APIView):
    """GET data/asset-instances/<id>/output-files[?temporal_entity_id=&...]: always 500 in
    the Zou snapshot read (a missing mixin); here what it was meant to do."""

    def get(self, request: Request, instance_id: str) -> Response:
        instance = instance_for(request, instance_id)
        temporal_entity_id = request.query_params.get("temporal_entity_id")
        if temporal_entity_id:
            temporal_entity_id = parse_id(temporal_entity_id)
        queryset = selectors.instance_outputs(instance, temporal_entity_id).filter(revision__gte=0)
        queryset = selectors.filtered(queryset, request.query_params)
        return Response(serialize_rows(queryset.order_by("-revision", "representation")))
