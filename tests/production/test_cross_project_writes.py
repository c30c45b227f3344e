"""Writes through the generic CRUD are judged by where the row goes, not only where it is:
moving a row (or linking it) into another project needs rights there too."""

import pytest

from output_files.models import OutputFile
from previews.models import PreviewFile
from production import services
from production.models import AssetInstance, Comment, FileStatus, OutputType, Role, Task
from working_files.models import WorkingFile


@pytest.fixture
def other(project, admin, asset_type, task_type, task_status):
    """A second project with an asset and a task on it; nobody of ours is in its team."""
    sintel = services.create_project(values={"name": "Sintel"})
    asset = services.create_asset(
        project=sintel, asset_type=asset_type, name="Dragon", created_by=admin
    )
    task = services.create_task(
        values={
            "name": "main",
            "project": sintel,
            "entity": asset,
            "task_type": task_type,
            "task_status": task_status,
        }
    )
    return task


@pytest.fixture
def artist(make_person, add_to_team, task):
    """An artist of our project, assigned to our task."""
    person = add_to_team(make_person(Role.ARTIST))
    task.assignees.add(person)
    return person


@pytest.fixture
def sibling(task, asset, task_type, task_status, artist):
    """Another task of our project, also assigned to the artist."""
    sibling = services.create_task(
        values={
            "name": "retake",
            "project": task.project,
            "entity": asset,
            "task_type": task_type,
            "task_status": task_status,
        }
    )
    sibling.assignees.add(artist)
    return sibling


def put(client, collection: str, row, body: dict):
    return client.put(f"/api/data/{collection}/{row.id}", body, format="json")


def test_working_file_cannot_move_to_a_task_of_another_project(
    client_for, artist, task, asset, other
):
    row = WorkingFile.objects.create(name="main", revision=1, task=task, entity=asset)
    response = put(client_for(artist), "working-files", row, {"task_id": str(other.id)})
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.task_id == task.id


def test_working_file_cannot_become_task_less(client_for, artist, task, asset):
    row = WorkingFile.objects.create(name="main", revision=1, task=task, entity=asset)
    response = put(client_for(artist), "working-files", row, {"task_id": None})
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.task_id == task.id


def test_working_file_moves_between_tasks_of_the_artist(client_for, artist, task, asset, sibling):
    row = WorkingFile.objects.create(name="main", revision=1, task=task, entity=asset)
    response = put(client_for(artist), "working-files", row, {"task_id": str(sibling.id)})
    assert response.status_code == 200, response.json()
    row.refresh_from_db()
    assert row.task_id == sibling.id


def test_output_file_cannot_move_to_an_entity_of_another_project(
    client_for, artist, task, asset, other
):
    row = OutputFile.objects.create(
        name="main", revision=1, entity=asset, file_status=FileStatus.objects.first()
    )
    response = put(client_for(artist), "output-files", row, {"entity_id": str(other.entity_id)})
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.entity_id == asset.id


def test_output_file_cannot_follow_a_temporal_entity_into_another_project(
    client_for, artist, task, asset, other
):
    """The artist has a task on the output's temporal entity: that lets them update it, not
    hang it on an entity of a production they are not in."""
    row = OutputFile.objects.create(
        name="main",
        revision=1,
        entity=asset,
        temporal_entity=asset,
        file_status=FileStatus.objects.first(),
    )
    response = put(client_for(artist), "output-files", row, {"entity_id": str(other.entity_id)})
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.entity_id == asset.id


def test_output_file_temporal_entity_stays_in_the_managers_productions(
    client_for, make_person, add_to_team, asset, other
):
    manager = add_to_team(make_person(Role.MANAGER))
    row = OutputFile.objects.create(
        name="main", revision=1, entity=asset, file_status=FileStatus.objects.first()
    )
    body = {"temporal_entity_id": str(other.entity_id)}
    response = put(client_for(manager), "output-files", row, body)
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.temporal_entity_id is None


@pytest.mark.parametrize("key", ["scene_id", "target_asset_id"])
def test_asset_instance_is_cast_only_where_its_writer_manages(
    client_for, make_person, add_to_team, asset, other, key
):
    """A manager of the asset's production casting it into another production's shot (or
    asset) needs manager rights there too."""
    manager = client_for(add_to_team(make_person(Role.MANAGER)))
    body = {"asset_id": str(asset.id), key: str(other.entity_id)}
    created = manager.post("/api/data/asset-instances", body, format="json")
    assert created.status_code == 403
    assert not AssetInstance.objects.exists()
    instance = services.create_asset_instance(asset=asset)
    moved = put(manager, "asset-instances", instance, {key: str(other.entity_id)})
    assert moved.status_code == 403
    instance.refresh_from_db()
    assert (instance.scene_id, instance.target_asset_id) == (None, None)


