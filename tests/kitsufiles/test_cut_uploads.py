"""Multipart bodies that end before their closing boundary (the client went away mid-file) or
before the length they declared: every multipart route answers 400 and writes nothing — no
comment, no status change, no preview media, no new working-file content — and leaves no
temporary file behind, on local storage and on the object stores (tests/stores/content.py)."""

import io
import json

import pytest

from previews.models import PreviewFile
from production import services as production_services
from production.models import Comment, Task, TaskStatus
from tests.previews.helpers import png_bytes
from tests.stores.content import ContentBackend
from working_files import services as working_file_services
from working_files.models import WorkingFile

pytestmark = pytest.mark.usefixtures("content_backend")

BOUNDARY = "----cut-upload-boundary"
CUT_MESSAGE = "The upload was cut off before its end: send it again."


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> bytes:
    """A complete multipart/form-data body."""
    body = b""
    for name, value in fields.items():
        body += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    for name, (filename, content) in files.items():
        body += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        body += content + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def cut_in_last_file(body: bytes, content: bytes) -> bytes:
    """`body` stopped half-way through `content` (its last file part)."""
    start = body.rindex(content)
    return body[: start + len(content) // 2]


def post_raw(client, url: str, data: bytes, **extra):
    return client.generic(
        "POST", url, data=data, content_type=f"multipart/form-data; boundary={BOUNDARY}", **extra
    )


def post_short(client, url: str, data: bytes, declared: int):
    """A body shorter than its Content-Length, as a server hands it over when the client's
    connection closes early (the stream simply ends)."""
    return post_raw(
        client, url, data, CONTENT_LENGTH=str(declared), **{"wsgi.input": io.BytesIO(data)}
    )


def assert_refused(response) -> None:
    assert response.status_code == 400, response.content
    assert response.json() == {"error": True, "message": CUT_MESSAGE}


@pytest.fixture
def stored(content_backend: ContentBackend):
    """What the stores hold (and what uploads left while arriving), on this test's backend."""
    return content_backend.stored_files


# ---------------------------------------------------------------------------------------------
# Batch comments


@pytest.fixture
def wip(default_data):
    return TaskStatus.objects.get(short_name="wip")


def batch_body(task, status) -> tuple[bytes, bytes]:
    content = png_bytes(width=400, height=300) * 4
    comments = [{"text": "cut", "task_status_id": str(status.pk), "task_id": str(task.pk)}]
    body = multipart(
        {"comments": json.dumps(comments)},
        {"preview_file-0-0": ("frame.png", content)},
    )
    return body, content


@pytest.mark.parametrize("taskless", [False, True])
def test_batch_comment_cut_mid_file_writes_nothing(
    task, wip, task_status, admin_client, stored, taskless
):
    body, content = batch_body(task, wip)
    url = (
        "/api/actions/tasks/batch-comment"
        if taskless
        else f"/api/actions/tasks/{task.pk}/batch-comment"
    )
    response = post_raw(admin_client, url, cut_in_last_file(body, content))
    assert_refused(response)
    assert not Comment.objects.filter(object=task).exists()
    assert not PreviewFile.objects.exists()
    assert Task.objects.get(pk=task.pk).task_status_id == task_status.pk
    assert stored() == []


def test_batch_comment_shorter_than_its_length_writes_nothing(
    task, wip, task_status, admin_client, stored
):
    body, _ = batch_body(task, wip)
    # Every part complete, the closing boundary missing, fewer bytes than declared.
    cut = body[: body.rindex(f"--{BOUNDARY}--".encode())]
    response = post_short(
        admin_client, f"/api/actions/tasks/{task.pk}/batch-comment", cut, len(body)
    )
    assert_refused(response)
    assert not Comment.objects.filter(object=task).exists()
    assert Task.objects.get(pk=task.pk).task_status_id == task_status.pk
    assert stored() == []


def test_complete_batch_comment_still_posts(
    task, wip, admin_client, django_capture_on_commit_callbacks
):
    body, _ = batch_body(task, wip)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_raw(admin_client, f"/api/actions/tasks/{task.pk}/batch-comment", body)
    assert response.status_code == 201, response.content
    assert Task.objects.get(pk=task.pk).task_status_id == wip.pk


# ---------------------------------------------------------------------------------------------
# Preview upload


@pytest.fixture
def empty_preview(task, admin, task_status, admin_client):
    comment = production_services.create_comment(task=task, task_status=task_status, author=admin)
    response = admin_client.post(
        f"/api/actions/tasks/{task.pk}/comments/{comment.pk}/add-preview", {}, format="json"
    )
    assert response.status_code == 201, response.content
    return PreviewFile.objects.get(pk=response.json()["id"])


def test_preview_upload_cut_mid_file_writes_nothing(empty_preview, admin_client, stored):
    content = png_bytes(width=400, height=300)
    body = multipart({}, {"file": ("frame.png", content)})
    url = f"/api/pictures/preview-files/{empty_preview.pk}"
    response = post_raw(admin_client, url, cut_in_last_file(body, content))
    assert_refused(response)
    preview = PreviewFile.objects.get(pk=empty_preview.pk)
    assert (preview.status, preview.file_size, preview.extension) == (
        empty_preview.status,
        empty_preview.file_size,
        empty_preview.extension,
    )
    assert stored() == []


def test_preview_upload_shorter_than_its_length_writes_nothing(
    empty_preview, admin_client, stored
):
    content = png_bytes(width=400, height=300)
    body = multipart({}, {"file": ("frame.png", content)})
    cut = body[: body.rindex(f"--{BOUNDARY}--".encode())]
    url = f"/api/pictures/preview-files/{empty_preview.pk}"
    assert_refused(post_short(admin_client, url, cut, len(body)))
    preview = PreviewFile.objects.get(pk=empty_preview.pk)
    assert preview.status == empty_preview.status
    assert stored() == []


# ---------------------------------------------------------------------------------------------
# Working-file content


@pytest.fixture
def stored_working_file(task, admin, admin_client) -> WorkingFile:
    working_file = working_file_services.create_working_file(
        task=task, name="main", author=admin, caller=admin
    )
    body = multipart({}, {"file": ("scene.blend", b"first content" * 100)})
    response = post_raw(admin_client, f"/api/data/working-files/{working_file.pk}/file", body)
    assert response.status_code == 201, response.content
    return WorkingFile.objects.get(pk=working_file.pk)


def test_working_file_content_cut_mid_file_keeps_the_old(
    stored_working_file, admin_client, stored
):
    before = stored()
    content = b"new content " * 50_000
    body = multipart({}, {"file": ("scene.blend", content)})
    url = f"/api/data/working-files/{stored_working_file.pk}/file"
    assert_refused(post_raw(admin_client, url, cut_in_last_file(body, content)))
    after = WorkingFile.objects.get(pk=stored_working_file.pk)
    assert (after.size, after.checksum) == (stored_working_file.size, stored_working_file.checksum)
    assert stored() == before  # no temporary file left either


def test_working_file_content_shorter_than_its_length_keeps_the_old(
    stored_working_file, admin_client, stored
):
    before = stored()
    body = multipart({}, {"file": ("scene.blend", b"new content " * 1000)})
    cut = body[: body.rindex(f"--{BOUNDARY}--".encode())]
    url = f"/api/data/working-files/{stored_working_file.pk}/file"
    assert_refused(post_short(admin_client, url, cut, len(body)))
    after = WorkingFile.objects.get(pk=stored_working_file.pk)
    assert (after.size, after.checksum) == (stored_working_file.size, stored_working_file.checksum)
    assert stored() == before


# ---------------------------------------------------------------------------------------------
# A connection that fails while the body is read


class FailingStream(io.BytesIO):
    """The first `good` bytes of a body, then the connection fails."""

    def __init__(self, data: bytes, good: int) -> None:
        super().__init__(data[:good])
        self.good = good

    def read(self, size=-1):
        data = super().read(size)
        if not data:
            raise ConnectionResetError("client went away")
        return data


def test_batch_comment_whose_connection_fails_writes_nothing(
    task, wip, task_status, admin_client, stored
):
    body, content = batch_body(task, wip)
    good = body.rindex(content) + len(content) // 2
    response = post_raw(
        admin_client,
        f"/api/actions/tasks/{task.pk}/batch-comment",
        body,
        **{"wsgi.input": FailingStream(body, good)},
    )
    assert_refused(response)
    assert not Comment.objects.filter(object=task).exists()
    assert Task.objects.get(pk=task.pk).task_status_id == task_status.pk
    assert stored() == []
