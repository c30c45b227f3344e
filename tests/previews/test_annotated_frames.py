"""The annotated-frame downloads of a picture preview (contract §4.5, §6.12): the PNG of the
first annotation, the zip and the PDF of all of them, their names, Zou's 400s, the manager
access rule and the 404s. Pictures are generated and processed by the real upload path."""

import io
import zipfile

import pytest
from PIL import Image

from previews.models import PreviewFile, PreviewStatus
from production.models import Role
from tests.previews.helpers import body_of, png_bytes
from tests.query_counts import SIZES, bounded
from tests.zou_bodies import FORBIDDEN, NOT_FOUND

NAME = "big_buck_bunny_character_bunny_modeling_v1"  # Big Buck Bunny / Character / Bunny
RED = (255, 0, 0)


def url(preview_id, route="extract-annotated-frame"):
    return f"/api/actions/preview-files/{preview_id}/{route}"


def annotation(left, color="#ff0000", time=0):
    """One annotation entry as Kitsu saves it: a filled rect on a 600-wide canvas."""
    return {
        "time": time,
        "drawing": {
            "objects": [
                {
                    "id": f"rect-{left}",
                    "type": "rect",
                    "left": left,
                    "top": 50,
                    "width": 100,
                    "height": 100,
                    "fill": color,
                    "strokeWidth": 0,
                    "canvasWidth": 600,
                    "canvasHeight": 337,
                }
            ]
        },
    }


@pytest.fixture
def picture(task, preview_on):
    """A ready picture preview (640x360 upload: its `previews` variant is 1200x675)."""
    preview_id, response = preview_on(task, "frame.png", png_bytes(640, 360, (255, 255, 255)))
    assert response.status_code == 201, response.content
    assert PreviewFile.objects.get(pk=preview_id).status == PreviewStatus.READY
    return preview_id


def annotate(preview_id, *entries):
    PreviewFile.objects.filter(pk=preview_id).update(annotations=list(entries))


def decoded(response) -> Image.Image:
    return Image.open(io.BytesIO(body_of(response))).convert("RGB")


def test_the_first_annotation_is_drawn_on_the_1200_wide_picture(admin_client, picture):
    annotate(picture, annotation(100), annotation(400, color="#0000ff"))
    response = admin_client.get(url(picture))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    frame = decoded(response)
    assert frame.size == (1200, 675)
    # The rect's 100..200 on a 600-wide canvas is 200..400 on the 1200-wide picture.
    assert frame.getpixel((300, 200)) == RED
    assert frame.getpixel((450, 200)) == (255, 255, 255)
    assert frame.getpixel((900, 200)) == (255, 255, 255)  # the second annotation is not drawn


def test_frame_number_is_ignored_for_pictures_but_validated(admin_client, picture):
    annotate(picture, annotation(100))
    assert admin_client.get(url(picture) + "?frame_number=7").status_code == 200
    response = admin_client.get(url(picture) + "?frame_number=0")
    assert response.status_code == 400
    assert response.json()["message"] == "Validation error."
    assert response.json()["data"]["errors"][0]["field"] == "frame_number"
    assert admin_client.get(url(picture) + "?frame_number=abc").status_code == 400


