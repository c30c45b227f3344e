"""The entry point of routes: fetch the object a route acts on and check the caller's access to
it in one call, so that no view tests a role itself."""

import uuid
from collections.abc import Callable
from enum import Enum
from typing import Generic, Protocol, TypeVar

from django.db.models import Model, QuerySet

from kitsufiles.errors import Forbidden, NotFound
from kitsufiles.lookups import get_or_404, parse_id
from kitsufiles.prepared import Prepared
from production.models import AssetInstance, Entity, Person, Project, Task
from production.permissions.roles import (
    ProjectRef,
    check_admin,
    check_manager_project_access,
    check_project_access,
    is_admin,
    remember_caller_link,
    with_caller_link,
    with_link_of,
)
from production.permissions.tasks import (
    check_entity_access,
    check_task_access,
    check_task_action_access,
    check_task_update_access,
)

T = TypeVar("T")
M = TypeVar("M", bound=Model)


class Access(Enum):
    """What a route needs on the task, entity or project it acts on."""

    PROJECT = "project"  # any member of the project's team
    MANAGER = "manager"  # the project's managers
    TASK = "task"  # project access; a vendor only on entities they have a task on
    ACTION = "action"  # acting on the task: the task rule with clients and entity creators
    UPDATE = "update"  # changing the task's rows: the task rule without them
    ADMIN = "admin"  # admins only


class HasUser(Protocol):
    """What `caller` reads of a request: Django's and DRF's requests both carry `user`. Typed
    structurally so that the access rules need not import DRF."""

    @property
    def user(self) -> object: ...


def caller(request: HasUser) -> Person:
    """The person a request acts for. Every API route requires authentication, so a request
    reaching a view has one; should a route ever be left open by mistake, it refuses (403)
    rather than run with an anonymous user."""
    user = request.user
    if not isinstance(user, Person):
        raise Forbidden()
    return user


# Each rule refuses with Forbidden; what it returns (a role) does not matter here.
_PROJECT_RULES: dict[Access, Callable[[Person, ProjectRef], object]] = {
    Access.PROJECT: check_project_access,
    Access.MANAGER: check_manager_project_access,
    Access.ADMIN: lambda person, project: check_admin(person),
}
_TASK_RULES: dict[Access, Callable[[Person, Task], object]] = {
    Access.PROJECT: lambda person, task: check_project_access(person, task.project_id),
    Access.MANAGER: lambda person, task: check_manager_project_access(person, task.project_id),
    Access.TASK: check_task_access,
    Access.ACTION: check_task_action_access,
    Access.UPDATE: check_task_update_access,
    Access.ADMIN: lambda person, task: check_admin(person),
}


def _rule(
    rules: dict[Access, Callable[[Person, T], object]], access: Access, what: str
) -> Callable[[Person, T], object]:
    try:
        return rules[access]
    except KeyError:
        raise ValueError(f"{access} does not apply to {what}") from None


def check_project(person: Person, project: ProjectRef, access: Access) -> None:
    """Refuse (Forbidden) unless `person` has `access` (PROJECT, MANAGER or ADMIN) on
    `project` (the row or its id)."""
    _rule(_PROJECT_RULES, access, "a project")(person, project)


def check_task(person: Person, task: Task, access: Access) -> None:
    """Refuse (Forbidden) unless `person` has `access` on `task`."""
    _rule(_TASK_RULES, access, "a task")(person, task)


def check_task_or_admin(person: Person, task: Task | None, access: Access) -> None:
    """Rows that hang on a task (files, previews): `access` on their task; a row without a task
    (made through the generic CRUD) is for admins only."""
    if task is None:
        check_admin(person)
    else:
        check_task(person, task, access)


def check_entity(person: Person, entity: Entity, access: Access) -> None:
    """Refuse unless `person` has `access` on `entity`: TASK (project access; vendors need a
    task on it), or PROJECT (the project's team alone), MANAGER, ADMIN on its project.

    Zou's file routes check an entity both ways: their listings and publish routes only ask
    for the project's team (a vendor may publish on an entity they have no task on); their
    path routes also apply the vendor rule."""
    if access is Access.TASK:
        check_entity_access(person, entity, check_project_access(person, entity.project_id))
    else:
        check_project(person, entity.project_id, access)


