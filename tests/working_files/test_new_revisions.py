"""POST data/tasks/<id>/working-files/new: a new revision of a task's working file, numbered
by the service (Zou's test_new_working_file and test_create_same_working_file).
"""

import uuid

import pytest

from production.models import Project, Software
from tests.working_files.helpers import (
    ARTIST,
    TREE_FILE,
    TREE_FOLDER,
    WF_KEYS,
    assignee_ids,
    make_file,
    new_file,
    plain,
    validation_fields,
)
from tests.zou_bodies import NOT_FOUND, WORKING_FILE_EXISTS
from working_files.models import WorkingFile

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# POST data/tasks/<id>/working-files/new (Zou's test_new_working_file and
# test_create_same_working_file)


def test_new_working_files_number_themselves_and_assign_the_caller(admin_client, admin, stage):
    assert assignee_ids(stage.task) == {stage.worker.pk}
    body = {"name": "main", "description": "a description", "comment": "a comment"}
    first = new_file(admin_client, stage.task, **body)
    assert first.status_code == 201
    assert first.json()["revision"] == 1
    assert assignee_ids(stage.task) == {stage.worker.pk, admin.pk}
    second = new_file(admin_client, stage.task, **body)
    third = new_file(admin_client, stage.task, **body)
    assert (second.status_code, third.status_code) == (201, 201)
    assert (second.json()["revision"], third.json()["revision"]) == (2, 3)
    assert third.json()["path"] == f"{TREE_FOLDER}/blender/{TREE_FILE}_main_v003"
    assert WorkingFile.objects.filter(task=stage.task).count() == 3
    assert assignee_ids(stage.task) == {stage.worker.pk, admin.pk}  # assigned once


def test_a_new_working_file_answers_its_plain_json(admin_client, admin, stage):
    response = new_file(admin_client, stage.task, name="main", comment="first try")
    assert response.status_code == 201
    body = response.json()
    working_file = WorkingFile.objects.get(pk=body["id"])
    assert body == plain(working_file)
    assert set(body) == WF_KEYS  # no `outputs`
    assert body["type"] == "WorkingFile"
    assert body["name"] == "main"
    assert body["comment"] == "first try"
    assert body["task_id"] == str(stage.task.id)
    assert body["entity_id"] == str(stage.tree.id)
    assert body["person_id"] == str(admin.id)
    assert body["path"] == f"{TREE_FOLDER}/blender/{TREE_FILE}_main_v001"


def test_a_forced_revision_is_kept_and_the_next_one_follows_it(admin_client, stage):
    forced = new_file(admin_client, stage.task, name="main", revision=66)
    assert forced.status_code == 201
    assert forced.json()["revision"] == 66
    assert forced.json()["path"].endswith("_main_v066")
    following = new_file(admin_client, stage.task, name="main")
    assert following.status_code == 201
    assert following.json()["revision"] == 67
    assert following.json()["path"].endswith("_main_v067")


def test_a_revision_already_taken_is_refused_and_nothing_is_written(
    admin_client, stage, client_for, person_in
):
    assert new_file(admin_client, stage.task, name="main", revision=66).status_code == 201
    artist = person_in(ARTIST)
    before = WorkingFile.objects.count()
    response = new_file(client_for(artist), stage.task, name="main", revision=66)
    assert response.status_code == 400
    assert response.json() == WORKING_FILE_EXISTS
    assert WorkingFile.objects.count() == before
    assert artist.pk not in assignee_ids(stage.task)  # not assigned on failure


def test_the_same_revision_of_another_name_is_not_a_conflict(admin_client, stage):
    assert new_file(admin_client, stage.task, name="main", revision=2).status_code == 201
    response = new_file(admin_client, stage.task, name="hotfix", revision=2)
    assert response.status_code == 201
    assert response.json()["path"] == f"{TREE_FOLDER}/blender/{TREE_FILE}_hotfix_v002"


def test_revisions_are_numbered_per_task(admin_client, stage):
    make_file(stage.modeling_task, "main", 7)
    response = new_file(admin_client, stage.task, name="main")
    assert response.json()["revision"] == 1


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"comment": "no name"}, {"name": None}],
    ids=["empty", "empty-name", "no-name", "null-name"],
)
def test_a_new_working_file_needs_a_name(admin_client, admin, stage, body):
    response = new_file(admin_client, stage.task, **body)
    assert response.status_code == 400
    assert validation_fields(response) == ["name"]
    assert not WorkingFile.objects.exists()
    assert admin.pk not in assignee_ids(stage.task)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "main", "revision": "three"}, "revision"),
        ({"name": "main", "revision": 2.5}, "revision"),
        ({"name": "main", "revision": -1}, "revision"),
        ({"name": "main", "revision": None}, "revision"),
    ],
    ids=["word-revision", "fraction-revision", "negative-revision", "null-revision"],
)
def test_a_new_working_file_with_wrong_types_is_a_validation_error(
    admin_client, stage, body, field
):
    response = new_file(admin_client, stage.task, **body)
    assert response.status_code == 400
    assert field in validation_fields(response)
    assert not WorkingFile.objects.exists()


def test_validation_comes_before_the_task_lookup(admin_client):
    response = admin_client.post(
        f"/api/data/tasks/{uuid.uuid4()}/working-files/new", {}, format="json"
    )
    assert response.status_code == 400
    assert validation_fields(response) == ["name"]


@pytest.mark.parametrize("software_id", ["random", "malformed"])
def test_an_unknown_software_is_refused_and_nothing_is_written(
    stage, client_for, person_in, software_id
):
    software_id = {"random": str(uuid.uuid4()), "malformed": "blender"}[software_id]
    artist = person_in(ARTIST)
    response = new_file(client_for(artist), stage.task, name="main", software_id=software_id)
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": f"Unknown software: {software_id}",
        "data": None,
    }
    assert not WorkingFile.objects.exists()
    assert artist.pk not in assignee_ids(stage.task)
    assert not Software.objects.filter(name="Blender").exists()


