"""The working-file listings: every revision of a task, the last revision of each name of a
task, and the working files of an entity with their filters.
"""

import datetime
import uuid

import pytest

from production.models import ProjectPersonLink
from tests.working_files.helpers import (
    ARTIST,
    VENDOR,
    WF_KEYS,
    entity_files,
    last_revisions,
    make_file,
    make_output,
    plain,
    task_files,
)
from tests.zou_bodies import FORBIDDEN, NOT_FOUND
from working_files.models import WorkingFile

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# GET data/tasks/<id>/working-files


def test_the_revisions_of_a_task_are_listed_newest_first(admin_client, stage):
    for revision in (1, 2, 3):
        make_file(stage.task, "main", revision)
    make_file(stage.task, "hotfix", 1)
    make_file(stage.task, "hotfix", 2)
    make_file(stage.modeling_task, "main", 9)
    response = task_files(admin_client, stage.task)
    assert response.status_code == 200
    rows = response.json()
    assert [row["revision"] for row in rows] == [3, 2, 2, 1, 1]
    assert {row["task_id"] for row in rows} == {str(stage.task.id)}
    assert all(set(row) == WF_KEYS for row in rows)  # no `outputs`
    by_id = {str(wf.id): wf for wf in WorkingFile.objects.filter(task=stage.task)}
    assert all(row == plain(by_id[row["id"]]) for row in rows)


def test_the_task_listing_hides_negative_revisions(admin_client, stage):
    make_file(stage.task, "main", 1)
    make_file(stage.task, "main", -1)
    make_file(stage.task, "trash", -3)
    rows = task_files(admin_client, stage.task).json()
    assert [(row["name"], row["revision"]) for row in rows] == [("main", 1)]


def test_a_task_with_one_working_file_lists_one(admin_client, stage):
    make_file(stage.task)
    assert len(task_files(admin_client, stage.task).json()) == 1


def test_a_task_without_working_file_lists_none(admin_client, stage):
    response = task_files(admin_client, stage.task)
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("task_id", ["random", "malformed", "task type"])
def test_the_task_listing_of_no_task_is_a_404(admin_client, stage, task_id):
    task_id = {
        "random": uuid.uuid4(),
        "malformed": "nope",
        "task type": stage.shaders.id,
    }[task_id]
    response = admin_client.get(f"/api/data/tasks/{task_id}/working-files")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# ---------------------------------------------------------------------------------------------
# GET data/tasks/<id>/working-files/last-revisions (Zou's test_get_last_working_files)


def test_the_last_revisions_are_keyed_by_name(admin_client, stage):
    files = {}
    for name, count in (("main", 5), ("hotfix", 3), ("wip", 1)):
        for revision in range(1, count + 1):
            files[name, revision] = make_file(stage.task, name, revision)
    make_file(stage.modeling_task, "main", 9)
    response = last_revisions(admin_client, stage.task)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"main", "hotfix", "wip"}
    assert body["main"] == plain(files["main", 5])
    assert body["hotfix"] == plain(files["hotfix", 3])
    assert body["wip"] == plain(files["wip", 1])
    assert all("outputs" not in row for row in body.values())


def test_a_task_without_working_file_has_no_last_revision(admin_client, stage):
    response = last_revisions(admin_client, stage.task)
    assert response.status_code == 200
    assert response.json() == {}


def test_the_last_revisions_do_not_filter_negative_revisions(admin_client, stage):
    trash = make_file(stage.task, "trash", -2)
    make_file(stage.task, "trash", -5)
    body = last_revisions(admin_client, stage.task).json()
    assert body == {"trash": plain(trash)}


def test_the_last_revisions_come_in_the_order_of_their_names(admin_client, stage):
    for name in ("wip", "main", "hotfix"):
        make_file(stage.task, name, 1)
    body = last_revisions(admin_client, stage.task).json()
    assert list(body) == ["hotfix", "main", "wip"]


def test_the_last_revisions_leave_out_rows_without_a_name_or_a_revision(admin_client, stage):
    """As Zou's equality join on (name, highest revision): a row without a name is in no line,
    and a row without a revision is never a line's highest."""
    second = make_file(stage.task, "main", 2)
    make_file(stage.task, "main", None)
    make_file(stage.task, "draft", None)
    make_file(stage.task, None, 7)
    body = last_revisions(admin_client, stage.task).json()
    assert body == {"main": plain(second)}


def test_of_two_rows_at_a_line_s_highest_revision_the_later_one_is_last(admin_client, stage):
    """Only inconsistent data (a row of another entity, through the CRUD) makes such a tie."""
    earlier = make_file(stage.task, "main", 3)
    later = WorkingFile.objects.create(
        task=stage.task, entity=stage.rabbit, name="main", revision=3
    )
    WorkingFile.objects.filter(pk=earlier.pk).update(
        created_at=later.created_at - datetime.timedelta(seconds=1)
    )
    body = last_revisions(admin_client, stage.task).json()
    assert body == {"main": plain(later)}


