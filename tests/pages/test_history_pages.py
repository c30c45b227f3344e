"""The task history page (`/tasks/<id>/`), the preview page (`/previews/<id>/`), their media
and the working-file download (issue 15): content, the API's access rules, 404s for unknown
and malformed ids, the log-in redirect, pagination, and a query count that does not grow with
the task's revisions (10 and 1,000 of them, written with bulk_create)."""

import hashlib
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from output_files.models import OutputFile
from previews.models import PreviewFile, PreviewStatus, ValidationStatus
from production import services as production_services
from production.models import FileStatus, OutputType, Role, Software
from working_files.models import WorkingFile

# Session and person (2), the task with the caller's team link (1), each list's count and
# page (2 + 2), the outputs of the page's revisions (1). Fixed: asserted for 10 and 1,000.
TASK_PAGE_QUERIES = 8


def browser_for(person) -> Client:
    browser = Client()
    browser.force_login(person)
    return browser


def make_history(task, author, revisions: int) -> list[WorkingFile]:
    """`revisions` revisions of the `main` line and two of `cache`, an output published from
    the newest `main`, and a preview per revision of `main` (every tenth one broken)."""
    software, _ = Software.objects.get_or_create(
        name="Blender", defaults={"short_name": "bl", "file_extension": "blend"}
    )
    output_type, _ = OutputType.objects.get_or_create(name="Cache", defaults={"short_name": "ca"})
    rows = [
        WorkingFile(
            task=task,
            entity=task.entity,
            name="main",
            revision=number,
            size=1000 + number,
            checksum=hashlib.sha256(str(number).encode()).hexdigest(),
            comment=f"comment of v{number}",
            person=author,
            software=software,
        )
        for number in range(1, revisions + 1)
    ] + [
        WorkingFile(task=task, entity=task.entity, name="cache", revision=n, person=author)
        for n in (1, 2)
    ]
    files = WorkingFile.objects.bulk_create(rows)
    newest = files[revisions - 1]
    OutputFile.objects.create(
        name="main",
        revision=1,
        representation="abc",
        entity=task.entity,
        output_type=output_type,
        file_status=FileStatus.objects.order_by("name").first(),
        source_file=newest,
        person=author,
    )
    PreviewFile.objects.bulk_create(
        PreviewFile(
            task=task,
            person=author,
            name="main",
            revision=number,
            extension="mp4",
            is_movie=True,
            status=PreviewStatus.BROKEN if number % 10 == 0 else PreviewStatus.PROCESSING,
            broken_reason=f"ffmpeg failed on v{number}" if number % 10 == 0 else None,
        )
        for number in range(1, revisions + 1)
    )
    return files


@pytest.fixture
def artist(make_person, add_to_team):
    return add_to_team(make_person(Role.ARTIST))


# ---------------------------------------------------------------------------------------------
# Who gets in


@pytest.mark.parametrize("path", ["/tasks/{task}/", "/previews/{preview}/"])
def test_a_visitor_is_sent_to_the_log_in_page(task, admin, path):
    preview = PreviewFile.objects.create(task=task, name="main", revision=1)
    url = path.format(task=task.pk, preview=preview.pk)
    answer = Client().get(url)
    assert answer.status_code == 302
    assert answer["Location"] == f"/login/?next={url}"


@pytest.mark.parametrize(
    "path",
    [
        "/tasks/{unknown}/",
        "/tasks/not-an-id/",
        "/previews/{unknown}/",
        "/previews/12345/",
        "/working-files/{unknown}/download",
        "/working-files/x/download",
    ],
)
def test_unknown_or_malformed_ids_are_404(admin, path):
    answer = browser_for(admin).get(path.format(unknown=uuid.uuid4()))
    assert answer.status_code == 404


def test_the_api_rules_decide(task, admin, artist, make_person, add_to_team, project):
    """A team member sees the task (as `GET data/tasks/<id>/working-files`); a person outside
    the team is refused on the page, its preview and its media."""
    files = make_history(task, admin, 2)
    preview = PreviewFile.objects.filter(task=task).first()
    outsider = make_person(Role.ARTIST)
    assert browser_for(artist).get(f"/tasks/{task.pk}/").status_code == 200
    for url in (
        f"/tasks/{task.pk}/",
        f"/previews/{preview.pk}/",
        f"/api/movies/low/preview-files/{preview.pk}.mp4",
        f"/working-files/{files[0].pk}/download",
    ):
        assert browser_for(outsider).get(url).status_code in (403, 404), url


def test_clients_are_not_shown_rejected_previews(task, admin, make_person, add_to_team):
    client_person = add_to_team(make_person(Role.CLIENT))
    PreviewFile.objects.create(task=task, name="ok", revision=1, original_name="shown.mov")
    PreviewFile.objects.create(
        task=task, name="no", revision=2, validation_status=ValidationStatus.REJECTED
    )
    page = browser_for(client_person).get(f"/tasks/{task.pk}/")
    if page.status_code == 200:  # a client may not have task access at all (API rule)
        assert page.context["previews"].paginator.count == 1
    assert browser_for(admin).get(f"/tasks/{task.pk}/").context["previews"].paginator.count == 2