@pytest.fixture
def foreign_working_file(other):
    """A working file of the other project's task, with content recorded."""
    return WorkingFile.objects.create(
        name="main", revision=1, task=other, entity=other.entity, size=3, checksum="f" * 64
    )


def test_output_cannot_be_published_from_a_working_file_of_another_project(
    client_for, artist, asset, task_type, foreign_working_file, admin_client
):
    """The output would show the other production's working file whole (`source_file`) and
    copy its size and checksum."""
    geometry = OutputType.objects.create(name="Geometry", short_name="geo")
    url = f"/api/data/entities/{asset.id}/output-files/new"
    body = {
        "output_type_id": str(geometry.id),
        "task_type_id": str(task_type.id),
        "working_file_id": str(foreign_working_file.id),
    }
    response = client_for(artist).post(url, body, format="json")
    assert response.status_code == 403
    assert not OutputFile.objects.exists()
    published = admin_client.post(url, body, format="json")
    assert published.status_code == 201, published.json()
    assert published.json()["source_file_id"] == str(foreign_working_file.id)


def test_crud_sources_are_rows_the_writer_may_read(
    client_for, artist, task, asset, other, foreign_working_file
):
    output = OutputFile.objects.create(
        name="main", revision=1, entity=asset, file_status=FileStatus.objects.first()
    )
    client = client_for(artist)
    body = {"source_file_id": str(foreign_working_file.id)}
    assert put(client, "output-files", output, body).status_code == 403
    output.refresh_from_db()
    assert output.source_file_id is None

    foreign_output = OutputFile.objects.create(
        name="main", revision=1, entity=other.entity, file_status=FileStatus.objects.first()
    )
    preview = PreviewFile.objects.create(name="v1", task=task)
    body = {"source_file_id": str(foreign_output.id)}
    assert put(client, "preview-files", preview, body).status_code == 403
    preview.refresh_from_db()
    assert preview.source_file_id is None


def test_task_cannot_move_to_another_project(
    client_for, make_person, add_to_team, project, asset, task, other
):
    manager = add_to_team(make_person(Role.MANAGER))
    client = client_for(manager)
    response = put(client, "tasks", task, {"project_id": str(other.project_id)})
    assert response.status_code == 403
    response = put(client, "tasks", task, {"entity_id": str(other.entity_id)})
    assert response.status_code == 403
    task.refresh_from_db()
    assert (task.project_id, task.entity_id) == (project.id, asset.id)


def test_preview_cannot_link_a_comment_of_another_project(
    client_for, artist, task, other, admin, task_status
):
    preview = PreviewFile.objects.create(name="v1", task=task)
    foreign = Comment.objects.create(object=other, task_status=task_status, person=admin)
    response = put(client_for(artist), "preview-files", preview, {"comments": [str(foreign.id)]})
    assert response.status_code == 403
    assert not preview.comments.exists()


def test_preview_links_a_comment_of_its_own_task(client_for, artist, task, task_status):
    preview = PreviewFile.objects.create(name="v1", task=task)
    mine = Comment.objects.create(object=task, task_status=task_status, person=artist)
    response = put(client_for(artist), "preview-files", preview, {"comments": [str(mine.id)]})
    assert response.status_code == 200, response.json()
    assert list(preview.comments.all()) == [mine]


def test_comment_author_cannot_move_it_nor_hand_it_over(
    client_for, artist, task, other, admin, task_status
):
    comment = Comment.objects.create(object=task, task_status=task_status, person=artist)
    client = client_for(artist)
    assert put(client, "comments", comment, {"object_id": str(other.id)}).status_code == 403
    assert put(client, "comments", comment, {"person_id": str(admin.id)}).status_code == 403
    comment.refresh_from_db()
    assert (comment.object_id, comment.person_id) == (task.id, artist.id)


def test_comment_author_edits_the_text_echoing_the_row(client_for, artist, task, task_status):
    comment = Comment.objects.create(object=task, task_status=task_status, person=artist)
    body = {"text": "better", "object_id": str(task.id), "person_id": str(artist.id)}
    response = put(client_for(artist), "comments", comment, body)
    assert response.status_code == 200, response.json()
    comment.refresh_from_db()
    assert comment.text == "better"


def test_admin_may_still_move_a_comment(admin_client, task, other, admin, task_status):
    comment = Comment.objects.create(object=task, task_status=task_status, person=admin)
    response = put(admin_client, "comments", comment, {"object_id": str(other.id)})
    assert response.status_code == 200, response.json()
    assert Task.objects.get(comments=comment) == other