def test_the_last_revisions_of_no_task_is_a_404(admin_client):
    response = admin_client.get(f"/api/data/tasks/{uuid.uuid4()}/working-files/last-revisions")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# ---------------------------------------------------------------------------------------------
# GET data/entities/<id>/working-files (Zou's test_get_working_files_for_entity)


def test_the_working_files_of_an_entity_are_only_its_own(admin_client, stage):
    make_file(stage.task, "main", 1)
    make_file(stage.modeling_task, "main", 1)
    make_file(stage.rabbit_task, "main", 1)
    response = entity_files(admin_client, stage.tree)
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 2
    assert {row["entity_id"] for row in rows} == {str(stage.tree.id)}
    assert all(set(row) == WF_KEYS for row in rows)  # no `outputs` without relations


def test_the_entity_listing_is_newest_first_without_negative_revisions(admin_client, stage):
    for revision in (2, 1, 3, -1):
        make_file(stage.task, "main", revision)
    rows = entity_files(admin_client, stage.tree).json()
    assert [row["revision"] for row in rows] == [3, 2, 1]


def test_the_entity_listing_is_filtered_by_task(admin_client, stage):
    make_file(stage.task, "main", 1)
    make_file(stage.task, "main", 2)
    make_file(stage.modeling_task, "main", 1)
    rows = entity_files(admin_client, stage.tree, task_id=str(stage.modeling_task.id)).json()
    assert [(row["task_id"], row["revision"]) for row in rows] == [(str(stage.modeling_task.id), 1)]


def test_the_entity_listing_is_filtered_by_name(admin_client, stage):
    make_file(stage.task, "main", 1)
    make_file(stage.task, "hotfix", 1)
    make_file(stage.task, "hotfix", 2)
    rows = entity_files(admin_client, stage.tree, name="hotfix").json()
    assert [(row["name"], row["revision"]) for row in rows] == [("hotfix", 2), ("hotfix", 1)]
    assert entity_files(admin_client, stage.tree, name="HOTFIX").json() == []  # exact match


def test_the_entity_listing_filters_combine(admin_client, stage):
    make_file(stage.task, "main", 1)
    make_file(stage.task, "hotfix", 1)
    make_file(stage.modeling_task, "hotfix", 4)
    rows = entity_files(admin_client, stage.tree, task_id=str(stage.task.id), name="hotfix").json()
    assert [(row["name"], row["revision"]) for row in rows] == [("hotfix", 1)]


@pytest.mark.parametrize("query", ["other task", "unknown task", "unknown name"])
def test_an_entity_listing_matching_nothing_is_empty(admin_client, stage, query):
    make_file(stage.task, "main", 1)
    query = {
        "other task": {"task_id": str(stage.rabbit_task.id)},
        "unknown task": {"task_id": str(uuid.uuid4())},
        "unknown name": {"name": "unknown"},
    }[query]
    response = entity_files(admin_client, stage.tree, **query)
    assert response.status_code == 200
    assert response.json() == []


def test_the_entity_listing_with_relations_lists_outputs(admin_client, stage):
    working_file = make_file(stage.task, "main", 1)
    lonely = make_file(stage.task, "main", 2)
    output = make_output(stage, working_file)
    rows = entity_files(admin_client, stage.tree, relations="true").json()
    assert {row["id"]: row["outputs"] for row in rows} == {
        str(lonely.id): [],
        str(working_file.id): [str(output.id)],
    }
    assert rows[1] == plain(working_file, relations=True)
    assert all("outputs" not in row for row in entity_files(admin_client, stage.tree).json())


def test_the_entity_listing_with_a_malformed_task_filter_is_a_404(admin_client, stage):
    make_file(stage.task)
    response = entity_files(admin_client, stage.tree, task_id="nope")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("entity_id", ["random", "malformed"])
def test_the_entity_listing_of_no_entity_is_a_404(admin_client, entity_id):
    entity_id = {"random": uuid.uuid4(), "malformed": "nope"}[entity_id]
    response = admin_client.get(f"/api/data/entities/{entity_id}/working-files")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_the_entity_listing_is_refused_outside_the_team(stage, client_for, make_person):
    make_file(stage.task)
    artist = make_person(ARTIST)
    response = entity_files(client_for(artist), stage.tree)
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    ProjectPersonLink.objects.create(project=stage.project, person=artist)
    assert len(entity_files(client_for(artist), stage.tree).json()) == 1


def test_a_vendor_of_the_team_lists_the_working_files_of_any_entity(stage, client_for, person_in):
    """Route 3.6 checks project access only (no vendor check)."""
    make_file(stage.task)
    response = entity_files(client_for(person_in(VENDOR)), stage.tree)
    assert response.status_code == 200
    assert len(response.json()) == 1
