"""Batch comments: JSON and gazu's multipart form, previews and attachments per comment, all
comments written or none. Zou matches file parts by substring and keeps the comments written
before a failure (docs/compatibility.md#previews)."""

import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from previews import storage
from previews.models import PreviewFile
from production.models import AttachmentFile, Comment, Role, Task, TaskStatus
from tests.previews.helpers import png_bytes

TASKLESS = "/api/actions/tasks/batch-comment"


def task_url(task) -> str:
    return f"/api/actions/tasks/{task.pk}/batch-comment"


@pytest.fixture
def wip(default_data):
    return TaskStatus.objects.get(short_name="wip")


@pytest.fixture
def closed_to_artists(default_data):
    return TaskStatus.objects.create(
        name="Approved", short_name="appr", color="#22d160", is_artist_allowed=False
    )


@pytest.fixture
def post_batch(django_capture_on_commit_callbacks):
    """POST a batch; jobs started by its uploads run before this returns."""

    def post(client, url, data, format="json"):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, format=format)

    return post


def png(name: str, color=(200, 30, 30)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(color=color), content_type="image/png")


# ---------------------------------------------------------------------------------------------
# JSON bodies


def test_two_comments_on_one_task(task, wip, task_status, admin, admin_client, post_batch):
    comments = [
        {"text": "first pass", "task_status_id": str(task_status.pk)},
        {"text": "second pass", "task_status_id": str(wip.pk)},
    ]
    response = post_batch(admin_client, task_url(task), {"comments": comments})
    assert response.status_code == 201, response.content
    body = response.json()
    assert [item["text"] for item in body] == ["first pass", "second pass"]
    assert [item["task_status"]["id"] for item in body] == [str(task_status.pk), str(wip.pk)]
    assert body[1]["task_status"]["type"] == "TaskStatus"
    assert body[1]["task_status"]["short_name"] == "wip"
    for item in body:
        assert item["type"] == "Comment"
        assert item["object_id"] == str(task.pk)
        assert item["person"]["id"] == str(admin.pk)
        assert item["person"]["type"] == "Person"
        assert item["preview_files"] == []
        assert item["attachment_files"] == []
        assert item["previews"] == []
    stored = Comment.objects.filter(object=task).order_by("created_at")
    assert sorted(stored.values_list("text", flat=True)) == ["first pass", "second pass"]
    assert Task.objects.get(pk=task.pk).task_status_id == wip.pk  # the last comment's status


def test_taskless_route_takes_each_comment_task(task, shot_task, wip, admin_client, post_batch):
    comments = [
        {"text": "asset note", "task_status_id": str(wip.pk), "task_id": str(task.pk)},
        {"text": "shot note", "task_status_id": str(wip.pk), "task_id": str(shot_task.pk)},
    ]
    response = post_batch(admin_client, TASKLESS, {"comments": comments})
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(item["object_id"], item["text"]) for item in body] == [
        (str(task.pk), "asset note"),
        (str(shot_task.pk), "shot note"),
    ]
    assert list(Comment.objects.filter(object=task).values_list("text", flat=True)) == [
        "asset note"
    ]
    assert list(Comment.objects.filter(object=shot_task).values_list("text", flat=True)) == [
        "shot note"
    ]


def test_taskless_route_needs_a_task_per_comment(task, wip, admin_client, post_batch):
    comments = [
        {"text": "ok", "task_status_id": str(wip.pk), "task_id": str(task.pk)},
        {"text": "where?", "task_status_id": str(wip.pk)},
    ]
    response = post_batch(admin_client, TASKLESS, {"comments": comments})
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_unknown_task_is_404(wip, admin_client, post_batch):
    unknown = str(uuid.uuid4())
    comments = [{"text": "x", "task_status_id": str(wip.pk), "task_id": unknown}]
    assert post_batch(admin_client, TASKLESS, {"comments": comments}).status_code == 404
    url = f"/api/actions/tasks/{unknown}/batch-comment"
    assert post_batch(admin_client, url, {"comments": comments}).status_code == 404
    assert not Comment.objects.exists()


def test_missing_comments_is_400(task, admin_client, post_batch):
    for url in (task_url(task), TASKLESS):
        response = post_batch(admin_client, url, {"task_ids": [str(task.pk)]})
        assert response.status_code == 400
        assert response.json()["message"] == "Missing required parameter: comments"
    assert not Comment.objects.exists()


