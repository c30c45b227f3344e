"""Zou's production routes: the generic CRUD of every model, and the routes gazu uses to set
a project up (gazu-client-map §5): assets, sequences, shots, team, settings, task details,
asset instances and comments."""

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from file_trees.engine import validate_tree
from kitsufiles.api.crud import CrudResource, list_response, request_body
from kitsufiles.api.filters import parse_bool, wants_relations
from kitsufiles.api.inputs import input_serializer_for
from kitsufiles.api.serialization import serialize_instance, serialize_rows
from kitsufiles.lookups import get_or_404
from production import permissions, selectors, services
from production.models import (
    AssetInstance,
    AttachmentFile,
    Comment,
    Department,
    Entity,
    EntityType,
    EntityTypeNames,
    FileStatus,
    Organisation,
    OutputType,
    Person,
    Project,
    ProjectStatus,
    Role,
    Software,
    Task,
    TaskStatus,
    TaskType,
)

# ---------------------------------------------------------------------------------------------
# Input validation for the models whose bodies carry more than their columns


PersonColumns = input_serializer_for(Person)


class PersonInput(PersonColumns):
    """A person's columns, plus the password (hashed by the service, never serialized)."""

    password = serializers.CharField(
        write_only=True, required=False, allow_null=True, allow_blank=True
    )

    class Meta(PersonColumns.Meta):
        fields = [*PersonColumns.Meta.fields, "password"]


ProjectColumns = input_serializer_for(Project)


class ProjectInput(ProjectColumns):
    """A project's columns; a file tree is checked whole before it replaces the old one."""

    def validate_file_tree(self, tree):
        if tree is None:
            return tree
        problems = validate_tree(tree)
        if problems:
            raise serializers.ValidationError(problems)
        return tree


def person_input(data: dict) -> dict:
    # gazu and Kitsu say "user" for an artist; people and docs often say "artist".
    if data.get("role") == "artist":
        data = {**data, "role": Role.ARTIST}
    return data


def _force(params) -> bool:
    value = params.get("force")
    return value is not None and parse_bool(value, "force")


def _create_person(person, model, values):
    return services.create_person(values=values)


def _update_person(person, instance, values):
    return services.update_person(person=instance, values=values)


def _create_project(person, model, values):
    return services.create_project(values=values)


def _delete_project(person, project, params):
    services.delete_project(project=project, force=_force(params))


def _create_entity(person, model, values):
    values.setdefault("created_by", person)
    return services.create_entity(values=values)


def _delete_entity(person, entity, params):
    services.delete_entity(entity=entity, force=_force(params))


def _create_task(person, model, values):
    return services.create_task(values=values)


def _update_task(person, task, values):
    return services.update_task(task=task, values=values)


reference = permissions.AdminWritePolicy()
RESOURCES = [
    CrudResource(Organisation, "organisations", reference),
    CrudResource(Department, "departments", reference),
    CrudResource(ProjectStatus, "project-status", reference),
    CrudResource(EntityType, "entity-types", reference),
    CrudResource(TaskType, "task-types", reference),
    CrudResource(TaskStatus, "task-status", reference),
    CrudResource(Software, "softwares", reference),
    CrudResource(OutputType, "output-types", reference),
    CrudResource(FileStatus, "file-status", reference),
    CrudResource(
        Person,
        "persons",
        reference,
        create=_create_person,
        update=_update_person,
        prepare_input=person_input,
        serializer=PersonInput,
    ),
    CrudResource(
        Project,
        "projects",
        permissions.ProjectPolicy(),
        create=_create_project,
        delete=_delete_project,
        serializer=ProjectInput,
    ),
    CrudResource(
        Entity,
        "entities",
        permissions.EntityPolicy(),
        create=_create_entity,
        delete=_delete_entity,
    ),
    CrudResource(AssetInstance, "asset-instances", permissions.AssetInstancePolicy()),
    CrudResource(Task, "tasks", permissions.TaskPolicy(), create=_create_task, update=_update_task),
    CrudResource(Comment, "comments", permissions.CommentPolicy()),
    CrudResource(AttachmentFile, "attachment-files", permissions.AttachmentFilePolicy()),
]


# ---------------------------------------------------------------------------------------------
# Entity kinds: assets, sequences, shots, episodes are entities with Zou's kind-specific keys

# The key Zou clients use for an entity's parent, per kind.
PARENT_KEY = {"Shot": "sequence_id", "Scene": "sequence_id", "Sequence": "episode_id"}


def kind_rows(queryset: QuerySet, kind: str, relations: bool = False) -> list[dict]:
    rows = serialize_rows(queryset, relations=relations, type_name=kind)
    for row in rows:
        complete_kind_row(row, kind)
    return rows