# ---------------------------------------------------------------------------------------------
# The task page


def test_the_timeline_shows_each_revision_with_what_was_published(task, admin, artist):
    make_history(task, admin, 3)
    html = browser_for(artist).get(f"/tasks/{task.pk}/").content.decode()
    newest = WorkingFile.objects.get(task=task, name="main", revision=3)
    for text in (
        '<h3 class="line">main</h3>',
        '<h3 class="line">cache</h3>',
        ">v3<",
        admin.full_name,
        "Blender",
        newest.checksum[:12],
        "comment of v3",
        f"/working-files/{newest.pk}/download",
        "Cache · abc v1",
        "5 revisions",
    ):
        assert text in html, text
    # Newest first inside a line.
    assert html.index("comment of v3") < html.index("comment of v2") < html.index("comment of v1")


def test_previews_by_revision_with_status_and_the_reason_of_broken_ones(task, admin):
    make_history(task, admin, 12)
    html = browser_for(admin).get(f"/tasks/{task.pk}/").content.decode()
    assert "ffmpeg failed on v10" in html
    assert "Broken" in html and "Processing" in html
    assert html.index("v12 · mp4") < html.index("v11 · mp4") < html.index("v1 · mp4")
    preview = PreviewFile.objects.get(task=task, revision=12)
    assert f"/previews/{preview.pk}/" in html


@pytest.mark.parametrize("revisions", [10, 1000])
def test_the_task_page_costs_the_same_queries_whatever_the_revisions(
    task, admin, artist, django_assert_max_num_queries, revisions
):
    make_history(task, admin, revisions)
    browser = browser_for(artist)
    with django_assert_max_num_queries(TASK_PAGE_QUERIES):
        answer = browser.get(f"/tasks/{task.pk}/")
    assert answer.status_code == 200
    files = answer.context["files"]
    assert files.paginator.count == revisions + 2
    shown = [row.revision for row in files.object_list if row.name == "main"]
    assert shown[0] == revisions and shown == sorted(shown, reverse=True)
    pages = files.paginator.num_pages
    with django_assert_max_num_queries(TASK_PAGE_QUERIES):
        last = browser.get(f"/tasks/{task.pk}/?page={pages}&previews={pages}")
    assert last.status_code == 200
    if revisions == 1000:
        assert last.context["files"].number == last.context["files"].paginator.num_pages > 1
        assert 'rel="prev"' in last.content.decode()


def test_a_page_past_the_end_or_not_a_number_is_no_error(task, admin):
    make_history(task, admin, 3)
    browser = browser_for(admin)
    assert browser.get(f"/tasks/{task.pk}/?page=99").status_code == 200
    assert browser.get(f"/tasks/{task.pk}/?page=abc&previews=-1").status_code == 200


# ---------------------------------------------------------------------------------------------
# The working-file download


