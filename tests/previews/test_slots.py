"""Preview slots on comments and the task-level preview routes: add-preview, extra previews,
deletion, listings, main previews, ordering, the running listing."""

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from previews import storage
from previews.models import PreviewFile
from production import services as production_services
from production.models import Entity, ProjectStatus, Role, Task
from tests.previews.helpers import png_bytes
from tests.zou_bodies import FORBIDDEN_MESSAGE

REVISION_EXISTS = (
    "Revision {} already exists for this task. Choose a different revision number, "
    "or omit it to let the revision auto-increment."
)
SINGLE_PREVIEW = "Only one preview file is allowed per revision for this project."


def add_url(task, comment) -> str:
    return f"/api/actions/tasks/{task.pk}/comments/{comment.pk}/add-preview"


def extra_url(task, comment, preview_id) -> str:
    return f"/api/actions/tasks/{task.pk}/comments/{comment.pk}/preview-files/{preview_id}"


@pytest.fixture
def slot(add_preview, admin_client):
    """add-preview as admin (or `client`); asserts 201 and returns the JSON body."""

    def make(task, comment, client=None, **body):
        response = add_preview(client or admin_client, task, comment, **body)
        assert response.status_code == 201, response.content
        return response.json()

    return make


@pytest.fixture
def ready_picture(slot, upload, admin_client):
    """A picture preview on a new slot of `comment`, uploaded and processed (ready)."""

    def make(task, comment, color=(200, 30, 30)):
        body = slot(task, comment)
        response = upload(admin_client, body["id"], "frame.png", png_bytes(color=color))
        assert response.status_code == 201, response.content
        preview = PreviewFile.objects.get(pk=body["id"])
        assert preview.status == "ready", preview.broken_reason
        return preview

    return make


def stored_files(root: Path, preview_id) -> list[Path]:
    """Files under the preview storage whose name holds the preview's id."""
    return [path for path in root.rglob(f"*{preview_id}*") if path.is_file()]


# ---------------------------------------------------------------------------------------------
# add-preview: the revision and position of a new slot


def test_revision_auto_increments_per_comment(admin, task, comment_for, slot):
    first = slot(task, comment_for())
    second = slot(task, comment_for())
    assert (first["revision"], first["position"]) == (1, 1)
    assert (second["revision"], second["position"]) == (2, 1)
    assert first["status"] == second["status"] == "processing"
    assert first["extension"] == "mp4"
    assert first["source"] == "webgui"
    assert first["person_id"] == str(admin.pk)
    assert first["task_id"] == str(task.pk)
    assert len(first["name"]) == 13
    assert first["type"] == "PreviewFile"


def test_second_preview_on_same_comment_keeps_revision(task, comment_for, slot):
    slot(task, comment_for())  # revision 1 on another comment
    comment = comment_for()
    main = slot(task, comment)
    extra = slot(task, comment)
    assert (main["revision"], main["position"]) == (2, 1)
    assert (extra["revision"], extra["position"]) == (2, 2)
    rows = PreviewFile.objects.filter(task=task, revision=2).order_by("position")
    assert [str(row.pk) for row in rows] == [main["id"], extra["id"]]


def test_explicit_revision_is_used_and_zero_is_stored(task, comment_for, slot):
    zero = slot(task, comment_for(), revision=0)
    assert (zero["revision"], zero["position"]) == (0, 1)
    assert PreviewFile.objects.get(pk=zero["id"]).revision == 0
    seven = slot(task, comment_for(), revision=7)
    assert seven["revision"] == 7
    # The automatic numbering continues above the highest revision.
    assert slot(task, comment_for())["revision"] == 8


def test_duplicate_explicit_revision_is_refused(task, comment_for, slot, add_preview, admin_client):
    slot(task, comment_for())
    response = add_preview(admin_client, task, comment_for(), revision=1)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] is True
    assert body["message"] == REVISION_EXISTS.format(1)
    assert "already exists" in body["message"] and "auto-increment" in body["message"]
    assert "normaliz" not in body["message"]
    assert PreviewFile.objects.filter(task=task).count() == 1


def test_explicit_revision_of_the_comment_adds_to_it(task, comment, slot):
    """The "already exists" check is for a comment's first preview only."""
    main = slot(task, comment, revision=4)
    extra = slot(task, comment, revision=4)
    assert [(main["revision"], main["position"]), (extra["revision"], extra["position"])] == [
        (4, 1),
        (4, 2),
    ]


