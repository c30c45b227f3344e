"""A person's role: global (`admin` is only ever global), or inside a project, where a team
member's link may override the global role (`ProjectPersonLink.role`)."""

import uuid
from typing import NoReturn, TypeVar

from django.db.models import F, Model, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from kitsufiles.errors import Forbidden
from production.models import Person, Project, ProjectPersonLink, Role

MANAGING_ROLES = (Role.ADMIN, Role.MANAGER)
M = TypeVar("M", bound=Model)
# A project, or its id: the rules read only the id, so a route need not fetch the row.
ProjectRef = Project | uuid.UUID | str


def is_admin(person: Person) -> bool:
    return person.role == Role.ADMIN


def is_vendor(person: Person) -> bool:
    """Vendors see only what they are assigned to. Their global role decides where no project
    is known yet (the listings), as Zou does."""
    return person.role == Role.VENDOR


def effective_role(person: Person, project: ProjectRef) -> str | None:
    """The caller's role inside `project`, or None if they are not in its team (admins: admin).

    Computed once per person object and project: `request.user` is a fresh object on every
    request, so the answer lasts exactly one request however many checks ask for it. A row
    fetched `with_caller_link` brings the answer along, and no query is needed."""
    if is_admin(person):
        return Role.ADMIN
    project_id = str(project.pk if isinstance(project, Project) else project)
    known = _known_roles(person)
    if project_id not in known:
        link = (
            ProjectPersonLink.objects.filter(project_id=project_id, person_id=person.pk)
            .values_list(_LINK, flat=True)
            .first()
        )
        known[project_id] = _role_from_link(person, link)
    return known[project_id]


# The caller's link to a team, as read: NULL when not in the team, else the link's role, ""
# for a link that overrides nothing.
_LINK = Coalesce("role", Value(""))
# The names of what `with_caller_link` reads beside a row.
CALLER_LINK = "caller_team_link"
CALLER_LINK_PROJECT = "caller_team_link_project"


def _known_roles(person: Person) -> dict[str, str | None]:
    known: dict[str, str | None] = person.__dict__.setdefault("_roles_by_project", {})
    return known


def _role_from_link(person: Person, link: str | None) -> str | None:
    if link is None:
        return None
    if link in ("", Role.ADMIN):  # no override, or one Zou ignores
        return person.role
    return link


def with_caller_link(person: Person, queryset: QuerySet[M], project_field: str) -> QuerySet[M]:
    """`queryset` whose rows also read `person`'s link to the team of their project
    (`project_field` leads from a row to the project's id), so that the access check of a
    route costs no query beyond the one fetching its row (`remember_caller_link`). Admins
    need no link."""
    if is_admin(person):
        return queryset
    return with_link_of(person.pk, queryset, project_field)


def with_link_of(
    person_id: uuid.UUID | str, queryset: QuerySet[M], project_field: str
) -> QuerySet[M]:
    """`with_caller_link` for the person `person_id`, who is not an admin."""
    link = ProjectPersonLink.objects.filter(project_id=OuterRef(project_field), person_id=person_id)
    return queryset.annotate(
        **{
            CALLER_LINK: Subquery(link.values_list(_LINK)[:1]),
            CALLER_LINK_PROJECT: F(project_field),
        }
    )


def remember_caller_link(person: Person, row: object) -> None:
    """Keep the role read beside `row` by `with_caller_link` for the rest of the request (a
    row without a project, or read otherwise, teaches nothing)."""
    project_id = getattr(row, CALLER_LINK_PROJECT, None)
    if project_id is not None:
        _known_roles(person)[str(project_id)] = _role_from_link(person, getattr(row, CALLER_LINK))


def deny() -> NoReturn:
    raise Forbidden()


def check_admin(person: Person) -> None:
    if not is_admin(person):
        deny()


def check_project_access(person: Person, project: ProjectRef) -> str:
    """Admins, and any member of the project's team. Returns the effective role."""
    role = effective_role(person, project)
    if role is None:
        deny()
    return role


def has_manager_project_access(person: Person, project: ProjectRef) -> bool:
    return effective_role(person, project) in MANAGING_ROLES


def check_manager_project_access(person: Person, project: ProjectRef) -> None:
    if not has_manager_project_access(person, project):
        deny()


def block_access_to_vendor(person: Person) -> None:
    if is_vendor(person):
        deny()
