"""Setting a project up: the open projects, the team, and the settings (the asset types, task
types and task statuses the project uses)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import models
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles.api.crud import list_response, request_body
from kitsufiles.api.inputs import validated
from kitsufiles.api.serialization import Row, serialize_instance, serialize_rows
from kitsufiles.lookups import get_or_404
from production import permissions, selectors, services
from production.models import EntityType, Person, Project, Role, TaskStatus, TaskType
from production.permissions import Access


def project_body(project: Project) -> Row:
    return serialize_instance(project, relations=True)


class OpenProjectsView(APIView):
    def get(self, request: Request) -> Response:
        person = permissions.caller(request)
        queryset = permissions.projects_visible_to(person, selectors.open_projects())
        return list_response(queryset, request.query_params, relations_default=True)


# ---------------------------------------------------------------------------------------------
# Team


class ProjectTeamView(APIView):
    class Input(serializers.Serializer):
        person_id = serializers.UUIDField()
        role = serializers.ChoiceField(choices=Role.choices, required=False, allow_null=True)

    def get(self, request: Request, project_id: str) -> Response:
        person = permissions.caller(request)
        project = permissions.get_project(person, project_id, access=Access.PROJECT)
        return Response(serialize_rows(selectors.team_of(project)))

    def post(self, request: Request, project_id: str) -> Response:
        caller = permissions.caller(request)
        project = permissions.get_project(caller, project_id, access=Access.MANAGER)
        values = validated(self.Input, request_body(request))
        person = get_or_404(Person, values["person_id"])
        services.add_person_to_team(project=project, person=person, role=values.get("role"))
        return Response(project_body(project), status=201)


class ProjectTeamMemberView(APIView):
    def delete(self, request: Request, project_id: str, person_id: str) -> Response:
        caller = permissions.caller(request)
        project = permissions.get_project(caller, project_id, access=Access.MANAGER)
        person = get_or_404(Person, person_id)
        services.remove_person_from_team(project=project, person=person)
        return Response(status=204)


# ---------------------------------------------------------------------------------------------
# Settings


def no_options(body: dict[str, Any]) -> dict[str, Any]:
    return {}


def priority_option(body: dict[str, Any]) -> dict[str, Any]:
    """A task type's priority in the project: a whole number, or null (the default)."""
    priority = serializers.IntegerField(allow_null=True).run_validation(body.get("priority"))
    return {"priority": priority}


@dataclass(frozen=True)
class ProjectSetting:
    relation: str  # the Project many-to-many holding the rows
    model: type[models.Model]
    body_key: str  # the body key naming the row to add
    # The service adding a row: called with `project`, the row under `argument`, and options.
    add: Callable[..., Project]
    # Further body keys the service reads, as its keyword arguments.
    read_options: Callable[[dict[str, Any]], dict[str, Any]] = no_options
    type_name: str | None = None  # the rows' `type` in the project's listing of them
    # The OpenAPI schemas of the keys `read_options` reads.
    option_schemas: dict[str, Any] = field(default_factory=dict)

    @property
    def argument(self) -> str:
        return self.body_key.removesuffix("_id")


# URL segment → setting, in route order.
PROJECT_SETTINGS = {
    "asset-types": ProjectSetting(
        "asset_types",
        EntityType,
        "asset_type_id",
        services.add_asset_type_to_project,
        type_name="AssetType",
    ),
    "task-types": ProjectSetting(
        "task_types",
        TaskType,
        "task_type_id",
        services.add_task_type_to_project,
        read_options=priority_option,
        option_schemas={"priority": {"type": "integer", "nullable": True}},
    ),
    "task-status": ProjectSetting(
        "task_statuses", TaskStatus, "task_status_id", services.add_task_status_to_project
    ),
}

NO_SETTING = cast(ProjectSetting, None)  # each route gets its own through as_view()


class ProjectSettingView(APIView):
    """GET/POST data/projects/<id>/settings/{asset-types,task-types,task-status}."""

    setting = NO_SETTING

    @property
    def Input(self) -> dict[str, Any]:
        """The body the POST reads, as an OpenAPI schema (the key differs per setting)."""
        key = self.setting.body_key
        return {
            "type": "object",
            "properties": {key: {"type": "string", "format": "uuid"}} | self.setting.option_schemas,
            "required": [key],
        }

    def get(self, request: Request, project_id: str) -> Response:
        person = permissions.caller(request)
        project = permissions.get_project(person, project_id, access=Access.PROJECT)
        rows = selectors.project_setting_rows(project, self.setting.relation)
        return Response(serialize_rows(rows))

    def post(self, request: Request, project_id: str) -> Response:
        person = permissions.caller(request)
        project = permissions.get_project(person, project_id, access=Access.MANAGER)
        body = request_body(request)
        setting = self.setting
        key = setting.body_key
        if body.get(key) in (None, ""):
            raise serializers.ValidationError({key: ["This field is required."]})
        row = get_or_404(setting.model, body[key])
        setting.add(project=project, **{setting.argument: row}, **setting.read_options(body))
        return Response(project_body(project), status=201)


class ProjectSettingItemView(APIView):
    """DELETE data/projects/<id>/settings/<setting>/<row id>."""

    setting = NO_SETTING

    def delete(self, request: Request, project_id: str, object_id: str) -> Response:
        person = permissions.caller(request)
        project = permissions.get_project(person, project_id, access=Access.MANAGER)
        row = get_or_404(self.setting.model, object_id)
        services.remove_project_setting(
            project=project, setting=self.setting.relation, object_id=row.pk
        )
        return Response(status=204)


class ProjectRelatedListView(APIView):
    """GET data/projects/<id>/{task-types,asset-types,task-status}: what the project uses."""

    setting = NO_SETTING

    def get(self, request: Request, project_id: str) -> Response:
        person = permissions.caller(request)
        project = permissions.get_project(person, project_id, access=Access.PROJECT)
        rows = selectors.project_setting_rows(project, self.setting.relation, by_name=True)
        return Response(serialize_rows(rows, type_name=self.setting.type_name))
