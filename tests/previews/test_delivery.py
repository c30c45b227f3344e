"""Delivery of preview media: movie routes and their fallbacks, picture variants, generic
originals, download names, the HTTP
validators, ranges and cache headers, the 202 answer while processing, permissions, the
access_token_cookie cookie, and one real socket.

Movies are tiny generated clips processed by the real ffmpeg (jobs run in-process); the
project's resolution is set to 320x180 so that each normalization takes a moment."""

import io
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test.client import RequestFactory
from django.utils.http import http_date
from django_q.conf import Conf
from PIL import Image
from rest_framework.test import APIClient

from kitsufiles.api.authentication import issue_tokens
from previews.models import PreviewFile, PreviewStatus
from production import services as production_services
from production.models import Entity, Organisation, Role, TaskType
from tests.previews.helpers import PDF, body_of, picture_size, png_bytes
from tests.zou_bodies import FORBIDDEN, NOT_FOUND

GAZU_ACCEPT = "application/json, */*;q=0.1"
BROWSER_ACCEPT = "image/avif,image/webp,*/*;q=0.8"
NAME = "big_buck_bunny_character_bunny_modeling_v1"  # Big Buck Bunny / Character / Bunny


# ---------------------------------------------------------------------------------------------
# Clips and helpers


def stored_path(root: Path, bucket: str, prefix: str, preview_id) -> Path:
    """Zou's local layout: the key `<prefix>-<id>` split on its first dash, then sharded."""
    folder, rest = f"{prefix}-{preview_id}".split("-", 1)
    return root / bucket / folder / rest[:3] / rest[3:6] / rest


def movie_url(route: str, preview_id) -> str:
    return f"/api/movies/{route}/preview-files/{preview_id}.mp4"


def picture_url(variant: str, preview_id) -> str:
    return f"/api/pictures/{variant}/preview-files/{preview_id}.png"


def row(preview_id) -> PreviewFile:
    return PreviewFile.objects.get(pk=preview_id)


@pytest.fixture
def ready_movie(small_project, task, preview_on, clip, preview_storage):
    preview_id, response = preview_on(task, "shot.v001.mov", clip)
    assert response.status_code == 201, response.content
    assert row(preview_id).status == PreviewStatus.READY, row(preview_id).broken_reason
    return preview_id


@pytest.fixture
def ready_picture(task, preview_on):
    preview_id, response = preview_on(task, "th01.png", png_bytes(180, 101))
    assert response.status_code == 201, response.content
    assert row(preview_id).status == PreviewStatus.READY
    return preview_id


@pytest.fixture
def ready_pdf(task, preview_on):
    preview_id, response = preview_on(task, "storyboard.pdf", PDF)
    assert response.status_code == 201, response.content
    return preview_id


# ---------------------------------------------------------------------------------------------
# Movie routes


def test_movie_routes_serve_their_renditions(admin_client, ready_movie, preview_storage, clip):
    hd = stored_path(preview_storage, "movies", "previews", ready_movie).read_bytes()
    low = stored_path(preview_storage, "movies", "lowdef", ready_movie).read_bytes()
    assert hd != low  # two encodes: the routes can be told apart

    for route, expected in (("originals", hd), ("low", low), ("source", clip)):
        response = admin_client.get(movie_url(route, ready_movie))
        assert response.status_code == 200, route
        assert response["Content-Type"] == "video/mp4"
        assert response["Content-Length"] == str(len(expected))
        assert response["Content-Disposition"] == 'inline; filename=""'
        assert body_of(response) == expected, route


def test_low_falls_back_on_previews_then_source(admin_client, ready_movie, preview_storage, clip):
    hd_path = stored_path(preview_storage, "movies", "previews", ready_movie)
    hd = hd_path.read_bytes()
    stored_path(preview_storage, "movies", "lowdef", ready_movie).unlink()

    assert body_of(admin_client.get(movie_url("low", ready_movie))) == hd

    hd_path.unlink()
    response = admin_client.get(movie_url("low", ready_movie))
    assert response.status_code == 200
    assert body_of(response) == clip


