"""Routes of working files (so far: the working path of a task)."""

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from file_trees import services as file_tree_services
from file_trees.inputs import PathInput, row_named_by
from kitsufiles.lookups import get_or_404
from production import permissions
from production.models import Software, Task
from working_files import selectors


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
        task = get_or_404(
            Task.objects.select_related(
                "project", "task_type__department", "entity__entity_type", "entity__project"
            ),
            task_id,
        )
        permissions.check_task_access(request.user, task)
        software = None
        if values.get("software_id"):
            software = row_named_by(Software, values["software_id"], "software")
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