def test_negative_revision_is_refused(task, comment, add_preview, admin_client):
    response = add_preview(admin_client, task, comment, revision=-1)
    assert response.status_code == 400
    assert response.json()["message"] == "Validation error."
    assert not PreviewFile.objects.exists()


def test_single_preview_per_revision_refuses_extras_only(
    project, task, comment_for, slot, add_preview, admin_client
):
    project.is_single_preview_per_revision = True
    project.save()
    comment = comment_for()
    main = slot(task, comment)
    response = add_preview(admin_client, task, comment)
    assert response.status_code == 400
    assert response.json()["message"] == SINGLE_PREVIEW
    assert PreviewFile.objects.filter(task=task).count() == 1
    refused = admin_client.post(extra_url(task, comment, main["id"]))
    assert refused.status_code == 400
    assert refused.json()["message"] == SINGLE_PREVIEW
    # A new revision on another comment is still a main preview: allowed.
    other = slot(task, comment_for())
    assert (other["revision"], other["position"]) == (2, 1)


def test_answer_lists_the_comment_and_matches_the_crud_read(task, comment, slot, admin_client):
    body = slot(task, comment)
    assert body["comments"] == [str(comment.pk)]
    read = admin_client.get(f"/api/data/preview-files/{body['id']}")
    assert read.status_code == 200
    assert set(body) == set(read.json())
    assert read.json()["comments"] == [str(comment.pk)]
    assert list(PreviewFile.objects.get(pk=body["id"]).comments.all()) == [comment]


@pytest.mark.parametrize(
    ("task_id", "comment_id"),
    [
        ("unknown", "comment"),
        ("task", "unknown"),
        ("malformed", "comment"),
        ("task", "malformed"),
    ],
)
def test_unknown_or_malformed_ids_are_404(task, comment, admin_client, task_id, comment_id):
    ids = {"task": task.pk, "comment": comment.pk, "unknown": uuid.uuid4(), "malformed": "nope"}
    response = admin_client.post(
        f"/api/actions/tasks/{ids[task_id]}/comments/{ids[comment_id]}/add-preview",
        {},
        format="json",
    )
    assert response.status_code == 404
    assert response.json()["error"] is True
    assert not PreviewFile.objects.exists()


def test_artist_needs_the_assignment(task, comment, artist_in_team, client_for, add_preview):
    client = client_for(artist_in_team)
    refused = add_preview(client, task, comment)
    assert refused.status_code == 403
    assert refused.json()["message"] == FORBIDDEN_MESSAGE
    assert not PreviewFile.objects.exists()
    task.assignees.add(artist_in_team)
    allowed = add_preview(client, task, comment)
    assert allowed.status_code == 201, allowed.content
    assert allowed.json()["person_id"] == str(artist_in_team.pk)


def test_person_outside_the_team_is_refused(task, comment, make_person, client_for, add_preview):
    outsider = make_person(Role.ARTIST)
    task.assignees.add(outsider)  # an assignment does not replace team membership
    assert add_preview(client_for(outsider), task, comment).status_code == 403


def test_comment_of_another_task_is_404(
    task, shot_task, comment_for, add_preview, client_for, artist_in_team
):
    """Zou hangs the slot on the URL's task whatever the comment's task; here the comment
    must be one of that task, or an assignee of one task could write into the comments of any
    other (docs/compatibility.md#previews)."""
    task.assignees.add(artist_in_team)
    foreign = comment_for(on_task=shot_task)
    response = add_preview(client_for(artist_in_team), task, foreign)
    assert response.status_code == 404
    assert not PreviewFile.objects.exists()
    assert not foreign.previews.exists()


# ---------------------------------------------------------------------------------------------
# Extra previews


def test_extra_preview_takes_the_next_position(task, comment_for, slot, admin_client):
    comment = comment_for()
    main = slot(task, comment)
    slot(task, comment_for())  # revision 2: the extra route keeps the reference's revision
    response = admin_client.post(extra_url(task, comment, main["id"]))
    assert response.status_code == 201, response.content
    extra = response.json()
    assert (extra["revision"], extra["position"]) == (1, 2)
    assert extra["comments"] == [str(comment.pk)]
    assert extra["status"] == "processing"
    again = admin_client.post(extra_url(task, comment, main["id"])).json()
    assert (again["revision"], again["position"]) == (1, 3)


