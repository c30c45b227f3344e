"""Preview background files (HDR environments for the 3D viewer): the CRUD and its rules, the
upload of each format, the download and the thumbnail, bad input, the project links, and the
query counts (zou-previews-contract §1.2, §6.8, §6.15)."""

import io
import struct

import pytest
from PIL import Image

from previews import storage
from previews.models import PreviewBackgroundFile, ProjectPreviewBackgroundFileLink
from production.models import Project, Role
from tests.previews.helpers import PDF, body_of, named_file, png_bytes
from tests.query_counts import SIZES, bounded
from tests.zou_bodies import FORBIDDEN, NOT_FOUND
from thumbnails import hdr

BACKGROUNDS = "/api/data/preview-background-files"


def radiance_bytes(width: int = 6, height: int = 4, bright=(40.0, 36.0, 30.0)) -> bytes:
    """A Radiance RGBE picture written by hand (flat scanlines, valid below 8 pixels wide):
    a dim sky with a bright sun in the top-left pixel."""

    def rgbe(red: float, green: float, blue: float) -> bytes:
        import math

        top = max(red, green, blue)
        if top < 1e-32:
            return b"\0\0\0\0"
        mantissa, exponent = math.frexp(top)
        scale = mantissa * 256.0 / top
        return bytes([int(red * scale), int(green * scale), int(blue * scale), exponent + 128])

    header = f"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y {height} +X {width}\n".encode()
    pixels = b"".join(
        rgbe(*(bright if (x, y) == (0, 0) else (0.2, 0.3, 0.5)))
        for y in range(height)
        for x in range(width)
    )
    return header + pixels


def openexr_bytes(width: int = 4, height: int = 2) -> bytes:
    """A single-part scanline OpenEXR file with uncompressed 32-bit float R, G, B channels,
    written by hand from the format's layout (magic, version, attributes, offsets, lines)."""

    def attribute(name: str, kind: str, value: bytes) -> bytes:
        return name.encode() + b"\0" + kind.encode() + b"\0" + struct.pack("<i", len(value)) + value

    channels = (
        b"".join(
            name.encode() + b"\0" + struct.pack("<iB3xii", 2, 0, 1, 1) for name in ("B", "G", "R")
        )
        + b"\0"
    )
    window = struct.pack("<iiii", 0, 0, width - 1, height - 1)
    header = b"".join(
        [
            attribute("channels", "chlist", channels),
            attribute("compression", "compression", b"\0"),
            attribute("dataWindow", "box2i", window),
            attribute("displayWindow", "box2i", window),
            attribute("lineOrder", "lineOrder", b"\0"),
            attribute("pixelAspectRatio", "float", struct.pack("<f", 1.0)),
            attribute("screenWindowCenter", "v2f", struct.pack("<ff", 0.0, 0.0)),
            attribute("screenWindowWidth", "float", struct.pack("<f", 1.0)),
            b"\0",
        ]
    )
    start = 8 + len(header) + 8 * height
    line_size = 3 * 4 * width
    lines = b"".join(
        struct.pack("<ii", y, line_size) + struct.pack(f"<{3 * width}f", *([0.5 + y] * 3 * width))
        for y in range(height)
    )
    offsets = b"".join(struct.pack("<Q", start + y * (8 + line_size)) for y in range(height))
    return hdr.OPENEXR_MAGIC + b"\x02\0\0\0" + header + offsets + lines


def jpeg_bytes(width=640, height=320) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 90, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def background(db):
    return PreviewBackgroundFile.objects.create(name="studio")


@pytest.fixture
def artist_client(client_for, make_person):
    return client_for(make_person(Role.ARTIST))


def upload(client, background_id, name, content):
    return client.post(
        f"/api/pictures/preview-background-files/{background_id}",
        {"file": named_file(name, content)},
        format="multipart",
    )


def stored_names(root) -> list[str]:
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and ".uploads" not in path.parts and ".work" not in path.parts
    )


# ---------------------------------------------------------------------------------------------
# CRUD


