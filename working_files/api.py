"""Routes of working files: revisions of a task, their comments, their content, their path.

Access, through production's permissions (Zou's rules):

| route                                          | needs                                   |
|------------------------------------------------|-----------------------------------------|
| GET data/tasks/<id>/working-files[/last-revisions] | task access                         |
| POST data/tasks/<id>/working-files/new         | task access                             |
| POST data/tasks/<id>/working-file-path         | task access                             |
| GET data/entities/<id>/working-files           | project access (no vendor rule)         |
| PUT actions/working-files/<id>/comment, modified | task action access                    |
| GET/POST data/working-files/<id>/file          | task access                             |

A working file without a task (made through the generic CRUD) is for admins only.
"""

from django.conf import settings
from django.http.response import HttpResponseBase
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from file_trees import services as file_tree_services
from file_trees.inputs import optional_row, resolve_path_options
from kitsufiles.api.crud import CrudResource
from kitsufiles.api.filters import query_flag
from kitsufiles.api.inputs import stated_sha256, validated
from kitsufiles.api.schema import answers, file_answer, upload_body
from kitsufiles.api.serialization import serialize_instance, serialize_rows
from kitsufiles.uploads import received_files
from production import permissions
from production.models import Person, Software, Task
from working_files import delivery, selectors, services
from working_files.errors import NoFileSent
from working_files.models import WorkingFile

RESOURCES = [
    CrudResource(
        WorkingFile,
        "working-files",
        permissions.TaskFilePolicy(),
        read_relations=True,
        create=services.create_working_file_record,
        update=services.update_working_file,
        delete=services.delete_working_file,
    )
]


# What a working file's path reads besides the task: permissions.TASK_RELATIONS but the
# entity's project, which is the task's own (production keeps them together): it is shared
# below rather than joined and read a second time.
PATH_RELATIONS = tuple(name for name in permissions.TASK_RELATIONS if name != "entity__project")


PATH_TASKS = permissions.Lookup(
    lambda: Task.objects.select_related(*PATH_RELATIONS), project="project_id"
)


def task_for(request: Request, task_id: str) -> Task:
    """The task, with what its paths read."""
    person = permissions.caller(request)
    task = permissions.get_task(person, task_id, access=permissions.Access.TASK, lookup=PATH_TASKS)
    if task.entity.project_id == task.project_id:  # else read on first use
        task.entity.project = task.project
    return task


def listed_task(request: Request, task_id: str) -> Task:
    """The task whose working files a listing reads: the row alone, its id is all they need."""
    person = permissions.caller(request)
    return permissions.get_task(
        person, task_id, access=permissions.Access.TASK, lookup=permissions.TASK_ROWS
    )


def working_file_for(
    request: Request, working_file_id: str, access: permissions.Access
) -> WorkingFile:
    person = permissions.caller(request)
    working_file = permissions.fetch(
        person, selectors.with_task(), working_file_id, project="task__project_id"
    )
    permissions.check_task_or_admin(person, working_file.task, access)
    return working_file


class WorkingFileRevisionInput(serializers.Serializer):
    """The body of the two routes that name a revision of a task's line: a new working file,
    and its path. A new file needs a `name`; `description` is accepted and dropped (Zou).

    Not named `WorkingFileInput`: that is the generic CRUD's serializer of the model, and the
    OpenAPI document names its components after the classes."""

    name = serializers.CharField(max_length=250)
    description = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    mode = serializers.CharField(default="working")
    comment = serializers.CharField(default="", allow_blank=True, allow_null=True)
    person_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    software_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    revision = serializers.IntegerField(default=0, min_value=0)
    sep = serializers.CharField(default="/", trim_whitespace=False, max_length=4)


class TaskWorkingFilesView(APIView):
    """GET data/tasks/<id>/working-files: every revision, newest first."""

    def get(self, request: Request, task_id: str) -> Response:
        task = listed_task(request, task_id)
        return Response(serialize_rows(selectors.revisions_of_task(task)))


class LastWorkingFilesView(APIView):
    """GET data/tasks/<id>/working-files/last-revisions: {name: last revision}."""

    def get(self, request: Request, task_id: str) -> Response:
        task = listed_task(request, task_id)
        rows = serialize_rows(selectors.last_revisions_of_task(task))
        return Response({row["name"]: row for row in rows})