# What every task route reads besides the task: its project, type and entity (with parents,
# for paths), fetched in the same query.
TASK_RELATIONS = (
    "project",
    "task_type__department",
    "entity__entity_type",
    "entity__project",
    "entity__parent__parent",
)

# What an entity route reads besides the entity, for paths: its project and type. A listing,
# which reads only the entity's id, passes `relations=()`.
ENTITY_RELATIONS = ("project", "entity_type")

Id = uuid.UUID | str


def fetch(person: Person, queryset: QuerySet[M], object_id: object, *, project: str) -> M:
    """The row `object_id` of `queryset` (NotFound if there is none, or the id is
    malformed), read in one query with `person`'s link to the team of its project (`project`
    leads from the row to the project's id): the access check that follows asks nothing
    more of the database (roles.with_caller_link)."""
    row = get_or_404(with_caller_link(person, queryset, project), object_id)
    remember_caller_link(person, row)
    return row


class Lookup(Generic[M]):
    """`fetch` for one kind of row, declared once where a route is defined: the rows of
    `rows()` (a queryset with what the route reads besides the row), with the caller's team
    link of their project (`project` leads from a row to the project's id). Its SQL is
    compiled on first use and kept for the life of the process (kitsufiles.prepared): a
    route's look-up costs the query, not the building of it, on every request.

    `rows` must not depend on the request (it runs once): a look-up narrowed by what a request
    says goes through `fetch`."""

    def __init__(self, rows: Callable[[], QuerySet[M]], *, project: str) -> None:
        self._for_admins = Prepared(lambda object_id: rows().filter(pk=object_id).order_by())
        self._for_members = Prepared(
            lambda object_id, person_id: with_link_of(person_id, rows(), project)
            .filter(pk=object_id)
            .order_by()
        )

    def fetch(self, person: Person, object_id: object) -> M:
        """The row `object_id` (NotFound if there is none, or the id is malformed)."""
        row_id = parse_id(object_id)
        if is_admin(person):
            row = self._for_admins.first(object_id=row_id)
        else:
            row = self._for_members.first(object_id=row_id, person_id=person.pk)
        if row is None:
            raise NotFound()
        remember_caller_link(person, row)
        return row


TASKS = Lookup(lambda: Task.objects.select_related(*TASK_RELATIONS), project="project_id")
TASK_ROWS = Lookup(Task.objects.all, project="project_id")  # the task's columns alone
ENTITIES = Lookup(lambda: Entity.objects.select_related(*ENTITY_RELATIONS), project="project_id")
ENTITY_ROWS = Lookup(Entity.objects.all, project="project_id")
PROJECTS = Lookup(Project.objects.all, project="pk")
ASSET_INSTANCES = Lookup(
    lambda: AssetInstance.objects.select_related("asset__project", "asset__entity_type"),
    project="asset__project_id",
)


def get_task(person: Person, task_id: Id, *, access: Access, lookup: Lookup[Task] = TASKS) -> Task:
    """The task `task_id` (NotFound if there is none, or the id is malformed), once `person`
    has `access` on it. `lookup` replaces the default one (tasks with TASK_RELATIONS) where a
    route reads other relations."""
    task = lookup.fetch(person, task_id)
    check_task(person, task, access)
    return task


def get_project(person: Person, project_id: Id, *, access: Access) -> Project:
    """The project `project_id`, once `person` has `access` (PROJECT, MANAGER or ADMIN) on it."""
    project = PROJECTS.fetch(person, project_id)
    check_project(person, project, access)
    return project


def get_entity(
    person: Person, entity_id: Id, *, access: Access, lookup: Lookup[Entity] = ENTITIES
) -> Entity:
    """The entity `entity_id`, once `person` has `access` on it (see check_entity). `lookup`
    replaces the default one (entities with ENTITY_RELATIONS): ENTITY_ROWS for the row alone,
    or one that narrows the look-up (only assets, only shots...), outside which an entity is
    NotFound."""
    entity = lookup.fetch(person, entity_id)
    check_entity(person, entity, access)
    return entity


def get_asset_instance(person: Person, instance_id: Id, *, access: Access) -> AssetInstance:
    """The asset instance `instance_id`, once `person` has `access` (PROJECT or TASK) on its
    asset: the asset's project decides, wherever the instance is cast."""
    instance = ASSET_INSTANCES.fetch(person, instance_id)
    check_entity(person, instance.asset, access)
    return instance