def test_admin_creates_reads_updates_and_deletes(admin_client):
    created = admin_client.post(BACKGROUNDS, {"name": "sunset", "file_size": 99}, format="json")
    assert created.status_code == 201, created.content
    row = created.json()
    assert row["type"] == "PreviewBackgroundFile"
    assert row["file_size"] == 0  # the server's column: not taken from the body
    for key in ("name", "archived", "is_default", "original_name", "extension", "id"):
        assert key in row
    assert admin_client.get(f"{BACKGROUNDS}/{row['id']}").json()["name"] == "sunset"
    assert [r["id"] for r in admin_client.get(BACKGROUNDS).json()] == [row["id"]]
    updated = admin_client.put(f"{BACKGROUNDS}/{row['id']}", {"name": "dawn"}, format="json")
    assert updated.status_code == 200 and updated.json()["name"] == "dawn"
    assert admin_client.delete(f"{BACKGROUNDS}/{row['id']}").status_code == 204
    assert not PreviewBackgroundFile.objects.exists()


@pytest.mark.parametrize("role", [Role.MANAGER, Role.SUPERVISOR, Role.ARTIST, Role.CLIENT])
def test_only_admins_write_everyone_reads(client_for, make_person, background, role):
    client = client_for(make_person(role))
    assert client.get(BACKGROUNDS).json()[0]["id"] == str(background.pk)
    assert client.get(f"{BACKGROUNDS}/{background.pk}").status_code == 200
    refused = [
        client.post(BACKGROUNDS, {"name": "mine"}, format="json"),
        client.put(f"{BACKGROUNDS}/{background.pk}", {"name": "mine"}, format="json"),
        client.delete(f"{BACKGROUNDS}/{background.pk}"),
    ]
    for response in refused:
        assert response.status_code == 403
        assert response.json() == FORBIDDEN
    background.refresh_from_db()
    assert background.name == "studio"
    assert PreviewBackgroundFile.objects.count() == 1


def test_a_name_already_used_is_refused(admin_client, background):
    other = PreviewBackgroundFile.objects.create(name="other")
    expected = "A preview background file with similar name already exists"
    created = admin_client.post(BACKGROUNDS, {"name": "studio"}, format="json")
    assert created.status_code == 400 and created.json()["message"] == expected
    renamed = admin_client.put(f"{BACKGROUNDS}/{other.pk}", {"name": "studio"}, format="json")
    assert renamed.status_code == 400 and renamed.json()["message"] == expected
    # Its own name is not a clash.
    same = admin_client.put(f"{BACKGROUNDS}/{background.pk}", {"name": "studio"}, format="json")
    assert same.status_code == 200
    assert PreviewBackgroundFile.objects.count() == 2


def test_one_default_at_a_time(admin_client, background):
    first = admin_client.post(BACKGROUNDS, {"name": "a", "is_default": True}, format="json")
    second = admin_client.post(BACKGROUNDS, {"name": "b", "is_default": True}, format="json")
    assert first.status_code == second.status_code == 201
    defaults = PreviewBackgroundFile.objects.filter(is_default=True)
    assert [str(pk) for pk in defaults.values_list("pk", flat=True)] == [second.json()["id"]]
    admin_client.put(f"{BACKGROUNDS}/{background.pk}", {"is_default": True}, format="json")
    assert list(defaults.values_list("pk", flat=True)) == [background.pk]


@pytest.mark.parametrize("bad_id", ["0b4e9a3c-0000-4000-8000-000000000000", "not-a-uuid"])
def test_unknown_or_malformed_ids_are_404(admin_client, bad_id):
    answers = [
        admin_client.get(f"{BACKGROUNDS}/{bad_id}"),
        admin_client.put(f"{BACKGROUNDS}/{bad_id}", {"name": "x"}, format="json"),
        admin_client.delete(f"{BACKGROUNDS}/{bad_id}"),
        upload(admin_client, bad_id, "sky.png", png_bytes()),
        admin_client.get(f"/api/pictures/preview-background-files/{bad_id}.hdr"),
        admin_client.get(f"/api/pictures/thumbnails/preview-background-files/{bad_id}.png"),
    ]
    for response in answers:
        assert response.status_code == 404, response.content
        assert response.json() == NOT_FOUND


# ---------------------------------------------------------------------------------------------
# Upload, download, thumbnail