def test_invalid_json_in_multipart_is_400(task, admin_client, post_batch):
    response = post_batch(
        admin_client,
        task_url(task),
        {"comments": '[{"text": "unterminated"', "preview_file-0-0": png("a.png")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"] is True
    assert not Comment.objects.exists()
    assert not PreviewFile.objects.exists()


@pytest.mark.parametrize(
    "comments",
    [
        '[{"text": "big", "task_status_id": "%s", "checklist": [{"n": 1e20}]}]',
        '[{"text": "big", "task_status_id": "%s", "checklist": [{"n": 123456789012345678901234}]}]',
        "[" * 1000,
    ],
    ids=["float-beyond-64-bits", "int-beyond-64-bits", "nested-1000"],
)
def test_multipart_comments_are_bounded_like_json_bodies(
    task, wip, admin_client, post_batch, comments
):
    """The multipart `comments` field is held to the JSON bodies' bounds: a value no later read
    could write back is refused before anything is written."""
    text = comments % wip.pk if "%s" in comments else comments
    response = post_batch(admin_client, task_url(task), {"comments": text}, format="multipart")
    assert response.status_code == 400
    assert not Comment.objects.exists()
    assert admin_client.get("/api/data/comments").status_code == 200


@pytest.mark.parametrize("missing", ["text", "task_status_id"])
def test_incomplete_comment_writes_nothing(task, wip, admin_client, post_batch, missing):
    incomplete = {"text": "second", "task_status_id": str(wip.pk)}
    del incomplete[missing]
    comments = [{"text": "first", "task_status_id": str(wip.pk)}, incomplete]
    before = Comment.objects.count()
    response = post_batch(admin_client, task_url(task), {"comments": comments})
    assert response.status_code == 400
    assert response.json()["message"] == "Validation error."
    assert Comment.objects.count() == before == 0


def test_unknown_status_writes_nothing(task, wip, admin_client, post_batch):
    comments = [
        {"text": "first", "task_status_id": str(wip.pk)},
        {"text": "second", "task_status_id": str(uuid.uuid4())},
    ]
    response = post_batch(admin_client, task_url(task), {"comments": comments})
    assert response.status_code == 404
    assert not Comment.objects.exists()
    assert Task.objects.get(pk=task.pk).task_status_id != wip.pk


@pytest.mark.parametrize("taskless", [False, True])
def test_status_closed_to_artists_writes_nothing(
    task, wip, closed_to_artists, artist_in_team, client_for, post_batch, taskless
):
    task.assignees.add(artist_in_team)
    status_before = Task.objects.get(pk=task.pk).task_status_id
    comments = [
        {"text": "wip", "task_status_id": str(wip.pk), "task_id": str(task.pk)},
        {"text": "approve", "task_status_id": str(closed_to_artists.pk), "task_id": str(task.pk)},
    ]
    url = TASKLESS if taskless else task_url(task)
    response = post_batch(client_for(artist_in_team), url, {"comments": comments})
    assert response.status_code == 403
    assert Comment.objects.count() == 0
    assert Task.objects.get(pk=task.pk).task_status_id == status_before


def test_artist_may_use_allowed_statuses(task, wip, artist_in_team, client_for, post_batch):
    task.assignees.add(artist_in_team)
    comments = [{"text": "wip", "task_status_id": str(wip.pk)}]
    response = post_batch(client_for(artist_in_team), task_url(task), {"comments": comments})
    assert response.status_code == 201, response.content
    assert response.json()[0]["person"]["id"] == str(artist_in_team.pk)


def test_artist_not_assigned_is_refused(task, wip, artist_in_team, client_for, post_batch):
    comments = [{"text": "wip", "task_status_id": str(wip.pk), "task_id": str(task.pk)}]
    client = client_for(artist_in_team)
    assert post_batch(client, task_url(task), {"comments": comments}).status_code == 403
    assert post_batch(client, TASKLESS, {"comments": comments}).status_code == 403
    assert not Comment.objects.exists()


# ---------------------------------------------------------------------------------------------
# Multipart, as gazu sends it


def test_multipart_previews_and_attachment(task, wip, admin_client, post_batch, preview_storage):
    comments = [{"text": "with media", "task_status_id": str(wip.pk)}]
    notes = b"%PDF-1.4 review notes"
    response = post_batch(
        admin_client,
        task_url(task),
        {
            "comments": json.dumps(comments),
            "preview_file-0-0": png("front.png"),
            "preview_file-0-1": png("side.png", color=(0, 0, 255)),
            "attachment_file-0-0": SimpleUploadedFile(
                "notes.pdf", notes, content_type="application/pdf"
            ),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    (body,) = response.json()
    assert body["text"] == "with media"
    previews = body["preview_files"]
    assert len(previews) == 2
    assert [p["revision"] for p in previews] == [1, 1]
    assert [p["position"] for p in previews] == [1, 2]
    assert [p["extension"] for p in previews] == ["png", "png"]
    assert [p["original_name"] for p in previews] == ["front", "side"]
    assert all(p["task_id"] == str(task.pk) for p in previews)

    comment = Comment.objects.get(pk=body["id"])
    rows = PreviewFile.objects.filter(comments=comment).order_by("position")
    assert [str(row.pk) for row in rows] == [p["id"] for p in previews]
    assert [row.status for row in rows] == ["ready", "ready"]  # the jobs ran

    (attachment,) = body["attachment_files"]
    assert (attachment["name"], attachment["extension"], attachment["size"]) == (
        "notes.pdf",
        "pdf",
        len(notes),
    )
    row = AttachmentFile.objects.get(pk=attachment["id"])
    assert (row.comment_id, row.name, row.size, row.extension) == (
        comment.pk,
        "notes.pdf",
        len(notes),
        "pdf",
    )
    assert row.mimetype == "application/pdf"
    with storage.open_media(storage.attachment(row.pk)) as handle:
        assert handle.read() == notes
    # Nothing of the request is left in the upload folder.
    assert not [path for path in storage.upload_dir().glob("*") if path.is_file()]


def test_file_parts_belong_to_their_own_comment(task, wip, admin_client, post_batch):
    """With 11 comments, `preview_file-1-0` is comment 1's only, `preview_file-10-0`
    comment 10's only (Zou matched by substring)."""
    comments = [{"text": f"note {i}", "task_status_id": str(wip.pk)} for i in range(11)]
    response = post_batch(
        admin_client,
        task_url(task),
        {
            "comments": json.dumps(comments),
            "preview_file-1-0": png("one.png"),
            "preview_file-10-0": png("ten.png", color=(0, 200, 0)),
            "attachment_file-1-0": SimpleUploadedFile("one.txt", b"1"),
            "attachment_file-10-0": SimpleUploadedFile("ten.txt", b"10"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [item["text"] for item in body] == [f"note {i}" for i in range(11)]
    names = [[p["original_name"] for p in item["preview_files"]] for item in body]
    assert names[1] == ["one"]
    assert names[10] == ["ten"]
    assert all(names[i] == [] for i in range(11) if i not in (1, 10))
    attachments = [[a["name"] for a in item["attachment_files"]] for item in body]
    assert attachments[1] == ["one.txt"]
    assert attachments[10] == ["ten.txt"]
    assert sum(len(names) for names in attachments) == 2
    for index, name in ((1, "one"), (10, "ten")):
        comment = Comment.objects.get(pk=body[index]["id"])
        assert list(PreviewFile.objects.filter(comments=comment).values_list(
            "original_name", flat=True
        )) == [name]  # fmt: skip
    assert PreviewFile.objects.count() == 2
    # Each comment's first preview opens a new revision.
    revisions = {p["original_name"]: p["revision"] for item in body for p in item["preview_files"]}
    assert revisions == {"one": 1, "ten": 2}


def test_unsupported_preview_is_dropped(task, wip, admin_client, post_batch):
    comments = [{"text": "odd file", "task_status_id": str(wip.pk)}]
    response = post_batch(
        admin_client,
        task_url(task),
        {
            "comments": json.dumps(comments),
            "preview_file-0-0": SimpleUploadedFile("scene.xyz", b"whatever"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    (body,) = response.json()
    assert body["preview_files"] == []
    assert Comment.objects.filter(pk=body["id"]).exists()
    assert not PreviewFile.objects.exists()
    assert Task.objects.get(pk=task.pk).last_preview_file_id is None


def test_unsupported_preview_beside_a_good_one(task, wip, admin_client, post_batch):
    comments = [{"text": "mixed", "task_status_id": str(wip.pk)}]
    response = post_batch(
        admin_client,
        task_url(task),
        {
            "comments": json.dumps(comments),
            "preview_file-0-0": SimpleUploadedFile("scene.xyz", b"whatever"),
            "preview_file-0-1": png("good.png"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    (preview,) = response.json()[0]["preview_files"]
    assert preview["original_name"] == "good"
    assert list(PreviewFile.objects.values_list("pk", flat=True)) == [uuid.UUID(preview["id"])]


def test_multipart_refusal_stores_nothing(
    task, wip, closed_to_artists, artist_in_team, client_for, post_batch, preview_storage
):
    task.assignees.add(artist_in_team)
    comments = [
        {"text": "wip", "task_status_id": str(wip.pk)},
        {"text": "approve", "task_status_id": str(closed_to_artists.pk)},
    ]
    response = post_batch(
        client_for(artist_in_team),
        task_url(task),
        {
            "comments": json.dumps(comments),
            "preview_file-0-0": png("front.png"),
            "attachment_file-0-0": SimpleUploadedFile("notes.txt", b"notes"),
        },
        format="multipart",
    )
    assert response.status_code == 403
    assert not Comment.objects.exists()
    assert not PreviewFile.objects.exists()
    assert not AttachmentFile.objects.exists()
    # Neither the uploads nor media stored for the rolled-back comment are left behind.
    assert not [path for path in preview_storage.rglob("*") if path.is_file()]


def test_manager_may_comment_for_someone_else(
    task, wip, make_person, add_to_team, client_for, post_batch
):
    manager = add_to_team(make_person(Role.MANAGER))
    artist = add_to_team(make_person(Role.ARTIST))
    comments = [
        {
            "text": "imported",
            "task_status_id": str(wip.pk),
            "person_id": str(artist.pk),
            "created_at": "2024-03-01T10:00:00",
        }
    ]
    response = post_batch(client_for(manager), task_url(task), {"comments": comments})
    assert response.status_code == 201, response.content
    (body,) = response.json()
    assert body["person"]["id"] == str(artist.pk)
    assert body["person_id"] == str(artist.pk)
    assert body["created_at"] == "2024-03-01T10:00:00"
