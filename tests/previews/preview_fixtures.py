"""Fixtures of the preview route tests: an isolated preview storage, jobs run in-process,
a comment to hang previews on, and helpers to upload and fetch media.

Jobs: Django Q's sync mode runs `async_task` at once in the test's process (the real job
function, hook and result row); `transaction.on_commit` callbacks are executed by
`django_capture_on_commit_callbacks`, since the test's transaction never commits. The real
`qcluster` process is exercised by test_cluster.py.
"""

import io
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django_q.conf import Conf
from PIL import Image

from production import services as production_services
from production.models import Role


@pytest.fixture(autouse=True)
def preview_storage(settings, tmp_path):
    """`previews` storage, uploads and work folder inside this test's own folder."""
    root = tmp_path / "previews"
    settings.PREVIEW_FOLDER = root
    settings.PREVIEW_WORK_DIR = root / ".work"
    settings.STORAGES = {
        **settings.STORAGES,
        "previews": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    assert Path(storages["previews"].location) == root
    return root


@pytest.fixture(autouse=True)
def jobs_in_process(monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def comment(task, admin, task_status):
    return production_services.create_comment(task=task, task_status=task_status, author=admin)


@pytest.fixture
def comment_for(task, admin, task_status):
    def make(on_task=None, author=None):
        return production_services.create_comment(
            task=on_task or task, task_status=task_status, author=author or admin
        )

    return make


def png_bytes(width=180, height=101, color=(200, 30, 30), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def picture_size(body: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(body)).size


@pytest.fixture
def add_preview(django_capture_on_commit_callbacks):
    """POST add-preview as `client`; returns the response."""

    def add(client, task, comment, **body):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/api/actions/tasks/{task.pk}/comments/{comment.pk}/add-preview",
                body,
                format="json",
            )

    return add


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """POST a file into a preview as `client` (jobs run before this returns)."""

    def send(client, preview_id, name: str, content: bytes, query: str = ""):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/api/pictures/preview-files/{preview_id}{query}",
                {"file": _named(name, content)},
                format="multipart",
            )

    return send


def _named(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


@pytest.fixture
def preview_on(add_preview, upload, admin_client, comment):
    """A preview added on `comment` of `task` and uploaded with `name`/`content`."""

    def make(task, name: str, content: bytes, client=None, query: str = ""):
        client = client or admin_client
        slot = add_preview(client, task, comment).json()
        response = upload(client, slot["id"], name, content, query)
        return slot["id"], response

    return make


@pytest.fixture
def artist_in_team(make_person, add_to_team):
    return add_to_team(make_person(Role.ARTIST))