@pytest.mark.parametrize(
    ("name", "content", "content_type", "thumbnail"),
    [
        ("sky.png", png_bytes(900, 300), "image/png", (300, 100)),
        ("sky.jpg", jpeg_bytes(), "image/jpeg", (300, 150)),
        ("sky.jpeg", jpeg_bytes(100, 50), "image/jpeg", (100, 50)),
        ("my sky.hdr", radiance_bytes(), "image/vnd.radiance", (6, 4)),
        ("sky.exr", openexr_bytes(), "application/octet-stream", (4, 2)),
    ],
)
def test_upload_then_download_the_same_bytes(
    admin_client, artist_client, background, name, content, content_type, thumbnail
):
    answer = upload(admin_client, background.pk, name, content)
    assert answer.status_code == 201, answer.content
    row = answer.json()
    original_name, extension = name.rsplit(".", 1)
    assert row["extension"] == extension
    assert row["original_name"] == original_name
    assert row["file_size"] == len(content)

    url = f"/api/pictures/preview-background-files/{background.pk}.{extension.upper()}"
    download = artist_client.get(url)  # any logged-in person; the extension in any case
    assert download.status_code == 200
    assert body_of(download) == content
    assert download["Content-Type"] == content_type
    quoted = f'"{name}"' if " " in name else name
    assert download["Content-Disposition"] == f"inline; filename={quoted}"
    assert download["Cache-Control"] == "private, max-age=604800"
    again = artist_client.get(url, HTTP_IF_NONE_MATCH=download["ETag"])
    assert again.status_code == 304
    part = artist_client.get(url, HTTP_RANGE="bytes=0-9")
    assert part.status_code == 206 and body_of(part) == content[:10]

    picture = artist_client.get(
        f"/api/pictures/thumbnails/preview-background-files/{background.pk}.png"
    )
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(body_of(picture)))
    assert image.size == (300, 200)  # Zou's box, the picture centered and never stretched
    assert image.getchannel("A").getbbox()[2:] != (0, 0)
    bbox = image.getchannel("A").getbbox()
    assert (bbox[2] - bbox[0], bbox[3] - bbox[1]) == thumbnail


def test_the_other_extension_is_not_found(admin_client, background):
    upload(admin_client, background.pk, "sky.hdr", radiance_bytes())
    answer = admin_client.get(f"/api/pictures/preview-background-files/{background.pk}.png")
    assert answer.status_code == 404


def test_nothing_to_download_before_the_upload(admin_client, background):
    for url in (
        f"/api/pictures/preview-background-files/{background.pk}.hdr",
        f"/api/pictures/thumbnails/preview-background-files/{background.pk}.png",
    ):
        assert admin_client.get(url).status_code == 404


def test_a_new_upload_replaces_the_file_and_its_thumbnail(admin_client, background):
    upload(admin_client, background.pk, "sky.png", png_bytes(900, 300))
    assert storage.size_of(storage.picture("thumbnails", background.pk))
    answer = upload(admin_client, background.pk, "sky.hdr", radiance_bytes())
    assert answer.status_code == 201
    assert storage.size_of(storage.background(background.pk)) == len(radiance_bytes())
    thumbnail = admin_client.get(
        f"/api/pictures/thumbnails/preview-background-files/{background.pk}.png"
    )
    bbox = Image.open(io.BytesIO(body_of(thumbnail))).getchannel("A").getbbox()
    assert (bbox[2] - bbox[0], bbox[3] - bbox[1]) == (6, 4)  # the HDR's, not the PNG's 300x100


