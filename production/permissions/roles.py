"""A person's role: global (`admin` is only ever global), or inside a project, where a team
member's link may override the global role (`ProjectPersonLink.role`)."""

from typing import NoReturn

from kitsufiles.errors import Forbidden
from production.models import Person, Project, ProjectPersonLink, Role

MANAGING_ROLES = (Role.ADMIN, Role.MANAGER)


def is_admin(person: Person) -> bool:
    return person.role == Role.ADMIN


def is_vendor(person: Person) -> bool:
    """Vendors see only what they are assigned to. Their global role decides where no project
    is known yet (the listings), as Zou does."""
    return person.role == Role.VENDOR


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


def deny() -> NoReturn:
    raise Forbidden()


def check_admin(person: Person) -> None:
    if not is_admin(person):
        deny()


def check_project_access(person: Person, project: Project) -> str:
    """Admins, and any member of the project's team. Returns the effective role."""
    role = effective_role(person, project)
    if role is None:
        deny()
    return role


def has_manager_project_access(person: Person, project: Project) -> bool:
    return effective_role(person, project) in MANAGING_ROLES


def check_manager_project_access(person: Person, project: Project) -> None:
    if not has_manager_project_access(person, project):
        deny()


def block_access_to_vendor(person: Person) -> None:
    if is_vendor(person):
        deny()
