"""Query counts of the output-file routes, the same at a few rows and at many (see
tests/query_counts.py): an entity's and an instance's listings and last revisions, their
output types, a project's outputs, one file, the next revision, a publish and its path."""

import pytest

from output_files.models import OutputFile
from production.models import Role
from tests.output_files.helpers import make_instance_output, make_output
from tests.query_counts import SIZES, bounded
from working_files.models import WorkingFile

pytestmark = pytest.mark.django_db


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-lines")
def history(request, cosmos):
    """`size` lines (names) of two revisions each on Tree and on an instance of it in the shot,
    in two output types, each made from a working file (the nested `source_file`)."""
    size = request.param
    source = WorkingFile.objects.create(
        task=cosmos.asset_task, entity=cosmos.tree, name="main", revision=1
    )
    for line in range(size):
        output_type = cosmos.geometry if line % 2 else cosmos.cache
        for revision in (1, 2):
            make_output(
                cosmos.tree,
                output_type,
                cosmos.shaders,
                revision,
                name=f"line{line:03d}",
                source_file=source,
            )
            make_instance_output(
                cosmos,
                cosmos.shot_instance,
                cosmos.shot,
                output_type,
                cosmos.shaders,
                revision,
                name=f"line{line:03d}",
                source_file=source,
            )
    return size


@pytest.fixture(params=["admin", "manager"])
def caller(request, admin_client, member):
    """An admin, and a manager of the production (a team member: the access rules read the
    team; the project listing needs a manager)."""
    if request.param == "admin":
        return admin_client
    return member(Role.SUPERVISOR, project_role=Role.MANAGER)


def entity_url(cosmos) -> str:
    return f"/api/data/entities/{cosmos.tree.id}"


def instance_url(cosmos) -> str:
    return f"/api/data/asset-instances/{cosmos.shot_instance.id}/entities/{cosmos.shot.id}"


# (route, bound, rows in the answer at `size` lines). Every listing: auth, the entity or
# instance with the caller's team link, the rows, their source files.
LISTINGS = {
    "entity outputs": (lambda c: f"{entity_url(c)}/output-files", 4, lambda n: 2 * n),
    "entity last revisions": (
        lambda c: f"{entity_url(c)}/output-files/last-revisions",
        4,
        lambda n: n,
    ),
    "entity output types": (lambda c: f"{entity_url(c)}/output-types", 3, lambda n: 2),
    # Auth, the entity, the output type, the rows, their source files.
    "entity outputs of a type": (
        lambda c: f"{entity_url(c)}/output-types/{c.cache.id}/output-files",
        5,
        lambda n: 2 * ((n + 1) // 2),
    ),
    "instance last revisions": (
        lambda c: f"{instance_url(c)}/output-files/last-revisions",
        5,
        lambda n: n,
    ),
    "instance output types": (lambda c: f"{instance_url(c)}/output-types", 4, lambda n: 2),
    "instance outputs of a type": (
        lambda c: f"{instance_url(c)}/output-types/{c.cache.id}/output-files",
        6,
        lambda n: 2 * ((n + 1) // 2),
    ),
    "instance outputs": (
        lambda c: f"/api/data/asset-instances/{c.shot_instance.id}/output-files",
        4,
        lambda n: 2 * n,
    ),
    "project outputs": (
        lambda c: f"/api/data/projects/{c.project.id}/output-files",
        4,
        lambda n: 2 * n,
    ),
    # Auth, the rows (scoped to the caller's teams), their source files.
    "generic listing": (lambda c: "/api/data/output-files", 3, lambda n: 4 * n),
}


@pytest.mark.parametrize("route", LISTINGS)
def test_a_listing(caller, cosmos, history, route, django_assert_max_num_queries):
    url, bound, rows = LISTINGS[route]
    response = bounded(django_assert_max_num_queries, bound, lambda: caller.get(url(cosmos)))
    assert len(response.json()) == rows(history)


def test_one_file(caller, cosmos, history, django_assert_max_num_queries):
    output = OutputFile.objects.filter(entity=cosmos.tree, asset_instance=None).first()
    # Auth, the file with its entity and the caller's link, its row, its source file.
    bounded(
        django_assert_max_num_queries, 4, lambda: caller.get(f"/api/data/output-files/{output.id}")
    )
    # The same, after looking for a working file of that id first (as Zou does).
    bounded(django_assert_max_num_queries, 5, lambda: caller.get(f"/api/data/files/{output.id}"))


@pytest.mark.parametrize("place", ["entity", "instance"])
def test_the_next_revision(caller, cosmos, history, place, django_assert_max_num_queries):
    url = entity_url(cosmos) if place == "entity" else instance_url(cosmos)
    body = {
        "output_type_id": str(cosmos.geometry.id),
        "task_type_id": str(cosmos.shaders.id),
        "name": "line001",
    }
    # Auth, the entity (or the instance and the temporal entity), the output type, the task
    # type, the line's highest revision.
    bound = 5 if place == "entity" else 7
    response = bounded(
        django_assert_max_num_queries,
        bound,
        lambda: caller.post(f"{url}/output-files/next-revision", body, format="json"),
    )
    assert response.json() == {"next_revision": 3}


@pytest.mark.parametrize("place", ["entity", "instance"])
def test_the_path(caller, cosmos, history, place, django_assert_max_num_queries):
    url = entity_url(cosmos) if place == "entity" else instance_url(cosmos)
    body = {
        "output_type_id": str(cosmos.geometry.id),
        "task_type_id": str(cosmos.shaders.id),
        "name": "line001",
    }
    # Auth, the entity (or the instance and the temporal entity), the output type, the task
    # type; an entity's path takes the line's next revision.
    response = bounded(
        django_assert_max_num_queries,
        5 if place == "entity" else 6,
        lambda: caller.post(f"{url}/output-file-path", body, format="json"),
    )
    assert response.json()["file_name"].endswith("v003" if place == "entity" else "v000")


@pytest.mark.parametrize("place", ["entity", "instance"])
def test_a_publish(caller, cosmos, history, place, django_assert_max_num_queries):
    url = entity_url(cosmos) if place == "entity" else instance_url(cosmos)
    body = {
        "output_type_id": str(cosmos.geometry.id),
        "task_type_id": str(cosmos.shaders.id),
        "name": "line001",
    }
    # Auth, the entity (or the instance and the temporal entity), the output type, the task
    # type; then a transaction (2 statements) with the line's lock (the instance's too), its
    # highest revision, the default file status, the row (with its uniqueness checked first
    # on SQLite); then the row as answered and its source file.
    response = bounded(
        django_assert_max_num_queries,
        12 if place == "entity" else 14,
        lambda: caller.post(f"{url}/output-files/new", body, format="json"),
    )
    assert response.json()["revision"] == 3