def test_an_hdr_thumbnail_is_tone_mapped_not_clamped(admin_client, background, tmp_path):
    """A 640x320 environment written by OpenImageIO: a sky whose linear light runs from 0.5 to
    8.0 left to right (all of it above 1.0 but the first eighth), and a sun of 500. Clamped, the
    sky would be one flat white; tone-mapped, it stays a gradient, darker than the sun."""
    import numpy
    import OpenImageIO as oiio

    width, height = 640, 320
    ramp = numpy.linspace(0.5, 8.0, width, dtype=numpy.float32)
    pixels = numpy.repeat(ramp[None, :, None], height, axis=0).repeat(3, axis=2)
    pixels[10:30, 600:620, :] = 500.0
    path = tmp_path / "sky.exr"
    output = oiio.ImageOutput.create(str(path))
    output.open(str(path), oiio.ImageSpec(width, height, 3, oiio.HALF))
    output.write_image(pixels)
    output.close()

    answer = upload(admin_client, background.pk, "sky.exr", path.read_bytes())
    assert answer.status_code == 201, answer.content
    thumbnail = admin_client.get(
        f"/api/pictures/thumbnails/preview-background-files/{background.pk}.png"
    )
    image = Image.open(io.BytesIO(body_of(thumbnail))).convert("RGB")
    assert image.size == (300, 200)  # 300x150 centred in Zou's box
    row = 100  # the middle of the picture, below the sun
    left, middle, right = (image.getpixel((x, row))[1] for x in (5, 150, 290))
    assert left < middle < right < 255  # a gradient, not a clamp
    sun = max(image.getpixel((x, y))[1] for x in range(280, 295) for y in range(27, 40))
    assert sun > right


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("sky.tif", png_bytes(), "Wrong file format, extension: tif"),
        ("sky", png_bytes(), "Wrong file format, extension: sky"),
        ("sky.png", PDF, "Uploaded file is not a readable picture."),
        ("sky.jpg", b"", "Uploaded file is not a readable picture."),
        ("sky.hdr", png_bytes(), "Uploaded file is not a readable picture."),
        ("sky.exr", radiance_bytes(), "Uploaded file is not a readable picture."),
    ],
)
def test_bad_input_is_400_and_changes_nothing(
    admin_client, background, preview_storage, name, content, message
):
    first = upload(admin_client, background.pk, "first.png", png_bytes())
    assert first.status_code == 201
    before_row = PreviewBackgroundFile.objects.filter(pk=background.pk).values().get()
    before_files = {
        path: (preview_storage / path).read_bytes() for path in stored_names(preview_storage)
    }
    answer = upload(admin_client, background.pk, name, content)
    assert answer.status_code == 400
    assert answer.json()["message"] == message
    assert PreviewBackgroundFile.objects.filter(pk=background.pk).values().get() == before_row
    after_files = {
        path: (preview_storage / path).read_bytes() for path in stored_names(preview_storage)
    }
    assert after_files == before_files
    assert not list((preview_storage / ".uploads").glob("*"))  # the upload left nothing


def test_upload_rules(admin_client, artist_client, background):
    refused = upload(artist_client, background.pk, "sky.png", png_bytes())
    assert refused.status_code == 403 and refused.json() == FORBIDDEN
    missing = admin_client.post(
        f"/api/pictures/preview-background-files/{background.pk}", {}, format="multipart"
    )
    assert missing.status_code == 400 and missing.json()["message"] == "File not provided."
    background.refresh_from_db()
    assert background.extension is None and background.file_size == 0


def test_files_stay_after_a_delete_unless_remove_files(
    admin_client, settings, django_capture_on_commit_callbacks
):
    for remove_files in (False, True):
        settings.REMOVE_FILES = remove_files
        background = PreviewBackgroundFile.objects.create(name=f"bg-{remove_files}")
        upload(admin_client, background.pk, "sky.png", png_bytes())
        with django_capture_on_commit_callbacks(execute=True):
            assert admin_client.delete(f"{BACKGROUNDS}/{background.pk}").status_code == 204
        kept = storage.size_of(storage.background(background.pk)) is not None
        assert kept is not remove_files


def test_stored_where_zou_keeps_them(admin_client, background, preview_storage):
    upload(admin_client, background.pk, "sky.png", png_bytes())
    key = str(background.pk)
    assert stored_names(preview_storage) == [
        f"pictures/preview/bac/kgr/backgrounds-{key}",
        f"pictures/thumbnails/{key[:3]}/{key[3:6]}/{key}",
    ]


# ---------------------------------------------------------------------------------------------
# Tone mapping (the operator HDR thumbnails go through)