def complete_kind_row(row: dict, kind: str) -> dict:
    parent_key = PARENT_KEY.get(kind)
    if parent_key:
        row[parent_key] = row["parent_id"]
    if kind == "Asset":
        row["asset_type_id"] = row["entity_type_id"]
        row["episode_id"] = row["source_id"]
    return row


def kind_row(entity: Entity, kind: str) -> dict:
    return complete_kind_row(serialize_instance(entity, type_name=kind), kind)


def kind_params(params, kind: str):
    """Accept the kind's parent key (`sequence_id`...) as a filter on `parent_id`."""
    parent_key = PARENT_KEY.get(kind)
    renames = {parent_key: "parent_id"} if parent_key else {}
    if kind == "Asset":
        renames = {"asset_type_id": "entity_type_id", "episode_id": "source_id"}
    if not any(key in params for key in renames):
        return params
    params = params.copy()
    for old, new in renames.items():
        if old in params:
            params.setlist(new, params.pop(old))
    return params


def kind_queryset(kind: str) -> QuerySet:
    return selectors.assets() if kind == "Asset" else selectors.entities_of_kind(kind)


def kind_list_response(request: Request, kind: str, queryset: QuerySet) -> Response:
    queryset = permissions.entities_visible_to(request.user, queryset)
    response = list_response(queryset, kind_params(request.query_params, kind), type_name=kind)
    rows = response.data["data"] if isinstance(response.data, dict) else response.data
    for row in rows:
        complete_kind_row(row, kind)
    return response


class EntityKindListView(APIView):
    """GET data/assets[/all], data/sequences, data/shots[/all], data/episodes."""

    kind: str = None

    def get(self, request: Request) -> Response:
        return kind_list_response(request, self.kind, kind_queryset(self.kind))


class EntityKindDetailView(APIView):
    """GET/DELETE data/assets/<id>, data/sequences/<id>, data/shots/<id>, data/episodes/<id>."""

    kind: str = None

    def get_entity(self, entity_id) -> Entity:
        return get_or_404(kind_queryset(self.kind).select_related("project"), entity_id)

    def get(self, request: Request, entity_id: str) -> Response:
        entity = self.get_entity(entity_id)
        permissions.EntityPolicy().check_read(request.user, entity)
        return Response(kind_row(entity, self.kind))

    def delete(self, request: Request, entity_id: str) -> Response:
        entity = self.get_entity(entity_id)
        permissions.check_manager_project_access(request.user, entity.project)
        services.delete_entity(entity=entity, force=_force(request.query_params))
        return Response(status=204)


class EntityTasksView(APIView):
    """GET data/assets/<id>/tasks, data/shots/<id>/tasks... sorted by name."""

    kind: str = None

    def get(self, request: Request, entity_id: str) -> Response:
        entity = get_or_404(kind_queryset(self.kind).select_related("project"), entity_id)
        permissions.EntityPolicy().check_read(request.user, entity)
        tasks = permissions.tasks_visible_to(request.user, entity.tasks.order_by("name"))
        relations = wants_relations(request.query_params)
        return Response(serialize_rows(tasks, relations=relations))


class AssetTypeListView(APIView):
    def get(self, request: Request) -> Response:
        return list_response(selectors.asset_types(), request.query_params, type_name="AssetType")


class AssetTypeDetailView(APIView):
    def get(self, request: Request, asset_type_id: str) -> Response:
        asset_type = get_or_404(selectors.asset_types(), asset_type_id)
        return Response(serialize_instance(asset_type, type_name="AssetType"))


# ---------------------------------------------------------------------------------------------
# Projects


def project_for(request: Request, project_id: str, *, manager: bool = False) -> Project:
    project = get_or_404(Project, project_id)
    if manager:
        permissions.check_manager_project_access(request.user, project)
    else:
        permissions.check_project_access(request.user, project)
    return project


def project_body(project: Project) -> dict:
    return serialize_instance(project, relations=True)


class OpenProjectsView(APIView):
    def get(self, request: Request) -> Response:
        queryset = permissions.projects_visible_to(request.user, selectors.open_projects())
        return list_response(queryset, request.query_params, relations_default=True)


