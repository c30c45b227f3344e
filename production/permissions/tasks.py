"""Rules on entities, tasks and comments: project access first, then what the caller's role,
assignment or department allows on the task."""

import uuid
from datetime import datetime

from kitsufiles.errors import Forbidden
from kitsufiles.lookups import get_or_404
from production.models import Entity, Person, Project, Role, Task, TaskStatus
from production.permissions.roles import (
    MANAGING_ROLES,
    check_admin,
    check_project_access,
    deny,
    effective_role,
    has_manager_project_access,
    is_admin,
)


def has_task_on(person: Person, entity_id: uuid.UUID | str) -> bool:
    """Whether `person` is assigned to at least one task of the entity."""
    return Task.objects.filter(entity_id=entity_id, assignees=person).exists()


def check_entity_access(person: Person, entity: Entity, role: str) -> None:
    """Vendors only reach entities they have a task on."""
    if role == Role.VENDOR and not has_task_on(person, entity.pk):
        deny()


def check_task_access(person: Person, task: Task) -> str:
    """Project access, then entity access: a vendor needs a task of the task's entity (its id
    is enough: the entity row is not read)."""
    role = check_project_access(person, task.project_id)
    if role == Role.VENDOR and not has_task_on(person, task.entity_id):
        deny()
    return role


def task_rule(person: Person, task: Task, *, clients: bool, entity_creator: bool) -> str:
    """Working on a task: project managers, the task's assignees and the supervisors of its
    task type's department (all departments for a supervisor in none). `clients` also lets
    the project's clients in, `entity_creator` whoever created the task's entity. Returns the
    caller's role in the project."""
    role = check_project_access(person, task.project_id)
    if role in MANAGING_ROLES or (clients and role == Role.CLIENT):
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


def check_task_update_access(person: Person, task: Task) -> None:
    """Changing a task's rows (a preview's validation): the task rule without clients or the
    entity's creator (Zou 1.0.97)."""
    task_rule(person, task, clients=False, entity_creator=False)


def check_thumbnail_access(person: Person, task: Task, preview_id: uuid.UUID | str) -> None:
    """A shared asset's main preview thumbnails are for everyone but vendors; other
    thumbnails need task access."""
    role = effective_role(person, task.project_id) or person.role
    # The entity comes with the task (the media routes fetch its two columns with the
    # preview): no query of its own.
    entity = task.entity
    if role != Role.VENDOR and entity.is_shared and str(entity.preview_file_id) == str(preview_id):
        return
    check_task_access(person, task)


# ---------------------------------------------------------------------------------------------
# Comments


def check_comment_access(person: Person, task: Task, task_status: TaskStatus) -> None:
    """Commenting: task access, and a status the caller's role may set (Zou's status flags)."""
    role = check_task_access(person, task)
    if role == Role.ARTIST and not task_status.is_artist_allowed:
        deny()
    if role == Role.CLIENT and not task_status.is_client_allowed:
        deny()


def check_attachment_addition(person: Person, comment_author_id: object, project: Project) -> None:
    """Adding attachments to a posted comment: its author, or the project's managers (and
    admins) (docs/compatibility.md#attachments)."""
    if comment_author_id != person.pk and not has_manager_project_access(person, project):
        deny()


def may_post_comments_as_others(person: Person, project: Project) -> bool:
    """The project's managers (and admins) may post comments in another person's name and
    choose their dates (imports, sync tools); anyone else posts as themselves, now."""
    return has_manager_project_access(person, project)


def comment_author(person: Person, task: Task, requested_id: uuid.UUID | str | None) -> Person:
    """Who signs a comment on `task`: the caller, or the person `requested_id` names when the
    caller may post as others (may_post_comments_as_others); anyone else's `requested_id` is
    ignored. An unknown person is NotFound."""
    if requested_id and may_post_comments_as_others(person, task.project):
        return get_or_404(Person, requested_id)
    return person


def signed_by(person: Person, project: Project, named: Person | None) -> Person:
    """Who signs a file `person` writes in `project` (a new working file, a publish): the
    person the body names when the caller may write in others' names
    (may_post_comments_as_others: the project's managers, admins), else the caller, as for
    comments; anyone else's choice is ignored (docs/compatibility.md#access-rules)."""
    if named is not None and may_post_comments_as_others(person, project):
        return named
    return person


def may_change_authorship(person: Person, project: Project | None) -> bool:
    """Whether `person` may re-sign a row of `project` (its `person_id`) through the generic
    CRUD: the project's managers and admins (a row without a project: admins)."""
    if project is None:
        return is_admin(person)
    return may_post_comments_as_others(person, project)


def comment_date(person: Person, author: Person, requested: datetime | None) -> datetime | None:
    """The creation date a comment of `actions/tasks/<id>/comment` keeps: the `requested` one
    (backdating) only for a comment written in someone else's name, that is by a manager (see
    comment_author); else None, the time of writing. The batch-comment routes honour it for
    any manager (may_post_comments_as_others). See docs/compatibility.md#access-rules."""
    return requested if author.pk != person.pk else None


# ---------------------------------------------------------------------------------------------
# Previews


def check_thumbnail_or_admin(
    person: Person, task: Task | None, preview_id: uuid.UUID | str
) -> None:
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


def check_annotation_access(person: Person, task: Task | None) -> None:
    """Drawing on a preview of `task` (update-annotations, and a new `annotations` list
    through the generic PUT), on top of project access: the project's managers (admins),
    its clients, and the supervisors of the task type's department (all departments for a
    supervisor in none). Artists, vendors and other supervisors are refused, assigned or
    not (Zou's rule, zou-previews-contract §6.10). A preview without a task: admins only."""
    if task is None:
        check_admin(person)
        return
    role = check_project_access(person, task.project_id)
    if role in MANAGING_ROLES or role == Role.CLIENT:
        return
    if role == Role.SUPERVISOR:
        department_ids = set(person.departments.values_list("pk", flat=True))
        if not department_ids or task.task_type.department_id in department_ids:
            return
    deny()


def hides_rejected_previews(person: Person, project: Project) -> bool:
    """The project's clients are not shown the previews their studio rejected."""
    return effective_role(person, project) == Role.CLIENT