def test_zip_has_one_png_per_annotation_named_after_the_preview(admin_client, picture):
    annotate(picture, annotation(100), annotation(250, "#00ff00"), annotation(400, "#0000ff"))
    response = admin_client.get(url(picture, "extract-annotated-frames"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (f"attachment; filename={NAME}_annotated_frames.zip")
    archive = zipfile.ZipFile(io.BytesIO(body_of(response)))
    names = archive.namelist()
    assert names == [f"{NAME}_frame_{n}.png" for n in (1, 2, 3)]
    assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())
    second = Image.open(archive.open(names[1])).convert("RGB")
    assert second.getpixel((600, 200)) == (0, 255, 0)
    assert second.getpixel((300, 200)) == (255, 255, 255)


def test_pdf_has_one_page_per_annotation(admin_client, picture):
    annotate(picture, annotation(100), annotation(400))
    response = admin_client.get(url(picture, "extract-annotated-frames-pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (f"attachment; filename={NAME}_annotated_frames.pdf")
    body = body_of(response)
    assert body.startswith(b"%PDF")
    assert body.count(b"/Type /Page\n") + body.count(b"/Type /Page ") == 2


@pytest.mark.parametrize(
    ("route", "message", "data"),
    [
        ("extract-annotated-frame", "No annotation found on picture preview", False),
        ("extract-annotated-frames", "Preview file has no annotations", True),
        ("extract-annotated-frames-pdf", "Preview file has no annotations", True),
    ],
)
@pytest.mark.parametrize("annotations", [None, []])
def test_no_annotation_is_zous_400(admin_client, picture, route, message, data, annotations):
    PreviewFile.objects.filter(pk=picture).update(annotations=annotations)
    response = admin_client.get(url(picture, route))
    assert response.status_code == 400
    expected = {"error": True, "message": message}
    if data:
        expected["data"] = None
    assert response.json() == expected


@pytest.mark.parametrize(
    "route", ["extract-annotated-frame", "extract-annotated-frames", "extract-annotated-frames-pdf"]
)
def test_other_extensions_are_refused(admin_client, picture, route):
    PreviewFile.objects.filter(pk=picture).update(extension="psd", annotations=[annotation(1)])
    response = admin_client.get(url(picture, route))
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": "Cannot extract annotated frame from preview with extension 'psd'",
        "data": None,
    }


def test_a_movie_without_frame_number_gets_zous_message(admin_client, picture):
    PreviewFile.objects.filter(pk=picture).update(extension="mp4", annotations=[annotation(1)])
    response = admin_client.get(url(picture))
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": "frame_number is required for movie previews",
        "data": None,
    }


def test_malformed_drawings_are_skipped_not_a_500(admin_client, picture):
    annotate(
        picture,
        {"time": 0, "drawing": {"objects": [{"type": "rect", "left": "x"}, "junk"]}},
        {"time": 1, "drawing": "not a drawing"},
        "not an entry",
    )
    assert admin_client.get(url(picture)).status_code == 200
    response = admin_client.get(url(picture, "extract-annotated-frames"))
    assert response.status_code == 200
    assert len(zipfile.ZipFile(io.BytesIO(body_of(response))).namelist()) == 3


@pytest.mark.parametrize(
    "route", ["extract-annotated-frame", "extract-annotated-frames", "extract-annotated-frames-pdf"]
)
def test_unknown_or_malformed_preview_is_a_404(admin_client, db, route):
    for preview_id in ("7b1f4b1e-3a57-4f7c-9d38-0d5c1e0f9a11", "not-an-id"):
        response = admin_client.get(url(preview_id, route))
        assert response.status_code == 404
        assert response.json() == NOT_FOUND


def test_a_missing_picture_is_zous_hand_built_404(admin_client, picture, preview_storage):
    annotate(picture, annotation(100))
    stored = next(preview_storage.glob(f"pictures/previews/*/*/{picture}"))
    stored.unlink()
    response = admin_client.get(url(picture))
    assert response.status_code == 404
    assert response.json() == {"error": "preview file binary is not available"}


@pytest.mark.parametrize(
    "route", ["extract-annotated-frame", "extract-annotated-frames", "extract-annotated-frames-pdf"]
)
def test_only_managers_of_the_project_and_admins(
    client_for, make_person, add_to_team, picture, task, route
):
    annotate(picture, annotation(100))
    manager = add_to_team(make_person(Role.MANAGER))
    promoted = add_to_team(make_person(Role.ARTIST), role=Role.MANAGER)
    assert client_for(manager).get(url(picture, route)).status_code == 200
    assert client_for(promoted).get(url(picture, route)).status_code == 200
    assigned = add_to_team(make_person(Role.ARTIST))
    task.assignees.add(assigned)
    refused = [
        make_person(Role.MANAGER),  # not in the team
        assigned,
        add_to_team(make_person(Role.SUPERVISOR)),
        add_to_team(make_person(Role.CLIENT)),
        add_to_team(make_person(Role.VENDOR)),
    ]
    for person in refused:
        response = client_for(person).get(url(picture, route))
        assert response.status_code == 403, person.role
        assert response.json() == FORBIDDEN


def test_a_preview_without_task_is_for_admins(admin_client, client_for, make_person, picture):
    PreviewFile.objects.filter(pk=picture).update(task=None, annotations=[annotation(100)])
    assert client_for(make_person(Role.MANAGER)).get(url(picture)).status_code == 403
    assert admin_client.get(url(picture)).status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_queries_do_not_grow_with_the_annotations(
    admin_client, picture, size, django_assert_max_num_queries
):
    # The caller, the preview with its task and the caller's link, the organisation's naming
    # rule: whatever the number of annotations.
    annotate(picture, *(annotation(10 * n) for n in range(size)))
    for route in ("extract-annotated-frames", "extract-annotated-frame"):
        bounded(django_assert_max_num_queries, 3, lambda r=route: admin_client.get(url(picture, r)))


def test_a_small_picture_is_drawn_on_enlarged_as_kitsu_shows_it(admin_client, task, preview_on):
    # Our `previews` variant centres a 300x150 picture in a transparent 1200x600 box; Kitsu's
    # canvas shows the picture itself, so the drawing is made on the picture enlarged.
    content = Image.new("RGB", (300, 150), (0, 0, 255))
    buffer = io.BytesIO()
    content.save(buffer, "PNG")
    preview_id, response = preview_on(task, "small.png", buffer.getvalue())
    assert response.status_code == 201, response.content
    right_half = annotation(150, color="#00ff00")
    right_half["drawing"]["objects"][0].update(
        top=0, width=150, height=150, canvasWidth=300, canvasHeight=150
    )
    annotate(preview_id, right_half)
    frame = Image.open(io.BytesIO(body_of(admin_client.get(url(preview_id)))))
    assert frame.size == (1200, 600)
    assert frame.convert("RGBA").getpixel((300, 300)) == (0, 0, 255, 255)  # no transparent margin
    assert frame.convert("RGB").getpixel((900, 300)) == (0, 255, 0)
    assert frame.convert("RGB").getpixel((10, 10)) == (0, 0, 255)