def test_extra_preview_unknown_reference_is_404(task, comment, admin_client):
    response = admin_client.post(extra_url(task, comment, uuid.uuid4()))
    assert response.status_code == 404
    assert not PreviewFile.objects.exists()


def test_extra_preview_of_another_task_or_comment_is_404(
    task, shot_task, comment, comment_for, slot, admin_client
):
    main = slot(task, comment)
    foreign_comment = comment_for(on_task=shot_task)
    foreign = slot(shot_task, foreign_comment)
    assert admin_client.post(extra_url(task, comment, foreign["id"])).status_code == 404
    assert admin_client.post(extra_url(task, foreign_comment, main["id"])).status_code == 404
    assert PreviewFile.objects.count() == 2


def test_extra_preview_needs_action_access(task, comment, slot, artist_in_team, client_for):
    main = slot(task, comment)
    response = client_for(artist_in_team).post(extra_url(task, comment, main["id"]))
    assert response.status_code == 403
    assert PreviewFile.objects.count() == 1


# ---------------------------------------------------------------------------------------------
# Deletion from a comment


def comment_previews(client, task, comment) -> list[str]:
    """The preview ids GET data/tasks/<id>/comments lists on `comment`."""
    response = client.get(f"/api/data/tasks/{task.pk}/comments")
    assert response.status_code == 200
    (entry,) = [item for item in response.json() if item["id"] == str(comment.pk)]
    return [item["id"] if isinstance(item, dict) else item for item in entry["previews"]]


def test_delete_removes_the_preview_from_the_comment(
    task, comment, slot, admin_client, django_capture_on_commit_callbacks
):
    first = slot(task, comment)
    second = slot(task, comment)
    assert set(comment_previews(admin_client, task, comment)) == {first["id"], second["id"]}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.delete(extra_url(task, comment, first["id"]))
    assert response.status_code == 204
    assert response.content == b""
    assert comment_previews(admin_client, task, comment) == [second["id"]]
    assert not PreviewFile.objects.filter(pk=first["id"]).exists()
    assert admin_client.get(f"/api/data/preview-files/{first['id']}").status_code == 404


