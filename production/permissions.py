"""Who may see and change what: the roles, team membership and task assignment of Zou.

Written once here (files contract §2) and applied two ways:
- checks (`check_*`) raise Forbidden (403) or NotFound (404), for single objects and actions;
- scopes (`*_visible_to`) narrow querysets, so a listing never shows rows of a project the
  caller is not in, whatever filters the query string carries.

Roles: `admin` is global only. Inside a project, a team member's link may override the global
role (`ProjectPersonLink.role`); `effective_role` gives the role that applies there.
"""

from enum import Enum

from django.db.models import Exists, OuterRef, Q, QuerySet

from kitsufiles.errors import Forbidden, NotFound
from kitsufiles.lookups import get_or_404
from production.models import (
    AssetInstance,
    AttachmentFile,
    Comment,
    Entity,
    Person,
    Project,
    ProjectPersonLink,
    Role,
    Task,
)


def is_admin(person: Person) -> bool:
    return person.role == Role.ADMIN


def effective_role(person: Person, project: Project | str) -> str | None:
    """The caller's role inside `project`, or None if they are not in its team (admins: admin).

    Computed once per person object and project: `request.user` is a fresh object on every
    request, so the answer lasts exactly one request however many checks ask for it."""
    if is_admin(person):
        return Role.ADMIN
    project_id = str(project.pk if isinstance(project, Project) else project)
    known: dict[str, str | None] = person.__dict__.setdefault("_roles_by_project", {})
    if project_id not in known:
        overrides = list(
            ProjectPersonLink.objects.filter(
                project_id=project_id, person_id=person.pk
            ).values_list("role", flat=True)
        )
        if not overrides:
            known[project_id] = None
        elif overrides[0] in (None, Role.ADMIN):  # no override, or one Zou ignores
            known[project_id] = person.role
        else:
            known[project_id] = overrides[0]
    return known[project_id]


def deny() -> None:
    raise Forbidden()


# ---------------------------------------------------------------------------------------------
# Checks


def check_admin(person: Person) -> None:
    if not is_admin(person):
        deny()


def check_project_access(person: Person, project: Project) -> str:
    """Admins, and any member of the project's team. Returns the effective role."""
    role = effective_role(person, project)
    if role is None:
        deny()
    return role


def check_manager_project_access(person: Person, project: Project) -> None:
    if effective_role(person, project) not in (Role.ADMIN, Role.MANAGER):
        deny()


def has_manager_project_access(person: Person, project: Project) -> bool:
    return effective_role(person, project) in (Role.ADMIN, Role.MANAGER)


def check_entity_access(person: Person, entity: Entity, role: str) -> None:
    """Vendors only reach entities they have a task on."""
    if (
        role == Role.VENDOR
        and not Task.objects.filter(entity_id=entity.pk, assignees=person).exists()
    ):
        deny()


def check_task_access(person: Person, task: Task) -> str:
    """Project access, then entity access: a vendor needs a task of the task's entity."""
    role = check_project_access(person, task.project)
    check_entity_access(person, task.entity, role)
    return role


def task_rule(person: Person, task: Task, *, clients: bool, entity_creator: bool) -> str:
    """Working on a task: project managers, the task's assignees and the supervisors of its
    task type's department (all departments for a supervisor in none). `clients` also lets
    the project's clients in, `entity_creator` whoever created the task's entity. Returns the
    caller's role in the project."""
    role = check_project_access(person, task.project)
    if role in (Role.ADMIN, Role.MANAGER) or (clients and role == Role.CLIENT):
        return role
    if task.assignees.filter(pk=person.pk).exists():
        return role
    if role == Role.SUPERVISOR:
        department_ids = set(person.departments.values_list("pk", flat=True))
        if not department_ids or task.task_type.department_id in department_ids:
            return role
    if entity_creator and task.entity.created_by_id == person.pk:
        return role
    raise Forbidden()


def check_task_action_access(person: Person, task: Task) -> str:
    """Acting on a task (files, previews, comments): the task rule, clients and the entity's
    creator included, as Zou does."""
    return task_rule(person, task, clients=True, entity_creator=True)


def check_thumbnail_access(person: Person, task: Task, preview_id) -> None:
    """A shared asset's main preview thumbnails are for everyone but vendors; other
    thumbnails need task access (previews contract §6.4)."""
    role = effective_role(person, task.project) or person.role
    if (
        role != Role.VENDOR
        and Entity.objects.filter(
            pk=task.entity_id, preview_file_id=preview_id, is_shared=True
        ).exists()
    ):
        return
    check_task_access(person, task)


def check_task_update_access(person: Person, task: Task) -> None:
    """Changing a task's rows (a preview's validation): the task rule without clients or the
    entity's creator (Zou 1.0.97)."""
    task_rule(person, task, clients=False, entity_creator=False)


