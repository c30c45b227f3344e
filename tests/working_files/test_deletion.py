"""Deleting a working file removes its stored content, once the deletion has committed; a
refused or rolled-back deletion keeps it (docs/compatibility.md#working-files)."""

from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from tests.conftest import PASSWORD
from tests.working_files.helpers import ARTIST, MANAGER, make_file, make_output
from working_files import selectors, services
from working_files.models import WorkingFile

pytestmark = pytest.mark.django_db

CONTENT = b"a scene, 21 bytes...."


@pytest.fixture(autouse=True)
def files_storage(settings, tmp_path):
    """Local `files` storage in this test's own folder (never the checkout's data/ folder)."""
    root = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    assert Path(storages["files"].location) == root
    return storages["files"]


@pytest.fixture
def stored(stage, admin_client) -> WorkingFile:
    working_file = make_file(stage.task)
    part = SimpleUploadedFile("scene.blend", CONTENT, "application/octet-stream")
    response = admin_client.post(
        f"/api/data/working-files/{working_file.pk}/file", {"file": part}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert stored_path(working_file).read_bytes() == CONTENT
    return working_file


def stored_path(working_file: WorkingFile) -> Path:
    return Path(storages["files"].path(selectors.content_key(working_file)))


def delete(client, working_file):
    return client.delete(f"/api/data/working-files/{working_file.pk}")


def test_deleting_a_working_file_removes_its_content(
    admin_client, stored, django_capture_on_commit_callbacks
):
    path = stored_path(stored)
    with django_capture_on_commit_callbacks(execute=True):
        response = delete(admin_client, stored)
    assert response.status_code == 204
    assert not WorkingFile.objects.filter(pk=stored.pk).exists()
    assert not path.exists()


def test_a_working_file_without_content_is_deleted(
    admin_client, stage, django_capture_on_commit_callbacks
):
    working_file = make_file(stage.task)
    with django_capture_on_commit_callbacks(execute=True):
        response = delete(admin_client, working_file)
    assert response.status_code == 204
    assert not WorkingFile.objects.filter(pk=working_file.pk).exists()


@pytest.mark.parametrize("role", [ARTIST, MANAGER])
def test_a_refused_deletion_keeps_the_content(
    client_for, person_in, stored, role, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = delete(client_for(person_in(role, assigned=True)), stored)
    assert response.status_code == 403
    assert callbacks == []
    assert stored_path(stored).read_bytes() == CONTENT


def test_a_deletion_refused_by_an_output_keeps_the_content(
    admin_client, stage, stored, django_capture_on_commit_callbacks
):
    make_output(stage, stored)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = delete(admin_client, stored)
    assert response.status_code == 400
    assert callbacks == []
    assert stored_path(stored).read_bytes() == CONTENT


def test_a_rolled_back_deletion_keeps_the_content(
    admin, stored, django_capture_on_commit_callbacks
):
    pk, path = stored.pk, stored_path(stored)
    capturing = django_capture_on_commit_callbacks(execute=True)
    with capturing as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        services.delete_working_file(person=admin, instance=stored, force=False)
        raise RuntimeError("a later step fails")
    assert callbacks == []
    assert WorkingFile.objects.filter(pk=pk).exists()
    assert path.read_bytes() == CONTENT


def test_content_already_gone_is_no_error(admin, stage):
    working_file = make_file(stage.task)
    services.remove_content(selectors.content_key(working_file))



def upload(client, working_file: WorkingFile) -> None:
    part = SimpleUploadedFile("scene.blend", CONTENT, "application/octet-stream")
    response = client.post(
        f"/api/data/working-files/{working_file.pk}/file", {"file": part}, format="multipart"
    )
    assert response.status_code == 201, response.content


def test_deleting_through_the_admin_removes_the_content_too(
    admin, admin_client, stage, django_capture_on_commit_callbacks
):
    """The admin's delete (one row, and the bulk action) goes through the same service."""
    one, two = make_file(stage.task, name="one"), make_file(stage.task, name="two")
    upload(admin_client, one)
    upload(admin_client, two)
    browser = Client()
    assert browser.login(email=admin.email, password=PASSWORD)

    with django_capture_on_commit_callbacks(execute=True):
        single = browser.post(f"/admin/working_files/workingfile/{one.pk}/delete/", {"post": "yes"})
        bulk = browser.post(
            "/admin/working_files/workingfile/",
            {"action": "delete_selected", "_selected_action": [two.pk], "post": "yes"},
        )

    assert (single.status_code, bulk.status_code) == (302, 302)
    assert not WorkingFile.objects.filter(pk__in=[one.pk, two.pk]).exists()
    assert not stored_path(one).exists()
    assert not stored_path(two).exists()
