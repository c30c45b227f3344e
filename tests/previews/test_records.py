"""CRUD of preview files, /api/data/preview-files: creation, scoped listings, reads, updates
and deletion."""

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from previews.models import PreviewFile
from production import services as production_services
from production.models import Person, ProjectStatus, Role, Task, TaskType
from tests.previews.helpers import png_bytes

COLLECTION = "/api/data/preview-files"


def one(preview) -> str:
    return f"{COLLECTION}/{getattr(preview, 'pk', preview)}"


def ids_of(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()}


@pytest.fixture
def new_slot(admin):
    """An empty preview slot on a new comment of `task` (through the slot service)."""
    from previews import services

    def make(task, comment=None) -> PreviewFile:
        comment = comment or production_services.create_comment(
            task=task, task_status=task.task_status, author=admin
        )
        return services.add_preview_slot(task=task, comment=comment, author=admin)

    return make


def make_task(project, entity, task_type, task_status, name="main") -> Task:
    return production_services.create_task(
        values={
            "name": name,
            "project": project,
            "entity": entity,
            "task_type": task_type,
            "task_status": task_status,
        }
    )


@dataclass
class World:
    """Three projects (two open, one closed), a preview on each of four tasks, and people."""

    task: Task  # open project, assigned to the artist and the vendor
    shot_task: Task  # open project, assigned to nobody
    other_task: Task  # another open project, the artist and vendor are not in its team
    closed_task: Task  # a closed project, the artist and vendor are in its team and assigned
    previews: dict  # task name → preview
    artist: Person
    vendor: Person


@pytest.fixture
def world(project, task, shot, asset_type, task_type, task_status, admin, new_slot, make_person,
          add_to_team):  # fmt: skip
    shot_task = make_task(
        project, shot, TaskType.objects.get(name="Animation", for_entity="Shot"), task_status
    )
    other_project = production_services.create_project(values={"name": "Sintel"})
    other_asset = production_services.create_asset(
        project=other_project, asset_type=asset_type, name="Dragon", created_by=admin
    )
    other_task = make_task(other_project, other_asset, task_type, task_status)
    closed_project = production_services.create_project(
        values={"name": "Archive", "project_status": ProjectStatus.objects.get(name="Closed")}
    )
    closed_asset = production_services.create_asset(
        project=closed_project, asset_type=asset_type, name="Old", created_by=admin
    )
    closed_task = make_task(closed_project, closed_asset, task_type, task_status)
    artist = make_person(Role.ARTIST)
    vendor = make_person(Role.VENDOR)
    for person in (artist, vendor):
        add_to_team(person)
        add_to_team(person, to=closed_project)
        task.assignees.add(person)
        closed_task.assignees.add(person)
    previews = {
        "task": new_slot(task),
        "shot_task": new_slot(shot_task),
        "other_task": new_slot(other_task),
        "closed_task": new_slot(closed_task),
    }
    return World(task, shot_task, other_task, closed_task, previews, artist, vendor)


def preview_ids(world: World, *names: str) -> set[str]:
    return {str(world.previews[name].pk) for name in names}


# ---------------------------------------------------------------------------------------------
# POST


