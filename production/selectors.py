"""Reads of production data used by views, services, permissions and commands."""

import uuid

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce

from kitsufiles.errors import NotFound
from kitsufiles.lookups import parse_id
from production import errors
from production.models import (
    AssetInstance,
    Entity,
    EntityType,
    EntityTypeNames,
    Person,
    Project,
    ProjectStatus,
    Task,
    TaskStatus,
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


# ---------------------------------------------------------------------------------------------
# The browsable pages (production/views.py): each read is one query whatever the data size.


def projects_with_counts(queryset: QuerySet[Project]) -> QuerySet[Project]:
    """`queryset` with each project's number of assets and of shots, counted by subqueries in
    the same query as the projects."""

    def count_of(entities: QuerySet[Entity]) -> Subquery:
        counted = (
            entities.filter(project_id=OuterRef("pk"))
            .order_by()
            .values("project_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Subquery(counted)

    return queryset.annotate(
        nb_assets=Coalesce(count_of(assets()), 0),
        nb_shots=Coalesce(count_of(entities_of_kind(EntityTypeNames.SHOT)), 0),
    )


def browsable_entities(
    project: Project,
    *,
    name: str = "",
    entity_type_id: uuid.UUID | None = None,
    task_status_id: uuid.UUID | None = None,
) -> QuerySet[Entity]:
    """The assets and shots of `project` (sequences, episodes... are shown with their shots,
    not listed), assets first by type then shots by sequence, each by name; narrowed to names
    containing `name`, to one entity type, and to entities having a task in one status."""
    entities = (
        Entity.objects.filter(project=project)
        .filter(
            ~Q(entity_type__name__in=EntityTypeNames.TEMPORAL)
            | Q(entity_type__name=EntityTypeNames.SHOT)
        )
        .select_related("entity_type", "parent")
    )
    if name:
        entities = entities.filter(name__icontains=name)
    if entity_type_id:
        entities = entities.filter(entity_type_id=entity_type_id)
    if task_status_id:
        entities = entities.filter(
            Exists(Task.objects.filter(entity_id=OuterRef("pk"), task_status_id=task_status_id))
        )
    is_shot = Case(When(entity_type__name=EntityTypeNames.SHOT, then=1), default=0)
    return entities.order_by(is_shot, "entity_type__name", "parent__name", "name", "pk")


def entity_types_in(project: Project) -> QuerySet[EntityType]:
    """The asset types and the shot type of the entities `project` has, by name."""
    return (
        EntityType.objects.filter(
            Exists(Entity.objects.filter(project=project, entity_type_id=OuterRef("pk")))
        )
        .filter(~Q(name__in=EntityTypeNames.TEMPORAL) | Q(name=EntityTypeNames.SHOT))
        .order_by("name")
    )


def task_statuses_for_filter() -> QuerySet[TaskStatus]:
    return TaskStatus.objects.order_by("priority", "name")


def tasks_of_entities(entity_ids: list[object]) -> QuerySet[Task]:
    """The tasks of a page of entities with their type and status, for a summary per entity."""
    return (
        Task.objects.filter(entity_id__in=entity_ids)
        .select_related("task_type", "task_status")
        .order_by("task_type__priority", "task_type__name", "name")
    )


def tasks_for_page(entity: Entity) -> QuerySet[Task]:
    """The tasks of `entity` with their type, status and assignees (prefetched: one query)."""
    return (
        Task.objects.filter(entity=entity)
        .select_related("task_type", "task_status")
        .prefetch_related("assignees")
        .order_by("task_type__priority", "task_type__name", "name", "pk")
    )


def project_named(named: str) -> Project:
    """The project a command line names: by its id, else by its name (any case).
    UnknownProject, or AmbiguousProject when several share the name."""
    try:
        return Project.objects.get(pk=parse_id(named))
    except (NotFound, Project.DoesNotExist):
        pass
    matches = list(Project.objects.filter(name__iexact=named.strip())[:5])
    if not matches:
        raise errors.UnknownProject(named)
    if len(matches) > 1:
        raise errors.AmbiguousProject(named, [str(project.pk) for project in matches])
    return matches[0]
