"""Reads of production data used by views, services, permissions and commands."""

from django.db.models import Q, QuerySet

from production.models import (
    AssetInstance,
    Entity,
    EntityType,
    EntityTypeNames,
    Person,
    Project,
    ProjectStatus,
    Task,
)
from production.shapes import ASSET

DEFAULT_FILE_STATUS_NAME = "To review"

# What a task's full view reads besides the task, fetched in the same query.
TASK_FULL_RELATIONS = (
    "project",
    "task_type",
    "task_status",
    "entity",
    "entity__entity_type",
    "assigner",
)

# ---------------------------------------------------------------------------------------------
# Projects


def in_open_project(project_path: str = "") -> Q:
    """Rows whose project is open: its status is named "Open" or "Active", in any case (what
    Zou calls an open project). `project_path` leads from the rows to their project
    ("entity__project", "task__project"); leave it empty to filter projects themselves."""
    prefix = f"{project_path}__" if project_path else ""
    return Q(**{f"{prefix}project_status__name__iregex": r"^(open|active)$"})


def open_projects(queryset: QuerySet[Project] | None = None) -> QuerySet[Project]:
    queryset = Project.objects.all() if queryset is None else queryset
    return queryset.filter(in_open_project())


def is_closed(project: Project) -> bool:
    status = project.project_status
    return status is not None and status.name.lower() == "closed"


def project_status_named(name: str) -> ProjectStatus | None:
    return ProjectStatus.objects.filter(name__iexact=name).first()


def team_of(project: Project) -> QuerySet[Person]:
    return project.team.all()


def project_setting_rows(project: Project, relation: str, *, by_name: bool = False) -> QuerySet:
    """The rows a project uses through one of its settings (`asset_types`, `task_types`,
    `task_statuses`), in the database's order or by name."""
    rows = getattr(project, relation).all()
    return rows.order_by("name") if by_name else rows


# ---------------------------------------------------------------------------------------------
# Entities


def assets() -> QuerySet[Entity]:
    """Entities whose type is an asset type (anything not temporal)."""
    return Entity.objects.exclude(entity_type__name__in=EntityTypeNames.TEMPORAL)


def entities_of_kind(kind: str) -> QuerySet[Entity]:
    """Shots, sequences, episodes...: entities whose type has that exact name."""
    return Entity.objects.filter(entity_type__name=kind)


def entities_of(kind: str, *, project: Project | None = None) -> QuerySet[Entity]:
    """The entities of a kind as Zou's routes name it ("Asset" for every asset type, else the
    entity type's name), of one project if given."""
    entities = assets() if kind == ASSET else entities_of_kind(kind)
    return entities if project is None else entities.filter(project=project)


def asset_types() -> QuerySet[EntityType]:
    return EntityType.objects.exclude(name__in=EntityTypeNames.TEMPORAL)


def asset_instances_in_asset(asset: Entity) -> QuerySet[AssetInstance]:
    return AssetInstance.objects.filter(target_asset=asset).order_by("asset_id", "number")


# ---------------------------------------------------------------------------------------------
# Tasks


def tasks_of_entity(entity: Entity) -> QuerySet[Task]:
    return entity.tasks.order_by("name")


def assignees_of(task: Task) -> QuerySet[Person]:
    return task.assignees.all()


def tasks_with_project() -> QuerySet[Task]:
    return Task.objects.select_related("project")


def task_with_relations_queryset() -> QuerySet[Task]:
    return Task.objects.select_related(*TASK_FULL_RELATIONS)
