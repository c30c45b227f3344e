"""Writes of production data. Each public function is one transaction; `values` are
validated input (rows, not ids).

The services the generic CRUD routes call take the caller as `person` and the row as
`instance` (the keyword protocols of `kitsufiles/api/crud.py`); most ignore the caller."""

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from slugify import slugify

from file_trees.shipped import shipped_tree
from kitsufiles import records
from kitsufiles.errors import WrongParameter
from production import selectors
from production.errors import check_same_project
from production.models import (
    AssetInstance,
    Comment,
    Department,
    Entity,
    EntityType,
    EntityTypeNames,
    FileStatus,
    Organisation,
    Person,
    Project,
    ProjectPersonLink,
    ProjectStatus,
    ProjectTaskTypeLink,
    Role,
    Task,
    TaskStatus,
    TaskType,
)

# ---------------------------------------------------------------------------------------------
# Persons


Values = dict[str, Any]


@transaction.atomic
def create_person(*, values: Values, person: Person | None = None) -> Person:
    values = dict(values)
    password = values.pop("password", None)
    created = records.create_record(Person, values)
    created.set_password(password or None)  # no password: cannot log in until one is set
    created.save(update_fields=["password"])
    return created


@transaction.atomic
def update_person(*, instance: Person, values: Values, person: Person | None = None) -> Person:
    values = dict(values)
    password = values.pop("password", None)
    updated = records.update_record(instance, values)
    if password:
        updated.set_password(password)
        updated.save(update_fields=["password"])
    return updated


# ---------------------------------------------------------------------------------------------
# Projects


@transaction.atomic
def create_project(*, values: Values, person: Person | None = None) -> Project:
    values = dict(values)
    if values.get("project_status") is None:
        values["project_status"] = ensure_project_status("Open", "#000000")
    if values.get("file_tree") is None and settings.DEFAULT_FILE_TREE:
        # As Zou 1.0.97 does: a new production can compute paths at once.
        values["file_tree"] = shipped_tree(settings.DEFAULT_FILE_TREE)
    return records.create_record(Project, values)


@transaction.atomic
def delete_project(*, instance: Project, force: bool, person: Person | None = None) -> None:
    """Only closed projects can go; `force` removes their tasks and entities with them."""
    if not selectors.is_closed(instance):
        raise WrongParameter("Only closed projects can be deleted")
    if force:
        Task.objects.filter(project=instance).delete()
        AssetInstance.objects.filter(asset__project=instance).delete()
        entities = Entity.objects.filter(project=instance)
        entities.update(parent=None)
        entities.delete()
    instance.delete()


@transaction.atomic
def add_person_to_team(*, project: Project, person: Person, role: str | None) -> Project:
    if role == Role.ADMIN:
        raise WrongParameter("The admin role is global: it cannot be given inside a project.")
    ProjectPersonLink.objects.update_or_create(
        project=project, person=person, defaults={"role": role}
    )
    _touch(project)
    return project


@transaction.atomic
def remove_person_from_team(*, project: Project, person: Person) -> None:
    ProjectPersonLink.objects.filter(project=project, person=person).delete()
    _touch(project)


@transaction.atomic
def add_asset_type_to_project(*, project: Project, asset_type: EntityType) -> Project:
    if not asset_type.is_asset_type:
        raise WrongParameter(f"{asset_type.name} is not an asset type.")
    project.asset_types.add(asset_type)
    _touch(project)
    return project


@transaction.atomic
def add_task_type_to_project(
    *, project: Project, task_type: TaskType, priority: int | None
) -> Project:
    ProjectTaskTypeLink.objects.update_or_create(
        project=project, task_type=task_type, defaults={"priority": priority}
    )
    _touch(project)
    return project


@transaction.atomic
def add_task_status_to_project(*, project: Project, task_status: TaskStatus) -> Project:
    project.task_statuses.add(task_status)
    _touch(project)
    return project