def test_originals_fall_back_on_lowdef_then_source(
    admin_client, ready_movie, preview_storage, clip
):
    low = stored_path(preview_storage, "movies", "lowdef", ready_movie).read_bytes()
    stored_path(preview_storage, "movies", "previews", ready_movie).unlink()

    assert body_of(admin_client.get(movie_url("originals", ready_movie))) == low
    download = admin_client.get(f"/api/movies/originals/preview-files/{ready_movie}/download")
    assert body_of(download) == low

    stored_path(preview_storage, "movies", "lowdef", ready_movie).unlink()
    response = admin_client.get(movie_url("originals", ready_movie))
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert body_of(response) == clip


def test_an_empty_rendition_counts_as_missing(admin_client, ready_movie, preview_storage):
    low = stored_path(preview_storage, "movies", "lowdef", ready_movie).read_bytes()
    stored_path(preview_storage, "movies", "previews", ready_movie).write_bytes(b"")

    assert body_of(admin_client.get(movie_url("originals", ready_movie))) == low


def test_source_route_does_not_fall_back(admin_client, ready_movie, preview_storage):
    stored_path(preview_storage, "movies", "source", ready_movie).unlink()
    stored_path(preview_storage, "movies", "lowdef", ready_movie).unlink()

    response = admin_client.get(movie_url("source", ready_movie))
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert admin_client.get(movie_url("originals", ready_movie)).status_code == 200
    assert admin_client.get(movie_url("low", ready_movie)).status_code == 200


def test_no_rendition_left_is_a_404(admin_client, ready_movie, preview_storage):
    for prefix in ("previews", "lowdef", "source"):
        stored_path(preview_storage, "movies", prefix, ready_movie).unlink()

    for route in ("originals", "low", "source"):
        response = admin_client.get(movie_url(route, ready_movie), HTTP_ACCEPT=GAZU_ACCEPT)
        assert response.status_code == 404, route
        assert response.json() == NOT_FOUND
    download = admin_client.get(f"/api/movies/originals/preview-files/{ready_movie}/download")
    assert download.status_code == 404


def test_unknown_or_malformed_preview_is_a_404(admin_client, db):
    for url in (
        movie_url("originals", "0a4b5c6d-0000-4000-8000-000000000000"),
        movie_url("low", "not-a-uuid"),
        picture_url("thumbnails", "0a4b5c6d-0000-4000-8000-000000000000"),
        "/api/pictures/originals/preview-files/not-a-uuid.pdf",
        "/api/pictures/originals/preview-files/0a4b5c6d-0000-4000-8000-000000000000/download",
    ):
        response = admin_client.get(url)
        assert response.status_code == 404, url
        assert response.json() == NOT_FOUND


def test_movie_route_on_a_picture_preview_is_a_404(admin_client, ready_picture):
    assert admin_client.get(movie_url("originals", ready_picture)).status_code == 404
    tiles = admin_client.get(f"/api/movies/tiles/preview-files/{ready_picture}.png")
    assert tiles.status_code == 404


# ---------------------------------------------------------------------------------------------
# Download names


def test_movie_download_is_an_attachment_named_after_the_task(admin_client, ready_movie):
    response = admin_client.get(f"/api/movies/originals/preview-files/{ready_movie}/download")

    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"] == f"attachment; filename={NAME}.mp4"
    assert response["Cache-Control"] == "private, max-age=604800"


def test_download_name_of_a_second_preview_has_its_position(
    admin_client, task, comment, ready_pdf, upload
):
    extra = admin_client.post(
        f"/api/actions/tasks/{task.pk}/comments/{comment.pk}/preview-files/{ready_pdf}"
    )
    assert extra.status_code == 201
    assert (extra.json()["revision"], extra.json()["position"]) == (1, 2)
    assert upload(admin_client, extra.json()["id"], "notes.pdf", PDF).status_code == 201

    first = admin_client.get(f"/api/pictures/originals/preview-files/{ready_pdf}/download")
    second = admin_client.get(
        f"/api/pictures/originals/preview-files/{extra.json()['id']}/download"
    )
    assert first["Content-Disposition"] == f"attachment; filename={NAME}.pdf"
    assert second["Content-Disposition"] == f"attachment; filename={NAME}-2.pdf"


