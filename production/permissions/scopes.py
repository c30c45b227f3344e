"""Scopes: querysets narrowed to what a person may list, so a listing never shows rows of a
project the caller is not in, whatever filters the query string carries."""

from typing import TypeVar

from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from production.models import (
    AssetInstance,
    AttachmentFile,
    Comment,
    Entity,
    Person,
    Project,
    ProjectPersonLink,
    Task,
)
from production.permissions.roles import is_admin, is_vendor
from production.selectors import in_open_project

M = TypeVar("M", bound=Model)


def _membership(person: Person, project_field: str) -> Exists:
    return Exists(
        ProjectPersonLink.objects.filter(project_id=OuterRef(project_field), person_id=person.pk)
    )


def _scoped(
    person: Person, queryset: QuerySet[M], membership_path: str, *conditions: Q
) -> QuerySet[M]:
    """Admins: `queryset` whole. Anyone else: its rows in projects whose team `person` is in
    (`membership_path` leads from a row to its project id), that also meet `conditions`."""
    if is_admin(person):
        return queryset
    return queryset.filter(_membership(person, membership_path), *conditions)


def _or_all(model: type[M], queryset: QuerySet[M] | None) -> QuerySet[M]:
    return model._default_manager.all() if queryset is None else queryset


def projects_visible_to(
    person: Person, queryset: QuerySet[Project] | None = None
) -> QuerySet[Project]:
    return _scoped(person, _or_all(Project, queryset), "pk")


def entities_visible_to(
    person: Person, queryset: QuerySet[Entity] | None = None
) -> QuerySet[Entity]:
    queryset = _scoped(person, _or_all(Entity, queryset), "project_id")
    if is_vendor(person):
        queryset = queryset.filter(
            Exists(Task.objects.filter(entity_id=OuterRef("pk"), assignees=person))
        )
    return queryset


def tasks_visible_to(person: Person, queryset: QuerySet[Task] | None = None) -> QuerySet[Task]:
    queryset = _scoped(person, _or_all(Task, queryset), "project_id")
    if is_vendor(person):
        # One person: the join matches at most one link per task, so no row repeats.
        queryset = queryset.filter(assignees=person)
    return queryset


def asset_instances_visible_to(
    person: Person, queryset: QuerySet[AssetInstance] | None = None
) -> QuerySet[AssetInstance]:
    return _scoped(person, _or_all(AssetInstance, queryset), "asset__project_id")


def comments_visible_to(
    person: Person, queryset: QuerySet[Comment] | None = None
) -> QuerySet[Comment]:
    """The comments of the tasks `person` may list."""
    queryset = _scoped(person, _or_all(Comment, queryset), "object__project_id")
    if is_vendor(person):
        queryset = queryset.filter(object__assignees=person)  # one link per task at most
    return queryset


def attachment_files_visible_to(
    person: Person, queryset: QuerySet[AttachmentFile] | None = None
) -> QuerySet[AttachmentFile]:
    """The attachments of the comments `person` may list."""
    queryset = _scoped(person, _or_all(AttachmentFile, queryset), "comment__object__project_id")
    if is_vendor(person):
        queryset = queryset.filter(comment__object__assignees=person)
    return queryset


def rows_visible_to(
    person: Person, queryset: QuerySet[M], project_path: str, *, open_only: bool = False
) -> QuerySet[M]:
    """Rows hanging on a project (`project_path` leads to it, e.g. "entity__project") whose
    team `person` is in; with `open_only`, of open projects only. Admins: every row."""
    conditions = (in_open_project(project_path),) if open_only else ()
    return _scoped(person, queryset, f"{project_path}_id", *conditions)