def test_a_given_software_is_stored_and_named_in_the_path(admin_client, stage):
    response = new_file(admin_client, stage.task, name="main", software_id=str(stage.max.id))
    assert response.status_code == 201
    assert response.json()["software_id"] == str(stage.max.id)
    assert response.json()["path"] == f"{TREE_FOLDER}/3dsmax/{TREE_FILE}_main_v001"
    assert not Software.objects.filter(name="Blender").exists()


def test_without_software_blender_is_created_once_and_used(admin_client, stage):
    assert not Software.objects.filter(name="Blender").exists()
    first = new_file(admin_client, stage.task, name="main")
    blender = Software.objects.get(name="Blender")
    assert (blender.short_name, blender.file_extension) == ("blender", ".blend")
    assert first.json()["software_id"] == str(blender.id)
    second = new_file(admin_client, stage.task, name="main", software_id=None)
    assert second.status_code == 201
    assert second.json()["software_id"] == str(blender.id)
    assert Software.objects.filter(name="Blender").count() == 1


def test_an_existing_blender_is_reused(admin_client, stage):
    blender = Software.objects.create(name="Blender", short_name="bdr", file_extension=".blender")
    response = new_file(admin_client, stage.task, name="main")
    assert response.json()["software_id"] == str(blender.id)
    assert Software.objects.filter(name="Blender").count() == 1


def test_the_description_is_dropped(admin_client, stage):
    response = new_file(admin_client, stage.task, name="main", description="never stored")
    assert response.status_code == 201
    assert response.json()["description"] is None
    assert WorkingFile.objects.get().description is None


def test_the_given_person_is_stored_as_author(admin_client, admin, stage, make_person):
    author = make_person(ARTIST)
    response = new_file(admin_client, stage.task, name="main", person_id=str(author.id))
    assert response.status_code == 201
    assert response.json()["person_id"] == str(author.id)
    assert WorkingFile.objects.get().person_id == author.pk
    # The caller, not the author, is assigned.
    assert assignee_ids(stage.task) == {stage.worker.pk, admin.pk}


@pytest.mark.parametrize("person_id", ["random", "malformed"])
def test_an_unknown_author_is_refused_and_nothing_is_written(admin_client, admin, stage, person_id):
    """Zou answers "already exists" (a random id) or 500 (a malformed one): we answer a 400
    that names the unknown person, before anything is written
    (docs/compatibility.md#file-trees, on ids in a body)."""
    person_id = {"random": str(uuid.uuid4()), "malformed": "nobody"}[person_id]
    response = new_file(admin_client, stage.task, name="main", person_id=person_id)
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": f"Unknown person: {person_id}",
        "data": None,
    }
    assert not WorkingFile.objects.exists()
    assert admin.pk not in assignee_ids(stage.task)


def test_a_new_working_file_accepts_a_trailing_slash_and_a_form_body(admin_client, stage):
    url = f"/api/data/tasks/{stage.task.id}/working-files/new/"
    response = admin_client.post(url, {"name": "main", "revision": "4"})
    assert response.status_code == 201
    assert response.json()["revision"] == 4
    assert response.json()["path"] == f"{TREE_FOLDER}/blender/{TREE_FILE}_main_v004"


def test_without_person_the_caller_is_the_author(stage, client_for, person_in):
    artist = person_in(ARTIST)
    response = new_file(client_for(artist), stage.task, name="main")
    assert response.status_code == 201
    assert response.json()["person_id"] == str(artist.id)


def test_the_separator_joins_folder_and_file_name_only(admin_client, stage):
    response = new_file(admin_client, stage.task, name="main", sep="\\")
    assert response.status_code == 201
    assert response.json()["path"] == f"{TREE_FOLDER}/blender\\{TREE_FILE}_main_v001"


def test_the_comment_defaults_to_empty(admin_client, stage):
    assert new_file(admin_client, stage.task, name="main").json()["comment"] == ""


@pytest.mark.parametrize("task_id", ["random", "malformed", "task type"])
def test_a_new_working_file_for_no_task_is_a_404(admin_client, admin, stage, task_id):
    task_id = {"random": uuid.uuid4(), "malformed": "nope", "task type": stage.shaders.id}[task_id]
    response = admin_client.post(
        f"/api/data/tasks/{task_id}/working-files/new", {"name": "main"}, format="json"
    )
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert not WorkingFile.objects.exists()


def test_a_project_without_file_tree_refuses_a_new_working_file(stage, client_for, person_in):
    """Zou answers 500 here: a 400 that writes nothing."""
    Project.objects.filter(pk=stage.project.pk).update(file_tree=None)
    artist = person_in(ARTIST)
    body = {"name": "main"}
    response = new_file(client_for(artist), stage.task, **body)
    assert response.status_code == 400
    assert response.json() == {
        "message": "No tree can be found for given project.",
        "received_data": body,
    }
    assert not WorkingFile.objects.exists()
    assert artist.pk not in assignee_ids(stage.task)
    assert not Software.objects.filter(name="Blender").exists()


def test_an_unknown_mode_refuses_a_new_working_file(admin_client, admin, stage):
    body = {"name": "main", "mode": "unknown"}
    response = new_file(admin_client, stage.task, **body)
    assert response.status_code == 400
    assert response.json() == {
        "message": "Mode unknown cannot be found on given tree.",
        "received_data": body,
    }
    assert not WorkingFile.objects.exists()
    assert admin.pk not in assignee_ids(stage.task)
    assert not Software.objects.filter(name="Blender").exists()
