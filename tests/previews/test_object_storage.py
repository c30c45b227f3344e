"""Preview media, attachments, avatars and background files on every content backend
(tests/stores/content.py: local storage and the object stores): uploaded, processed and
served through Zou's buckets and keys, with nothing written under the local storage folders
on an object store; a store that is down answers 503 with Retry-After and leaves no row
pointing at missing content; a preview job that meets it fails its attempt and is retried;
FS_SIGNED_URL_SECONDS sends large downloads to the store.

The rest of the previews suite runs on local storage only: it exercises the same code paths
above the storage API (delivery, processing rules, permissions), and running all of it on
each backend would multiply its minutes (docs/decisions/object-storage.md)."""

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import requests
from django.utils.http import http_date

from kitsufiles.stores.objects import ObjectStorage, StoreUnavailable
from previews import jobs, queue
from previews.models import PreviewFile, PreviewStatus
from production.models import AttachmentFile, Comment, Person, Task, TaskStatus
from tests.previews.helpers import PDF, body_of, named_file, png_bytes
from tests.stores.content import CONTENT_BACKENDS, ContentBackend
from working_files import services as working_file_services
from working_files.models import WorkingFile

pytestmark = pytest.mark.usefixtures("content_backend")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
object_stores_only = pytest.mark.parametrize(
    "content_backend", [name for name in CONTENT_BACKENDS if name != "local"], indirect=True
)


@pytest.fixture
def wip(default_data):
    return TaskStatus.objects.get(short_name="wip")


def keys_in(backend: ContentBackend, bucket: str) -> set[str]:
    """The keys of Zou's bucket on this test's object store."""
    store = backend.storage("previews")
    assert isinstance(store, ObjectStorage)
    return {info.key for info in store.objects(f"{backend.bucket_prefix}{bucket}")}


def assert_nothing_local(backend: ContentBackend) -> None:
    """On an object store: no file under the local storage folders, and the work folder
    (local scratch) left empty."""
    if not backend.is_object_store:
        return
    assert backend.local_files() == []
    left = (
        [p for p in backend.work_dir.rglob("*") if p.is_file()] if backend.work_dir.exists() else []
    )
    assert left == []


# ---------------------------------------------------------------------------------------------
# Round trips


def test_a_picture_is_stored_processed_and_served(content_backend, task, preview_on, admin_client):
    content = png_bytes(width=640, height=360)
    preview_id, response = preview_on(task, "frame.png", content)
    assert response.status_code == 201, response.content
    preview = PreviewFile.objects.get(pk=preview_id)
    assert preview.status == PreviewStatus.READY, preview.broken_reason
    assert (preview.width, preview.height) == (640, 360)
    if content_backend.is_object_store:
        expected = {
            f"{prefix}-{preview_id}"
            for prefix in ("original", "thumbnails", "thumbnails-square", "previews")
        }
        assert keys_in(content_backend, "pictures") == expected  # the upload itself is gone
    assert_nothing_local(content_backend)

    url = f"/api/pictures/originals/preview-files/{preview_id}.png"
    whole = admin_client.get(url)
    assert whole.status_code == 200
    body = body_of(whole)
    assert body.startswith(PNG_SIGNATURE)
    assert whole["Content-Length"] == str(len(body))
    assert whole["Content-Type"] == "image/png"
    ranged = admin_client.get(url, HTTP_RANGE="bytes=0-7")
    assert ranged.status_code == 206
    assert body_of(ranged) == PNG_SIGNATURE
    assert ranged["Content-Range"] == f"bytes 0-7/{len(body)}"
    tail = admin_client.get(url, HTTP_RANGE="bytes=-10")
    assert body_of(tail) == body[-10:]
    again = admin_client.get(url, HTTP_IF_NONE_MATCH=whole["ETag"])
    assert again.status_code == 304
    thumbnail = admin_client.get(f"/api/pictures/thumbnails/preview-files/{preview_id}.png")
    assert thumbnail.status_code == 200
    assert body_of(thumbnail).startswith(PNG_SIGNATURE)


