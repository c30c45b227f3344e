"""Who may change and see the pictures of persons, projects and the organisation (avatars),
and attachment thumbnails: Zou's rules of the thumbnail routes
(zou-previews-contract.md §6.6, §6.7), written once here and called by thumbnails/api.py."""

from production.models import Person, Project, Task
from production.permissions.roles import (
    MANAGING_ROLES,
    check_admin,
    check_manager_project_access,
    check_project_access,
    deny,
    is_admin,
)
from production.permissions.tasks import check_task_access


def check_person_avatar_change(person: Person, target: Person) -> None:
    """A person changes their own picture; admins change anyone's."""
    if not (is_admin(person) or person.pk == target.pk):
        deny()


def check_project_avatar_change(person: Person, project: Project, *, admins_only: bool) -> None:
    """The project's managers (and admins). Zou's `.png` URL keeps its default check, admins
    only (`admins_only`): an artist, in the team or not, is refused either way."""
    if admins_only:
        check_admin(person)
    else:
        check_manager_project_access(person, project)


def check_organisation_avatar_change(person: Person) -> None:
    check_admin(person)


def check_project_avatar_read(person: Person, project: Project) -> None:
    """Admins and production managers (their global role: Kitsu shows every project's picture
    in their lists), else the project's team."""
    if person.role in MANAGING_ROLES:
        return
    check_project_access(person, project)


def check_attachment_thumbnail_access(person: Person, task: Task) -> None:
    """A comment attachment's thumbnail: task access on the comment's task (vendors only on
    entities they have a task on)."""
    check_task_access(person, task)
