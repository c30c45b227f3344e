"""Columns the server computes (a stored file's size and checksum, a preview's media
properties and processing state) are read-only through the generic CRUD: sent values are
ignored, on creation and update alike, as unknown keys are
(docs/compatibility.md#generic-crud-routes)."""

import pytest
from django.apps import apps

from output_files.models import OutputFile
from previews.models import PreviewFile
from production.models import AttachmentFile, Entity, FileStatus, Task
from working_files import services as working_file_services
from working_files.models import WorkingFile

FORGED = {
    WorkingFile: {"size": 1, "checksum": "0" * 64},
    PreviewFile: {
        "original_name": "forged.mov",
        "extension": "mp4",
        "file_size": 1,
        "status": "ready",
        "width": 7,
        "height": 7,
        "duration": 7.0,
        "broken_reason": "forged",
        "attempts": 9,
        "attempt_started_at": "2030-01-01T00:00:00",
    },
    # Plain ids of previews, which only the preview routes choose among the right rows.
    Entity: {"preview_file_id": "00000000-0000-4000-8000-000000000001"},
    Task: {"last_preview_file_id": "00000000-0000-4000-8000-000000000001"},
}
COLLECTIONS = {
    WorkingFile: "working-files",
    PreviewFile: "preview-files",
    Entity: "entities",
    Task: "tasks",
}


def test_every_declared_column_exists():
    """A misspelt name would silently leave the column writable."""
    for model in apps.get_models():
        for name in getattr(model, "ZOU_READ_ONLY_FIELDS", ()):
            assert model._meta.get_field(name).concrete, (model, name)
    assert set(AttachmentFile.ZOU_READ_ONLY_FIELDS) == {"size"}
    for model, forged in FORGED.items():
        assert set(forged) == set(model.ZOU_READ_ONLY_FIELDS)


def server_columns(row, model) -> dict:
    row.refresh_from_db()
    return {name: getattr(row, name) for name in model.ZOU_READ_ONLY_FIELDS}


@pytest.fixture
def rows(task, admin):
    working_file = working_file_services.create_working_file(
        task=task, name="main", author=admin, caller=admin
    )
    WorkingFile.objects.filter(pk=working_file.pk).update(size=10, checksum="a" * 64)
    return {
        WorkingFile: working_file,
        PreviewFile: PreviewFile.objects.create(name="v1", task=task, width=640, file_size=10),
        Entity: task.entity,
        Task: task,
    }


@pytest.mark.parametrize("model", list(FORGED), ids=lambda m: m.__name__)
def test_an_update_ignores_server_columns(admin_client, rows, model):
    row = rows[model]
    before = server_columns(row, model)

    response = admin_client.put(
        f"/api/data/{COLLECTIONS[model]}/{row.pk}",
        {**FORGED[model], "description": "edited"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert server_columns(row, model) == before
    assert row.description == "edited"
    body = response.json()
    for name in ("size", "file_size", "width", "status"):
        if name in before:
            assert body[name] == before[name]


@pytest.mark.parametrize("model", [WorkingFile, PreviewFile], ids=lambda m: m.__name__)
def test_a_creation_ignores_server_columns(admin_client, task, model):
    body = {"name": "made by hand", "task_id": str(task.pk), **FORGED[model]}

    response = admin_client.post(f"/api/data/{COLLECTIONS[model]}", body, format="json")

    assert response.status_code == 201, response.content
    created = model.objects.get(pk=response.json()["id"])
    fresh = model(name="x")
    assert server_columns(created, model) == {
        name: getattr(fresh, name) for name in model.ZOU_READ_ONLY_FIELDS
    }


def test_an_output_file_declares_its_own_size_and_checksum(admin_client, task):
    """Outputs are published files the studio keeps on its own disks: nothing of them is stored
    here, so their `size` and `checksum` are what the pipeline says (gazu's
    update_output_file sets them)."""
    file_status, _ = FileStatus.objects.get_or_create(name="Created", defaults={"color": "#000000"})
    output = OutputFile.objects.create(
        name="main", revision=1, file_status=file_status, entity=task.entity, size=10
    )
    response = admin_client.put(
        f"/api/data/output-files/{output.pk}", {"size": 99, "checksum": "b" * 64}, format="json"
    )
    assert response.status_code == 200, response.content
    output.refresh_from_db()
    assert (output.size, output.checksum) == (99, "b" * 64)
