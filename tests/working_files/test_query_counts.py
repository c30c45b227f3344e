"""Query counts of the working-file routes, the same at a few rows and at many (see
tests/query_counts.py): listings, last revisions, one file, a new revision and its path."""

import pytest

from output_files.models import OutputFile
from tests.query_counts import SIZES, bounded
from tests.working_files.helpers import make_file, make_output
from working_files.models import WorkingFile

pytestmark = pytest.mark.django_db


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-lines")
def history(request, stage):
    """`size` lines of two revisions each on the stage's task, every file with an output (the
    `outputs` of a listing with relations), and a line on another task of the entity."""
    size = request.param
    files = []
    for line in range(size):
        for revision in (1, 2):
            files.append(make_file(stage.task, f"line{line:03d}", revision))
    make_file(stage.modeling_task, "main", 1)
    for index, working_file in enumerate(files):
        make_output(stage, working_file, revision=index + 1)
    return size


@pytest.fixture(params=["admin", "worker"])
def caller(request, stage, admin_client, client_for):
    """An admin, and the task's assignee (a team member: the access rules read the team)."""
    return admin_client if request.param == "admin" else client_for(stage.worker)


def test_the_task_listing(caller, stage, history, django_assert_max_num_queries):
    url = f"/api/data/tasks/{stage.task.id}/working-files"
    response = bounded(django_assert_max_num_queries, 3, lambda: caller.get(url))
    assert len(response.json()) == 2 * history


def test_the_last_revisions(caller, stage, history, django_assert_max_num_queries):
    url = f"/api/data/tasks/{stage.task.id}/working-files/last-revisions"
    response = bounded(django_assert_max_num_queries, 3, lambda: caller.get(url))
    assert len(response.json()) == history


@pytest.mark.parametrize("relations", ["", "?relations=true"])
def test_the_entity_listing(caller, stage, history, relations, django_assert_max_num_queries):
    url = f"/api/data/entities/{stage.tree.id}/working-files{relations}"
    # With relations, one more for the outputs of all the files.
    bound = 4 if relations else 3
    response = bounded(django_assert_max_num_queries, bound, lambda: caller.get(url))
    assert len(response.json()) == 2 * history + 1


def test_the_generic_listing(caller, stage, history, django_assert_max_num_queries):
    # Auth, the rows (scoped to the caller's teams), their outputs.
    response = bounded(
        django_assert_max_num_queries, 3, lambda: caller.get("/api/data/working-files")
    )
    assert len(response.json()) == WorkingFile.objects.count()


def test_one_file(caller, stage, history, django_assert_max_num_queries):
    working_file = WorkingFile.objects.filter(task=stage.task).first()
    # Auth, the file with its task and the caller's link, its row, its outputs.
    bounded(
        django_assert_max_num_queries,
        4,
        lambda: caller.get(f"/api/data/working-files/{working_file.id}"),
    )
    bounded(
        django_assert_max_num_queries, 4, lambda: caller.get(f"/api/data/files/{working_file.id}")
    )


def test_the_path_of_the_next_revision(caller, stage, history, django_assert_max_num_queries):
    url = f"/api/data/tasks/{stage.task.id}/working-file-path"
    body = {"name": "line000", "software_id": str(stage.max.id)}
    # Auth, the task with what its path reads, the software, the line's highest revision.
    response = bounded(
        django_assert_max_num_queries, 4, lambda: caller.post(url, body, format="json")
    )
    assert response.json()["name"].endswith("_line000_v003")


def test_a_new_revision(caller, stage, history, django_assert_max_num_queries):
    url = f"/api/data/tasks/{stage.task.id}/working-files/new"
    body = {"name": "line000", "software_id": str(stage.max.id)}
    # Auth, the task, the software; then a transaction (2 statements) with the task's lock,
    # the line's highest revision, the row (with its uniqueness checked first on SQLite) and
    # the assignment; then the row as answered.
    response = bounded(
        django_assert_max_num_queries, 11, lambda: caller.post(url, body, format="json")
    )
    assert response.json()["revision"] == 3
    assert OutputFile.objects.count() == 2 * history