def block_access_to_vendor(person: Person) -> None:
    if person.role == Role.VENDOR:
        deny()


def check_comment_access(person: Person, task: Task, task_status) -> None:
    """Commenting: task access, and a status the caller's role may set (Zou's status flags)."""
    role = check_task_access(person, task)
    if role == Role.ARTIST and not task_status.is_artist_allowed:
        deny()
    if role == Role.CLIENT and not task_status.is_client_allowed:
        deny()


# ---------------------------------------------------------------------------------------------
# Scopes


def _membership(person: Person, project_field: str):
    return Exists(
        ProjectPersonLink.objects.filter(project_id=OuterRef(project_field), person_id=person.pk)
    )


def projects_visible_to(person: Person, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Project.objects.all() if queryset is None else queryset
    if is_admin(person):
        return queryset
    return queryset.filter(_membership(person, "pk"))


def entities_visible_to(person: Person, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Entity.objects.all() if queryset is None else queryset
    if is_admin(person):
        return queryset
    queryset = queryset.filter(_membership(person, "project_id"))
    if person.role == Role.VENDOR:
        queryset = queryset.filter(
            Exists(Task.objects.filter(entity_id=OuterRef("pk"), assignees=person))
        )
    return queryset


def tasks_visible_to(person: Person, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Task.objects.all() if queryset is None else queryset
    if is_admin(person):
        return queryset
    queryset = queryset.filter(_membership(person, "project_id"))
    if person.role == Role.VENDOR:
        # One person: the join matches at most one link per task, so no row repeats.
        queryset = queryset.filter(assignees=person)
    return queryset


def asset_instances_visible_to(person: Person, queryset: QuerySet | None = None) -> QuerySet:
    queryset = AssetInstance.objects.all() if queryset is None else queryset
    if is_admin(person):
        return queryset
    return queryset.filter(_membership(person, "asset__project_id"))


def comments_visible_to(person: Person, queryset: QuerySet | None = None) -> QuerySet:
    queryset = Comment.objects.all() if queryset is None else queryset
    if is_admin(person):
        return queryset
    visible_tasks = tasks_visible_to(person).values("pk")
    return queryset.filter(Q(object_id__in=visible_tasks))


def attachment_files_visible_to(person: Person, queryset: QuerySet | None = None) -> QuerySet:
    queryset = AttachmentFile.objects.all() if queryset is None else queryset
    if is_admin(person):
        return queryset
    return queryset.filter(comment__in=comments_visible_to(person).values("pk"))


# ---------------------------------------------------------------------------------------------
# CRUD policies: what the generic /api/data/<collection> routes allow, per model.
# `values` are the validated input (foreign keys resolved to rows).


class AdminWritePolicy:
    """Reference data: any authenticated person reads, admins write (Zou's CRUD default)."""

    def scope(self, person: Person, queryset: QuerySet) -> QuerySet:
        return queryset

    def check_read(self, person: Person, obj) -> None:
        pass

    def pre_check_create(self, person: Person) -> None:
        """Refuse early (before validating the body) when no body could be allowed."""
        check_admin(person)

    def check_create(self, person: Person, values: dict) -> None:
        check_admin(person)

    def check_update(self, person: Person, obj, values: dict) -> None:
        check_admin(person)

    def check_delete(self, person: Person, obj) -> None:
        check_admin(person)


class ProjectPolicy(AdminWritePolicy):
    def scope(self, person, queryset):
        return projects_visible_to(person, queryset)

    def check_read(self, person, obj):
        check_project_access(person, obj)

    def check_update(self, person, obj, values):
        check_manager_project_access(person, obj)


class EntityPolicy(AdminWritePolicy):
    def pre_check_create(self, person):
        pass  # a project role decides, known once the body names the project

    def scope(self, person, queryset):
        return entities_visible_to(person, queryset)

    def check_read(self, person, obj):
        check_entity_access(person, obj, check_project_access(person, obj.project))

    def check_create(self, person, values):
        check_manager_project_access(person, values["project"])

    def check_update(self, person, obj, values):
        check_manager_project_access(person, obj.project)
        if "project" in values:
            check_manager_project_access(person, values["project"])

    def check_delete(self, person, obj):
        check_manager_project_access(person, obj.project)


class AssetInstancePolicy(AdminWritePolicy):
    def pre_check_create(self, person):
        pass  # a project role decides, known once the body names the project

    def scope(self, person, queryset):
        return asset_instances_visible_to(person, queryset)

    def check_read(self, person, obj):
        check_project_access(person, obj.asset.project)

    def check_create(self, person, values):
        check_manager_project_access(person, values["asset"].project)

    def check_update(self, person, obj, values):
        check_manager_project_access(person, obj.asset.project)

    def check_delete(self, person, obj):
        check_manager_project_access(person, obj.asset.project)


class TaskPolicy(AdminWritePolicy):
    def pre_check_create(self, person):
        pass  # a project role decides, known once the body names the project

    def scope(self, person, queryset):
        return tasks_visible_to(person, queryset)

    def check_read(self, person, obj):
        check_task_access(person, obj)

    def check_create(self, person, values):
        check_manager_project_access(person, values["project"])

    def check_update(self, person, obj, values):
        check_manager_project_access(person, obj.project)

    def check_delete(self, person, obj):
        check_manager_project_access(person, obj.project)


class CommentPolicy(AdminWritePolicy):
    """Comments are written through the comment action; the CRUD lets authors edit theirs."""

    def scope(self, person, queryset):
        return comments_visible_to(person, queryset)

    def check_read(self, person, obj):
        check_task_access(person, obj.object)

    def check_update(self, person, obj, values):
        if not (is_admin(person) or obj.person_id == person.pk):
            deny()


class AttachmentFilePolicy(AdminWritePolicy):
    def scope(self, person, queryset):
        return attachment_files_visible_to(person, queryset)

    def check_read(self, person, obj):
        check_task_access(person, obj.comment.object)


class AdminOnlyPolicy(AdminWritePolicy):
    def check_read(self, person, obj):
        check_admin(person)

    def scope(self, person, queryset):
        return queryset if is_admin(person) else queryset.none()


class TaskFilePolicy(AdminWritePolicy):
    """Rows hanging on a task (working files): team members of the entity's project list
    them (vendors none), task access reads one, task action access updates it."""

    def scope(self, person, queryset):
        block_access_to_vendor(person)
        if is_admin(person):
            return queryset
        return queryset.filter(_membership(person, "entity__project_id"))

    def check_read(self, person, obj):
        if obj.task is None:
            raise NotFound()
        check_task_access(person, obj.task)

    def check_update(self, person, obj, values):
        if obj.task is None:
            check_admin(person)
        else:
            check_task_action_access(person, obj.task)


class EntityFilePolicy(AdminWritePolicy):
    """Rows hanging on an entity (output files): team members of open projects list them
    (vendors none); reading one needs project and entity access; updating one needs manager
    rights, or a task on its temporal entity (else its entity)."""

    def scope(self, person, queryset):
        block_access_to_vendor(person)
        if is_admin(person):
            return queryset
        return queryset.filter(
            _membership(person, "entity__project_id"),
            entity__project__project_status__name__iregex=r"^(open|active)$",
        )

    def check_read(self, person, obj):
        if obj.entity is None:
            raise NotFound()
        check_entity_access(person, obj.entity, check_project_access(person, obj.entity.project))

    def check_update(self, person, obj, values):
        if obj.entity is None:
            check_admin(person)
            return
        if has_manager_project_access(person, obj.entity.project):
            return
        entity_id = obj.temporal_entity_id or obj.entity_id
        if not Task.objects.filter(entity_id=entity_id, assignees=person).exists():
            deny()


class TaskPreviewPolicy(AdminWritePolicy):
    """Previews (previews contract §6.14): team members of open projects list them; vendors
    only those of their tasks; reading one needs project access (vendors: assignment);
    updating one needs task update access; deleting one needs manager rights."""

    def scope(self, person, queryset):
        if is_admin(person):
            return queryset
        queryset = queryset.filter(
            _membership(person, "task__project_id"),
            task__project__project_status__name__iregex=r"^(open|active)$",
        )
        if person.role == Role.VENDOR:
            queryset = queryset.filter(task__assignees=person)
        return queryset

    def check_read(self, person, obj):
        if obj.task is None:
            check_admin(person)
            return
        role = check_project_access(person, obj.task.project)
        if role == Role.VENDOR and not obj.task.assignees.filter(pk=person.pk).exists():
            deny()

    def check_update(self, person, obj, values):
        # The preview's task, and the task it would move to (a task-less row: admins only).
        for task in (obj.task, *([values["task"]] if "task" in values else [])):
            if task is None:
                check_admin(person)
            else:
                check_task_update_access(person, task)

    def check_delete(self, person, obj):
        if obj.task is None:
            check_admin(person)
        else:
            check_manager_project_access(person, obj.task.project)


# ---------------------------------------------------------------------------------------------
# The entry point of routes: fetch the object a route acts on and check the caller's access to
# it in one call, so that no view tests a role itself.


class Access(Enum):
    """What a route needs on the task (or project) it acts on."""

    PROJECT = "project"  # any member of the project's team
    MANAGER = "manager"  # the project's managers
    TASK = "task"  # project access; a vendor only on entities they have a task on
    ACTION = "action"  # acting on the task: the task rule with clients and entity creators
    UPDATE = "update"  # changing the task's rows: the task rule without them
    ADMIN = "admin"  # admins only


def check_task(person: Person, task: Task, access: Access) -> None:
    """Refuse (Forbidden) unless `person` has `access` on `task`."""
    if access is Access.ADMIN:
        check_admin(person)
    elif access is Access.PROJECT:
        check_project_access(person, task.project)
    elif access is Access.MANAGER:
        check_manager_project_access(person, task.project)
    elif access is Access.TASK:
        check_task_access(person, task)
    elif access is Access.ACTION:
        check_task_action_access(person, task)
    else:
        check_task_update_access(person, task)


def check_task_or_admin(person: Person, task: Task | None, access: Access) -> None:
    """Rows that hang on a task (files, previews): `access` on their task; a row without a task
    (made through the generic CRUD) is for admins only."""
    if task is None:
        check_admin(person)
    else:
        check_task(person, task, access)


# What every task route reads besides the task: its project, type and entity (with parents,
# for paths), fetched in the same query.
TASK_RELATIONS = (
    "project",
    "task_type__department",
    "entity__entity_type",
    "entity__project",
    "entity__parent__parent",
)


def get_task(person: Person, task_id: object, *, access: Access) -> Task:
    """The task `task_id` (NotFound if there is none, or the id is malformed), once `person`
    has `access` on it."""
    task = get_or_404(Task.objects.select_related(*TASK_RELATIONS), task_id)
    check_task(person, task, access)
    return task


def get_project(person: Person, project_id: object, *, access: Access) -> Project:
    """The project `project_id`, once `person` has `access` (PROJECT, MANAGER or ADMIN) on it."""
    project = get_or_404(Project, project_id)
    if access is Access.ADMIN:
        check_admin(person)
    elif access is Access.MANAGER:
        check_manager_project_access(person, project)
    else:
        check_project_access(person, project)
    return project


def get_entity(person: Person, entity_id: object, *, access: Access) -> Entity:
    """The entity `entity_id`, once `person` has `access` on it: TASK (project access; vendors
    need a task on it) or MANAGER."""
    entity = get_or_404(Entity.objects.select_related("project", "entity_type"), entity_id)
    if access is Access.MANAGER:
        check_manager_project_access(person, entity.project)
    else:
        check_entity_access(person, entity, check_project_access(person, entity.project))
    return entity


# Rules of previews


def check_thumbnail_or_admin(person: Person, task: Task | None, preview_id: object) -> None:
    """A preview's thumbnails: the shared-asset rule of `check_thumbnail_access` on its task; a
    preview without a task (made through the generic CRUD) is for admins only."""
    if task is None:
        check_admin(person)
    else:
        check_thumbnail_access(person, task, preview_id)


def check_main_preview_access(person: Person, task: Task | None) -> None:
    """Choosing an entity's main preview, on top of task access: refused to the project's
    clients (Zou)."""
    if task is not None and effective_role(person, task.project) == Role.CLIENT:
        deny()


def hides_rejected_previews(person: Person, project: Project) -> bool:
    """The project's clients are not shown the previews their studio rejected."""
    return effective_role(person, project) == Role.CLIENT


def may_post_comments_as_others(person: Person, project: Project) -> bool:
    """Batch comments: the project's managers (and admins) may post in another person's name
    and choose the comments' dates (imports, sync tools); anyone else posts as themselves,
    now."""
    return has_manager_project_access(person, project)


# ---------------------------------------------------------------------------------------------
# Rules of working_files and output_files: Zou's file routes check an entity in two ways. Their
# listings and publish routes only ask for the project's team (a vendor may publish on an entity
# they have no task on); their path routes also apply the vendor rule of `check_entity_access`.


def check_entity(person: Person, entity: Entity, access: Access) -> None:
    """Refuse unless `person` has `access` on `entity`: PROJECT (any member of its project's
    team) or TASK (and a vendor needs a task on it)."""
    role = check_project_access(person, entity.project)
    if access is Access.TASK:
        check_entity_access(person, entity, role)


def get_file_entity(person: Person, entity_id: object, *, access: Access) -> Entity:
    """The entity `entity_id`, once `person` has `access` (PROJECT or TASK) on it. Unlike
    `get_entity`, PROJECT means the project's team alone."""
    entity = get_or_404(Entity.objects.select_related("project", "entity_type"), entity_id)
    check_entity(person, entity, access)
    return entity


def get_asset_instance(person: Person, instance_id: object, *, access: Access) -> AssetInstance:
    """The asset instance `instance_id`, once `person` has `access` (PROJECT or TASK) on its
    asset: the asset's project decides, wherever the instance is cast."""
    instance = get_or_404(
        AssetInstance.objects.select_related("asset__project", "asset__entity_type"), instance_id
    )
    check_entity(person, instance.asset, access)
    return instance
