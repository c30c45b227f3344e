"""Routes of working files: revisions of a task, their comments, their content, their path."""

from django.conf import settings
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from file_trees import services as file_tree_services
from file_trees.inputs import PathInput, optional_row
from kitsufiles.api.crud import CrudResource
from kitsufiles.api.errors import ZouError
from kitsufiles.api.serialization import serialize_instance, serialize_rows
from kitsufiles.downloads import file_response
from kitsufiles.lookups import get_or_404, parse_id
from kitsufiles.uploads import receive_files
from production import permissions
from production.models import Entity, Person, Software, Task
from working_files import selectors, services
from working_files.models import WorkingFile

TASK_RELATIONS = (
    "project",
    "task_type__department",
    "entity__entity_type",
    "entity__project",
    "entity__parent__parent",
)
BAD_REQUEST = "The browser (or proxy) sent a request that this server could not understand."

RESOURCES = [
    CrudResource(WorkingFile, "working-files", permissions.TaskFilePolicy(), read_relations=True)
]


def task_for(request: Request, task_id: str) -> Task:
    task = get_or_404(Task.objects.select_related(*TASK_RELATIONS), task_id)
    permissions.check_task_access(request.user, task)
    return task


def working_file_for(request: Request, working_file_id: str, *, action: bool = False):
    working_file = get_or_404(
        WorkingFile.objects.select_related(*(f"task__{r}" for r in TASK_RELATIONS)),
        working_file_id,
    )
    if working_file.task is None:
        permissions.check_admin(request.user)
    elif action:
        permissions.check_task_action_access(request.user, working_file.task)
    else:
        permissions.check_task_access(request.user, working_file.task)
    return working_file


class TaskWorkingFilesView(APIView):
    """GET data/tasks/<id>/working-files: every revision, newest first."""

    def get(self, request: Request, task_id: str) -> Response:
        task = task_for(request, task_id)
        return Response(serialize_rows(selectors.revisions_of_task(task)))


class LastWorkingFilesView(APIView):
    """GET data/tasks/<id>/working-files/last-revisions: {name: last revision}."""

    def get(self, request: Request, task_id: str) -> Response:
        task = task_for(request, task_id)
        rows = serialize_rows(selectors.last_revisions_of_task(task))
        return Response({row["name"]: row for row in rows})


class NewWorkingFileView(APIView):
    """POST data/tasks/<id>/working-files/new: the next (or a given) revision, 201."""

    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=250)
        description = serializers.CharField(required=False, allow_blank=True, allow_null=True)
        mode = serializers.CharField(default="working")
        comment = serializers.CharField(default="", allow_blank=True, allow_null=True)
        person_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        software_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        revision = serializers.IntegerField(default=0, min_value=0)
        sep = serializers.CharField(default="/", trim_whitespace=False, max_length=4)

    def post(self, request: Request, task_id: str) -> Response:
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        task = task_for(request, task_id)
        software = optional_row(Software, values, "software_id", "software")
        author = optional_row(Person, values, "person_id", "person") or request.user
        with file_tree_services.tree_errors_reported(request.data):
            working_file = services.create_working_file(
                task=task,
                name=values["name"],
                author=author,
                caller=request.user,
                software=software,
                comment=values["comment"] or "",
                revision=values["revision"],
                mode=values["mode"],
                sep=values["sep"],
            )
        return Response(serialize_instance(working_file), status=201)


class EntityWorkingFilesView(APIView):
    """GET data/entities/<id>/working-files[?task_id=&name=&relations=true]."""

    def get(self, request: Request, entity_id: str) -> Response:
        entity = get_or_404(Entity.objects.select_related("project"), entity_id)
        permissions.check_project_access(request.user, entity.project)
        params = request.query_params
        task_id = params.get("task_id") or None
        if task_id:
            # A malformed task id is a 404, not a 500; an unknown one just matches nothing.
            task_id = parse_id(task_id)
        queryset = selectors.revisions_of_entity(
            entity, task_id=task_id, name=params.get("name") or None
        )
        relations = params.get("relations", "").lower() == "true"
        return Response(serialize_rows(queryset, relations=relations))


class WorkingFileCommentView(APIView):
    """PUT actions/working-files/<id>/comment {"comment": "..."}."""

    class Input(serializers.Serializer):
        comment = serializers.CharField()

    def put(self, request: Request, working_file_id: str) -> Response:
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        working_file = working_file_for(request, working_file_id, action=True)
        working_file = services.set_comment(
            working_file=working_file, comment=body.validated_data["comment"]
        )
        return Response(serialize_instance(working_file))


class WorkingFileModifiedView(APIView):
    """PUT actions/working-files/<id>/modified: `updated_at` becomes now."""

    def put(self, request: Request, working_file_id: str) -> Response:
        working_file = working_file_for(request, working_file_id, action=True)
        working_file = services.mark_modified(working_file=working_file)
        return Response(serialize_instance(working_file))


class WorkingFileContentView(APIView):
    """GET/POST data/working-files/<id>/file: the content, streamed both ways."""

    def get(self, request: Request, working_file_id: str):
        working_file = working_file_for(request, working_file_id)
        if not selectors.has_content(working_file):
            raise ZouError(
                404,
                {"error": True, "message": f"Working file not found for: {working_file.pk}"},
            )
        return file_response(
            request,
            lambda: selectors.open_content(working_file),
            size=working_file.size,
            etag=working_file.checksum,
            last_modified=working_file.updated_at,
        )

    def post(self, request: Request, working_file_id: str) -> Response:
        working_file = working_file_for(request, working_file_id)
        files = receive_files(
            request, directory=services.upload_directory(), max_size=settings.MAX_UPLOAD_SIZE
        )
        upload = files.get("file")
        try:
            if upload is None:
                raise ZouError(400, {"error": True, "message": BAD_REQUEST})
            working_file = services.store_content(working_file=working_file, upload=upload)
        finally:
            for _, parts in files.lists():  # parts other than `file`, or a failed store
                for part in parts:
                    part.discard()
        return Response(serialize_instance(working_file, relations=True), status=201)


class WorkingFilePathView(APIView):
    """POST data/tasks/<id>/working-file-path: where a working file of the task goes.

    Answers `{"path": <folder>, "name": <file name>}` (Zou's keys: `path` is the folder only).
    Revision 0 means the next revision of the `name` line. The separator key is `sep`."""

    class Input(PathInput):
        mode = serializers.CharField(default="working")
        software_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        comment = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        sep = serializers.CharField(default="/", trim_whitespace=False, max_length=4)

    def post(self, request: Request, task_id: str) -> Response:
        body = self.Input(data=request.data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        task = task_for(request, task_id)
        software = optional_row(Software, values, "software_id", "software")
        revision = values["revision"] or selectors.next_revision(task, values["name"])
        with file_tree_services.tree_errors_reported(request.data):
            folder, file_name = file_tree_services.working_file_path(
                task=task,
                software=software,
                name=values["name"],
                revision=revision,
                mode=values["mode"],
                sep=values["sep"],
                software_default=file_tree_services.DEFAULT_WORKING_SOFTWARE,
            )
        return Response({"path": folder, "name": file_name})