class NewWorkingFileView(APIView):
    """POST data/tasks/<id>/working-files/new: the next (or a given) revision, 201."""

    Input = WorkingFileRevisionInput

    def post(self, request: Request, task_id: str) -> Response:
        person = permissions.caller(request)
        values = validated(self.Input, request.data)
        task = task_for(request, task_id)
        software = optional_row(Software, values, "software_id", "software")
        named = optional_row(Person, values, "person_id", "person")
        author = permissions.signed_by(person, task.project, named)
        with file_tree_services.tree_errors_reported(request.data):
            working_file = services.create_working_file(
                task=task,
                name=values["name"],
                author=author,
                caller=person,
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
        person = permissions.caller(request)
        entity = permissions.get_entity(
            person, entity_id, access=permissions.Access.PROJECT, lookup=permissions.ENTITY_ROWS
        )
        params = request.query_params
        queryset = selectors.revisions_of_entity(
            entity, task_id=params.get("task_id") or None, name=params.get("name") or None
        )
        return Response(serialize_rows(queryset, relations=query_flag(params, "relations")))


class WorkingFileCommentView(APIView):
    """PUT actions/working-files/<id>/comment {"comment": "..."}."""

    class Input(serializers.Serializer):
        comment = serializers.CharField()

    def put(self, request: Request, working_file_id: str) -> Response:
        values = validated(self.Input, request.data)
        working_file = working_file_for(request, working_file_id, permissions.Access.ACTION)
        working_file = services.set_comment(working_file=working_file, comment=values["comment"])
        return Response(serialize_instance(working_file))


class WorkingFileModifiedView(APIView):
    """PUT actions/working-files/<id>/modified: `updated_at` becomes now."""

    def put(self, request: Request, working_file_id: str) -> Response:
        working_file = working_file_for(request, working_file_id, permissions.Access.ACTION)
        working_file = services.mark_modified(working_file=working_file)
        return Response(serialize_instance(working_file))


class WorkingFileContentView(APIView):
    """GET/POST data/working-files/<id>/file: the content, streamed both ways."""

    @file_answer("application/octet-stream")
    def get(self, request: Request, working_file_id: str) -> HttpResponseBase:
        person = permissions.caller(request)
        working_file = permissions.fetch(
            person, selectors.for_download(), working_file_id, project="task__project_id"
        )
        permissions.check_task_or_admin(person, working_file.task, permissions.Access.TASK)
        return delivery.content_response(request, working_file)

    @upload_body(checked=True)
    def post(self, request: Request, working_file_id: str) -> Response:
        working_file = working_file_for(request, working_file_id, permissions.Access.TASK)
        stated_sha256(request, form=False)  # a malformed header is refused before the body
        with received_files(
            request,
            # `file` goes to the content's key as it arrives; any other part is only staged.
            sink=lambda field, _name: services.content_sink(working_file, direct=field == "file"),
            max_size=settings.MAX_UPLOAD_SIZE,
        ) as files:
            upload = files.get("file")
            if upload is None:
                raise NoFileSent()
            working_file = services.store_content(
                working_file=working_file, upload=upload, expected_sha256=stated_sha256(request)
            )
        return Response(serialize_instance(working_file, relations=True), status=201)


class WorkingFilePathView(APIView):
    """POST data/tasks/<id>/working-file-path: where a working file of the task goes.

    Answers `{"path": <folder>, "name": <file name>}` (Zou's keys: `path` is the folder only).
    Revision 0 means the next revision of the `name` line. The separator key is `sep`."""

    class Input(WorkingFileRevisionInput):
        name = serializers.CharField(default="main", allow_blank=True, max_length=250)
        representation = serializers.CharField(default="", allow_blank=True, max_length=20)
        # not read by this route (DRF drops an inherited field set to None; its stubs do not
        # know that)
        description = person_id = None  # type: ignore[assignment]

    @answers(200)
    def post(self, request: Request, task_id: str) -> Response:
        values = validated(self.Input, request.data)
        task = task_for(request, task_id)
        options = resolve_path_options(values)
        answer = file_tree_services.path_answer(
            lambda: services.working_file_path(task=task, options=options),
            received_data=request.data,
            keys=("path", "name"),
        )
        return Response(answer)
