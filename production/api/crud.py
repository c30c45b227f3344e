"""The generic CRUD routes of production's models (`/api/data/<collection>[/<id>]`), with the
input validation of the models whose bodies carry more than their columns."""

from typing import Any

from rest_framework import serializers

from file_trees.engine import validate_tree
from kitsufiles.api.crud import CrudResource, force_flag
from kitsufiles.api.inputs import ZouInputSerializer, input_serializer_for
from production import permissions, services
from production.models import (
    AssetInstance,
    AttachmentFile,
    Comment,
    Department,
    Entity,
    EntityType,
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


class PersonExtras(ZouInputSerializer):
    """Beyond a person's columns: the password (hashed by the service, never serialized)."""

    password = serializers.CharField(
        write_only=True, required=False, allow_null=True, allow_blank=True
    )


PersonInput = input_serializer_for(Person, base=PersonExtras)


class ProjectChecks(ZouInputSerializer):
    """Beyond a project's columns: its file tree is checked whole before it replaces the old
    one."""

    def validate_file_tree(self, tree: dict[str, Any] | None) -> dict[str, Any] | None:
        if tree is None:
            return tree
        problems = validate_tree(tree)
        if problems:
            raise serializers.ValidationError(problems)
        return tree


ProjectInput = input_serializer_for(Project, base=ProjectChecks)


def person_input(data: dict[str, Any]) -> dict[str, Any]:
    # gazu and Kitsu say "user" for an artist; people and docs often say "artist".
    if data.get("role") == "artist":
        data = {**data, "role": Role.ARTIST}
    return data


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
        create=services.create_person,
        update=services.update_person,
        prepare_input=person_input,
        serializer=PersonInput,
    ),
    CrudResource(
        Project,
        "projects",
        permissions.ProjectPolicy(),
        create=services.create_project,
        delete=services.delete_project,
        read_force=force_flag,
        serializer=ProjectInput,
    ),
    CrudResource(
        Entity,
        "entities",
        permissions.EntityPolicy(),
        create=services.create_entity,
        update=services.update_entity,
        delete=services.delete_entity,
        read_force=force_flag,
    ),
    CrudResource(
        AssetInstance,
        "asset-instances",
        permissions.AssetInstancePolicy(),
        create=services.create_asset_instance_record,
        update=services.update_asset_instance,
    ),
    CrudResource(
        Task,
        "tasks",
        permissions.TaskPolicy(),
        create=services.create_task,
        update=services.update_task,
    ),
    CrudResource(Comment, "comments", permissions.CommentPolicy()),
    CrudResource(AttachmentFile, "attachment-files", permissions.AttachmentFilePolicy()),
]