class ProjectEntitiesView(APIView):
    """GET/POST data/projects/<id>/{sequences,shots,episodes,scenes}; GET .../assets."""

    kind: str = None

    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=160)
        description = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        data = serializers.JSONField(required=False, allow_null=True)
        nb_frames = serializers.IntegerField(required=False, allow_null=True)
        sequence_id = serializers.UUIDField(required=False, allow_null=True)
        episode_id = serializers.UUIDField(required=False, allow_null=True)

    # The parent kind each kind hangs under, and the body key naming it.
    PARENTS = {
        "Shot": ("Sequence", "sequence_id"),
        "Scene": ("Sequence", "sequence_id"),
        "Sequence": ("Episode", "episode_id"),
    }

    def get(self, request: Request, project_id: str) -> Response:
        project = project_for(request, project_id)
        queryset = kind_queryset(self.kind).filter(project=project)
        return kind_list_response(request, self.kind, queryset)

    def post(self, request: Request, project_id: str) -> Response:
        project = project_for(request, project_id, manager=True)
        body = self.Input(data=request_body(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        parent = None
        if self.kind in self.PARENTS:
            parent_kind, parent_key = self.PARENTS[self.kind]
            if values.get(parent_key):
                parent = get_or_404(
                    selectors.entities_of_kind(parent_kind).filter(project=project),
                    values[parent_key],
                )
        entity = services.create_temporal_entity(
            kind=self.kind,
            project=project,
            name=values["name"],
            parent=parent,
            description=values.get("description"),
            data=values.get("data"),
            nb_frames=values.get("nb_frames"),
            created_by=request.user,
        )
        return Response(kind_row(entity, self.kind), status=201)


class ProjectAssetsView(APIView):
    def get(self, request: Request, project_id: str) -> Response:
        project = project_for(request, project_id)
        return kind_list_response(request, "Asset", selectors.assets().filter(project=project))


class NewAssetView(APIView):
    """POST data/projects/<id>/asset-types/<asset_type_id>/assets/new"""

    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=160)
        description = serializers.CharField(required=False, allow_null=True, allow_blank=True)
        data = serializers.JSONField(required=False, allow_null=True)
        is_shared = serializers.BooleanField(required=False, default=False)
        episode_id = serializers.UUIDField(required=False, allow_null=True)

    def post(self, request: Request, project_id: str, asset_type_id: str) -> Response:
        project = project_for(request, project_id, manager=True)
        asset_type = get_or_404(selectors.asset_types(), asset_type_id)
        body = self.Input(data=request_body(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        episode = None
        if values.get("episode_id"):
            episode = get_or_404(
                selectors.entities_of_kind(EntityTypeNames.EPISODE).filter(project=project),
                values["episode_id"],
            )
        asset = services.create_asset(
            project=project,
            asset_type=asset_type,
            name=values["name"],
            description=values.get("description"),
            data=values.get("data"),
            is_shared=values["is_shared"],
            episode=episode,
            created_by=request.user,
        )
        return Response(kind_row(asset, "Asset"), status=201)


class ProjectTeamView(APIView):
    class Input(serializers.Serializer):
        person_id = serializers.UUIDField()
        role = serializers.ChoiceField(choices=Role.choices, required=False, allow_null=True)

    def get(self, request: Request, project_id: str) -> Response:
        project = project_for(request, project_id)
        return Response(serialize_rows(project.team.all()))

    def post(self, request: Request, project_id: str) -> Response:
        project = project_for(request, project_id, manager=True)
        body = self.Input(data=request_body(request))
        body.is_valid(raise_exception=True)
        person = get_or_404(Person, body.validated_data["person_id"])
        services.add_person_to_team(
            project=project, person=person, role=body.validated_data.get("role")
        )
        return Response(project_body(project), status=201)


class ProjectTeamMemberView(APIView):
    def delete(self, request: Request, project_id: str, person_id: str) -> Response:
        project = project_for(request, project_id, manager=True)
        person = get_or_404(Person, person_id)
        services.remove_person_from_team(project=project, person=person)
        return Response(status=204)


class ProjectSettingView(APIView):
    """GET/POST data/projects/<id>/settings/{asset-types,task-types,task-status}."""

    setting: str = None  # the Project relation: asset_types, task_types, task_statuses

    MODELS = {"asset_types": EntityType, "task_types": TaskType, "task_statuses": TaskStatus}
    BODY_KEYS = {
        "asset_types": "asset_type_id",
        "task_types": "task_type_id",
        "task_statuses": "task_status_id",
    }

    def get(self, request: Request, project_id: str) -> Response:
        project = project_for(request, project_id)
        return Response(serialize_rows(getattr(project, self.setting).all()))

    def post(self, request: Request, project_id: str) -> Response:
        project = project_for(request, project_id, manager=True)
        body = request_body(request)
        key = self.BODY_KEYS[self.setting]
        if body.get(key) in (None, ""):
            raise serializers.ValidationError({key: ["This field is required."]})
        row = get_or_404(self.MODELS[self.setting], body[key])
        if self.setting == "asset_types":
            services.add_asset_type_to_project(project=project, asset_type=row)
        elif self.setting == "task_types":
            priority = serializers.IntegerField(allow_null=True).run_validation(
                body.get("priority")
            )
            services.add_task_type_to_project(project=project, task_type=row, priority=priority)
        else:
            services.add_task_status_to_project(project=project, task_status=row)
        return Response(project_body(project), status=201)


class ProjectSettingItemView(APIView):
    setting: str = None

    def delete(self, request: Request, project_id: str, object_id: str) -> Response:
        project = project_for(request, project_id, manager=True)
        row = get_or_404(ProjectSettingView.MODELS[self.setting], object_id)
        services.remove_project_setting(project=project, setting=self.setting, object_id=row.pk)
        return Response(status=204)


class ProjectRelatedListView(APIView):
    """GET data/projects/<id>/{task-types,asset-types,task-status}: what the project uses."""

    setting: str = None

    def get(self, request: Request, project_id: str) -> Response:
        project = project_for(request, project_id)
        type_name = "AssetType" if self.setting == "asset_types" else None
        queryset = getattr(project, self.setting).all()
        return Response(serialize_rows(queryset.order_by("name"), type_name=type_name))


# ---------------------------------------------------------------------------------------------
# Tasks and comments


class TaskFullView(APIView):
    """GET data/tasks/<id>/full: the task with its project, type, status, entity and people."""

    def get(self, request: Request, task_id: str) -> Response:
        task = get_or_404(selectors.task_with_relations_queryset(), task_id)
        permissions.check_task_access(request.user, task)
        body = serialize_instance(task, relations=True)
        body["project"] = serialize_instance(task.project)
        body["task_type"] = serialize_instance(task.task_type)
        body["task_status"] = serialize_instance(task.task_status)
        body["entity"] = serialize_instance(task.entity)
        body["entity_type"] = serialize_instance(task.entity.entity_type)
        body["assigner"] = serialize_instance(task.assigner) if task.assigner else None
        body["persons"] = serialize_rows(task.assignees.all())
        body["entity_type_name"] = task.entity.entity_type.name
        return Response(body)


class CommentTaskView(APIView):
    """POST actions/tasks/<id>/comment: comment and set the task's status (201)."""

    class Input(serializers.Serializer):
        task_status_id = serializers.UUIDField()
        comment = serializers.CharField(required=False, allow_blank=True, default="")
        checklist = serializers.JSONField(required=False, default=list)
        links = serializers.JSONField(required=False, default=list)
        for_client = serializers.BooleanField(required=False, default=False)
        person_id = serializers.UUIDField(required=False, allow_null=True)
        created_at = serializers.DateTimeField(required=False, allow_null=True)

    def post(self, request: Request, task_id: str) -> Response:
        task = get_or_404(Task.objects.select_related("project"), task_id)
        body = self.Input(data=request_body(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        task_status = get_or_404(TaskStatus, values["task_status_id"])
        permissions.check_comment_access(request.user, task, task_status)
        author = request.user
        # Commenting in someone else's name is for the production (imports, sync tools).
        if values.get("person_id") and permissions.has_manager_project_access(
            request.user, task.project
        ):
            author = get_or_404(Person, values["person_id"])
        comment = services.create_comment(
            task=task,
            task_status=task_status,
            author=author,
            text=values["comment"],
            checklist=values["checklist"],
            links=values["links"],
            for_client=values["for_client"],
            created_at=values.get("created_at") if author != request.user else None,
        )
        return Response(serialize_instance(comment, relations=True), status=201)


# ---------------------------------------------------------------------------------------------
# Asset instances


class AssetAssetInstancesView(APIView):
    """Instances of assets inside an asset: GET (keyed by instantiated asset id), POST."""

    class Input(serializers.Serializer):
        asset_to_instantiate_id = serializers.UUIDField()
        description = serializers.CharField(required=False, allow_null=True, allow_blank=True)

    def get(self, request: Request, asset_id: str) -> Response:
        asset = get_or_404(selectors.assets().select_related("project"), asset_id)
        permissions.EntityPolicy().check_read(request.user, asset)
        grouped: dict[str, list] = {}
        for row in serialize_rows(selectors.asset_instances_in_asset(asset)):
            grouped.setdefault(str(row["asset_id"]), []).append(row)
        return Response(grouped)

    def post(self, request: Request, asset_id: str) -> Response:
        target = get_or_404(selectors.assets().select_related("project"), asset_id)
        permissions.check_manager_project_access(request.user, target.project)
        body = self.Input(data=request_body(request))
        body.is_valid(raise_exception=True)
        asset = get_or_404(selectors.assets(), body.validated_data["asset_to_instantiate_id"])
        instance = services.create_asset_instance(
            asset=asset,
            target_asset=target,
            description=body.validated_data.get("description"),
        )
        return Response(serialize_instance(instance), status=201)