def test_download_name_of_a_shot_has_sequence_and_shot(
    admin_client, admin, shot, task_status, add_preview, upload
):
    task = production_services.create_task(
        values={
            "name": "main",
            "project": shot.project,
            "entity": shot,
            "task_type": TaskType.objects.get(name="Animation", for_entity="Shot"),
            "task_status": task_status,
        }
    )
    comment = production_services.create_comment(task=task, task_status=task_status, author=admin)
    slot = add_preview(admin_client, task, comment).json()
    assert upload(admin_client, slot["id"], "layout.pdf", PDF).status_code == 201

    response = admin_client.get(f"/api/pictures/originals/preview-files/{slot['id']}/download")
    assert response["Content-Disposition"] == (
        "attachment; filename=big_buck_bunny_sq01_sh010_animation_v1.pdf"
    )


def test_download_uses_the_original_name_when_the_organisation_asks(
    admin_client, ready_movie, task, preview_on
):
    Organisation.objects.update(use_original_file_name=True)
    movie = admin_client.get(f"/api/movies/originals/preview-files/{ready_movie}/download")
    # The uploaded name without its last extension, with the row's extension.
    assert movie["Content-Disposition"] == "attachment; filename=shot.v001.mp4"

    pdf_id, _ = preview_on(task, "Été 01.pdf", PDF)
    pdf = admin_client.get(f"/api/pictures/originals/preview-files/{pdf_id}/download")
    # Werkzeug's form: an ASCII fallback (quoted when it is not a token) and the UTF-8 name.
    assert pdf["Content-Disposition"] == (
        "attachment; filename=\"Ete 01.pdf\"; filename*=UTF-8''%C3%89t%C3%A9%2001.pdf"
    )


def test_download_of_a_preview_without_task(admin_client, client_for, artist_in_team, upload, db):
    created = admin_client.post("/api/data/preview-files", {"name": "Orphan Board"}, format="json")
    assert created.status_code == 201
    preview_id = created.json()["id"]
    assert upload(admin_client, preview_id, "board.pdf", PDF).status_code == 201
    url = f"/api/pictures/originals/preview-files/{preview_id}/download"

    response = admin_client.get(url)
    assert response.status_code == 200  # not a 500: the name comes from the row itself
    assert response["Content-Disposition"] == "attachment; filename=orphan_board_v1.pdf"
    assert body_of(response) == PDF
    assert client_for(artist_in_team).get(url).status_code == 403  # admins only


# ---------------------------------------------------------------------------------------------
# Picture variants and generic originals


def test_picture_variants_have_their_sizes(admin_client, ready_picture):
    expected = {
        "thumbnails": (150, 100),
        "thumbnails-square": (100, 100),
        "previews": (1200, 674),
        "originals": (180, 101),
    }
    for variant, size in expected.items():
        response = admin_client.get(picture_url(variant, ready_picture))
        assert response.status_code == 200, variant
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"] == 'inline; filename=""'
        content = body_of(response)
        assert content.startswith(b"\x89PNG\r\n\x1a\n"), variant
        assert picture_size(content) == size, variant
    # The original's bytes are the file size the row announces.
    original = body_of(admin_client.get(picture_url("originals", ready_picture)))
    assert len(original) == row(ready_picture).file_size


def test_a_movie_has_poster_variants_and_tiles(admin_client, ready_movie):
    poster = admin_client.get(picture_url("originals", ready_movie))
    assert poster.status_code == 200
    assert picture_size(body_of(poster)) == (320, 180)
    poster_preview = admin_client.get(picture_url("previews", ready_movie))
    assert picture_size(body_of(poster_preview))[0] == 1200

    tiles = admin_client.get(f"/api/movies/tiles/preview-files/{ready_movie}.png")
    assert tiles.status_code == 200
    assert tiles["Content-Type"] == "image/png"
    sheet = Image.open(io.BytesIO(body_of(tiles)))
    assert sheet.format == "PNG"
    assert sheet.height >= 100 and sheet.width > sheet.height  # a row of 100 px high frames


