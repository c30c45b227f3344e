"""Fixtures of the working-file tests: the production (`stage`, built once per module) and
people placed in it (`person_in`). Helpers and constants are in helpers.py."""

import pytest

from file_trees.shipped import shipped_tree
from production import services as production_services
from production.models import (
    Department,
    EntityType,
    FileStatus,
    OutputType,
    Person,
    ProjectPersonLink,
    Role,
    Software,
    TaskStatus,
    TaskType,
)
from tests.conftest import PASSWORD, own_copy
from tests.working_files.helpers import ARTIST, SIBLING, Stage


def build_stage() -> Stage:
    """The production, written once per module (see `module_transaction` in tests/conftest.py);
    its people have e-mail addresses of their own, so a test's `make_person` never takes one."""
    admin = Person.objects.create_user(
        email="stage-admin@studio.test", password=PASSWORD, role=Role.ADMIN, first_name="Admin"
    )
    project = production_services.create_project(
        values={"name": "Cosmos Landromat", "file_tree": shipped_tree("simple")}
    )
    props = EntityType.objects.create(name="Props")
    character = EntityType.objects.get(name="Character")
    tree = production_services.create_asset(
        project=project, asset_type=props, name="Tree", created_by=admin
    )
    rabbit = production_services.create_asset(
        project=project, asset_type=character, name="Rabbit", created_by=admin
    )
    modeling = Department.objects.get(name="Modeling")
    shaders = TaskType.objects.create(
        name="Shaders", short_name="shd", for_entity="Asset", department=modeling
    )
    status = TaskStatus.objects.get(is_default=True)

    def task(entity, task_type):
        return production_services.create_task(
            values={
                "name": "main",
                "project": project,
                "entity": entity,
                "task_type": task_type,
                "task_status": status,
            }
        )

    the_task = task(tree, shaders)
    worker = Person.objects.create_user(
        email="stage-worker@studio.test", password=PASSWORD, role=ARTIST, first_name="Worker"
    )
    ProjectPersonLink.objects.create(project=project, person=worker)
    the_task.assignees.add(worker)
    return Stage(
        project=project,
        tree=tree,
        rabbit=rabbit,
        task=the_task,
        modeling_task=task(tree, TaskType.objects.get(name="Modeling", for_entity="Asset")),
        rabbit_task=task(rabbit, shaders),
        shaders=shaders,
        modeling=modeling,
        max=Software.objects.create(name="3dsMax", short_name="max", file_extension=".max"),
        worker=worker,
        file_status=FileStatus.objects.get_or_create(
            name="To review", defaults={"color": "#FFFFFF"}
        )[0],
        geometry=OutputType.objects.create(name="Geometry", short_name="geo"),
    )


@pytest.fixture(scope="module")
def shared_stage(module_transaction, django_db_blocker) -> Stage:
    with django_db_blocker.unblock():
        return build_stage()


@pytest.fixture
def stage(shared_stage, db) -> Stage:
    """This test's own copy of the module's production."""
    return own_copy(shared_stage)


@pytest.fixture
def person_in(stage, make_person):
    """A person of `role`; `inside` puts them in the team (with an optional project role),
    `assigned` assigns them to the stage's task (`SIBLING`: to another task of its entity)."""

    def make(role=ARTIST, *, inside=True, assigned=False, project_role=None) -> Person:
        person = make_person(role)
        if inside:
            ProjectPersonLink.objects.create(
                project=stage.project, person=person, role=project_role
            )
        if assigned == SIBLING:
            stage.modeling_task.assignees.add(person)
        elif assigned:
            stage.task.assignees.add(person)
        return person

    return make
