"""Pictures of persons, projects and the organisation (avatars), clear-avatar, and attachment
thumbnails (thumbnails/api.py; zou-previews-contract.md §6.6, §6.7): every format read, the
size and ratio of what is stored, EXIF orientation, bad input changing nothing, the role
rules, 404s, validators and query counts."""

import io
import struct
import zlib

import pytest
from PIL import Image

from kitsufiles.media_store import attachment, open_stored, picture, store
from production.models import AttachmentFile, Comment, Organisation, Person, Project, Role

PNG_TYPE = "image/png"
MESSAGE = "Uploaded file is not a readable picture."
UNKNOWN_ID = "0f0e5a4c-8d1b-4c53-9a59-3f1d2c1b0a99"


# ---------------------------------------------------------------------------------------------
# Pictures generated with Pillow


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def halves(size=(300, 150), left=(255, 0, 0), right=(0, 0, 255)) -> Image.Image:
    """Left half one colour, right half another."""
    image = Image.new("RGB", size, left)
    image.paste(right, (size[0] // 2, 0, size[0], size[1]))
    return image


def sixteen_bit_tiff(size=(200, 100), value=65535) -> bytes:
    image = Image.new("I;16", size, 0)
    image.paste(value, (0, 0, size[0] // 2, size[1]))  # left half at `value`, right black
    return encoded(image, "TIFF")


FORMATS = {
    "png": lambda: encoded(halves(), "PNG"),
    "jpg": lambda: encoded(halves(), "JPEG", quality=95),
    "webp": lambda: encoded(halves(), "WEBP", lossless=True),
    "tif": lambda: encoded(halves(), "TIFF"),
    "tiff16": lambda: sixteen_bit_tiff(),
}


def bomb_png(width=60_000, height=60_000) -> bytes:
    """A PNG whose header claims 3.6 billion pixels over a few bytes of data: a
    decompression bomb refused from its header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    data = zlib.compress(b"\0" * 1000, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def upload(client, url: str, content: bytes, name: str = "picture.png"):
    part = io.BytesIO(content)
    part.name = name
    return client.post(url, {"file": part}, format="multipart")


def picture_of(response) -> Image.Image:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == PNG_TYPE
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    image.load()
    assert image.format == "PNG"
    return image.convert("RGBA")


def content_box(image: Image.Image) -> tuple[int, int, int, int]:
    box = image.getchannel("A").getbbox()
    assert box is not None
    return box


@pytest.fixture
def artist(make_person) -> Person:
    return make_person(Role.ARTIST)


@pytest.fixture
def organisation(default_data) -> Organisation:
    organisation = Person.objects.organisation()
    assert organisation is not None
    return organisation


def person_url(person, png=False) -> str:
    return f"/api/pictures/thumbnails/persons/{person.pk}" + (".png" if png else "")


def project_url(project, png=False) -> str:
    return f"/api/pictures/thumbnails/projects/{project.pk}" + (".png" if png else "")


def organisation_url(organisation, png=False) -> str:
    return f"/api/pictures/thumbnails/organisations/{organisation.pk}" + (".png" if png else "")


# ---------------------------------------------------------------------------------------------
# Formats, sizes, orientation


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_each_format_becomes_a_400_square_png_fitted_not_stretched(client_for, artist, fmt):
    client = client_for(artist)
    response = upload(client, person_url(artist), FORMATS[fmt](), name=f"me.{fmt[:4]}")
    assert response.status_code == 201, response.content
    assert response.json() == {"thumbnail_path": f"pictures/thumbnails/persons/{artist.pk}.png"}
    artist.refresh_from_db()
    assert artist.has_avatar is True

    image = picture_of(client.get(person_url(artist, png=True)))
    assert image.size == (400, 400)
    if fmt == "tiff16":
        # 200x100 fits as it is: not enlarged, centered; 65535 is white, 0 black.
        assert content_box(image) == (100, 150, 300, 250)
        assert image.getpixel((150, 200))[:3] == (255, 255, 255)
        assert image.getpixel((250, 200))[:3] == (0, 0, 0)
        return
    # 300x150 (2:1) fits as it is too: 300x150 centered, left red, right blue.
    assert content_box(image) == (50, 125, 350, 275)
    red, blue = image.getpixel((100, 200)), image.getpixel((300, 200))
    assert red[0] > 230 and red[2] < 25 and red[3] == 255
    assert blue[2] > 230 and blue[0] < 25 and blue[3] == 255


def test_a_large_picture_shrinks_to_fit_keeping_its_ratio(client_for, artist):
    client = client_for(artist)
    assert (
        upload(client, person_url(artist), encoded(halves((1600, 400)), "PNG")).status_code == 201
    )
    image = picture_of(client.get(person_url(artist, png=True)))
    assert image.size == (400, 400)
    assert content_box(image) == (0, 150, 400, 250)  # 4:1 → 400x100, not 400x400


def test_a_tall_picture_shrinks_to_full_height(client_for, artist):
    client = client_for(artist)
    assert upload(client, person_url(artist), encoded(halves((300, 900)), "PNG")).status_code == 201
    assert content_box(picture_of(client.get(person_url(artist, png=True)))) == (133, 0, 267, 400)


def test_exif_orientation_6_is_turned_upright(client_for, artist):
    """Stored 200x100, left red and right blue, with orientation 6 (turn 90° clockwise to
    show): shown 100x200, red on top, blue below."""
    exif = Image.Exif()
    exif[0x0112] = 6
    content = encoded(halves((200, 100)), "JPEG", quality=95, exif=exif.tobytes())
    client = client_for(artist)
    assert upload(client, person_url(artist), content, name="phone.jpg").status_code == 201
    image = picture_of(client.get(person_url(artist, png=True)))
    assert content_box(image) == (150, 100, 250, 300)
    top, bottom = image.getpixel((200, 150)), image.getpixel((200, 250))
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom


# ---------------------------------------------------------------------------------------------
# Bad input: 400, and nothing changes


@pytest.mark.parametrize(
    "content, message",
    [
        (b"%PDF-1.4 not a picture at all", MESSAGE),
        (b"", MESSAGE),
        (bomb_png(), "Uploaded picture is too large: 60000x60000 is more than 400000000 pixels."),
    ],
    ids=["not-a-picture", "empty", "bomb"],
)
def test_bad_input_is_refused_and_the_previous_picture_stays(client_for, artist, content, message):
    client = client_for(artist)
    assert upload(client, person_url(artist), encoded(halves(), "PNG")).status_code == 201
    before = b"".join(client.get(person_url(artist, png=True)).streaming_content)
    artist.refresh_from_db()
    updated_at = artist.updated_at

    response = upload(client, person_url(artist), content, name="avatar.png")
    assert response.status_code == 400
    assert response.json()["message"] == message

    artist.refresh_from_db()
    assert artist.has_avatar is True and artist.updated_at == updated_at
    assert b"".join(client.get(person_url(artist, png=True)).streaming_content) == before


def test_bad_input_on_a_person_without_picture_leaves_the_flag_false(client_for, artist):
    response = upload(client_for(artist), person_url(artist), b"plain text", name="a.png")
    assert response.status_code == 400
    artist.refresh_from_db()
    assert artist.has_avatar is False


def test_no_file_part_is_zou_400(client_for, artist):
    response = client_for(artist).post(person_url(artist), {}, format="multipart")
    assert response.status_code == 400
    assert response.json()["message"] == "File not provided."
    artist.refresh_from_db()
    assert artist.has_avatar is False


def test_the_pixel_limit_is_the_setting(client_for, artist, settings):
    settings.MAX_IMAGE_PIXELS = 10_000
    response = upload(client_for(artist), person_url(artist), encoded(halves((200, 100)), "PNG"))
    assert response.status_code == 400
    assert "200x100 is more than 10000 pixels" in response.json()["message"]


# ---------------------------------------------------------------------------------------------
# Who may change and see which picture


def test_person_pictures_self_or_admin(client_for, artist, make_person, admin):
    other = make_person(Role.MANAGER)
    png = encoded(halves(), "PNG")
    assert upload(client_for(other), person_url(artist), png).status_code == 403
    assert upload(client_for(other), person_url(artist, png=True), png).status_code == 403
    assert upload(client_for(artist), person_url(artist, png=True), png).status_code == 201
    assert upload(client_for(admin), person_url(artist), png).status_code == 201
    # Anyone logged in sees it.
    assert client_for(make_person(Role.VENDOR)).get(person_url(artist, png=True)).status_code == 200
    assert client_for(other).get(person_url(artist)).status_code == 200


def test_project_pictures_by_managers_and_the_png_url_by_admins(
    client_for, project, add_to_team, make_person, admin
):
    png = encoded(halves(), "PNG")
    artist = add_to_team(make_person(Role.ARTIST))
    manager = add_to_team(make_person(Role.ARTIST), role=Role.MANAGER)  # manager in the project
    assert upload(client_for(artist), project_url(project), png).status_code == 403
    assert upload(client_for(artist), project_url(project, png=True), png).status_code == 403
    assert upload(client_for(make_person(Role.MANAGER)), project_url(project), png).status_code == (
        403  # a manager outside the team
    )
    project.refresh_from_db()
    assert project.has_avatar is False

    assert upload(client_for(manager), project_url(project, png=True), png).status_code == 403
    response = upload(client_for(manager), project_url(project), png)
    assert response.status_code == 201
    assert response.json() == {"thumbnail_path": f"pictures/thumbnails/projects/{project.pk}.png"}
    assert upload(client_for(admin), project_url(project, png=True), png).status_code == 201
    project.refresh_from_db()
    assert project.has_avatar is True


def test_project_pictures_are_for_the_team_and_managers(
    client_for, project, add_to_team, make_person, admin
):
    outsider = make_person(Role.ARTIST)
    member = add_to_team(make_person(Role.ARTIST))
    # No picture yet: 404 before anyone's rights are looked at (Zou's order).
    assert client_for(outsider).get(project_url(project, png=True)).status_code == 404
    assert (
        upload(client_for(admin), project_url(project), encoded(halves(), "PNG")).status_code == 201
    )
    assert client_for(outsider).get(project_url(project, png=True)).status_code == 403
    assert client_for(member).get(project_url(project, png=True)).status_code == 200
    assert client_for(make_person(Role.MANAGER)).get(project_url(project)).status_code == 200


def test_organisation_pictures_by_admins(client_for, organisation, make_person, admin):
    png = encoded(halves(), "PNG")
    assert (
        upload(
            client_for(make_person(Role.MANAGER)), organisation_url(organisation), png
        ).status_code
        == 403
    )
    assert client_for(admin).get(organisation_url(organisation, png=True)).status_code == 404
    response = upload(client_for(admin), organisation_url(organisation), png)
    assert response.status_code == 201
    assert response.json() == {
        "thumbnail_path": f"pictures/thumbnails/organisations/{organisation.pk}.png"
    }
    organisation.refresh_from_db()
    assert organisation.has_avatar is True
    image = picture_of(
        client_for(make_person(Role.ARTIST)).get(organisation_url(organisation, png=True))
    )
    assert image.size == (400, 400)


def test_clear_avatar(client_for, artist, make_person, admin):
    client = client_for(artist)
    assert upload(client, person_url(artist), encoded(halves(), "PNG")).status_code == 201
    url = f"/api/actions/persons/{artist.pk}/clear-avatar"
    assert client_for(make_person(Role.MANAGER)).delete(url).status_code == 403
    artist.refresh_from_db()
    assert artist.has_avatar is True

    response = client.delete(url)
    assert response.status_code == 204 and response.content == b""
    artist.refresh_from_db()
    assert artist.has_avatar is False
    assert client.get(person_url(artist, png=True)).status_code == 404
    # An admin clears anyone's; clearing twice is harmless.
    assert client_for(admin).delete(url).status_code == 204


def test_has_avatar_in_the_person_and_project_rows(client_for, admin, project, artist):
    client = client_for(admin)
    assert client.get(f"/api/data/persons/{artist.pk}").json()["has_avatar"] is False
    assert client.get(f"/api/data/projects/{project.pk}").json()["has_avatar"] is False
    assert upload(client, person_url(artist), encoded(halves(), "PNG")).status_code == 201
    assert upload(client, project_url(project), encoded(halves(), "PNG")).status_code == 201
    assert client.get(f"/api/data/persons/{artist.pk}").json()["has_avatar"] is True
    assert client.get(f"/api/data/projects/{project.pk}").json()["has_avatar"] is True
    listed = client.get(f"/api/data/persons?id={artist.pk}").json()
    assert [row["has_avatar"] for row in listed] == [True]


# ---------------------------------------------------------------------------------------------
# 404s


@pytest.mark.parametrize("kind", ["persons", "projects", "organisations"])
@pytest.mark.parametrize("row_id", [UNKNOWN_ID, "not-a-uuid", "1.2"])
@pytest.mark.parametrize("png", [False, True])
def test_unknown_or_malformed_ids_are_404(admin_client, kind, row_id, png):
    url = f"/api/pictures/thumbnails/{kind}/{row_id}" + (".png" if png else "")
    assert admin_client.get(url).status_code == 404
    response = upload(admin_client, url, encoded(halves(), "PNG"))
    assert response.status_code == 404
    assert response.json()["error"] is True


@pytest.mark.parametrize("row_id", [UNKNOWN_ID, "nope"])
def test_unknown_ids_elsewhere_are_404(admin_client, row_id):
    assert admin_client.delete(f"/api/actions/persons/{row_id}/clear-avatar").status_code == 404
    url = f"/api/pictures/thumbnails/attachment-files/{row_id}.png"
    assert admin_client.get(url).status_code == 404


def test_a_flag_without_its_file_is_404(client_for, artist):
    Person.objects.filter(pk=artist.pk).update(has_avatar=True)
    assert client_for(artist).get(person_url(artist, png=True)).status_code == 404


# ---------------------------------------------------------------------------------------------
# Attachment thumbnails


@pytest.fixture
def comment(task, admin, task_status):
    return Comment.objects.create(object=task, task_status=task_status, person=admin, text="x")


def attach(comment, tmp_path, name: str, content: bytes) -> AttachmentFile:
    row = AttachmentFile.objects.create(
        comment=comment,
        name=name,
        extension=name.rsplit(".", 1)[-1],
        mimetype="application/octet-stream",
        size=len(content),
    )
    source = tmp_path / f"upload-{row.pk}"
    source.write_bytes(content)
    store(attachment(row.pk), source)
    return row


def test_attachment_thumbnail_of_a_picture(client_for, admin, comment, tmp_path):
    row = attach(comment, tmp_path, "ref.jpg", encoded(halves((600, 200)), "JPEG", quality=95))
    url = f"/api/pictures/thumbnails/attachment-files/{row.pk}.png"
    first = client_for(admin).get(url)
    image = picture_of(first)
    assert image.size == (150, 150)
    assert content_box(image) == (0, 50, 150, 100)  # 3:1 in 150x150: 150x50, not stretched
    # Made once (pictures `thumbnails-<attachment id>`), then served as stored.
    opened = open_stored(picture("thumbnails", row.pk))
    assert opened is not None
    opened.file.close()
    again = client_for(admin).get(url)
    assert again.status_code == 200 and again["ETag"] == first["ETag"] == f'"{opened.etag}"'


def test_attachment_thumbnail_access_and_non_pictures(
    client_for, comment, tmp_path, make_person, add_to_team
):
    pdf = attach(comment, tmp_path, "notes.pdf", b"%PDF-1.4")
    fake = attach(comment, tmp_path, "fake.png", b"not a png")
    png = attach(comment, tmp_path, "ref.png", encoded(halves(), "PNG"))
    member = client_for(add_to_team(make_person(Role.ARTIST)))
    outsider = client_for(make_person(Role.ARTIST))
    vendor = client_for(add_to_team(make_person(Role.VENDOR)))
    url = "/api/pictures/thumbnails/attachment-files/{}.png"
    assert member.get(url.format(png.pk)).status_code == 200
    assert outsider.get(url.format(png.pk)).status_code == 403
    assert vendor.get(url.format(png.pk)).status_code == 403  # no task on the asset
    assert member.get(url.format(pdf.pk)).status_code == 404
    assert member.get(url.format(fake.pk)).status_code == 404


# ---------------------------------------------------------------------------------------------
# Delivery: validators, 304, query counts


def test_validators_and_304(client_for, artist):
    client = client_for(artist)
    assert upload(client, person_url(artist), encoded(halves(), "PNG")).status_code == 201
    response = client.get(person_url(artist, png=True))
    assert response.status_code == 200
    etag = response["ETag"]
    assert etag.startswith('"thumbnails-')
    assert "private" in response["Cache-Control"] and response["Last-Modified"]
    assert client.get(person_url(artist, png=True), HTTP_IF_NONE_MATCH=etag).status_code == 304
    # A new picture is a new validator.
    assert upload(client, person_url(artist), encoded(halves((100, 100)), "PNG")).status_code == 201
    assert client.get(person_url(artist, png=True), HTTP_IF_NONE_MATCH=etag).status_code == 200


# Authentication, then the row (a project: with the caller's team link).
READ_QUERIES = 2


@pytest.mark.parametrize("extra_projects", [0, 30])
def test_query_counts(
    client_for,
    django_assert_max_num_queries,
    admin,
    project,
    add_to_team,
    make_person,
    organisation,
    comment,
    tmp_path,
    extra_projects,
):
    for number in range(extra_projects):
        Project.objects.create(name=f"Other {number}", has_avatar=True)
        make_person(Role.ARTIST, has_avatar=True)
    member = add_to_team(make_person(Role.ARTIST))
    png = encoded(halves(), "PNG")
    admin_client = client_for(admin)
    for url in (person_url(member), project_url(project), organisation_url(organisation)):
        with django_assert_max_num_queries(READ_QUERIES + 1):  # + the row's update
            assert upload(admin_client, url, png).status_code == 201
    row = attach(comment, tmp_path, "ref.png", png)
    attachment_url = f"/api/pictures/thumbnails/attachment-files/{row.pk}.png"
    member_client = client_for(member)
    for url in (
        person_url(member, png=True),
        project_url(project, png=True),
        organisation_url(organisation, png=True),
        attachment_url,
    ):
        for client in (admin_client, member_client):
            with django_assert_max_num_queries(READ_QUERIES):
                response = client.get(url)
            assert response.status_code == 200, url
            with django_assert_max_num_queries(READ_QUERIES):
                cached = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
            assert cached.status_code == 304
    with django_assert_max_num_queries(READ_QUERIES + 1):
        assert (
            member_client.delete(f"/api/actions/persons/{member.pk}/clear-avatar").status_code
            == 204
        )


def test_tiff_is_read_for_avatars_only(tmp_path):
    """Preview uploads keep decoding PNG, JPEG and WebP content only; avatars add TIFF."""
    from thumbnails import images

    source = tmp_path / "scan.tif"
    source.write_bytes(sixteen_bit_tiff())
    with pytest.raises(images.PictureError):
        images.open_picture(source)
    assert images.write_fitted(source, tmp_path / "out.png") == (200, 100)
    assert Image.open(tmp_path / "out.png").size == images.AVATAR_SIZE
