"""Avatars, project and organisation pictures and attachment thumbnails driven through gazu
1.3.1 against the live server (gazu-client-map.md §3.7, §3.5)."""

import gazu
import pytest
from gazu.exception import NotAllowedException, ParameterException, RouteNotFoundException
from PIL import Image

from production.models import Organisation, Person, Project, Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.live


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "portrait.jpg"
    Image.new("RGB", (800, 400), (200, 30, 30)).save(path, quality=90)
    return path


def fitted(path):
    """Size of the PNG at `path` and the box of its opaque pixels."""
    image = Image.open(path)
    assert image.format == "PNG"
    return image.size, image.convert("RGBA").getchannel("A").getbbox()


def test_person_avatar_set_download_clear(gazu_admin, make_person, photo, tmp_path):
    artist = make_person(Role.ARTIST)
    answer = gazu.files.upload_person_avatar(str(artist.pk), str(photo))
    assert answer == {"thumbnail_path": f"pictures/thumbnails/persons/{artist.pk}.png"}
    assert gazu.person.get_person(str(artist.pk))["has_avatar"] is True

    target = tmp_path / "avatar.png"
    gazu.files.download_person_avatar(str(artist.pk), str(target))
    assert fitted(target) == ((400, 400), (0, 100, 400, 300))  # 2:1, not stretched

    # gazu.person.set_avatar is the same route.
    assert gazu.person.set_avatar(str(artist.pk), str(photo))["thumbnail_path"]
    gazu.person.clear_person_avatar(str(artist.pk))
    assert gazu.person.get_person(str(artist.pk))["has_avatar"] is False
    with pytest.raises(RouteNotFoundException):
        gazu.files.download_person_avatar(str(artist.pk), str(tmp_path / "gone.png"))


def test_project_and_organisation_pictures(gazu_admin, photo, tmp_path):
    project = gazu.project.new_project("Sprite Fright")
    answer = gazu.files.upload_project_avatar(project, str(photo))
    assert answer == {"thumbnail_path": f"pictures/thumbnails/projects/{project['id']}.png"}
    assert gazu.project.get_project(project["id"])["has_avatar"] is True
    target = tmp_path / "project.png"
    gazu.files.download_project_avatar(project, str(target))
    assert fitted(target)[0] == (400, 400)

    organisation = gazu.person.get_organisation()
    assert gazu.files.upload_organisation_avatar(organisation, str(photo)) == {
        "thumbnail_path": f"pictures/thumbnails/organisations/{organisation['id']}.png"
    }
    assert Organisation.objects.get(pk=organisation["id"]).has_avatar is True
    target = tmp_path / "organisation.png"
    gazu.files.download_organisation_avatar(organisation, str(target))
    assert fitted(target)[0] == (400, 400)


def test_artist_uploading_a_project_picture_is_refused(
    gazu_admin, live_server, make_person, photo, tmp_path
):
    project = Project.objects.create(name="Agent 327")
    artist = make_person(Role.ARTIST)
    project.team.add(artist)
    client = gazu.client.create_client(f"{live_server.url}/api")
    gazu.log_in(artist.email, PASSWORD, client=client)
    with pytest.raises(NotAllowedException):
        gazu.files.upload_project_avatar(str(project.pk), str(photo), client=client)
    with pytest.raises(NotAllowedException):
        gazu.files.upload_organisation_avatar(
            str(Person.objects.organisation().pk), str(photo), client=client
        )
    project.refresh_from_db()
    assert project.has_avatar is False
    # Their own picture is theirs to change; a file that is not a picture is a 400.
    assert gazu.files.upload_person_avatar(str(artist.pk), str(photo), client=client)
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(ParameterException):
        gazu.files.upload_person_avatar(str(artist.pk), str(text), client=client)
    client.session.close()


def test_attachment_thumbnail(gazu_admin, task, task_status, tmp_path):
    reference = tmp_path / "reference.png"
    Image.new("RGB", (300, 100), (0, 200, 0)).save(reference)
    (comment,) = gazu.task.batch_comments(
        [
            {
                "task_status_id": str(task_status.pk),
                "text": "see the reference",
                "attachment_files": [str(reference)],
            }
        ],
        task=str(task.pk),
    )
    (attachment,) = comment["attachment_files"]
    assert gazu.files.get_attachment_thumbnail_url(attachment) == (
        f"pictures/thumbnails/attachment-files/{attachment['id']}.png"
    )
    target = tmp_path / "thumbnail.png"
    gazu.files.download_attachment_thumbnail(attachment, str(target))
    assert fitted(target) == ((150, 150), (0, 50, 150, 100))