@transaction.atomic
def remove_project_setting(*, project: Project, setting: str, object_id: uuid.UUID) -> None:
    """`setting` is the Project relation: asset_types, task_types or task_statuses."""
    getattr(project, setting).remove(object_id)
    _touch(project)


def _touch(project: Project) -> None:
    project.save(update_fields=["updated_at"])


# ---------------------------------------------------------------------------------------------
# Entities


def temporal_type(name: str) -> EntityType:
    """The entity type of shots, sequences...: created by name on first use, as Zou does."""
    entity_type, _ = EntityType.objects.get_or_create(name=name)
    return entity_type


def _check_entity_links(project: Project, parent: Entity | None, source: Entity | None) -> None:
    """An entity's parent (a shot's sequence) and source (an asset's episode) are rows of
    its own project."""
    check_same_project(parent, project.pk, "parent entity")
    check_same_project(source, project.pk, "source entity")


@transaction.atomic
def create_entity(*, values: Values, person: Person | None = None) -> Entity:
    """An entity of any kind; its parent and source must belong to the same project. Its
    creator is the one `values` names, else the caller `person`."""
    _check_entity_links(values["project"], values.get("parent"), values.get("source"))
    return records.create_record(Entity, {"created_by": person, **values})


@transaction.atomic
def update_entity(*, instance: Entity, values: Values, person: Person | None = None) -> Entity:
    """The generic CRUD update: when it changes the entity's project, parent or source,
    they end up in one project (the one it keeps, or moves to)."""
    if values.keys() & {"project", "parent", "source"}:
        _check_entity_links(
            values.get("project", instance.project),
            values.get("parent", instance.parent),
            values.get("source", instance.source),
        )
    return records.update_record(instance, values)


def create_asset(
    *,
    project: Project,
    asset_type: EntityType,
    name: str,
    created_by: Person | None,
    description: str | None = None,
    data: dict[str, Any] | None = None,
    is_shared: bool = False,
    episode: Entity | None = None,
) -> Entity:
    if not asset_type.is_asset_type:
        raise WrongParameter(f"{asset_type.name} is not an asset type.")
    return create_entity(
        person=created_by,
        values={
            "project": project,
            "entity_type": asset_type,
            "name": name,
            "description": description,
            "data": data or {},
            "is_shared": is_shared,
            "source": episode,
            "created_by": created_by,
        },
    )


def create_temporal_entity(
    *,
    kind: str,
    project: Project,
    name: str,
    created_by: Person | None,
    parent: Entity | None = None,
    description: str | None = None,
    data: dict[str, Any] | None = None,
    nb_frames: int | None = None,
) -> Entity:
    """A sequence (parent: episode), shot or scene (parent: sequence), or episode."""
    return create_entity(
        person=created_by,
        values={
            "project": project,
            "entity_type": temporal_type(kind),
            "name": name,
            "parent": parent,
            "description": description,
            "data": data or {},
            "nb_frames": nb_frames,
            "created_by": created_by,
        },
    )


@transaction.atomic
def delete_entity(*, instance: Entity, force: bool, person: Person | None = None) -> None:
    """An entity with tasks is only removed with `force` (its tasks and comments go too)."""
    if instance.tasks.exists():
        if not force:
            raise WrongParameter("The entity has tasks: use force=true to remove them too.")
        instance.tasks.all().delete()
    instance.delete()


@transaction.atomic
def create_asset_instance(
    *,
    asset: Entity,
    target_asset: Entity | None = None,
    scene: Entity | None = None,
    description: str | None = None,
) -> AssetInstance:
    """The next numbered instance of `asset` inside `target_asset` or `scene`.

    The instantiated asset's row is locked so concurrent calls get different numbers.
    """
    _check_cast(asset, scene, target_asset)
    records.lock_row(Entity, asset.pk)
    last = AssetInstance.objects.filter(
        asset=asset, target_asset=target_asset, scene=scene
    ).aggregate(last=Max("number"))["last"]
    number = (last or 0) + 1
    name = f"{slugify(asset.name, separator='_', lowercase=False)}_{number:04d}"
    return records.create_record(
        AssetInstance,
        {
            "asset": asset,
            "target_asset": target_asset,
            "scene": scene,
            "number": number,
            "name": name,
            "description": description,
        },
    )