def test_tone_map_keeps_bright_regions_apart():
    # A dim sky, a bright cloud and a sun 50 times brighter: a clamp would make both white.
    sky, cloud, sun = (0.2, 0.3, 0.5), (4.0, 4.0, 4.0), (200.0, 190.0, 170.0)
    pixels = [*sky * 60, *cloud * 3, *sun]
    mapped = hdr.tone_map(pixels)
    assert len(mapped) == len(pixels)
    sky_out, cloud_out, sun_out = mapped[0:3], mapped[180:183], mapped[-3:]
    assert max(cloud_out) < 255  # the cloud is not clipped flat
    assert sum(cloud_out) < sum(sun_out)
    assert sum(sky_out) < sum(cloud_out)
    assert sky_out[2] > sky_out[0]  # hue kept: the sky stays blue
    assert hdr.tone_map([0.0, -1.0, float("nan")]) == b"\0\0\0"
    assert hdr.tone_map([1.0, 1.0, 1.0] * 4, stops=1) == hdr.tone_map([1.0, 1.0, 1.0] * 4)


def test_tone_map_exposure_lightens():
    pixels = [0.1, 0.1, 0.1, 1.0, 1.0, 1.0, 10.0, 10.0, 10.0]
    darker, lighter = hdr.tone_map(pixels, stops=-1), hdr.tone_map(pixels, stops=1)
    assert darker[0] < lighter[0]


# ---------------------------------------------------------------------------------------------
# A project's backgrounds


def settings_url(project, background=None):
    url = f"/api/data/projects/{project.pk}/settings/preview-background-files"
    return url if background is None else f"{url}/{background.pk}"


def test_project_backgrounds(client_for, make_person, add_to_team, project, background):
    manager = client_for(add_to_team(make_person(Role.ARTIST), Role.MANAGER))
    artist = client_for(add_to_team(make_person(Role.ARTIST)))
    outsider = client_for(make_person(Role.ARTIST))
    body = {"preview_background_file_id": str(background.pk)}

    assert artist.post(settings_url(project), body, format="json").status_code == 403
    added = manager.post(settings_url(project), body, format="json")
    assert added.status_code == 201
    assert added.json()["id"] == str(project.pk)
    assert added.json()["preview_background_files"] == [str(background.pk)]
    assert added.json()["default_preview_background_file_id"] is None
    # Twice is once.
    assert manager.post(settings_url(project), body, format="json").status_code == 201
    assert ProjectPreviewBackgroundFileLink.objects.count() == 1

    listed = artist.get(settings_url(project))
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [str(background.pk)]
    assert listed.json()[0]["type"] == "PreviewBackgroundFile"
    assert outsider.get(settings_url(project)).status_code == 403

    assert artist.delete(settings_url(project, background)).status_code == 403
    assert manager.delete(settings_url(project, background)).status_code == 204
    assert artist.get(settings_url(project)).json() == []


def test_project_settings_bad_input(admin_client, project, background):
    missing = admin_client.post(settings_url(project), {"x": 1}, format="json")
    assert missing.status_code == 400
    for bad in ("0b4e9a3c-0000-4000-8000-000000000000", "nope"):
        body = {"preview_background_file_id": bad}
        assert admin_client.post(settings_url(project), body, format="json").status_code == 404
        url = f"/api/data/projects/{project.pk}/settings/preview-background-files/{bad}"
        assert admin_client.delete(url).status_code == 404
        unknown_project = f"/api/data/projects/{bad}/settings/preview-background-files"
        assert admin_client.get(unknown_project).status_code == 404
    assert not ProjectPreviewBackgroundFileLink.objects.exists()


def test_project_default_background(client_for, make_person, add_to_team, project, background):
    manager = client_for(add_to_team(make_person(Role.ARTIST), Role.MANAGER))
    artist = client_for(add_to_team(make_person(Role.ARTIST)))
    other = PreviewBackgroundFile.objects.create(name="other")
    url = f"/api/data/projects/{project.pk}/default-preview-background-file"
    key = "default_preview_background_file_id"

    assert artist.put(url, {key: str(background.pk)}, format="json").status_code == 403
    answer = manager.put(url, {key: str(background.pk)}, format="json")
    assert answer.status_code == 200
    # The default joins the project's backgrounds.
    assert answer.json()[key] == str(background.pk)
    assert answer.json()["preview_background_files"] == [str(background.pk)]
    answer = manager.put(url, {key: str(other.pk)}, format="json")
    assert answer.json()[key] == str(other.pk)
    assert sorted(answer.json()["preview_background_files"]) == sorted(
        [str(background.pk), str(other.pk)]
    )
    # Removing the default from the project leaves it without one.
    manager.delete(settings_url(project, other))
    body = manager.post(
        settings_url(project), {"preview_background_file_id": str(background.pk)}, format="json"
    ).json()
    assert body[key] is None and body["preview_background_files"] == [str(background.pk)]
    # Set, then cleared with null.
    manager.put(url, {key: str(background.pk)}, format="json")
    assert manager.put(url, {key: None}, format="json").json()[key] is None
    assert manager.put(url, {"x": 1}, format="json").status_code == 400
    assert manager.put(url, {key: "nope"}, format="json").status_code == 404


