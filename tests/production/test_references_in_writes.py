"""References in write bodies that name no other project's row, but rows the caller may not
choose freely (docs/compatibility.md#access-rules):

- who made a row: the author (`person_id`) of a working file, an output file or a preview,
  and a comment's editor, change only by the project's managers and admins; the
  new-working-file and publish routes take a `person_id` from them only, as the comment
  routes do;
- a comment's status: edited through the CRUD, still one its author's role may set."""

import pytest

from output_files.models import OutputFile
from previews.models import PreviewFile
from production.models import Comment, FileStatus, OutputType, Role, TaskStatus
from working_files.models import WorkingFile


@pytest.fixture
def artist(make_person, add_to_team, task):
    person = add_to_team(make_person(Role.ARTIST))
    task.assignees.add(person)
    return person


@pytest.fixture
def manager(make_person, add_to_team):
    return add_to_team(make_person(Role.MANAGER))


@pytest.fixture
def colleague(make_person, add_to_team):
    return add_to_team(make_person(Role.ARTIST))


@pytest.fixture
def rows(task, asset, artist):
    """A working file, an output file and a preview of the artist's task, all theirs."""
    return {
        "working-files": WorkingFile.objects.create(
            name="main", revision=1, task=task, entity=asset, person=artist
        ),
        "output-files": OutputFile.objects.create(
            name="main",
            revision=1,
            entity=asset,
            person=artist,
            file_status=FileStatus.objects.first(),
        ),
        "preview-files": PreviewFile.objects.create(name="v1", task=task, person=artist),
    }


COLLECTIONS = ["working-files", "output-files", "preview-files"]


def put(client, collection, row, body):
    return client.put(f"/api/data/{collection}/{row.id}", body, format="json")


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_an_artist_cannot_give_their_file_to_someone_else(
    client_for, artist, colleague, rows, collection
):
    row = rows[collection]
    client = client_for(artist)

    refused = put(client, collection, row, {"person_id": str(colleague.id)})
    echoed = put(client, collection, row, {"person_id": str(artist.id), "description": "mine"})

    assert refused.status_code == 403
    assert echoed.status_code == 200, echoed.json()
    row.refresh_from_db()
    assert (row.person_id, row.description) == (artist.id, "mine")


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_a_manager_may_re_sign_a_file(client_for, manager, colleague, rows, collection):
    row = rows[collection]
    response = put(client_for(manager), collection, row, {"person_id": str(colleague.id)})
    assert response.status_code == 200, response.json()
    row.refresh_from_db()
    assert row.person_id == colleague.id


def test_a_comment_author_cannot_name_its_editor(client_for, artist, colleague, task):
    comment = Comment.objects.create(
        object=task, task_status=task.task_status, person=artist, text="first"
    )
    response = put(client_for(artist), "comments", comment, {"editor_id": str(colleague.id)})
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.editor_id is None


@pytest.mark.parametrize(("signer", "signs_as_named"), [("artist", False), ("manager", True)])
def test_a_new_working_file_is_signed_by_its_caller_unless_a_manager_names_someone(
    client_for, artist, manager, colleague, task, signer, signs_as_named
):
    caller = {"artist": artist, "manager": manager}[signer]
    response = client_for(caller).post(
        f"/api/data/tasks/{task.id}/working-files/new",
        {"name": "main", "person_id": str(colleague.id)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    expected = colleague if signs_as_named else caller
    assert response.json()["person_id"] == str(expected.id)


@pytest.mark.parametrize(("signer", "signs_as_named"), [("artist", False), ("manager", True)])
def test_a_publish_is_signed_by_its_caller_unless_a_manager_names_someone(
    client_for, artist, manager, colleague, asset, task, signer, signs_as_named
):
    caller = {"artist": artist, "manager": manager}[signer]
    geometry = OutputType.objects.create(name="Geometry", short_name="geo")
    response = client_for(caller).post(
        f"/api/data/entities/{asset.id}/output-files/new",
        {
            "output_type_id": str(geometry.id),
            "task_type_id": str(task.task_type_id),
            "person_id": str(colleague.id),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    expected = colleague if signs_as_named else caller
    assert response.json()["person_id"] == str(expected.id)


def test_a_comment_author_cannot_set_a_status_their_role_may_not(client_for, artist, task):
    """Artists comment only with the statuses flagged for them; editing the comment through
    the CRUD is not a way around it (the statuses they may use are still accepted)."""
    comment = Comment.objects.create(
        object=task, task_status=task.task_status, person=artist, text="first"
    )
    reserved = TaskStatus.objects.create(
        name="Approved", short_name="app", color="#00FF00", is_artist_allowed=False
    )
    wip = TaskStatus.objects.get(short_name="wip")
    client = client_for(artist)

    refused = put(client, "comments", comment, {"task_status_id": str(reserved.id)})
    accepted = put(client, "comments", comment, {"task_status_id": str(wip.id)})

    assert refused.status_code == 403
    assert accepted.status_code == 200, accepted.json()
    comment.refresh_from_db()
    assert comment.task_status == wip