def test_generic_original_serves_an_other_file(admin_client, ready_pdf, preview_storage):
    assert stored_path(preview_storage, "files", "previews", ready_pdf).read_bytes() == PDF

    for extension in ("pdf", "PDF"):
        response = admin_client.get(
            f"/api/pictures/originals/preview-files/{ready_pdf}.{extension}"
        )
        assert response.status_code == 200, extension
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'inline; filename=""'
        assert body_of(response) == PDF

    # As in Zou, the extension asked for is not compared with the row's.
    as_zip = admin_client.get(f"/api/pictures/originals/preview-files/{ready_pdf}.zip")
    assert as_zip.status_code == 200
    assert as_zip["Content-Type"] == "application/octet-stream"
    assert body_of(as_zip) == PDF


@pytest.mark.parametrize("extension", ["mp4", "MOV", "xyz"])
def test_generic_original_refuses_movie_and_unknown_extensions(admin_client, ready_pdf, extension):
    response = admin_client.get(f"/api/pictures/originals/preview-files/{ready_pdf}.{extension}")

    assert response.status_code == 400
    assert response.json()["message"] == f"Extension not allowed: {extension.lower()}"


def test_upper_case_png_serves_the_picture_original(admin_client, ready_picture):
    response = admin_client.get(f"/api/pictures/originals/preview-files/{ready_picture}.PNG")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert picture_size(body_of(response)) == (180, 101)
    # `.jpg` on a picture looks in the files bucket: nothing there.
    as_jpg = admin_client.get(f"/api/pictures/originals/preview-files/{ready_picture}.jpg")
    assert as_jpg.status_code == 404


def test_original_download_of_a_picture_is_its_png(admin_client, ready_picture, preview_storage):
    picture = admin_client.get(f"/api/pictures/originals/preview-files/{ready_picture}/download")

    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/png"
    assert picture["Content-Disposition"] == f"attachment; filename={NAME}.png"
    assert body_of(picture) == (
        stored_path(preview_storage, "pictures", "original", ready_picture).read_bytes()
    )


def test_original_download_of_a_pdf_is_the_pdf(admin_client, ready_pdf):
    pdf = admin_client.get(f"/api/pictures/originals/preview-files/{ready_pdf}/download")

    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f"attachment; filename={NAME}.pdf"
    assert body_of(pdf) == PDF


def test_original_download_of_a_movie_serves_the_movie(admin_client, ready_movie, preview_storage):
    response = admin_client.get(f"/api/pictures/originals/preview-files/{ready_movie}/download")

    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert body_of(response) == (
        stored_path(preview_storage, "movies", "previews", ready_movie).read_bytes()
    )


def test_other_file_of_another_kind_is_octet_stream(admin_client, task, preview_on):
    preview_id, _ = preview_on(task, "model.glb", b"glTF\x02\x00\x00\x00binary")

    response = admin_client.get(f"/api/pictures/originals/preview-files/{preview_id}/download")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f"attachment; filename={NAME}.glb"
    assert body_of(response) == b"glTF\x02\x00\x00\x00binary"


# ---------------------------------------------------------------------------------------------
# Headers, validators, ranges


