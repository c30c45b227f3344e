"""A task in full. (Commenting on a task, with attachments: previews/api/comments.py.)"""

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles.api.serialization import serialize_instance, serialize_rows
from production import permissions, selectors
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
