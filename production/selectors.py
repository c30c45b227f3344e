"""Reads of production data used by views, services and commands."""

from django.db.models import QuerySet

from production.models import (
    AssetInstance,
    Entity,
    EntityType,
    EntityTypeNames,
    FileStatus,
    Project,
    ProjectStatus,
    Task,
    TaskStatus,
)

OPEN_PROJECT_STATUS_NAMES = ("open", "active")
DEFAULT_FILE_STATUS_NAME = "To review"


def assets() -> QuerySet:
    """Entities whose type is an asset type (anything not temporal)."""
    return Entity.objects.exclude(entity_type__name__in=EntityTypeNames.TEMPORAL)


def entities_of_kind(kind: str) -> QuerySet:
    """Shots, sequences, episodes...: entities whose type has that exact name."""
    return Entity.objects.filter(entity_type__name=kind)


def asset_types() -> QuerySet:
    return EntityType.objects.exclude(name__in=EntityTypeNames.TEMPORAL)


def open_projects(queryset: QuerySet | None = None) -> QuerySet:
    queryset = Project.objects.all() if queryset is None else queryset
    return queryset.filter(project_status__name__iregex=r"^(open|active)$")


def is_closed(project: Project) -> bool:
    status = project.project_status
    return status is not None and status.name.lower() == "closed"


def default_task_status() -> TaskStatus | None:
    return TaskStatus.objects.filter(is_default=True).order_by("created_at").first()


def project_status_named(name: str) -> ProjectStatus | None:
    return ProjectStatus.objects.filter(name__iexact=name).first()


def default_file_status() -> FileStatus | None:
    return FileStatus.objects.filter(name=DEFAULT_FILE_STATUS_NAME).first()


def task_with_relations_queryset() -> QuerySet:
    return Task.objects.select_related(
        "project", "task_type", "task_status", "entity", "entity__entity_type", "assigner"
    )


def asset_instances_in_asset(asset: Entity) -> QuerySet:
    return AssetInstance.objects.filter(target_asset=asset).order_by("asset_id", "number")