def test_cache_and_validator_headers(admin_client, ready_movie, preview_storage):
    size = stored_path(preview_storage, "movies", "previews", ready_movie).stat().st_size
    before = time.time()
    response = admin_client.get(movie_url("originals", ready_movie), HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=604800"
    expires = parsedate_to_datetime(response["Expires"]).timestamp()
    assert before + 604800 - 2 <= expires <= time.time() + 604800 + 2
    assert response["Last-Modified"] == http_date(row(ready_movie).updated_at.timestamp())
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert len(response["ETag"]) > 2
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(size)
    # Never compressed: gazu writes the raw body to disk.
    assert not response.has_header("Content-Encoding")
    assert len(body_of(response)) == size


def test_picture_routes_have_the_same_headers(admin_client, ready_picture):
    response = admin_client.get(
        picture_url("thumbnails", ready_picture), HTTP_ACCEPT_ENCODING="gzip, br"
    )

    assert response["Cache-Control"] == "private, max-age=604800"
    assert response["Last-Modified"] == http_date(row(ready_picture).updated_at.timestamp())
    assert response["Accept-Ranges"] == "bytes"
    assert response.has_header("ETag") and response.has_header("Expires")
    assert not response.has_header("Content-Encoding")


def test_single_ranges(admin_client, ready_movie, preview_storage):
    data = stored_path(preview_storage, "movies", "previews", ready_movie).read_bytes()
    size = len(data)
    url = movie_url("originals", ready_movie)
    cases = {
        "bytes=100-1099": (100, 1099),
        "bytes=0-0": (0, 0),
        "bytes=-500": (size - 500, size - 1),
        f"bytes={size - 10}-": (size - 10, size - 1),
        f"bytes=5-{size + 1000}": (5, size - 1),  # an end past the file is clipped
    }
    for header, (start, end) in cases.items():
        response = admin_client.get(url, HTTP_RANGE=header)
        assert response.status_code == 206, header
        assert response["Content-Range"] == f"bytes {start}-{end}/{size}", header
        assert response["Content-Length"] == str(end - start + 1), header
        assert response["Content-Type"] == "video/mp4"
        assert body_of(response) == data[start : end + 1], header


def test_a_range_beyond_the_end_is_416(admin_client, ready_movie, preview_storage):
    size = stored_path(preview_storage, "movies", "previews", ready_movie).stat().st_size

    for header in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}"):
        response = admin_client.get(movie_url("originals", ready_movie), HTTP_RANGE=header)
        assert response.status_code == 416, header
        assert response.json() == {
            "error": True,
            "message": "The server cannot provide the requested range.",
        }
        assert response["Content-Range"] == f"bytes */{size}"


def test_several_ranges_get_the_whole_file(admin_client, ready_picture, preview_storage):
    data = stored_path(preview_storage, "pictures", "thumbnails", ready_picture).read_bytes()

    response = admin_client.get(
        picture_url("thumbnails", ready_picture), HTTP_RANGE="bytes=0-10,20-30"
    )
    # Zou answers 416; the whole file is a valid answer (docs/compatibility.md#previews).
    assert response.status_code == 200
    assert body_of(response) == data


def test_if_range_with_another_version_gets_the_whole_file(
    admin_client, ready_picture, preview_storage
):
    data = stored_path(preview_storage, "pictures", "thumbnails", ready_picture).read_bytes()
    url = picture_url("thumbnails", ready_picture)
    etag = admin_client.get(url)["ETag"]

    same = admin_client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    assert same.status_code == 206
    assert body_of(same) == data[:10]
    other = admin_client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"older"')
    assert other.status_code == 200
    assert body_of(other) == data


