"""A task in full, and commenting on a task."""

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles.api.crud import request_body
from kitsufiles.api.inputs import validated
from kitsufiles.api.serialization import serialize_instance, serialize_rows
from kitsufiles.lookups import get_or_404
from production import permissions, selectors, services
from production.models import TaskStatus
from production.permissions import Access

FULL_TASKS = permissions.Lookup(selectors.task_with_relations_queryset, project="project_id")


class TaskFullView(APIView):
    """GET data/tasks/<id>/full: the task with its project, type, status, entity and people."""

    def get(self, request: Request, task_id: str) -> Response:
        person = permissions.caller(request)
        task = permissions.get_task(
            person,
            task_id,
            access=Access.TASK,
            lookup=FULL_TASKS,
        )
        body = serialize_instance(task, relations=True)
        body["project"] = serialize_instance(task.project)
        body["task_type"] = serialize_instance(task.task_type)
        body["task_status"] = serialize_instance(task.task_status)
        body["entity"] = serialize_instance(task.entity)
        body["entity_type"] = serialize_instance(task.entity.entity_type)
        body["assigner"] = serialize_instance(task.assigner) if task.assigner else None
        body["persons"] = serialize_rows(selectors.assignees_of(task))
        body["entity_type_name"] = task.entity.entity_type.name
        return Response(body)


class CommentTaskView(APIView):
    """POST actions/tasks/<id>/comment: comment and set the task's status (201)."""

    class Input(serializers.Serializer):
        task_status_id = serializers.UUIDField()
        comment = serializers.CharField(required=False, allow_blank=True, default="")
        # The stubs allow only a mapping as a JSON field's default; any JSON value is valid.
        checklist = serializers.JSONField(required=False, default=list)  # type: ignore[arg-type]
        links = serializers.JSONField(required=False, default=list)  # type: ignore[arg-type]
        for_client = serializers.BooleanField(required=False, default=False)
        person_id = serializers.UUIDField(required=False, allow_null=True)
        created_at = serializers.DateTimeField(required=False, allow_null=True)

    def post(self, request: Request, task_id: str) -> Response:
        person = permissions.caller(request)
        task = get_or_404(selectors.tasks_with_project(), task_id)
        values = validated(self.Input, request_body(request))
        task_status = get_or_404(TaskStatus, values["task_status_id"])
        # The rule depends on the status the body names, so it is checked once that is known
        # (a bad body or an unknown status answers 400/404 first).
        permissions.check_comment_access(person, task, task_status)
        author = permissions.comment_author(person, task, values.get("person_id"))
        comment = services.create_comment(
            task=task,
            task_status=task_status,
            author=author,
            text=values["comment"],
            checklist=values["checklist"],
            links=values["links"],
            for_client=values["for_client"],
            created_at=permissions.comment_date(person, author, values.get("created_at")),
        )
        return Response(serialize_instance(comment, relations=True), status=201)
