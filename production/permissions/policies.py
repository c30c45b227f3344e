"""CRUD policies: what the generic `/api/data/<collection>` routes allow, per model.

Each class satisfies the `Policy` protocol of `kitsufiles/api/crud.py` (structurally: the
plumbing imports no app, so nothing here inherits from it). `values` are the validated input,
foreign keys resolved to rows. See docs/compatibility.md#generic-crud-routes.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from kitsufiles.errors import NotFound
from kitsufiles.lookups import get_or_404
from production.models import (
    AssetInstance,
    AttachmentFile,
    Comment,
    Entity,
    Person,
    Project,
    Role,
    Task,
    TaskStatus,
)
from production.permissions import scopes
from production.permissions.access import (
    Access,
    check_entity,
    check_task,
    check_task_or_admin,
    fetch,
)
from production.permissions.roles import (
    block_access_to_vendor,
    check_admin,
    check_manager_project_access,
    check_project_access,
    deny,
    has_manager_project_access,
    is_admin,
    is_vendor,
)
from production.permissions.tasks import (
    check_annotation_access,
    check_comment_access,
    check_task_access,
    has_task_on,
    may_change_authorship,
)


def _check_targets(
    person: Person, values: dict[str, Any], rules: dict[str, Callable[[Person, Any], object]]
) -> None:
    """A write is judged by where the row goes as well as where it is: for every field of
    `rules` the body sets, refuse unless `person` passes the rule on the row it names (None
    for a cleared foreign key)."""
    for field, rule in rules.items():
        if field in values:
            rule(person, values[field])


def _readable_working_file(person: Person, working_file: Any) -> None:
    """A row made from a working file (an output's `source_file`) shows it and its content's
    size and checksum: the caller must be able to read it (task access; a task-less one:
    admins)."""
    if working_file is not None:
        check_task_or_admin(person, working_file.task, Access.TASK)


def _readable_output_file(person: Person, output_file: Any) -> None:
    """A preview made from an output file (`source_file`): the caller must be able to read
    it (entity access; an entity-less one: admins)."""
    if output_file is None:
        return
    if output_file.entity is None:
        check_admin(person)
    else:
        check_entity(person, output_file.entity, Access.TASK)


def _author_kept(obj: Any, project: Project | None) -> Callable[[Person, Any], None]:
    """A rule refusing a new author (`person`) of `obj`, a row of `project`, to anyone but
    its managers and admins (may_change_authorship): who made a file is not the caller's to
    rewrite. Sending back the current author is allowed."""

    def rule(person: Person, author: Any) -> None:
        changed = getattr(author, "pk", None) != obj.person_id
        if changed and not may_change_authorship(person, project):
            deny()

    return rule


def _manager_of_entity(person: Person, entity: Entity | None) -> None:
    if entity is None:
        check_admin(person)
    else:
        check_manager_project_access(person, entity.project)


def _unchanged_unless_admin(obj: Any, field: str) -> Callable[[Person, Any], None]:
    """A rule refusing non-admins a new value for `field` of `obj` (sending back the current
    one, as a client echoing a row it read does, is allowed)."""

    def rule(person: Person, target: Any) -> None:
        if getattr(target, "pk", None) != getattr(obj, f"{field}_id") and not is_admin(person):
            deny()

    return rule


class AdminWritePolicy:
    """Reference data: any authenticated person reads, admins write (Zou's CRUD default).

    A policy whose checks read the row's project names the path to its id (`project_path`)
    and the relations its checks read (`relations`): the row is then fetched with them and
    with the caller's team link in one query (access.fetch), and its checks ask nothing
    more of the database."""

    project_path: str | None = None
    relations: tuple[str, ...] = ()

    def fetch(self, person: Person, queryset: QuerySet, object_id: object) -> Any:
        """The row `object_id` of `queryset` that a route reads, updates or deletes."""
        if self.relations:  # (with no names, select_related would follow every key)
            queryset = queryset.select_related(*self.relations)
        if self.project_path is None:
            return get_or_404(queryset, object_id)
        return fetch(person, queryset, object_id, project=self.project_path)

    def scope(self, person: Person, queryset: QuerySet) -> QuerySet:
        return queryset

    def check_read(self, person: Person, obj: Any) -> None:
        pass

    def pre_check_create(self, person: Person) -> None:
        """Refuse early (before validating the body) when no body could be allowed."""
        check_admin(person)

    def check_create(self, person: Person, values: dict[str, Any]) -> None:
        check_admin(person)

    def check_update(self, person: Person, obj: Any, values: dict[str, Any]) -> None:
        check_admin(person)

    def check_delete(self, person: Person, obj: Any) -> None:
        check_admin(person)


class ProjectRolePolicy(AdminWritePolicy):
    """Rows whose project is only known once the body names it: creating one is decided by
    the caller's role in that project, not refused up front."""

    def pre_check_create(self, person: Person) -> None:
        pass


class ProjectPolicy(AdminWritePolicy):
    project_path = "pk"

    def scope(self, person: Person, queryset: QuerySet[Project]) -> QuerySet[Project]:
        return scopes.projects_visible_to(person, queryset)

    def check_read(self, person: Person, obj: Project) -> None:
        check_project_access(person, obj)

    def check_update(self, person: Person, obj: Project, values: dict[str, Any]) -> None:
        check_manager_project_access(person, obj)


class EntityPolicy(ProjectRolePolicy):
    project_path, relations = "project_id", ("project",)

    def scope(self, person: Person, queryset: QuerySet[Entity]) -> QuerySet[Entity]:
        return scopes.entities_visible_to(person, queryset)

    def check_read(self, person: Person, obj: Entity) -> None:
        check_entity(person, obj, Access.TASK)

    def check_create(self, person: Person, values: dict[str, Any]) -> None:
        check_manager_project_access(person, values["project"])

    def check_update(self, person: Person, obj: Entity, values: dict[str, Any]) -> None:
        check_manager_project_access(person, obj.project)
        if "project" in values:  # moving it: managing the new project too
            check_manager_project_access(person, values["project"])

    def check_delete(self, person: Person, obj: Entity) -> None:
        check_manager_project_access(person, obj.project)


def _manager_where_cast(person: Person, container: Entity | None) -> None:
    """Casting an instance into a shot, a scene or an asset: managing that production too."""
    if container is not None:
        check_manager_project_access(person, container.project)


def _manager_of_asset(person: Person, asset: Entity) -> None:
    check_manager_project_access(person, asset.project)


# Where an asset instance is cast (its containers), by the same rule as its asset's project.
_CAST_RULES: dict[str, Callable[[Person, Any], object]] = {
    "scene": _manager_where_cast,
    "target_asset": _manager_where_cast,
}


class AssetInstancePolicy(ProjectRolePolicy):
    """Managers of the instance's asset's project (Zou), and of every production the body
    casts it into."""

    project_path, relations = "asset__project_id", ("asset__project",)

    def scope(self, person: Person, queryset: QuerySet[AssetInstance]) -> QuerySet[AssetInstance]:
        return scopes.asset_instances_visible_to(person, queryset)

    def check_read(self, person: Person, obj: AssetInstance) -> None:
        check_project_access(person, obj.asset.project)

    def check_create(self, person: Person, values: dict[str, Any]) -> None:
        _manager_of_asset(person, values["asset"])
        _check_targets(person, values, _CAST_RULES)

    def check_update(self, person: Person, obj: AssetInstance, values: dict[str, Any]) -> None:
        _manager_of_asset(person, obj.asset)
        _check_targets(person, values, {"asset": _manager_of_asset, **_CAST_RULES})

    def check_delete(self, person: Person, obj: AssetInstance) -> None:
        check_manager_project_access(person, obj.asset.project)


class TaskPolicy(ProjectRolePolicy):
    project_path, relations = "project_id", ("project",)

    def scope(self, person: Person, queryset: QuerySet[Task]) -> QuerySet[Task]:
        return scopes.tasks_visible_to(person, queryset)

    def check_read(self, person: Person, obj: Task) -> None:
        check_task_access(person, obj)

    def check_create(self, person: Person, values: dict[str, Any]) -> None:
        check_manager_project_access(person, values["project"])

    def check_update(self, person: Person, obj: Task, values: dict[str, Any]) -> None:
        check_manager_project_access(person, obj.project)
        # Moving it: managing the project (and the entity's project) it goes to as well.
        _check_targets(
            person,
            values,
            {"project": check_manager_project_access, "entity": _manager_of_entity},
        )

    def check_delete(self, person: Person, obj: Task) -> None:
        check_manager_project_access(person, obj.project)


class CommentPolicy(AdminWritePolicy):
    """Comments are written through the comment action; the CRUD lets authors edit theirs."""

    project_path, relations = "object__project_id", ("object__project",)

    def scope(self, person: Person, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        return scopes.comments_visible_to(person, queryset)

    def check_read(self, person: Person, obj: Comment) -> None:
        check_task_access(person, obj.object)

    def check_update(self, person: Person, obj: Comment, values: dict[str, Any]) -> None:
        if not (is_admin(person) or obj.person_id == person.pk):
            deny()
        # Its author may edit the text, not move it to another task nor hand it to someone
        # else (docs/compatibility.md#access-rules).
        _check_targets(
            person,
            values,
            {
                "object": _unchanged_unless_admin(obj, "object"),
                "person": _unchanged_unless_admin(obj, "person"),
                "editor": _unchanged_unless_admin(obj, "editor"),
                "task_status": lambda person, status: _status_settable(person, obj, status),
            },
        )


def _status_settable(person: Person, comment: Comment, status: TaskStatus) -> None:
    """A comment's new status is one the caller could comment with (the status flags of
    check_comment_access): editing a comment is not a way around them."""
    if status.pk != comment.task_status_id:
        check_comment_access(person, comment.object, status)


class AttachmentFilePolicy(AdminWritePolicy):
    project_path = "comment__object__project_id"
    relations = ("comment__object__project",)

    def scope(self, person: Person, queryset: QuerySet[AttachmentFile]) -> QuerySet[AttachmentFile]:
        return scopes.attachment_files_visible_to(person, queryset)

    def check_read(self, person: Person, obj: AttachmentFile) -> None:
        check_task_access(person, obj.comment.object)


class TaskFilePolicy(AdminWritePolicy):
    """Rows hanging on a task (working files): team members of the entity's project list
    them (vendors none), task access reads one, task action access updates it."""

    project_path, relations = "task__project_id", ("task__project",)

    def scope(self, person: Person, queryset: QuerySet) -> QuerySet:
        block_access_to_vendor(person)
        return scopes.rows_visible_to(person, queryset, "entity__project")

    def check_read(self, person: Person, obj: Any) -> None:
        if obj.task is None:
            raise NotFound()
        check_task_access(person, obj.task)

    def check_update(self, person: Person, obj: Any, values: dict[str, Any]) -> None:
        check_task_or_admin(person, obj.task, Access.ACTION)
        _check_targets(
            person,
            values,
            {
                "task": lambda person, task: check_task_or_admin(person, task, Access.ACTION),
                "person": _author_kept(obj, obj.task.project if obj.task else None),
            },
        )


class EntityFilePolicy(AdminWritePolicy):
    """Rows hanging on an entity (output files): team members of open projects list them
    (vendors none); reading one needs project and entity access; updating one needs manager
    rights, or a task on its temporal entity (else its entity)."""

    project_path, relations = "entity__project_id", ("entity__project",)

    def scope(self, person: Person, queryset: QuerySet) -> QuerySet:
        block_access_to_vendor(person)
        return scopes.rows_visible_to(person, queryset, "entity__project", open_only=True)

    def check_read(self, person: Person, obj: Any) -> None:
        if obj.entity is None:
            raise NotFound()
        check_entity(person, obj.entity, Access.TASK)

    def check_update(self, person: Person, obj: Any, values: dict[str, Any]) -> None:
        self._check_place(person, obj.entity, obj.temporal_entity)
        # Where it goes: its new entity (and temporal entity), by the same rule.
        if "entity" in values or "temporal_entity" in values:
            entity = values.get("entity", obj.entity)
            temporal = values.get("temporal_entity", obj.temporal_entity)
            self._check_place(person, entity, temporal)
        _check_targets(
            person,
            values,
            {
                "source_file": _readable_working_file,
                "person": _author_kept(obj, obj.entity.project if obj.entity else None),
            },
        )

    @staticmethod
    def _check_place(person: Person, entity: Entity | None, temporal: Entity | None) -> None:
        """An output sits on its entity and, for an asset instance's, its temporal entity:
        the caller is in the team of each one's production, and manages the entity's or has
        a task on the temporal entity (else the entity). A task alone is not enough: it
        would let an assignee of a shot in one production hang outputs on the entities of
        another."""
        if entity is None:
            check_admin(person)
            return
        check_project_access(person, entity.project)
        if temporal is not None:
            check_project_access(person, temporal.project)
        if not has_manager_project_access(person, entity.project) and not has_task_on(
            person, (temporal or entity).pk
        ):
            deny()


class TaskPreviewPolicy(AdminWritePolicy):
    """Previews: team members of open projects list them; vendors only those of their tasks;
    reading one needs project access (vendors: assignment); updating one needs task update
    access; deleting one needs manager rights. See docs/compatibility.md#access-rules."""

    project_path, relations = "task__project_id", ("task__project",)

    def scope(self, person: Person, queryset: QuerySet) -> QuerySet:
        queryset = scopes.rows_visible_to(person, queryset, "task__project", open_only=True)
        if is_vendor(person):
            queryset = queryset.filter(task__assignees=person)
        return queryset

    def check_read(self, person: Person, obj: Any) -> None:
        if obj.task is None:
            check_admin(person)
            return
        role = check_project_access(person, obj.task.project)
        if role == Role.VENDOR and not obj.task.assignees.filter(pk=person.pk).exists():
            deny()

    def check_update(self, person: Person, obj: Any, values: dict[str, Any]) -> None:
        # The preview's task, and the task it would move to (a task-less row: admins only).
        for task in (obj.task, *([values["task"]] if "task" in values else [])):
            check_task_or_admin(person, task, Access.UPDATE)
        task = values.get("task", obj.task)
        if "annotations" in values:  # drawing on it: the annotation rule too
            check_annotation_access(person, obj.task)
        _check_targets(
            person,
            values,
            {
                "comments": lambda person, comments: _linkable(person, task, comments),
                "source_file": _readable_output_file,
                "person": _author_kept(obj, obj.task.project if obj.task else None),
            },
        )

    def check_delete(self, person: Person, obj: Any) -> None:
        check_task_or_admin(person, obj.task, Access.MANAGER)


def _linkable(person: Person, task: Task | None, comments: list[Comment]) -> None:
    """A preview may be linked only to comments the caller may update, in its own project."""
    if task is None:
        return  # a task-less preview: admins only, checked already
    for comment in comments:
        if comment.object.project_id != task.project_id:
            deny()
        check_task(person, comment.object, Access.UPDATE)
