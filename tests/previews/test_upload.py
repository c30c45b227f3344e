"""POST pictures/preview-files/<id>: the upload of a preview's media, as gazu sends it: order
of checks, classification by extension,
limits, processing results, Zou's storage layout and the temporary files left behind.

Jobs run in-process (Django Q sync mode) when the on-commit callbacks are executed; movies are
tiny generated clips and the project's resolution is set to 320x180 for them."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_q.conf import Conf
from PIL import Image

from previews.models import PreviewFile, PreviewStatus
from tests.previews.helpers import PDF, body_of, picture_size, png_bytes
from tests.zou_bodies import BAD_REQUEST, FORBIDDEN, NOT_FOUND, TOO_LARGE

EMPTY_MOVIE = (
    "Uploaded movie could not be written to temporary storage or is empty; aborting before "
    "dispatching normalization."
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------------------------
# Clips and helpers


def jpeg_bytes(width=320, height=200) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def upload_url(preview_id) -> str:
    return f"/api/pictures/preview-files/{preview_id}"


def sharded(root: Path, bucket: str, folder: str, preview_id) -> Path:
    preview_id = str(preview_id)
    return root / bucket / folder / preview_id[0:3] / preview_id[3:6] / preview_id


def leftovers(root: Path) -> list[str]:
    """Files left in the upload and work folders."""
    return sorted(
        str(path.relative_to(root))
        for folder in (".uploads", ".work")
        if (root / folder).exists()
        for path in (root / folder).rglob("*")
        if not path.is_dir()
    )


def row(preview_id) -> PreviewFile | None:
    return PreviewFile.objects.filter(pk=preview_id).first()


@pytest.fixture
def slot(add_preview, admin_client, task, comment):
    """An empty preview on `task` (status processing, no media)."""

    def make(client=None) -> str:
        response = add_preview(client or admin_client, task, comment)
        assert response.status_code == 201, response.content
        return response.json()["id"]

    return make


@pytest.fixture
def without_jobs(monkeypatch):
    """Uploads queue their job in the ORM broker instead of running it (and the test's
    transaction never commits, so nothing runs unless a test executes the callbacks)."""
    monkeypatch.setattr(Conf, "SYNC", False)


def post_file(client, preview_id, name: str, content: bytes, *, field="file", query=""):
    return client.post(
        f"{upload_url(preview_id)}{query}",
        {field: SimpleUploadedFile(name, content)},
        format="multipart",
    )


# ---------------------------------------------------------------------------------------------
# Order of checks (Zou's, so that each refusal is the one a client expects)


def test_unknown_or_malformed_preview_is_a_404(admin_client, db, preview_storage):
    for preview_id in ("0a4b5c6d-0000-4000-8000-000000000000", "not-a-uuid"):
        response = post_file(admin_client, preview_id, "th01.png", png_bytes())
        assert response.status_code == 404, preview_id
        assert response.json() == NOT_FOUND
    assert leftovers(preview_storage) == []


def test_reupload_onto_an_uploaded_preview_is_refused(admin_client, slot, upload, preview_storage):
    preview_id = slot()
    assert upload(admin_client, preview_id, "first.pdf", PDF).status_code == 201

    response = post_file(admin_client, preview_id, "second.pdf", b"%PDF-1.7 other")
    assert response.status_code == 400
    assert response.json() == BAD_REQUEST
    assert row(preview_id).original_name == "first"
    assert sharded(preview_storage, "files", "previews", preview_id).read_bytes() == PDF
    assert leftovers(preview_storage) == []


def test_reupload_is_checked_before_permissions(
    admin_client, client_for, artist_in_team, slot, upload
):
    preview_id = slot()
    assert upload(admin_client, preview_id, "first.pdf", PDF).status_code == 201

    response = post_file(client_for(artist_in_team), preview_id, "second.pdf", PDF)
    assert response.status_code == 400
    assert response.json() == BAD_REQUEST


def test_an_artist_not_assigned_to_the_task_gets_403(
    client_for, artist_in_team, slot, preview_storage
):
    preview_id = slot()
    client = client_for(artist_in_team)

    response = post_file(client, preview_id, "th01.png", png_bytes())
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    # Permission comes before the file: no file part is also a 403.
    assert client.post(upload_url(preview_id), {}, format="multipart").status_code == 403
    assert not row(preview_id).is_uploaded
    assert leftovers(preview_storage) == []


def test_an_assigned_artist_uploads(client_for, artist_in_team, task, slot, upload):
    task.assignees.add(artist_in_team)
    preview_id = slot()

    response = upload(client_for(artist_in_team), preview_id, "th01.png", png_bytes())
    assert response.status_code == 201, response.content
    assert row(preview_id).status == PreviewStatus.READY


def test_no_file_part_is_400(admin_client, slot, preview_storage):
    preview_id = slot()

    response = admin_client.post(upload_url(preview_id), {}, format="multipart")
    assert response.status_code == 400
    assert response.json()["message"] == "File not provided."
    # A file under another field name is not the file, and is not left on disk.
    response = post_file(admin_client, preview_id, "th01.png", png_bytes(), field="picture")
    assert response.status_code == 400
    assert response.json()["message"] == "File not provided."
    assert not row(preview_id).is_uploaded
    assert leftovers(preview_storage) == []


# ---------------------------------------------------------------------------------------------
# Classification by extension


@pytest.mark.parametrize(
    ("name", "content", "original_name"),
    [
        ("shot.v001.jpg", jpeg_bytes(), "shot.v001"),
        ("frame.jpeg", jpeg_bytes(), "frame"),
        ("frame.jpe", jpeg_bytes(), "frame"),
        ("th01.png", png_bytes(), "th01"),
        ("LOUD.PNG", png_bytes(), "LOUD"),
    ],
)
def test_pictures_become_png(admin_client, slot, upload, name, content, original_name):
    preview_id = slot()

    response = upload(admin_client, preview_id, name, content)
    assert response.status_code == 201, response.content
    assert response.json()["extension"] == "png"
    assert response.json()["original_name"] == original_name
    preview = row(preview_id)
    assert (preview.extension, preview.original_name) == ("png", original_name)
    assert preview.status == PreviewStatus.READY, preview.broken_reason
    assert (preview.width, preview.height) == picture_size(content)


@pytest.mark.parametrize("extension", ["mov", "mp4", "mkv", "avi", "webm", "MOV"])
def test_movies_become_mp4(admin_client, slot, without_jobs, clip, extension):
    preview_id = slot()

    response = post_file(admin_client, preview_id, f"shot.v002.{extension}", clip)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["extension"], body["original_name"]) == ("mp4", "shot.v002")
    assert body["status"] == "processing"  # its job is queued
    assert (body["width"], body["height"], body["file_size"]) == (0, 0, 0)


@pytest.mark.parametrize(
    "query",
    ["?layer=%00", "?color_space=ACES%0Acg", f"?color_space={'x' * 201}", f"?layer={'y' * 201}"],
)
def test_colour_and_layer_options_must_be_names(admin_client, slot, without_jobs, query):
    preview_id = slot()
    response = post_file(admin_client, preview_id, "plate.exr", b"exr bytes", query=query)
    assert response.status_code == 400, response.content
    assert response.json()["error"] is True
    preview = PreviewFile.objects.get(pk=preview_id)
    assert not preview.original_name and not preview.data  # nothing received


@pytest.mark.parametrize("name", ["board.pdf", "bundle.zip", "model.glb", "loop.gif", "rig.ma"])
def test_other_files_are_stored_as_they_are(
    admin_client, slot, without_jobs, name, preview_storage
):
    preview_id = slot()
    content = f"content of {name} ".encode() * 50

    response = post_file(admin_client, preview_id, name, content)
    assert response.status_code == 201, response.content
    body = response.json()
    stem, extension = name.split(".")
    assert (body["extension"], body["original_name"]) == (extension, stem)
    assert body["status"] == "ready"  # at once, no job
    assert body["file_size"] == len(content)
    assert sharded(preview_storage, "files", "previews", preview_id).read_bytes() == content
    assert leftovers(preview_storage) == []


def test_other_file_extension_is_lower_cased(admin_client, slot, upload):
    preview_id = slot()

    response = upload(admin_client, preview_id, "Board.Final.PDF", PDF)
    assert (response.json()["extension"], response.json()["original_name"]) == (
        "pdf",
        "Board.Final",
    )


@pytest.mark.parametrize(("name", "extension"), [("noext", "noext"), ("notes.xyz", "xyz")])
def test_an_unknown_extension_deletes_the_preview(
    admin_client, slot, upload, name, extension, preview_storage
):
    preview_id = slot()

    response = upload(admin_client, preview_id, name, b"some bytes")
    assert response.status_code == 400
    assert response.json()["message"] == f"Wrong file format, extension: {extension}"
    assert row(preview_id) is None
    assert admin_client.get(f"/api/data/preview-files/{preview_id}").status_code == 404
    assert leftovers(preview_storage) == []


def test_an_empty_movie_deletes_the_preview(admin_client, slot, upload, preview_storage):
    preview_id = slot()

    response = upload(admin_client, preview_id, "empty.mov", b"")
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": EMPTY_MOVIE}
    assert row(preview_id) is None
    assert leftovers(preview_storage) == []
    assert not sharded(preview_storage, "movies", "source", preview_id).exists()


def test_an_empty_picture_deletes_the_preview(admin_client, slot, upload, preview_storage):
    preview_id = slot()

    response = upload(admin_client, preview_id, "empty.png", b"")
    assert response.status_code == 400
    assert "readable picture" in response.json()["message"]
    assert row(preview_id) is None
    assert leftovers(preview_storage) == []


# ---------------------------------------------------------------------------------------------
# Size limit


def test_an_upload_over_the_limit_is_413(admin_client, slot, upload, settings, preview_storage):
    settings.MAX_UPLOAD_SIZE = 4000
    preview_id = slot()

    response = upload(admin_client, preview_id, "big.pdf", b"%PDF" + b"x" * 6000)
    assert response.status_code == 413
    assert response.json() == TOO_LARGE
    assert leftovers(preview_storage) == []
    assert row(preview_id) is not None and not row(preview_id).is_uploaded

    # Under the limit, the same slot takes a file.
    assert upload(admin_client, preview_id, "small.pdf", PDF).status_code == 201


# ---------------------------------------------------------------------------------------------
# Pictures


def test_picture_upload_answers_the_row_then_is_ready(admin_client, slot, upload, preview_storage):
    preview_id = slot()

    response = upload(admin_client, preview_id, "th01.png", png_bytes(180, 101))
    assert response.status_code == 201
    body = response.json()
    # gazu raises UploadFailedException on a string under `message` or `error`.
    assert "message" not in body and "error" not in body
    assert body["id"] == preview_id
    assert body["type"] == "PreviewFile"
    assert body["status"] == "processing"  # the answer comes before the job runs

    stored = admin_client.get(f"/api/data/preview-files/{preview_id}").json()
    assert stored["status"] == "ready"
    assert (stored["width"], stored["height"]) == (180, 101)
    original = sharded(preview_storage, "pictures", "original", preview_id)
    assert original.read_bytes().startswith(PNG_SIGNATURE)
    assert stored["file_size"] == original.stat().st_size
    assert leftovers(preview_storage) == []


def test_a_jpeg_original_is_served_as_png_of_the_same_size(admin_client, slot, upload):
    preview_id = slot()
    response = upload(admin_client, preview_id, "shot.v001.jpg", jpeg_bytes(320, 200))
    assert response.status_code == 201

    original = admin_client.get(f"/api/pictures/originals/preview-files/{preview_id}.png")
    assert original.status_code == 200
    assert original["Content-Type"] == "image/png"
    content = body_of(original)
    assert content.startswith(PNG_SIGNATURE)
    assert Image.open(io.BytesIO(content)).format == "PNG"
    assert picture_size(content) == (320, 200)
    assert len(content) == row(preview_id).file_size


def test_a_picture_is_stored_in_zous_layout(
    admin_client, slot, django_capture_on_commit_callbacks, preview_storage
):
    preview_id = slot()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_file(admin_client, preview_id, "th01.png", png_bytes())
    assert response.status_code == 201
    # Waiting for its job, the upload is kept as the picture's `source`.
    source = sharded(preview_storage, "pictures", "source", preview_id)
    assert source.exists()

    for callback in callbacks:
        callback()

    assert row(preview_id).status == PreviewStatus.READY
    head, middle = preview_id[0:3], preview_id[3:6]
    expected = [
        f"pictures/thumbnails/{head}/{middle}/{preview_id}",
        f"pictures/thumbnails/squ/are/square-{preview_id}",  # Zou's layout, kept
        f"pictures/previews/{head}/{middle}/{preview_id}",
        f"pictures/original/{head}/{middle}/{preview_id}",
    ]
    for relative in expected:
        assert (preview_storage / relative).is_file(), relative
    square = (preview_storage / expected[1]).read_bytes()
    assert picture_size(square) == (100, 100)
    assert picture_size((preview_storage / expected[0]).read_bytes()) == (150, 100)
    assert not source.exists()  # replaced by the PNG original
    assert leftovers(preview_storage) == []


def test_an_unreadable_picture_ends_broken(admin_client, slot, upload, preview_storage):
    preview_id = slot()

    response = upload(admin_client, preview_id, "scan.png", PDF * 20)
    assert response.status_code == 201

    stored = admin_client.get(f"/api/data/preview-files/{preview_id}").json()
    assert stored["status"] == "broken"
    assert "readable picture" in stored["broken_reason"]
    thumbnail = admin_client.get(f"/api/pictures/thumbnails/preview-files/{preview_id}.png")
    assert thumbnail.status_code == 404
    assert leftovers(preview_storage) == []


def test_a_picture_processed_in_the_request(admin_client, slot, without_jobs, preview_storage):
    preview_id = slot()

    response = post_file(
        admin_client, preview_id, "th01.png", png_bytes(180, 101), query="?no_job=true"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "ready"
    assert (body["width"], body["height"]) == (180, 101)
    original = sharded(preview_storage, "pictures", "original", preview_id)
    assert body["file_size"] == original.stat().st_size
    assert leftovers(preview_storage) == []


# ---------------------------------------------------------------------------------------------
# Movies


def test_a_movie_is_processed_by_its_job(
    admin_client, small_project, slot, upload, clip, preview_storage
):
    preview_id = slot()

    response = upload(admin_client, preview_id, "shot.v003.mov", clip)
    assert response.status_code == 201
    assert response.json()["status"] == "processing"
    assert "message" not in response.json()

    stored = admin_client.get(f"/api/data/preview-files/{preview_id}").json()
    assert stored["status"] == "ready", stored["broken_reason"]
    assert (stored["width"], stored["height"]) == (320, 180)
    assert stored["duration"] == pytest.approx(1.0, abs=0.1)
    hd = sharded(preview_storage, "movies", "previews", preview_id)
    assert stored["file_size"] == hd.stat().st_size
    for bucket, folder in (
        ("movies", "lowdef"),
        ("movies", "source"),
        ("pictures", "tiles"),
        ("pictures", "original"),
        ("pictures", "thumbnails"),
    ):
        assert sharded(preview_storage, bucket, folder, preview_id).is_file(), folder
    assert sharded(preview_storage, "movies", "source", preview_id).read_bytes() == clip
    assert leftovers(preview_storage) == []


def test_a_silent_movie_processed_in_the_request(
    admin_client, small_project, slot, without_jobs, silent_clip, preview_storage
):
    preview_id = slot()

    response = post_file(admin_client, preview_id, "silent.mp4", silent_clip, query="?no_job=true")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "ready", body["broken_reason"]
    assert (body["width"], body["height"]) == (320, 180)
    assert body["duration"] == pytest.approx(1.0, abs=0.1)
    assert (
        body["file_size"]
        == sharded(preview_storage, "movies", "previews", preview_id).stat().st_size
    )
    assert leftovers(preview_storage) == []


def test_a_corrupt_movie_ends_broken(admin_client, small_project, slot, upload, preview_storage):
    preview_id = slot()
    garbage = bytes(range(256)) * 256

    response = upload(admin_client, preview_id, "bad.mov", garbage)
    assert response.status_code == 201

    stored = admin_client.get(f"/api/data/preview-files/{preview_id}").json()
    assert stored["status"] == "broken"
    assert stored["broken_reason"].startswith("Unreadable movie")
    assert not sharded(preview_storage, "movies", "previews", preview_id).exists()
    assert leftovers(preview_storage) == []


def test_a_corrupt_movie_processed_in_the_request_answers_broken(
    admin_client, small_project, slot, without_jobs, preview_storage
):
    preview_id = slot()

    response = post_file(admin_client, preview_id, "bad.mp4", b"\x00" * 4096, query="?no_job=true")
    assert response.status_code == 201  # the upload itself succeeded (Zou answers the same)
    assert response.json()["status"] == "broken"
    assert response.json()["broken_reason"]
    assert leftovers(preview_storage) == []