def test_the_download_streams_the_content_as_an_attachment(
    task, admin, artist, client_for, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    settings.FS_ROOT = tmp_path / "files"
    [working_file, *_] = make_history(task, admin, 1)
    content = b"blend bytes" * 100
    stored = client_for(admin).post(
        f"/api/data/working-files/{working_file.pk}/file",
        {"file": SimpleUploadedFile("scene.blend", content)},
        format="multipart",
    )
    assert stored.status_code == 201, stored.content
    answer = browser_for(artist).get(f"/working-files/{working_file.pk}/download")
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == content
    assert answer["Content-Disposition"].startswith("attachment")
    ranged = browser_for(artist).get(
        f"/working-files/{working_file.pk}/download", HTTP_RANGE="bytes=0-4"
    )
    assert ranged.status_code == 206 and b"".join(ranged.streaming_content) == content[:5]
    # No content stored: 404, as the API.
    [empty] = WorkingFile.objects.filter(name="cache", revision=1)
    assert browser_for(artist).get(f"/working-files/{empty.pk}/download").status_code == 404


# ---------------------------------------------------------------------------------------------
# The preview page


def test_a_picture_preview_shows_the_picture_and_its_drawings(task, admin, artist):
    drawing = {"objects": [{"type": "rect", "left": 10, "top": 10, "width": 50, "height": 20}]}
    preview = PreviewFile.objects.create(
        task=task,
        name="main",
        revision=1,
        extension="png",
        status=PreviewStatus.READY,
        width=320,
        height=180,
        annotations=[{"time": 0, "drawing": drawing}],
    )
    html = browser_for(artist).get(f"/previews/{preview.pk}/").content.decode()
    assert f"/api/pictures/previews/preview-files/{preview.pk}.png" in html
    assert '"type": "rect"' in html  # the drawings, for the player script
    assert "/static/previews/player.js" in html
    assert "//" not in html.replace("http://", "").split("<body")[0].replace(
        "<!--", ""
    )  # no other host


def test_a_movie_preview_without_javascript_has_its_poster_and_a_download_link(task, admin):
    preview = PreviewFile.objects.create(
        task=task,
        name="main",
        revision=1,
        extension="mp4",
        is_movie=True,
        status=PreviewStatus.READY,
        data={"frame_rate": "24000/1001", "frame_count": 60},
    )
    html = browser_for(admin).get(f"/previews/{preview.pk}/").content.decode()
    assert f'src="/api/pictures/previews/preview-files/{preview.pk}.png"' in html
    assert f'href="/api/movies/low/preview-files/{preview.pk}.mp4" download' in html
    assert '"frameRate": "24000/1001"' in html and '"frameCount": 60' in html
    # Nothing stored yet for it: its media are 404, not errors.
    movie = browser_for(admin).get(f"/api/movies/low/preview-files/{preview.pk}.mp4")
    assert movie.status_code == 404


def test_a_broken_preview_says_why(task, admin):
    preview = PreviewFile.objects.create(
        task=task,
        name="main",
        revision=1,
        status=PreviewStatus.BROKEN,
        broken_reason="moov atom not found",
    )
    html = browser_for(admin).get(f"/previews/{preview.pk}/").content.decode()
    assert "moov atom not found" in html and "player.js" not in html


def test_the_api_media_of_a_processed_picture_serve_the_session(
    task, admin, artist, make_person, client_for, django_capture_on_commit_callbacks
):
    """The pages show a preview through the API's media routes, which serve a team member's
    session (a picture preview processed in the request), and refuse an outsider's."""
    comment = production_services.create_comment(
        task=task, task_status=task.task_status, author=admin
    )
    api = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        slot = api.post(
            f"/api/actions/tasks/{task.pk}/comments/{comment.pk}/add-preview", {}, format="json"
        ).json()
        uploaded = api.post(
            f"/api/pictures/preview-files/{slot['id']}?no_job=true",
            {"file": SimpleUploadedFile("frame.png", png_bytes())},
            format="multipart",
        )
    assert uploaded.status_code == 201, uploaded.content
    browser = browser_for(artist)
    for route in ("pictures/previews", "pictures/thumbnails"):
        answer = browser.get(f"/api/{route}/preview-files/{slot['id']}.png")
        assert answer.status_code == 200, route
        assert answer["Content-Type"] == "image/png"
        assert b"".join(answer.streaming_content).startswith(b"\x89PNG")
    tiles = browser.get(f"/api/movies/tiles/preview-files/{slot['id']}.png")
    assert tiles.status_code == 404  # a picture
    outsider = browser_for(make_person(Role.ARTIST))
    picture = f"/api/pictures/previews/preview-files/{slot['id']}.png"
    assert outsider.get(picture).status_code in (403, 404)
    page = browser.get(f"/previews/{slot['id']}/").content.decode()
    assert f'src="{picture}"' in page and "<video" not in page


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (180, 101), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_vfx_preview_says_what_was_uploaded_and_how_it_is_shown(task, admin):
    picture = PreviewFile.objects.create(
        task=task,
        name="main",
        revision=2,
        extension="png",
        status=PreviewStatus.READY,
        width=64,
        height=16,
        data={
            "original_extension": "exr",
            "original_file_size": 2048,
            "color_transform": {
                "config": "ocio://studio-config-v2.2.0_aces-v1.3_ocio-v2.4",
                "color_space": "ACEScg",
                "referred": "scene",
                "guessed_from": "upload",
                "display": "sRGB - Display",
                "view": "ACES 1.0 - SDR Video",
            },
            "layer": "diffuse",
            "layers": ["beauty", "diffuse"],
        },
    )
    html = browser_for(admin).get(f"/previews/{picture.pk}/").content.decode()
    assert "Uploaded EXR" in html
    assert "ACEScg through ACES 1.0 - SDR Video (sRGB - Display) · from the upload" in html
    assert "diffuse (of beauty, diffuse)" in html
    assert f'href="/api/pictures/originals/preview-files/{picture.pk}/download"' in html
    assert "Download the exr as it was uploaded</a> (2.0\xa0KB)" in html

    sequence = PreviewFile.objects.create(
        task=task,
        name="main",
        revision=3,
        extension="mp4",
        status=PreviewStatus.READY,
        data={
            "original_extension": "zip",
            "frame_start": 1001,
            "frame_end": 1006,
            "missing_frame_count": 1,
            "missing_frames": ["1004"],
            "frame_rate": "24000/1001",
            "frame_count": 5,
            "color_transform": {"color_space": "sRGB Encoded Rec.709 (sRGB)", "view": None,
                                "guessed_from": "format"},
        },
    )  # fmt: skip
    html = browser_for(admin).get(f"/previews/{sequence.pk}/").content.decode()
    assert "Uploaded ZIP" in html and "1001–1006, 1 missing: 1004" in html
    assert "sRGB Encoded Rec.709 (sRGB), shown as it is · from the format" in html
    assert "Layer" not in html  # one layer: nothing to say

    plain = PreviewFile.objects.create(
        task=task, name="main", revision=4, extension="png", status=PreviewStatus.READY
    )
    assert "Uploaded" not in browser_for(admin).get(f"/previews/{plain.pk}/").content.decode()