def test_a_movie_is_stored_processed_and_served(
    content_backend, small_project, task, preview_on, admin_client, clip
):
    preview_id, response = preview_on(task, "shot.mov", clip)
    assert response.status_code == 201, response.content
    preview = PreviewFile.objects.get(pk=preview_id)
    assert preview.status == PreviewStatus.READY, preview.broken_reason
    if content_backend.is_object_store:
        assert keys_in(content_backend, "movies") == {
            f"{prefix}-{preview_id}" for prefix in ("previews", "lowdef", "source")
        }
        assert content_backend.read_object("movies", f"source-{preview_id}") == clip
        assert f"tiles-{preview_id}" in keys_in(content_backend, "pictures")
    assert_nothing_local(content_backend)

    url = f"/api/movies/originals/preview-files/{preview_id}.mp4"
    whole = admin_client.get(url)
    assert whole.status_code == 200
    movie = body_of(whole)
    assert len(movie) == preview.file_size
    ranged = admin_client.get(url, HTTP_RANGE="bytes=100-1099")
    assert ranged.status_code == 206
    assert body_of(ranged) == movie[100:1100]
    assert ranged["Content-Range"] == f"bytes 100-1099/{len(movie)}"
    source = admin_client.get(f"/api/movies/source/preview-files/{preview_id}.mp4")
    assert body_of(source) == clip
    tile = admin_client.get(f"/api/movies/tiles/preview-files/{preview_id}.png")
    assert body_of(tile).startswith(PNG_SIGNATURE)
    # Made again on demand from the stored movie, and stored.
    frame = admin_client.get(
        f"/api/actions/preview-files/{preview_id}/extract-frame?frame_number=3"
    )
    assert frame.status_code == 200, frame.content
    assert body_of(frame).startswith(PNG_SIGNATURE)
    assert (
        admin_client.get(f"/api/actions/preview-files/{preview_id}/extract-tile").status_code == 200
    )
    assert_nothing_local(content_backend)


def test_another_file_is_stored_as_it_came(content_backend, task, preview_on, admin_client):
    preview_id, response = preview_on(task, "notes.pdf", PDF)
    assert response.status_code == 201, response.content
    if content_backend.is_object_store:
        assert content_backend.read_object("files", f"previews-{preview_id}") == PDF
    assert_nothing_local(content_backend)
    served = admin_client.get(f"/api/pictures/originals/preview-files/{preview_id}/download")
    assert served.status_code == 200
    assert body_of(served) == PDF


