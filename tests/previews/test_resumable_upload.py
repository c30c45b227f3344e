"""tus 1.0 uploads into a preview slot: `POST pictures/preview-files/<id>/uploads`, then PATCH
the chunks (docs/resumable-uploads.md). Once the last byte is in, the preview is what the
multipart route makes of the same file: stored under Zou's key, processed by its job, `ready`.
On every content backend."""

import pytest
from django.core.files.storage import storages

from previews import storage
from previews.models import PreviewFile, PreviewStatus
from production.models import Role
from resumable.models import ResumableUpload
from tests.previews.helpers import PDF, png_bytes
from tests.resumable.helpers import Tus, checksum, metadata, sha256
from tests.stores.content import pending_uploads

pytestmark = pytest.mark.usefixtures("content_backend")


def uploads_url(preview_id: str) -> str:
    return f"/api/pictures/preview-files/{preview_id}/uploads"


@pytest.fixture
def slot(add_preview, admin_client, task, comment):
    def make(client=None) -> str:
        response = add_preview(client or admin_client, task, comment)
        assert response.status_code == 201, response.content
        return response.json()["id"]

    return make


def send(tus: Tus, preview_id: str, name: str, data: bytes, *, chunk: int, capture, query=""):
    """The whole upload; the on-commit callbacks (the processing job) run as it completes."""
    created = tus.create(
        uploads_url(preview_id),
        len(data),
        query=query,
        **{"Upload-Metadata": metadata(filename=name, sha256=sha256(data))},
    )
    assert created.status_code == 201, created.content
    location = created["Location"]
    for start in range(0, len(data), chunk):
        piece = data[start : start + chunk]
        with capture(execute=True):
            answer = tus.patch(location, start, piece, **{"Upload-Checksum": checksum(piece)})
        assert answer.status_code == 204, answer.content
    return location


def test_a_picture_sent_in_chunks_is_processed(
    admin_client, slot, django_capture_on_commit_callbacks
):
    preview_id = slot()
    picture = png_bytes(640, 360)
    send(
        Tus(admin_client),
        preview_id,
        "shot010_v003.png",
        picture,
        chunk=len(picture) // 3 + 1,
        capture=django_capture_on_commit_callbacks,
    )
    preview = PreviewFile.objects.get(pk=preview_id)
    assert preview.status == PreviewStatus.READY
    assert (preview.original_name, preview.extension) == ("shot010_v003", "png")
    assert (preview.width, preview.height) == (640, 360)
    # The same stored files as a multipart upload: the original and its thumbnails.
    pictures = storages[storage.ALIAS]
    for media in (
        storage.picture("original", preview_id),
        storage.picture("thumbnails", preview_id),
    ):
        assert pictures.exists(media.name), media.name
    assert pending_uploads("previews") == []


def test_another_file_is_stored_as_it_came(admin_client, slot, django_capture_on_commit_callbacks):
    preview_id = slot()
    data = PDF * 300
    send(
        Tus(admin_client),
        preview_id,
        "notes.pdf",
        data,
        chunk=4096,
        capture=django_capture_on_commit_callbacks,
    )
    preview = PreviewFile.objects.get(pk=preview_id)
    assert (preview.status, preview.extension, preview.file_size) == (
        PreviewStatus.READY,
        "pdf",
        len(data),
    )
    answer = admin_client.get(f"/api/pictures/originals/preview-files/{preview_id}/download")
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == data


def test_a_kind_we_do_not_take_is_refused_before_any_byte(admin_client, slot):
    """At creation, and the slot stays (the multipart route deletes it, as Zou does, because
    it learns the kind only with the bytes)."""
    preview_id = slot()
    tus = Tus(admin_client)
    refused = tus.create(
        uploads_url(preview_id), 10, **{"Upload-Metadata": metadata(filename="virus.exe")}
    )
    assert refused.status_code == 400
    assert "extension: exe" in refused.json()["message"]
    no_name = tus.create(uploads_url(preview_id), 10)
    assert no_name.status_code == 400
    assert "filename" in no_name.json()["message"]
    assert PreviewFile.objects.filter(pk=preview_id).exists()
    assert not ResumableUpload.objects.exists()


def test_a_filled_slot_takes_no_upload(admin_client, slot, django_capture_on_commit_callbacks):
    preview_id = slot()
    tus = Tus(admin_client)
    # Two uploads begin into the same empty slot; the first to finish fills it.
    first = tus.create(
        uploads_url(preview_id), len(PDF), **{"Upload-Metadata": metadata(filename="a.pdf")}
    )
    second = tus.create(
        uploads_url(preview_id), len(PDF), **{"Upload-Metadata": metadata(filename="b.pdf")}
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tus.patch(first["Location"], 0, PDF).status_code == 204
    late = tus.patch(second["Location"], 0, PDF)
    assert late.status_code == 400
    assert tus.head(second["Location"]).status_code == 404
    assert PreviewFile.objects.get(pk=preview_id).original_name == "a"
    assert (
        tus.create(
            uploads_url(preview_id), 10, **{"Upload-Metadata": metadata(filename="c.pdf")}
        ).status_code
        == 400
    )
    assert pending_uploads("previews") == []


def test_a_wrong_whole_file_checksum_leaves_the_slot_empty(admin_client, slot):
    preview_id = slot()
    tus = Tus(admin_client)
    created = tus.create(
        uploads_url(preview_id),
        len(PDF),
        **{"Upload-Metadata": metadata(filename="a.pdf", sha256=sha256(b"other"))},
    )
    refused = tus.patch(created["Location"], 0, PDF)
    assert refused.status_code == 400
    assert "declared checksum" in refused.json()["message"]
    preview = PreviewFile.objects.get(pk=preview_id)
    assert not preview.is_uploaded
    assert pending_uploads("previews") == []
    # The slot takes a right upload afterwards.
    again = tus.create(
        uploads_url(preview_id), len(PDF), **{"Upload-Metadata": metadata(filename="a.pdf")}
    )
    assert tus.patch(again["Location"], 0, PDF).status_code == 204


def test_the_access_rules_of_the_upload_route(
    slot, client_for, make_person, add_to_team, admin_client
):
    preview_id = slot()
    name = {"Upload-Metadata": metadata(filename="a.pdf")}
    outsider = Tus(client_for(make_person(Role.ARTIST)))
    assert outsider.create(uploads_url(preview_id), 10, **name).status_code == 403
    location = Tus(admin_client).create(uploads_url(preview_id), len(PDF), **name)["Location"]
    supervisor = Tus(client_for(add_to_team(make_person(Role.SUPERVISOR))))
    assert supervisor.patch(location, 0, PDF).status_code == 404
    assert supervisor.create(uploads_url("nope"), 10, **name).status_code == 404


@pytest.mark.parametrize(
    ("file_name", "query", "options"),
    [
        (
            "shot.mov",
            "?normalize=false",
            {"normalize": False, "sequence": None, "color_space": None, "layer": None},
        ),
        (
            "shot.zip",
            "?sequence=true&color_space=ACEScg&layer=diffuse",
            {"normalize": True, "sequence": True, "color_space": "ACEScg", "layer": "diffuse"},
        ),
    ],
)
def test_the_upload_options_are_kept_for_the_job(admin_client, slot, file_name, query, options):
    """The multipart route's query options, read the same way at the upload's creation."""
    preview_id = slot()
    created = Tus(admin_client).create(
        uploads_url(preview_id),
        10,
        query=query,
        **{"Upload-Metadata": metadata(filename=file_name)},
    )
    assert created.status_code == 201
    assert ResumableUpload.objects.get().options == options