def test_every_project_row_carries_its_backgrounds(admin_client, project, background):
    """The project's rows of the production routes (listings, one row, open projects) say
    which backgrounds it offers and its default, as Zou's project does."""
    other_project = Project.objects.create(name="Other", project_status=project.project_status)
    other = PreviewBackgroundFile.objects.create(name="other")
    admin_client.post(settings_url(project), {"preview_background_file_id": str(other.pk)})
    admin_client.put(
        f"/api/data/projects/{project.pk}/default-preview-background-file",
        {"default_preview_background_file_id": str(background.pk)},
        format="json",
    )
    expected = {
        str(project.pk): (sorted([str(other.pk), str(background.pk)]), str(background.pk)),
        str(other_project.pk): ([], None),
    }

    for url in ("/api/data/projects?relations=true", "/api/data/projects/open?relations=true"):
        rows = {row["id"]: row for row in admin_client.get(url).json()}
        for project_id, (backgrounds, default) in expected.items():
            assert sorted(rows[project_id]["preview_background_files"]) == backgrounds, url
            assert rows[project_id]["default_preview_background_file_id"] == default, url
    plain = admin_client.get(f"/api/data/projects/{project.pk}").json()
    assert plain["default_preview_background_file_id"] == str(background.pk)
    one = admin_client.get(f"/api/data/projects/{project.pk}?relations=true").json()
    assert sorted(one["preview_background_files"]) == expected[str(project.pk)][0]
    # Without the relations, only Zou's column.
    listed = admin_client.get("/api/data/projects").json()
    assert all("preview_background_files" not in row for row in listed)
    assert {row["id"]: row["default_preview_background_file_id"] for row in listed}[
        str(project.pk)
    ] == str(background.pk)


# ---------------------------------------------------------------------------------------------
# Query counts


@pytest.mark.parametrize("size", SIZES)
def test_listings_query_counts(django_assert_max_num_queries, admin_client, project, size):
    for number in range(size):
        background = PreviewBackgroundFile.objects.create(name=f"bg{number}")
        ProjectPreviewBackgroundFileLink.objects.create(
            project=project, preview_background_file=background
        )
    listed = bounded(django_assert_max_num_queries, 3, lambda: admin_client.get(BACKGROUNDS))
    assert len(listed.json()) == size
    settings_listing = bounded(
        django_assert_max_num_queries, 4, lambda: admin_client.get(settings_url(project))
    )
    assert len(settings_listing.json()) == size


def test_media_query_counts(django_assert_max_num_queries, admin_client, background):
    upload(admin_client, background.pk, "sky.png", png_bytes())
    for url in (
        f"/api/pictures/preview-background-files/{background.pk}.png",
        f"/api/pictures/thumbnails/preview-background-files/{background.pk}.png",
    ):
        bounded(django_assert_max_num_queries, 2, lambda url=url: admin_client.get(url))


def test_the_admin_lists_and_edits_backgrounds(admin, project, background):
    """Admins see the backgrounds, which projects offer them, and cannot type what the upload
    finds out."""
    from django.test import Client

    from tests.conftest import PASSWORD

    browser = Client()
    assert browser.login(email=admin.email, password=PASSWORD)
    ProjectPreviewBackgroundFileLink.objects.create(
        project=project, preview_background_file=background, is_default=True
    )
    listing = browser.get("/admin/previews/previewbackgroundfile/", {"q": background.name})
    assert listing.status_code == 200 and background.name in listing.content.decode()
    page = browser.get(f"/admin/previews/previewbackgroundfile/{background.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert project.name in html or str(project.pk) in html
    assert 'name="file_size"' not in html  # read-only