@pytest.mark.parametrize("which", ["task", "comment", "preview"])
def test_delete_with_a_malformed_id_is_400(task, comment, slot, admin_client, which):
    ids = {"task": task.pk, "comment": comment.pk, "preview": slot(task, comment)["id"]}
    ids[which] = "not-a-uuid"
    response = admin_client.delete(
        f"/api/actions/tasks/{ids['task']}/comments/{ids['comment']}/preview-files/{ids['preview']}"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Wrong UUID format."
    assert PreviewFile.objects.count() == 1


def test_delete_unknown_preview_is_404(task, comment, admin_client):
    assert admin_client.delete(extra_url(task, comment, uuid.uuid4())).status_code == 404


def test_delete_a_preview_of_another_task_is_404(
    task, shot_task, comment, comment_for, slot, admin_client
):
    other = slot(shot_task, comment_for(on_task=shot_task))
    response = admin_client.delete(extra_url(task, comment, other["id"]))
    assert response.status_code == 404
    assert PreviewFile.objects.filter(pk=other["id"]).exists()


def test_delete_through_a_comment_of_another_task_is_404(
    task, shot_task, comment, comment_for, slot, admin_client
):
    """The URL names the comment the preview is removed from: a comment of another task (of
    any production) is not one of this task's, as add-preview says too."""
    preview = slot(task, comment)
    elsewhere = comment_for(on_task=shot_task)
    response = admin_client.delete(extra_url(task, elsewhere, preview["id"]))
    assert response.status_code == 404
    assert PreviewFile.objects.filter(pk=preview["id"]).exists()


def test_delete_needs_action_access(task, comment, slot, artist_in_team, client_for):
    preview = slot(task, comment)
    response = client_for(artist_in_team).delete(extra_url(task, comment, preview["id"]))
    assert response.status_code == 403
    assert PreviewFile.objects.filter(pk=preview["id"]).exists()


def test_delete_keeps_the_media_without_force(
    settings, task, comment, ready_picture, admin_client, preview_storage,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.REMOVE_FILES = False
    preview = ready_picture(task, comment)
    files = stored_files(preview_storage, preview.pk)
    assert len(files) == 4  # original, thumbnails, thumbnails-square, previews
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.delete(extra_url(task, comment, preview.pk))
    assert response.status_code == 204
    assert not PreviewFile.objects.filter(pk=preview.pk).exists()
    assert all(path.exists() for path in files)


def test_delete_with_force_removes_the_media(
    settings, task, comment, ready_picture, admin_client, preview_storage,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.REMOVE_FILES = False
    preview = ready_picture(task, comment)
    kept = ready_picture(task, comment, color=(0, 0, 255))
    files = stored_files(preview_storage, preview.pk)
    assert files
    original = storage.picture("original", preview.pk)
    assert storage.size_of(original)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.delete(f"{extra_url(task, comment, preview.pk)}?force=true")
    assert response.status_code == 204
    assert not any(path.exists() for path in files)
    assert storage.size_of(original) is None
    assert len(stored_files(preview_storage, kept.pk)) == 4  # the other preview's stay


def test_deleting_the_last_preview_repairs_task_and_entity(
    task, asset, comment_for, ready_picture, admin_client, django_capture_on_commit_callbacks
):
    first = ready_picture(task, comment_for())
    second = ready_picture(task, comment_for())
    task.refresh_from_db()
    assert task.last_preview_file_id == second.pk
    set_main = admin_client.put(f"/api/actions/preview-files/{second.pk}/set-main-preview", {})
    assert set_main.status_code == 200
    asset.refresh_from_db()
    assert asset.preview_file_id == second.pk

    comment = second.comments.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.delete(extra_url(task, comment, second.pk))
    assert response.status_code == 204
    task.refresh_from_db()
    asset.refresh_from_db()
    assert task.last_preview_file_id == first.pk
    assert asset.preview_file_id is None

    comment = first.comments.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.delete(extra_url(task, comment, first.pk)).status_code == 204
    task.refresh_from_db()
    assert task.last_preview_file_id is None


# ---------------------------------------------------------------------------------------------
# GET data/tasks/<id>/previews


def test_task_previews_newest_revision_first(task, shot_task, comment_for, slot, admin_client):
    comment = comment_for()
    one = slot(task, comment)
    one_extra = slot(task, comment)
    two = slot(task, comment_for())
    three = slot(task, comment_for())
    slot(shot_task, comment_for(on_task=shot_task))  # another task's preview: not listed
    response = admin_client.get(f"/api/data/tasks/{task.pk}/previews")
    assert response.status_code == 200
    rows = response.json()
    assert [row["id"] for row in rows] == [three["id"], two["id"], one["id"], one_extra["id"]]
    assert [row["revision"] for row in rows] == [3, 2, 1, 1]
    assert all(row["type"] == "PreviewFile" for row in rows)


def test_task_previews_need_task_access(task, comment, slot, make_person, add_to_team, client_for):
    slot(task, comment)
    artist = add_to_team(make_person(Role.ARTIST))  # not assigned: reading is allowed
    assert len(client_for(artist).get(f"/api/data/tasks/{task.pk}/previews").json()) == 1
    vendor = add_to_team(make_person(Role.VENDOR))  # a vendor needs a task of the entity
    assert client_for(vendor).get(f"/api/data/tasks/{task.pk}/previews").status_code == 403
    outsider = make_person(Role.ARTIST)
    assert client_for(outsider).get(f"/api/data/tasks/{task.pk}/previews").status_code == 403
    assert client_for(artist).get(f"/api/data/tasks/{uuid.uuid4()}/previews").status_code == 404


# ---------------------------------------------------------------------------------------------
# Main previews of entities


def test_set_main_preview_of_a_task(task, asset, comment_for, slot, admin_client):
    slot(task, comment_for())
    comment = comment_for()
    main = slot(task, comment)
    slot(task, comment)  # an extra of revision 2: the main one (position 1) is chosen
    response = admin_client.put(f"/api/actions/tasks/{task.pk}/set-main-preview")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "Entity"
    assert body["id"] == str(asset.pk)
    assert body["preview_file_id"] == main["id"]
    assert body["project_id"] == str(asset.project_id)
    asset.refresh_from_db()
    assert str(asset.preview_file_id) == main["id"]


def test_set_main_preview_without_preview_is_400(task, admin_client):
    response = admin_client.put(f"/api/actions/tasks/{task.pk}/set-main-preview")
    assert response.status_code == 400
    assert "no preview file" in response.json()["message"]


@pytest.mark.parametrize("global_role", [Role.CLIENT, Role.ARTIST])
def test_clients_cannot_set_the_main_preview(
    task, asset, comment, slot, make_person, add_to_team, client_for, global_role
):
    """A client, and a global artist who is a client of this project."""
    slot(task, comment)
    person = add_to_team(make_person(global_role), Role.CLIENT)
    client = client_for(person)
    assert client.put(f"/api/actions/tasks/{task.pk}/set-main-preview").status_code == 403
    bulk = client.put(
        "/api/actions/tasks/set-main-preview", {"task_ids": [str(task.pk)]}, format="json"
    )
    assert bulk.status_code == 403
    asset.refresh_from_db()
    assert asset.preview_file_id is None


def test_artist_of_the_team_sets_the_main_preview(
    task, asset, comment, slot, artist_in_team, client_for
):
    main = slot(task, comment)
    response = client_for(artist_in_team).put(f"/api/actions/tasks/{task.pk}/set-main-preview")
    assert response.status_code == 200
    assert response.json()["preview_file_id"] == main["id"]


def test_set_main_preview_of_several_tasks(
    task, shot_task, asset, shot, comment_for, slot, admin_client
):
    asset_preview = slot(task, comment_for())
    shot_preview = slot(shot_task, comment_for(on_task=shot_task))
    response = admin_client.put(
        "/api/actions/tasks/set-main-preview",
        {"task_ids": [str(task.pk), str(shot_task.pk)]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body) == 2
    assert {(row["id"], row["preview_file_id"]) for row in body} == {
        (str(asset.pk), asset_preview["id"]),
        (str(shot.pk), shot_preview["id"]),
    }
    assert all(row["type"] == "Entity" for row in body)
    asset.refresh_from_db()
    shot.refresh_from_db()
    assert str(asset.preview_file_id) == asset_preview["id"]
    assert str(shot.preview_file_id) == shot_preview["id"]


def test_set_main_preview_of_several_tasks_skips_tasks_without_preview(
    task, shot_task, asset, comment, slot, admin_client
):
    main = slot(task, comment)
    response = admin_client.put(
        "/api/actions/tasks/set-main-preview",
        {"task_ids": [str(task.pk), str(shot_task.pk)]},
        format="json",
    )
    assert response.status_code == 200
    assert [row["preview_file_id"] for row in response.json()] == [main["id"]]


def test_set_main_preview_of_several_tasks_needs_task_ids(admin_client):
    for body in ({"task_ids": []}, {}):
        response = admin_client.put("/api/actions/tasks/set-main-preview", body, format="json")
        assert response.status_code == 400
        assert response.json()["message"] == "Validation error."


def test_set_main_preview_of_several_tasks_is_all_or_nothing(
    project, task, asset, asset_type, task_type, task_status, comment_for, slot,
    make_person, add_to_team, client_for, admin,
):  # fmt: skip
    """An artist of the first project, client of the second: the first entity is not
    changed when the second task is refused."""
    other_project = production_services.create_project(values={"name": "Sintel"})
    other_asset = production_services.create_asset(
        project=other_project, asset_type=asset_type, name="Dragon", created_by=admin
    )
    other_task = production_services.create_task(
        values={
            "name": "main",
            "project": other_project,
            "entity": other_asset,
            "task_type": task_type,
            "task_status": task_status,
        }
    )
    slot(task, comment_for())
    slot(other_task, comment_for(on_task=other_task))
    person = add_to_team(make_person(Role.ARTIST))
    add_to_team(person, Role.CLIENT, to=other_project)
    response = client_for(person).put(
        "/api/actions/tasks/set-main-preview",
        {"task_ids": [str(task.pk), str(other_task.pk)]},
        format="json",
    )
    assert response.status_code == 403
    assert Entity.objects.get(pk=asset.pk).preview_file_id is None
    assert Entity.objects.get(pk=other_asset.pk).preview_file_id is None


def test_set_a_preview_as_main_preview(task, asset, comment_for, slot, admin_client):
    first = slot(task, comment_for())
    slot(task, comment_for())  # a newer revision: the route takes the preview it is given
    response = admin_client.put(
        f"/api/actions/preview-files/{first['id']}/set-main-preview", {}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "Entity"
    assert body["id"] == str(asset.pk)
    assert body["preview_file_id"] == first["id"]
    asset.refresh_from_db()
    assert str(asset.preview_file_id) == first["id"]


def test_set_main_preview_refuses_clients_and_outsiders(
    task, asset, comment, slot, make_person, add_to_team, client_for
):
    preview = slot(task, comment)
    url = f"/api/actions/preview-files/{preview['id']}/set-main-preview"
    client = add_to_team(make_person(Role.CLIENT))
    assert client_for(client).put(url, {}, format="json").status_code == 403
    outsider = make_person(Role.MANAGER)
    assert client_for(outsider).put(url, {}, format="json").status_code == 403
    asset.refresh_from_db()
    assert asset.preview_file_id is None


def test_set_main_preview_of_unknown_preview_is_404(admin_client):
    for preview_id in (uuid.uuid4(), "malformed"):
        url = f"/api/actions/preview-files/{preview_id}/set-main-preview"
        assert admin_client.put(url, {}, format="json").status_code == 404


def test_frame_number_on_a_picture_is_400(task, asset, comment, ready_picture, admin_client):
    preview = ready_picture(task, comment)
    response = admin_client.put(
        f"/api/actions/preview-files/{preview.pk}/set-main-preview",
        {"frame_number": 3},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Can't use a given frame on non movie preview"
    asset.refresh_from_db()
    assert asset.preview_file_id is None


# ---------------------------------------------------------------------------------------------
# update-position: reordering within a revision


@pytest.fixture
def revision_of_three(task, comment, slot):
    return [slot(task, comment)["id"] for _ in range(3)]


def positions(ids) -> list[int]:
    return [PreviewFile.objects.get(pk=preview_id).position for preview_id in ids]


def test_move_a_preview_to_the_front(revision_of_three, admin_client):
    first, second, third = revision_of_three
    response = admin_client.put(
        f"/api/actions/preview-files/{third}/update-position", {"position": 1}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [row["id"] for row in body] == [third, first, second]
    assert [row["position"] for row in body] == [1, 2, 3]
    assert positions([third, first, second]) == [1, 2, 3]


def test_move_a_preview_to_the_end(revision_of_three, admin_client):
    first, second, third = revision_of_three
    body = admin_client.put(
        f"/api/actions/preview-files/{first}/update-position", {"position": 3}, format="json"
    ).json()
    assert [row["id"] for row in body] == [second, third, first]
    assert positions([second, third, first]) == [1, 2, 3]


@pytest.mark.parametrize("position", [99, 0])
def test_out_of_range_position_changes_nothing(revision_of_three, admin_client, position):
    first, second, third = revision_of_three
    response = admin_client.put(
        f"/api/actions/preview-files/{third}/update-position",
        {"position": position},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    assert [row["id"] for row in body] == [first, second, third]
    assert positions([first, second, third]) == [1, 2, 3]


@pytest.mark.parametrize("position", [-1, "first"])
def test_invalid_position_is_400(revision_of_three, admin_client, position):
    third = revision_of_three[2]
    response = admin_client.put(
        f"/api/actions/preview-files/{third}/update-position",
        {"position": position},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Validation error."
    assert positions(revision_of_three) == [1, 2, 3]


def test_update_position_needs_action_access(revision_of_three, artist_in_team, client_for):
    third = revision_of_three[2]
    response = client_for(artist_in_team).put(
        f"/api/actions/preview-files/{third}/update-position", {"position": 1}, format="json"
    )
    assert response.status_code == 403
    assert positions(revision_of_three) == [1, 2, 3]


# ---------------------------------------------------------------------------------------------
# GET data/playlists/preview-files/running

RUNNING = "/api/data/playlists/preview-files/running"


@pytest.fixture
def running_previews(task, comment_for, slot, upload, admin_client):
    """A ready picture, a broken one (not a picture) and an empty slot (processing), created
    in that order, a minute apart."""
    ready = slot(task, comment_for())["id"]
    assert upload(admin_client, ready, "good.png", png_bytes()).status_code == 201
    broken = slot(task, comment_for())["id"]
    assert upload(admin_client, broken, "bad.png", b"not a picture at all").status_code == 201
    processing = slot(task, comment_for())["id"]
    statuses = {
        row.pk: row.status for row in PreviewFile.objects.filter(pk__in=[ready, broken, processing])
    }
    assert [statuses[uuid.UUID(i)] for i in (ready, broken, processing)] == [
        "ready",
        "broken",
        "processing",
    ]
    start = timezone.now() - timedelta(hours=1)
    for minutes, preview_id in enumerate((ready, broken, processing)):
        PreviewFile.objects.filter(pk=preview_id).update(
            created_at=start + timedelta(minutes=minutes)
        )
    return {"ready": ready, "broken": broken, "processing": processing}


def test_running_previews_newest_first(running_previews, admin_client):
    response = admin_client.get(RUNNING)
    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body] == [
        running_previews["processing"],
        running_previews["broken"],
    ]
    assert [row["status"] for row in body] == ["processing", "broken"]
    assert body[1]["broken_reason"]


def test_running_previews_say_where_they_belong(
    project, task, shot_task, comment_for, slot, admin_client
):
    """Each entry carries its project, task type and entity name."""
    asset_preview = slot(task, comment_for())["id"]
    shot_preview = slot(shot_task, comment_for(on_task=shot_task))["id"]
    rows = {row["id"]: row for row in admin_client.get(RUNNING).json()}
    assert set(rows) == {asset_preview, shot_preview}
    assert rows[asset_preview]["full_entity_name"] == "Character / Bunny"
    assert rows[shot_preview]["full_entity_name"] == "SQ01 / SH010"
    assert rows[asset_preview]["task_type_id"] == str(task.task_type_id)
    assert rows[shot_preview]["task_type_id"] == str(shot_task.task_type_id)
    assert {row["project_id"] for row in rows.values()} == {str(project.pk)}


def test_running_previews_of_closed_projects_are_not_listed(
    project, task, comment, slot, admin_client
):
    slot(task, comment)
    assert len(admin_client.get(RUNNING).json()) == 1
    project.project_status = ProjectStatus.objects.get(name="Closed")
    project.save()
    assert admin_client.get(RUNNING).json() == []


def test_running_previews_cursor_and_limit(running_previews, admin_client):
    after = admin_client.get(RUNNING, {"cursor_preview_file_id": running_previews["processing"]})
    assert after.status_code == 200
    assert [row["id"] for row in after.json()] == [running_previews["broken"]]
    limited = admin_client.get(RUNNING, {"limit": 1})
    assert [row["id"] for row in limited.json()] == [running_previews["processing"]]
    last = admin_client.get(RUNNING, {"cursor_preview_file_id": running_previews["broken"]})
    assert last.json() == []


def test_running_previews_bad_parameters(running_previews, admin_client):
    malformed = admin_client.get(RUNNING, {"cursor_preview_file_id": "nope"})
    assert malformed.status_code == 400
    assert malformed.json()["message"] == "The cursor_preview_file_id parameter is not a valid id"
    unknown_id = uuid.uuid4()
    unknown = admin_client.get(RUNNING, {"cursor_preview_file_id": str(unknown_id)})
    assert unknown.status_code == 400
    assert unknown.json()["message"] == f"No preview file found with id: {unknown_id}"
    bad_limit = admin_client.get(RUNNING, {"limit": "ten"})
    assert bad_limit.status_code == 400
    assert bad_limit.json()["message"] == "Wrong value for parameter limit."


def test_running_previews_are_for_admins(running_previews, make_person, add_to_team, client_for):
    manager = add_to_team(make_person(Role.MANAGER))
    assert client_for(manager).get(RUNNING).status_code == 403


# ---------------------------------------------------------------------------------------------
# GET data/projects/<id>/preview-files


def test_project_preview_files(project, task, comment_for, slot, admin_client, asset_type, admin):
    older, newer = (slot(task, comment_for())["id"] for _ in range(2))
    now = timezone.now()  # last updated first
    PreviewFile.objects.filter(pk=older).update(updated_at=now - timedelta(minutes=2))
    PreviewFile.objects.filter(pk=newer).update(updated_at=now - timedelta(minutes=1))
    other_project = production_services.create_project(values={"name": "Sintel"})
    other_asset = production_services.create_asset(
        project=other_project, asset_type=asset_type, name="Dragon", created_by=admin
    )
    other_task = production_services.create_task(
        values={
            "name": "main",
            "project": other_project,
            "entity": other_asset,
            "task_type": task.task_type,
            "task_status": task.task_status,
        }
    )
    slot(other_task, comment_for(on_task=other_task))
    url = f"/api/data/projects/{project.pk}/preview-files"
    plain = admin_client.get(url)
    assert plain.status_code == 200
    assert isinstance(plain.json(), list)
    assert [row["id"] for row in plain.json()] == [newer, older]
    page = admin_client.get(url, {"page": 1})
    assert page.status_code == 200
    body = page.json()
    assert [row["id"] for row in body["data"]] == [newer, older]
    assert (body["total"], body["nb_pages"], body["limit"], body["offset"], body["page"]) == (
        2,
        1,
        100,
        0,
        1,
    )


def test_project_preview_files_are_for_admins(project, make_person, add_to_team, client_for):
    manager = add_to_team(make_person(Role.MANAGER))
    url = f"/api/data/projects/{project.pk}/preview-files"
    assert client_for(manager).get(url).status_code == 403


def test_project_preview_files_of_unknown_project_is_404(admin_client):
    assert admin_client.get(f"/api/data/projects/{uuid.uuid4()}/preview-files").status_code == 404


# ---------------------------------------------------------------------------------------------
# Task and entity links after processing: the task's last preview, the entity's main preview


def test_ready_picture_becomes_the_task_last_preview(
    task, asset, comment, slot, upload, admin_client
):
    body = slot(task, comment)
    task.refresh_from_db()
    assert task.last_preview_file_id is None  # an empty slot is not a preview yet
    assert upload(admin_client, body["id"], "th01.png", png_bytes()).status_code == 201
    task.refresh_from_db()
    asset.refresh_from_db()
    assert str(task.last_preview_file_id) == body["id"]
    assert asset.preview_file_id is None  # the project does not automate main previews


def test_extra_picture_does_not_replace_the_task_last_preview(
    task, comment, slot, upload, admin_client
):
    main = slot(task, comment)
    extra = slot(task, comment)
    assert upload(admin_client, main["id"], "a.png", png_bytes()).status_code == 201
    assert upload(admin_client, extra["id"], "b.png", png_bytes()).status_code == 201
    assert PreviewFile.objects.get(pk=extra["id"]).status == "ready"
    assert str(Task.objects.get(pk=task.pk).last_preview_file_id) == main["id"]


def test_other_files_do_not_become_the_task_last_preview(
    project, task, asset, comment, slot, upload, admin_client
):
    """As in Zou, a pdf (or any non-media file) is ready at once but is not a thumbnail."""
    project.is_set_preview_automated = True
    project.save()
    body = slot(task, comment)
    response = upload(admin_client, body["id"], "notes.pdf", b"%PDF-1.4 notes")
    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["extension"]) == ("ready", "pdf")
    task.refresh_from_db()
    asset.refresh_from_db()
    assert (task.last_preview_file_id, asset.preview_file_id) == (None, None)


def test_automated_projects_set_the_entity_main_preview(
    project, task, asset, comment, slot, upload, admin_client
):
    project.is_set_preview_automated = True
    project.save()
    body = slot(task, comment)
    asset.refresh_from_db()
    assert asset.preview_file_id is None
    assert upload(admin_client, body["id"], "th01.png", png_bytes()).status_code == 201
    asset.refresh_from_db()
    assert str(asset.preview_file_id) == body["id"]


def test_task_comments_embed_their_previews_and_hide_rejected_ones_from_clients(
    admin_client, client_for, make_person, add_to_team, task, comment, preview_on
):
    kept_id, _ = preview_on(task, "kept.png", png_bytes())
    rejected_id, _ = preview_on(task, "rejected.png", png_bytes())
    PreviewFile.objects.filter(pk=rejected_id).update(validation_status="rejected")
    url = f"/api/data/tasks/{task.pk}/comments"

    [listed] = admin_client.get(url).json()
    assert [p["id"] for p in listed["previews"]] == [kept_id, rejected_id]
    assert set(listed["previews"][0]) == {
        "id", "task_id", "revision", "extension", "width", "height", "duration", "status",
        "validation_status", "original_name", "position", "annotations",
    }  # fmt: skip
    assert listed["previews"][0]["original_name"] == "kept"

    client = add_to_team(make_person(Role.CLIENT))
    [seen_by_client] = client_for(client).get(url).json()
    assert [p["id"] for p in seen_by_client["previews"]] == [kept_id]