def test_conditional_requests(admin_client, ready_movie):
    url = movie_url("originals", ready_movie)
    first = admin_client.get(url)
    etag, last_modified = first["ETag"], first["Last-Modified"]

    by_etag = admin_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert by_etag.status_code == 304
    assert body_of(by_etag) == b""
    assert by_etag["ETag"] == etag
    assert by_etag["Cache-Control"] == "private, max-age=604800"
    assert admin_client.get(url, HTTP_IF_NONE_MATCH=f'W/{etag}, "x"').status_code == 304
    assert admin_client.get(url, HTTP_IF_NONE_MATCH='"another"').status_code == 200
    # If-None-Match decides alone when it is sent (RFC 9110, section 13.2.2).
    assert (
        admin_client.get(
            url, HTTP_IF_NONE_MATCH='"another"', HTTP_IF_MODIFIED_SINCE=last_modified
        ).status_code
        == 200
    )

    by_date = admin_client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert by_date.status_code == 304
    assert body_of(by_date) == b""
    earlier = http_date(row(ready_movie).updated_at.timestamp() - 3600)
    assert admin_client.get(url, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_touching_the_row_changes_last_modified(admin_client, ready_picture):
    url = picture_url("thumbnails", ready_picture)
    last_modified = admin_client.get(url)["Last-Modified"]
    later = row(ready_picture).updated_at + timedelta(seconds=10)
    PreviewFile.objects.filter(pk=ready_picture).update(updated_at=later)

    response = admin_client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert response.status_code == 200
    assert response["Last-Modified"] == http_date(later.timestamp())


def raw_wsgi(method: str, path: str, **headers) -> tuple[str, dict, bytes]:
    """Call the project's WSGI application the way a server such as gunicorn does: the body is
    whatever the application returns (the test client would strip a HEAD answer itself)."""
    environ = RequestFactory().generic(method, path, **headers).environ
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(response_headers)

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = WSGIHandler()(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], content


def test_head_answers_the_headers_without_a_body(admin, ready_movie, preview_storage):
    size = stored_path(preview_storage, "movies", "previews", ready_movie).stat().st_size
    access, _ = issue_tokens(admin)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {access}"}

    status, headers, content = raw_wsgi("HEAD", movie_url("originals", ready_movie), **auth)
    assert status.startswith("200")
    assert headers["Content-Length"] == str(size)
    assert headers["Content-Type"] == "video/mp4"
    assert headers["Accept-Ranges"] == "bytes"
    assert content == b""

    status, headers, content = raw_wsgi(
        "HEAD", movie_url("originals", ready_movie), HTTP_RANGE="bytes=10-19", **auth
    )
    assert status.startswith("206")
    assert headers["Content-Length"] == "10"
    assert content == b""

    status, _, content = raw_wsgi("GET", movie_url("originals", ready_movie), **auth)
    assert status.startswith("200")
    assert len(content) == size  # the same call with GET has the body


def test_head_through_the_test_client(admin_client, ready_picture):
    response = admin_client.head(picture_url("thumbnails", ready_picture))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert int(response["Content-Length"]) > 0


# ---------------------------------------------------------------------------------------------
# While processing (as Zou 1.0.97 answers: 202 to clients that poll, 404 to browsers), and files
# gone


@pytest.fixture
def processing_movie(monkeypatch, small_project, task, comment, admin_client, add_preview, clip):
    """A movie uploaded but not processed: the job is queued (not run)."""
    monkeypatch.setattr(Conf, "SYNC", False)
    slot = add_preview(admin_client, task, comment).json()
    response = admin_client.post(
        f"/api/pictures/preview-files/{slot['id']}",
        {"file": SimpleUploadedFile("clip.mov", clip)},
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "processing"
    return slot["id"]


PROCESSING_ROUTES = (
    movie_url("originals", "{id}"),
    movie_url("low", "{id}"),
    "/api/movies/originals/preview-files/{id}/download",
    picture_url("thumbnails", "{id}"),
    picture_url("thumbnails-square", "{id}"),
    picture_url("previews", "{id}"),
    picture_url("originals", "{id}"),
    "/api/movies/tiles/preview-files/{id}.png",
)


def test_processing_answers_202_to_clients_that_poll(admin_client, processing_movie):
    for template in PROCESSING_ROUTES:
        url = template.format(id=processing_movie)
        response = admin_client.get(url, HTTP_ACCEPT=GAZU_ACCEPT)
        assert response.status_code == 202, url
        json_only = admin_client.get(url, HTTP_ACCEPT="application/json")
        assert json_only.status_code == 202, url
        assert response.json() == {"status": "processing", "preview_file_id": processing_movie}
        assert response["Retry-After"] == "5"
        assert response["Cache-Control"] == "no-store"


def test_processing_answers_404_to_browsers(admin_client, processing_movie):
    accepts = (
        BROWSER_ACCEPT,
        "video/webm,video/ogg,video/*;q=0.9,*/*;q=0.5",
        "application/json;q=0.5, */*",  # JSON accepted, but ranked below anything
        None,
    )
    for accept in accepts:
        extra = {"HTTP_ACCEPT": accept} if accept else {}
        for template in PROCESSING_ROUTES:
            url = template.format(id=processing_movie)
            response = admin_client.get(url, **extra)
            assert response.status_code == 404, (url, accept)
            assert response.json() == {"error": True, "message": "Preview file was not found."}
            assert response["Cache-Control"] == "no-store"


def test_processing_movie_source_is_already_served(admin_client, processing_movie, clip):
    response = admin_client.get(movie_url("source", processing_movie), HTTP_ACCEPT=GAZU_ACCEPT)

    assert response.status_code == 200
    assert body_of(response) == clip


def test_processing_picture_with_files_gone_answers_202(
    admin_client, ready_picture, preview_storage
):
    PreviewFile.objects.filter(pk=ready_picture).update(status=PreviewStatus.PROCESSING)
    stored_path(preview_storage, "pictures", "thumbnails", ready_picture).unlink()

    response = admin_client.get(picture_url("thumbnails", ready_picture), HTTP_ACCEPT=GAZU_ACCEPT)
    assert response.status_code == 202
    assert response.json() == {"status": "processing", "preview_file_id": ready_picture}
    # A file still there is served, whatever the status.
    assert admin_client.get(picture_url("previews", ready_picture)).status_code == 200


@pytest.mark.parametrize("status", [PreviewStatus.READY, PreviewStatus.BROKEN])
def test_missing_file_of_a_finished_preview_is_a_plain_404(
    admin_client, ready_picture, preview_storage, status
):
    PreviewFile.objects.filter(pk=ready_picture).update(status=status)
    stored_path(preview_storage, "pictures", "thumbnails", ready_picture).unlink()

    for accept in (GAZU_ACCEPT, BROWSER_ACCEPT):
        response = admin_client.get(picture_url("thumbnails", ready_picture), HTTP_ACCEPT=accept)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


# ---------------------------------------------------------------------------------------------
# Permissions


TASK_ROUTES = (
    movie_url("originals", "{id}"),
    movie_url("low", "{id}"),
    movie_url("source", "{id}"),
    "/api/movies/originals/preview-files/{id}/download",
    picture_url("previews", "{id}"),
    "/api/movies/tiles/preview-files/{id}.png",
    "/api/pictures/originals/preview-files/{id}/download",
)
THUMBNAIL_ROUTES = (
    picture_url("thumbnails", "{id}"),
    picture_url("thumbnails-square", "{id}"),
    picture_url("originals", "{id}"),
)


def statuses(client, routes, preview_id) -> dict[str, int]:
    return {url: client.get(url.format(id=preview_id)).status_code for url in routes}


def test_task_access_guards_movies_previews_and_tiles(
    client_for, make_person, add_to_team, task, ready_movie
):
    outsider = make_person(Role.ARTIST)
    vendor = add_to_team(make_person(Role.VENDOR))
    assigned_vendor = add_to_team(make_person(Role.VENDOR))
    task.assignees.add(assigned_vendor)
    member = add_to_team(make_person(Role.ARTIST))  # a team member: no assignment needed

    everything = TASK_ROUTES + THUMBNAIL_ROUTES
    for person in (outsider, vendor):
        client = client_for(person)
        assert set(statuses(client, everything, ready_movie).values()) == {403}, person.role
        response = client.get(movie_url("low", ready_movie))
        assert response.json() == FORBIDDEN
    for person in (assigned_vendor, member):
        assert set(statuses(client_for(person), everything, ready_movie).values()) == {200}


def test_generic_original_needs_task_access(client_for, make_person, add_to_team, ready_pdf):
    url = f"/api/pictures/originals/preview-files/{ready_pdf}.pdf"

    assert client_for(make_person(Role.ARTIST)).get(url).status_code == 403
    assert client_for(add_to_team(make_person(Role.VENDOR))).get(url).status_code == 403
    assert client_for(add_to_team(make_person(Role.ARTIST))).get(url).status_code == 200


def test_shared_main_preview_thumbnails_are_for_everyone_but_vendors(
    client_for, make_person, add_to_team, asset, ready_picture
):
    Entity.objects.filter(pk=asset.pk).update(is_shared=True, preview_file_id=ready_picture)
    outsider = client_for(make_person(Role.ARTIST))  # not in the project at all
    vendor = client_for(add_to_team(make_person(Role.VENDOR)))
    outside_vendor = client_for(make_person(Role.VENDOR))

    assert set(statuses(outsider, THUMBNAIL_ROUTES, ready_picture).values()) == {200}
    # Only the thumbnail routes: the rest still asks for task access.
    assert set(statuses(outsider, TASK_ROUTES[4:5], ready_picture).values()) == {403}
    for client in (vendor, outside_vendor):
        assert set(statuses(client, THUMBNAIL_ROUTES, ready_picture).values()) == {403}


def test_shared_entity_rule_needs_the_main_preview_and_the_flag(
    client_for, make_person, task, asset, ready_picture, preview_on
):
    outsider = client_for(make_person(Role.ARTIST))
    other_id, _ = preview_on(task, "other.png", png_bytes(64, 64))

    # Shared, but this preview is not the entity's main preview.
    Entity.objects.filter(pk=asset.pk).update(is_shared=True, preview_file_id=other_id)
    assert set(statuses(outsider, THUMBNAIL_ROUTES, ready_picture).values()) == {403}
    # The main preview, but the entity is not shared.
    Entity.objects.filter(pk=asset.pk).update(is_shared=False, preview_file_id=ready_picture)
    assert set(statuses(outsider, THUMBNAIL_ROUTES, ready_picture).values()) == {403}


# ---------------------------------------------------------------------------------------------
# The access_token_cookie cookie (how Kitsu's browser pages authenticate media)


def test_media_routes_accept_the_access_token_cookie(admin, ready_picture, ready_pdf):
    access, _ = issue_tokens(admin)
    client = APIClient()
    client.cookies["access_token_cookie"] = access

    thumbnail = client.get(picture_url("thumbnails", ready_picture))
    assert thumbnail.status_code == 200
    assert picture_size(body_of(thumbnail)) == (150, 100)
    assert client.get(f"/api/pictures/originals/preview-files/{ready_pdf}.pdf").status_code == 200


def test_media_routes_need_authentication(ready_picture):
    response = APIClient().get(picture_url("thumbnails", ready_picture))

    assert response.status_code == 401
    assert response.json() == {"msg": "Missing JWT in cookies or headers"}


def test_the_cookie_does_not_authorize_an_upload(admin, task, comment, admin_client, add_preview):
    slot = add_preview(admin_client, task, comment).json()
    access, _ = issue_tokens(admin)
    client = APIClient()
    client.cookies["access_token_cookie"] = access

    response = client.post(
        f"/api/pictures/preview-files/{slot['id']}",
        {"file": SimpleUploadedFile("th01.png", png_bytes())},
        format="multipart",
    )
    assert response.status_code == 401
    assert not row(slot["id"]).is_uploaded


# ---------------------------------------------------------------------------------------------
# Over a real socket


def test_live_server_streams_a_range_of_a_movie(
    live_server, admin, small_project, task, preview_on, admin_client, silent_clip, preview_storage
):
    preview_id, response = preview_on(task, "silent.mov", silent_clip, query="?no_job=true")
    assert response.status_code == 201
    assert response.json()["status"] == "ready"
    data = stored_path(preview_storage, "movies", "previews", preview_id).read_bytes()
    start, end = len(data) // 3, len(data) // 3 + 4095
    access, _ = issue_tokens(admin)

    with requests.get(
        f"{live_server.url}{movie_url('originals', preview_id)}",
        headers={
            "Authorization": f"Bearer {access}",
            "Range": f"bytes={start}-{end}",
            "Accept": GAZU_ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        },
        stream=True,
        timeout=30,
    ) as answer:
        assert answer.status_code == 206
        assert answer.headers["Content-Range"] == f"bytes {start}-{end}/{len(data)}"
        assert answer.headers["Content-Length"] == "4096"
        assert "Content-Encoding" not in answer.headers
        received = b"".join(answer.raw.stream(1024, decode_content=False))
    assert received == data[start : end + 1]