def test_admin_creates_a_preview(task, admin, admin_client):
    response = admin_client.post(
        COLLECTION,
        {"name": "imported", "task_id": str(task.pk), "person_id": str(admin.pk)},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == "PreviewFile"
    assert body["comments"] == []
    assert body["status"] == "processing"
    assert body["validation_status"] == "neutral"
    assert (body["revision"], body["position"]) == (1, 1)
    assert body["extension"] is None
    assert (body["task_id"], body["person_id"]) == (str(task.pk), str(admin.pk))
    assert body["token_in"] is None and body["token_out"] is None
    row = PreviewFile.objects.get(pk=body["id"])
    assert (row.name, row.task_id, row.status) == ("imported", task.pk, "processing")


def test_created_preview_can_be_linked_to_comments(task, comment, admin_client):
    response = admin_client.post(
        COLLECTION,
        {"name": "linked", "task_id": str(task.pk), "comments": [str(comment.pk)]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["comments"] == [str(comment.pk)]
    assert list(PreviewFile.objects.get(pk=response.json()["id"]).comments.all()) == [comment]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ARTIST, Role.VENDOR])
def test_only_admins_create(task, make_person, add_to_team, client_for, role):
    person = add_to_team(make_person(role))
    response = client_for(person).post(
        COLLECTION, {"name": "nope", "task_id": str(task.pk)}, format="json"
    )
    assert response.status_code == 403
    assert not PreviewFile.objects.exists()


BOOKKEEPING = {
    "attempts": 3,
    "attempt_started_at": "2030-01-01T00:00:00",
    "broken_reason": "made up",
}


def bookkeeping(row: PreviewFile) -> tuple:
    return (row.attempts, row.attempt_started_at, row.broken_reason)


def test_processing_bookkeeping_is_not_taken_on_creation(task, admin_client):
    response = admin_client.post(
        COLLECTION, {"name": "x", "task_id": str(task.pk), **BOOKKEEPING}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["attempts"], body["attempt_started_at"], body["broken_reason"]) == (0, None, None)
    assert bookkeeping(PreviewFile.objects.get(pk=body["id"])) == (0, None, None)


# ---------------------------------------------------------------------------------------------
# GET list


def test_admin_lists_every_preview(world, admin_client):
    assert ids_of(admin_client.get(COLLECTION)) == preview_ids(
        world, "task", "shot_task", "other_task", "closed_task"
    )


def test_artist_lists_previews_of_open_projects_of_their_team(world, client_for):
    """Not those of a project they are not in, nor those of a closed project."""
    listed = ids_of(client_for(world.artist).get(COLLECTION))
    assert listed == preview_ids(world, "task", "shot_task")


def test_vendor_lists_previews_of_their_tasks_only(world, client_for):
    listed = ids_of(client_for(world.vendor).get(COLLECTION))
    assert listed == preview_ids(world, "task")


def test_filters_do_not_widen_the_scope(world, client_for):
    client = client_for(world.artist)
    response = client.get(COLLECTION, {"task_id": str(world.other_task.pk)})
    assert ids_of(response) == set()
    response = client.get(COLLECTION, {"task_id": str(world.shot_task.pk)})
    assert ids_of(response) == preview_ids(world, "shot_task")


def test_kitsu_polls_statuses_by_id_list(world, admin_client):
    wanted = [str(world.previews["task"].pk), str(world.previews["other_task"].pk)]
    response = admin_client.get(COLLECTION, {"id": json.dumps(wanted), "fields": "id,status"})
    assert response.status_code == 200
    rows = response.json()
    assert {row["id"] for row in rows} == set(wanted)
    assert all(set(row) == {"id", "status", "type"} for row in rows)
    assert all(row["status"] == "processing" and row["type"] == "PreviewFile" for row in rows)


def test_polling_stays_inside_the_scope(world, client_for):
    wanted = [str(world.previews["task"].pk), str(world.previews["other_task"].pk)]
    response = client_for(world.artist).get(
        COLLECTION, {"id": json.dumps(wanted), "fields": "id,status"}
    )
    assert ids_of(response) == preview_ids(world, "task")


def test_list_filters_and_pages(world, admin_client):
    PreviewFile.objects.filter(pk=world.previews["task"].pk).update(status="ready")
    assert ids_of(admin_client.get(COLLECTION, {"status": "ready"})) == preview_ids(world, "task")
    page = admin_client.get(COLLECTION, {"page": 1, "limit": 3}).json()
    assert (page["total"], page["nb_pages"], page["limit"], len(page["data"])) == (4, 2, 3, 3)
    malformed = admin_client.get(COLLECTION, {"id": "[not json"})
    assert malformed.status_code == 400


# ---------------------------------------------------------------------------------------------
# GET one


def test_read_one_lists_its_comments_by_default(task, comment, new_slot, admin_client):
    preview = new_slot(task, comment)
    response = admin_client.get(one(preview))
    assert response.status_code == 200
    body = response.json()
    assert body["comments"] == [str(comment.pk)]
    assert body["id"] == str(preview.pk)
    assert body["type"] == "PreviewFile"
    assert "comments" not in admin_client.get(one(preview), {"relations": "false"}).json()
    listed = admin_client.get(COLLECTION, {"id": str(preview.pk), "relations": "true"}).json()
    assert listed == [body]


@pytest.mark.parametrize("preview_id", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_read_unknown_or_malformed_is_404(admin_client, preview_id):
    response = admin_client.get(one(preview_id))
    assert response.status_code == 404
    assert response.json()["error"] is True


def test_read_one_permissions(world, client_for, make_person):
    vendor, artist = client_for(world.vendor), client_for(world.artist)
    assert vendor.get(one(world.previews["task"])).status_code == 200
    assert vendor.get(one(world.previews["shot_task"])).status_code == 403  # not assigned
    assert vendor.get(one(world.previews["other_task"])).status_code == 403  # not in team
    assert artist.get(one(world.previews["shot_task"])).status_code == 200  # not assigned: OK
    assert artist.get(one(world.previews["other_task"])).status_code == 403
    outsider = client_for(make_person(Role.MANAGER))
    assert outsider.get(one(world.previews["task"])).status_code == 403


# ---------------------------------------------------------------------------------------------
# PUT


def test_assignee_sets_the_validation_status(world, client_for):
    """The assignee of the task may validate its preview; Zou refuses everyone but managers
    (docs/compatibility.md#previews)."""
    preview = world.previews["task"]
    response = client_for(world.artist).put(
        one(preview), {"validation_status": "validated"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["validation_status"] == "validated"
    assert "comments" not in body
    assert PreviewFile.objects.get(pk=preview.pk).validation_status == "validated"


def test_non_assigned_artist_cannot_update(world, client_for):
    preview = world.previews["shot_task"]
    response = client_for(world.artist).put(
        one(preview), {"validation_status": "rejected"}, format="json"
    )
    assert response.status_code == 403
    assert PreviewFile.objects.get(pk=preview.pk).validation_status == "neutral"


def test_manager_and_supervisor_update(world, make_person, add_to_team, client_for):
    preview = world.previews["shot_task"]
    manager = add_to_team(make_person(Role.MANAGER))
    response = client_for(manager).put(one(preview), {"name": "renamed"}, format="json")
    assert response.status_code == 200, response.content
    assert PreviewFile.objects.get(pk=preview.pk).name == "renamed"
    supervisor = add_to_team(make_person(Role.SUPERVISOR))
    supervisor.departments.add(world.shot_task.task_type.department)
    response = client_for(supervisor).put(
        one(preview), {"validation_status": "rejected"}, format="json"
    )
    assert response.status_code == 200, response.content
    other_supervisor = add_to_team(make_person(Role.SUPERVISOR))
    other_supervisor.departments.add(world.task.task_type.department)  # Modeling, not Animation
    response = client_for(other_supervisor).put(one(preview), {"name": "no"}, format="json")
    assert response.status_code == 403
    assert PreviewFile.objects.get(pk=preview.pk).name == "renamed"


def test_update_unknown_or_malformed_is_404(admin_client):
    for preview_id in ("not-a-uuid", uuid.uuid4()):
        response = admin_client.put(one(preview_id), {"name": "x"}, format="json")
        assert response.status_code == 404


def test_revision_change_to_an_existing_revision_is_400(task, new_slot, admin_client):
    first = new_slot(task)
    second = new_slot(task)
    assert (first.revision, second.revision) == (1, 2)
    response = admin_client.put(one(second), {"revision": 1}, format="json")
    assert response.status_code == 400
    message = response.json()["message"]
    assert "already exists" in message
    assert message.startswith("Revision 1 already exists for this task.")
    assert PreviewFile.objects.get(pk=second.pk).revision == 2


def test_revision_change_moves_the_extra_previews(task, comment, new_slot, admin_client):
    other = new_slot(task)
    main = new_slot(task, comment)
    extra = new_slot(task, comment)
    assert [(p.revision, p.position) for p in (other, main, extra)] == [(1, 1), (2, 1), (2, 2)]
    response = admin_client.put(one(main), {"revision": 5}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["revision"] == 5
    revisions = dict(PreviewFile.objects.values_list("pk", "revision"))
    assert (revisions[main.pk], revisions[extra.pk], revisions[other.pk]) == (5, 5, 1)
    assert PreviewFile.objects.get(pk=extra.pk).position == 2


def test_revision_change_of_an_extra_moves_only_it(task, comment, new_slot, admin_client):
    main = new_slot(task, comment)
    extra = new_slot(task, comment)
    response = admin_client.put(one(extra), {"revision": 3}, format="json")
    assert response.status_code == 200, response.content
    revisions = dict(PreviewFile.objects.values_list("pk", "revision"))
    assert (revisions[main.pk], revisions[extra.pk]) == (1, 3)


def test_processing_bookkeeping_is_read_only(task, new_slot, admin_client):
    """`attempts`, `attempt_started_at` and `broken_reason` are the server's (the stuck-job
    sweep relies on them): sent keys are ignored, as unknown keys are."""
    preview = new_slot(task)
    started = timezone.now().replace(microsecond=0) - timedelta(minutes=5)
    reason = "Uploaded file is not a readable picture."
    PreviewFile.objects.filter(pk=preview.pk).update(
        status="broken", attempts=3, attempt_started_at=started, broken_reason=reason
    )
    response = admin_client.put(
        one(preview),
        {"attempts": 0, "attempt_started_at": None, "broken_reason": None, "description": "ok"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["attempts"], body["broken_reason"], body["description"]) == (3, reason, "ok")
    assert body["attempt_started_at"] == started.strftime("%Y-%m-%dT%H:%M:%S")
    assert bookkeeping(PreviewFile.objects.get(pk=preview.pk)) == (3, started, reason)
    only_bookkeeping = admin_client.put(one(preview), BOOKKEEPING, format="json")
    assert only_bookkeeping.status_code == 200
    assert bookkeeping(PreviewFile.objects.get(pk=preview.pk)) == (3, started, reason)


def test_update_links_comments(task, comment, comment_for, new_slot, admin_client):
    preview = new_slot(task, comment)
    other = comment_for()
    response = admin_client.put(
        one(preview), {"comments": [str(comment.pk), str(other.pk)]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert set(PreviewFile.objects.get(pk=preview.pk).comments.all()) == {comment, other}
    read = admin_client.get(one(preview)).json()
    assert set(read["comments"]) == {str(comment.pk), str(other.pk)}


def test_update_refuses_invalid_values(task, new_slot, admin_client):
    preview = new_slot(task)
    response = admin_client.put(one(preview), {"validation_status": "maybe"}, format="json")
    assert response.status_code == 400
    assert PreviewFile.objects.get(pk=preview.pk).validation_status == "neutral"


# ---------------------------------------------------------------------------------------------
# DELETE


def test_manager_deletes(world, make_person, add_to_team, client_for,
                         django_capture_on_commit_callbacks):  # fmt: skip
    preview = world.previews["task"]
    manager = add_to_team(make_person(Role.MANAGER))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).delete(one(preview))
    assert response.status_code == 204
    assert not PreviewFile.objects.filter(pk=preview.pk).exists()


def test_artist_cannot_delete(world, client_for):
    preview = world.previews["task"]  # assigned to the artist: still not theirs to delete
    assert client_for(world.artist).delete(one(preview)).status_code == 403
    assert PreviewFile.objects.filter(pk=preview.pk).exists()


def test_delete_unknown_or_malformed_is_404(admin_client):
    for preview_id in ("not-a-uuid", uuid.uuid4()):
        assert admin_client.delete(one(preview_id)).status_code == 404


@pytest.fixture
def uploaded_picture(preview_on, task):
    def make():
        preview_id, response = preview_on(task, "frame.png", png_bytes())
        assert response.status_code == 201, response.content
        assert PreviewFile.objects.get(pk=preview_id).status == "ready"
        return preview_id

    return make


def media_files(root: Path, preview_id) -> list[Path]:
    return [path for path in root.rglob(f"*{preview_id}*") if path.is_file()]


@pytest.mark.parametrize("force", [True, False])
def test_delete_removes_the_media_only_when_forced(
    settings, uploaded_picture, admin_client, preview_storage, force,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.REMOVE_FILES = False
    preview_id = uploaded_picture()
    files = media_files(preview_storage, preview_id)
    assert len(files) == 4
    query = "?force=true" if force else ""
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.delete(f"{one(preview_id)}{query}")
    assert response.status_code == 204
    assert not PreviewFile.objects.filter(pk=preview_id).exists()
    assert [path.exists() for path in files] == [not force] * 4


def test_delete_removes_the_media_when_remove_files_is_set(
    settings, uploaded_picture, admin_client, preview_storage, django_capture_on_commit_callbacks
):
    settings.REMOVE_FILES = True
    preview_id = uploaded_picture()
    files = media_files(preview_storage, preview_id)
    assert files
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.delete(one(preview_id)).status_code == 204
    assert not any(path.exists() for path in files)


def test_delete_unsets_the_task_and_entity_links(
    task, asset, uploaded_picture, admin_client, django_capture_on_commit_callbacks
):
    preview_id = uploaded_picture()
    assert admin_client.put(
        f"/api/actions/preview-files/{preview_id}/set-main-preview", {}, format="json"
    ).status_code == 200  # fmt: skip
    task.refresh_from_db()
    asset.refresh_from_db()
    assert str(task.last_preview_file_id) == str(asset.preview_file_id) == preview_id
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.delete(one(preview_id)).status_code == 204
    task.refresh_from_db()
    asset.refresh_from_db()
    assert (task.last_preview_file_id, asset.preview_file_id) == (None, None)


def test_moving_a_preview_needs_rights_on_the_target_task(world, client_for, admin_client):
    """Update rights on the preview's task are not enough to move it to another task."""
    preview = world.previews["task"]
    artist = client_for(world.artist)
    for target in (world.other_task, world.shot_task):  # not in its team; not assigned
        response = artist.put(one(preview), {"task_id": str(target.pk)}, format="json")
        assert response.status_code == 403
    response = artist.put(one(preview), {"task_id": None}, format="json")  # admins only
    assert response.status_code == 403
    assert PreviewFile.objects.get(pk=preview.pk).task_id == world.task.pk
    world.shot_task.assignees.add(world.artist)
    response = artist.put(one(preview), {"task_id": str(world.shot_task.pk)}, format="json")
    assert response.status_code == 200, response.content
    assert PreviewFile.objects.get(pk=preview.pk).task_id == world.shot_task.pk
    response = admin_client.put(one(preview), {"task_id": str(world.other_task.pk)}, format="json")
    assert response.status_code == 200
    assert PreviewFile.objects.get(pk=preview.pk).task_id == world.other_task.pk