def _check_cast(asset: Entity, scene: Entity | None, target_asset: Entity | None) -> None:
    """An instance is cast into a shot, a scene or an asset of its asset's project, or of
    any project when the asset is shared (what sharing an asset is for)."""
    if not asset.is_shared:
        for container in (scene, target_asset):
            check_same_project(container, asset.project_id, "asset")


@transaction.atomic
def create_asset_instance_record(*, values: Values, person: Person | None = None) -> AssetInstance:
    """The generic CRUD creation: the row as sent, cast where its asset may go."""
    _check_cast(values["asset"], values.get("scene"), values.get("target_asset"))
    return records.create_record(AssetInstance, values)


@transaction.atomic
def update_asset_instance(
    *, instance: AssetInstance, values: Values, person: Person | None = None
) -> AssetInstance:
    """The generic CRUD update, by the same rule as its creation when it changes where the
    instance is cast or of what (an asset unshared later leaves its instances elsewhere
    editable)."""
    if values.keys() & {"asset", "scene", "target_asset"}:
        _check_cast(
            values.get("asset", instance.asset),
            values.get("scene", instance.scene),
            values.get("target_asset", instance.target_asset),
        )
    return records.update_record(instance, values)


# ---------------------------------------------------------------------------------------------
# Tasks and comments


def _check_same_project(entity: Entity, project: Project) -> None:
    check_same_project(entity, project.pk, "entity")


@transaction.atomic
def create_task(*, values: Values, person: Person | None = None) -> Task:
    _check_same_project(values["entity"], values["project"])
    return records.create_record(Task, values)


@transaction.atomic
def update_task(*, instance: Task, values: Values, person: Person | None = None) -> Task:
    _check_same_project(
        values.get("entity", instance.entity), values.get("project", instance.project)
    )
    return records.update_record(instance, values)


@transaction.atomic
def create_comment(
    *,
    task: Task,
    task_status: TaskStatus,
    author: Person,
    text: str = "",
    checklist: list[Any] | None = None,
    links: list[Any] | None = None,
    for_client: bool = False,
    created_at: datetime | None = None,
) -> Comment:
    """A comment sets the task's status, as in Kitsu."""
    comment = records.create_record(
        Comment,
        {
            "object": task,
            "object_type": "Task",
            "task_status": task_status,
            "person": author,
            "text": text or "",
            "checklist": checklist or [],
            "links": links or [],
            "for_client": for_client,
        },
    )
    if created_at is not None:
        Comment.objects.filter(pk=comment.pk).update(created_at=created_at)
    now = timezone.now()
    task.task_status = task_status
    task.last_comment_date = now
    if task_status.is_wip and task.real_start_date is None:
        task.real_start_date = now
    if task_status.is_done:
        task.done_date = now
    task.save(
        update_fields=[
            "task_status",
            "last_comment_date",
            "real_start_date",
            "done_date",
            "updated_at",
        ]
    )
    return comment


# ---------------------------------------------------------------------------------------------
# Default data (init_data)