def test_attachments_are_stored_and_served(content_backend, task, wip, admin_client):
    content = bytes(range(256)) * 1000
    response = admin_client.post(
        f"/api/actions/tasks/{task.pk}/comment",
        {
            "task_status_id": str(wip.pk),
            "comment": "see attached",
            "file": named_file("plate.bin", content),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    (attachment,) = response.json()["attachment_files"]
    if content_backend.is_object_store:
        assert content_backend.read_object("files", f"attachments-{attachment['id']}") == content
    assert_nothing_local(content_backend)
    url = f"/api/data/attachment-files/{attachment['id']}/file/plate.bin"
    ranged = admin_client.get(url, HTTP_RANGE="bytes=1000-1999")
    assert ranged.status_code == 206
    assert body_of(ranged) == content[1000:2000]


def test_an_avatar_and_a_background_are_stored_and_served(content_backend, admin, admin_client):
    picture = png_bytes(width=800, height=600)
    url = f"/api/pictures/thumbnails/persons/{admin.pk}.png"
    response = admin_client.post(url, {"file": named_file("me.png", picture)}, format="multipart")
    assert response.status_code == 201, response.content
    served = admin_client.get(url)
    assert served.status_code == 200
    assert body_of(served).startswith(PNG_SIGNATURE)

    background = admin_client.post(
        "/api/data/preview-background-files", {"name": "sky"}, format="json"
    ).json()
    response = admin_client.post(
        f"/api/pictures/preview-background-files/{background['id']}",
        {"file": named_file("sky.png", picture)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    served = admin_client.get(f"/api/pictures/preview-background-files/{background['id']}.png")
    assert body_of(served) == picture
    if content_backend.is_object_store:
        assert content_backend.read_object("pictures", f"thumbnails-{admin.pk}") is not None
        assert (
            content_backend.read_object("pictures", f"preview-backgrounds-{background['id']}")
            == picture
        )
        assert f"thumbnails-{background['id']}" in keys_in(content_backend, "pictures")
    assert_nothing_local(content_backend)


# ---------------------------------------------------------------------------------------------
# The store down: 503 with Retry-After, nothing written


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert response["Retry-After"].isdigit()
    body = response.json()
    assert body["error"] is True
    assert "unavailable" in body["message"]


@object_stores_only
def test_a_working_file_upload_and_download_with_the_store_down(
    content_backend, task, admin, admin_client
):
    working_file = working_file_services.create_working_file(
        task=task, name="main", author=admin, caller=admin
    )
    url = f"/api/data/working-files/{working_file.pk}/file"
    assert admin_client.post(url, {"file": named_file("a.blend", b"old" * 1000)}).status_code == 201
    before = WorkingFile.objects.values("size", "checksum", "updated_at").get(pk=working_file.pk)
    content_backend.stop()

    assert_unavailable(admin_client.post(url, {"file": named_file("a.blend", b"new" * 5000)}))
    assert (
        WorkingFile.objects.values("size", "checksum", "updated_at").get(pk=working_file.pk)
        == before
    )
    assert_unavailable(admin_client.get(url))
    content_backend.start()
    assert body_of(admin_client.get(url)) == b"old" * 1000


@object_stores_only
def test_a_preview_upload_with_the_store_down_leaves_the_slot_empty(
    content_backend, task, comment, add_preview, admin_client, upload
):
    slot = add_preview(admin_client, task, comment).json()
    content_backend.stop()
    assert_unavailable(upload(admin_client, slot["id"], "frame.png", png_bytes()))
    preview = PreviewFile.objects.get(pk=slot["id"])
    assert not preview.is_uploaded
    assert PreviewFile.objects.count() == 1
    content_backend.start()
    response = upload(admin_client, slot["id"], "frame.png", png_bytes())
    assert response.status_code == 201, response.content


@object_stores_only
def test_comments_with_files_and_the_store_down_write_no_row(
    content_backend, task, wip, task_status, admin_client
):
    content_backend.stop()
    response = admin_client.post(
        f"/api/actions/tasks/{task.pk}/comment",
        {"task_status_id": str(wip.pk), "file": named_file("a.txt", b"attached")},
        format="multipart",
    )
    assert_unavailable(response)
    comments = [{"text": "batch", "task_status_id": str(wip.pk)}]
    response = admin_client.post(
        f"/api/actions/tasks/{task.pk}/batch-comment",
        {
            "comments": json.dumps(comments),
            "preview_file-0-0": named_file("frame.png", png_bytes()),
            "attachment_file-0-0": named_file("b.txt", b"attached too"),
        },
        format="multipart",
    )
    assert_unavailable(response)
    assert Comment.objects.count() == 0
    assert AttachmentFile.objects.count() == 0
    assert PreviewFile.objects.count() == 0
    assert Task.objects.get(pk=task.pk).task_status_id == task_status.pk


@object_stores_only
def test_media_and_avatars_with_the_store_down(
    content_backend, task, preview_on, admin, admin_client
):
    preview_id, _ = preview_on(task, "frame.png", png_bytes())
    content_backend.stop()
    for url in (
        f"/api/pictures/originals/preview-files/{preview_id}.png",
        f"/api/pictures/thumbnails/preview-files/{preview_id}.png",
        f"/api/pictures/originals/preview-files/{preview_id}/download",
    ):
        assert_unavailable(admin_client.get(url))
    url = f"/api/pictures/thumbnails/persons/{admin.pk}.png"
    assert_unavailable(
        admin_client.post(url, {"file": named_file("me.png", png_bytes())}, format="multipart")
    )
    assert Person.objects.get(pk=admin.pk).has_avatar is False


# ---------------------------------------------------------------------------------------------
# Jobs: a store that is down fails the attempt; the next one runs once it is back


@object_stores_only
def test_a_job_that_meets_the_store_down_is_retried(
    content_backend, task, comment, add_preview, admin_client, settings, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.PREVIEW_MAX_ATTEMPTS = 3
    queued: list[int] = []
    monkeypatch.setattr(queue, "enqueue_processing", lambda p: queued.append(p.attempts + 1))
    slot = add_preview(admin_client, task, comment).json()
    url = f"/api/pictures/preview-files/{slot['id']}"
    response = admin_client.post(url, {"file": named_file("frame.png", png_bytes())})
    assert response.status_code == 201, response.content
    assert queued == [1]
    content_backend.stop()

    # Attempt 1, as the cluster runs it (Django Q's sync mode: the job, then its hook).
    monkeypatch.undo()
    queued.clear()
    monkeypatch.setattr(queue, "enqueue_processing", lambda p: queued.append(p.attempts + 1))
    with pytest.raises(StoreUnavailable):
        jobs.process_preview(slot["id"], 1)

    class FailedTask:
        success = False
        args = (slot["id"], 1)
        result = "StoreUnavailable: The file store is unavailable"

    jobs.record_outcome(FailedTask)  # type: ignore[arg-type]
    preview = PreviewFile.objects.get(pk=slot["id"])
    assert (preview.status, preview.attempts, queued) == (PreviewStatus.PROCESSING, 1, [2])
    assert "unavailable" in preview.broken_reason

    content_backend.start()
    assert jobs.process_preview(slot["id"], 2) == PreviewStatus.READY
    preview = PreviewFile.objects.get(pk=slot["id"])
    assert (preview.status, preview.attempts) == (PreviewStatus.READY, 2)
    assert_nothing_local(content_backend)


@object_stores_only
def test_processing_in_the_request_with_the_store_down_queues_a_job(
    content_backend, task, comment, add_preview, admin_client, monkeypatch
):
    """`no_job=true`: the upload is stored, then the store goes down before processing reads
    it back: the preview is not broken, a job gets the next attempt."""
    queued: list[int] = []
    monkeypatch.setattr(queue, "enqueue_processing", lambda p: queued.append(p.attempts + 1))
    from previews.services import processing

    real_process = processing.process

    def process_with_the_store_down(**kwargs):
        content_backend.stop()
        return real_process(**kwargs)

    monkeypatch.setattr(processing, "process", process_with_the_store_down)
    slot = add_preview(admin_client, task, comment).json()
    url = f"/api/pictures/preview-files/{slot['id']}?no_job=true"
    response = admin_client.post(url, {"file": named_file("frame.png", png_bytes())})
    assert response.status_code == 201, response.content
    assert response.json()["status"] == PreviewStatus.PROCESSING
    assert queued == [2]


# ---------------------------------------------------------------------------------------------
# Redirects to signed URLs


def fetched(location: str) -> bytes:
    """The bytes a signed URL leads to, without credentials (the folder store's are file
    URLs)."""
    parts = urlsplit(location)
    if parts.scheme == "file":
        return Path(unquote(parts.path)).read_bytes()
    answer = requests.get(location, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.content


def test_signed_url_redirects_of_large_media(
    content_backend, task, preview_on, admin, admin_client, settings
):
    settings.FS_SIGNED_URL_SECONDS = 600
    preview_id, _ = preview_on(task, "frame.png", png_bytes())
    working_file = working_file_services.create_working_file(
        task=task, name="main", author=admin, caller=admin
    )
    content_url = f"/api/data/working-files/{working_file.pk}/file"
    assert (
        admin_client.post(content_url, {"file": named_file("a.blend", b"x" * 100)}).status_code
        == 201
    )
    download = admin_client.get(f"/api/pictures/originals/preview-files/{preview_id}/download")
    content = admin_client.get(content_url)
    thumbnail = admin_client.get(f"/api/pictures/thumbnails/preview-files/{preview_id}.png")
    if not content_backend.is_object_store:  # no effect on local storage
        assert (download.status_code, content.status_code) == (200, 200)
        return
    assert download.status_code == 302
    assert fetched(download["Location"]) == content_backend.read_object(
        "pictures", f"original-{preview_id}"
    )
    assert download["Cache-Control"] == "private, max-age=300"
    assert content.status_code == 302
    assert fetched(content["Location"]) == b"x" * 100
    assert thumbnail.status_code == 200  # small pictures are not redirected
    # A client whose copy is current gets a 304, not a redirect.
    again = admin_client.get(content_url, HTTP_IF_NONE_MATCH=content["ETag"])
    assert again.status_code == 304
    working_file.refresh_from_db()
    since = http_date(working_file.updated_at.timestamp() + 60)
    assert admin_client.get(content_url, HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    # Access is checked before any redirect.
    outsider = admin_client.__class__()
    assert outsider.get(content_url).status_code == 401