DEFAULT_TASK_STATUSES = [
    # name, short name, color, flags
    ("Todo", "todo", "#f5f5f5", {"is_default": True}),
    ("Ready To Start", "ready", "#fbc02d", {}),
    ("Work In Progress", "wip", "#3273dc", {"is_wip": True}),
    ("Waiting For Approval", "wfa", "#ab26ff", {"is_feedback_request": True}),
    ("Retake", "retake", "#ff3860", {"is_retake": True}),
    ("Done", "done", "#22d160", {"is_done": True}),
]
DEFAULT_ASSET_TYPES = ["Character", "Prop", "Environment", "FX"]
DEFAULT_DEPARTMENTS = [
    ("Modeling", "#78909C"),
    ("Animation", "#009688"),
    ("FX", "#26C6DA"),
    ("Compositing", "#FF7043"),
    ("Lighting", "#F4511E"),
    ("Concept", "#8D6E63"),
]
DEFAULT_TASK_TYPES = [
    # name, short name, for entity, department, color
    ("Concept", "cpt", "Asset", "Concept", "#8D6E63"),
    ("Modeling", "mod", "Asset", "Modeling", "#78909C"),
    ("Shading", "shd", "Asset", "Modeling", "#64B5F6"),
    ("Rigging", "rig", "Asset", "Animation", "#9CCC65"),
    ("Layout", "lay", "Shot", "Animation", "#7CB342"),
    ("Animation", "anim", "Shot", "Animation", "#009688"),
    ("FX", "fx", "Shot", "FX", "#26C6DA"),
    ("Lighting", "lgt", "Shot", "Lighting", "#F4511E"),
    ("Compositing", "comp", "Shot", "Compositing", "#FF7043"),
]


def ensure_project_status(name: str, color: str) -> ProjectStatus:
    status = selectors.project_status_named(name)
    if status is None:
        status = ProjectStatus.objects.create(name=name, color=color)
    return status


@transaction.atomic
def ensure_default_data(*, organisation_name: str = "Kitsu") -> dict[str, int]:
    """Create what Zou's init_data creates; rows already there (by name) are left alone.

    Returns how many rows of each kind were created, so the command can say so.
    """
    created: dict[str, int] = {}

    def count(kind: str, was_created: bool) -> None:
        created[kind] = created.get(kind, 0) + int(was_created)

    if not Organisation.objects.exists():
        Organisation.objects.create(name=organisation_name)
        count("organisation", True)
    for name, color in (("Open", "#000000"), ("Closed", "#000000")):
        existed = selectors.project_status_named(name) is not None
        ensure_project_status(name, color)
        count("project statuses", not existed)
    has_default = TaskStatus.objects.filter(is_default=True).exists()
    for name, short_name, color, flags in DEFAULT_TASK_STATUSES:
        if has_default:
            flags = {key: value for key, value in flags.items() if key != "is_default"}
        _, was_created = TaskStatus.objects.get_or_create(
            short_name=short_name, defaults={"name": name, "color": color, **flags}
        )
        count("task statuses", was_created)
    for name in DEFAULT_ASSET_TYPES:
        count("asset types", EntityType.objects.get_or_create(name=name)[1])
    for name in EntityTypeNames.TEMPORAL:
        count("entity types", EntityType.objects.get_or_create(name=name)[1])
    departments: dict[str, Department] = {}
    for name, color in DEFAULT_DEPARTMENTS:
        departments[name], was_created = Department.objects.get_or_create(
            name=name, defaults={"color": color}
        )
        count("departments", was_created)
    for priority, (name, short_name, for_entity, department, color) in enumerate(
        DEFAULT_TASK_TYPES, start=1
    ):
        was_created = not TaskType.objects.filter(name=name, for_entity=for_entity).exists()
        if was_created:
            TaskType.objects.create(
                name=name,
                short_name=short_name,
                for_entity=for_entity,
                department=departments[department],
                color=color,
                priority=priority,
            )
        count("task types", was_created)
    _, was_created = FileStatus.objects.get_or_create(
        name=selectors.DEFAULT_FILE_STATUS_NAME, defaults={"color": "#FFFFFF"}
    )
    count("file statuses", was_created)
    return created


@transaction.atomic
def create_admin(*, email: str, password: str) -> tuple[Person, bool]:
    """An admin person with this e-mail; an existing one gets the password and admin role."""
    person = Person.objects.filter(email__iexact=email).first()
    if person is None:
        person = Person.objects.create_user(
            email=email, password=password, role=Role.ADMIN, first_name="Super", last_name="Admin"
        )
        return person, True
    person.role = Role.ADMIN
    person.active = True
    person.set_password(password)
    person.save()
    return person, False
