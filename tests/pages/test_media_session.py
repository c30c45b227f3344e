"""The media routes accept the pages' Django session on GET and HEAD (the <img> tags of the
pages send it, not a token), with the API's access rules; never on writes. The token keeps
working as before, and a visitor with neither gets the API's 401."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from previews.models import PreviewFile, PreviewStatus
from production.models import Comment, Role

pytestmark = pytest.mark.django_db


def png(width: int = 180, height: int = 101) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def thumbnail(preview_id) -> str:
    return f"/api/pictures/thumbnails/preview-files/{preview_id}.png"


@pytest.fixture
def picture(task, admin, admin_client, django_capture_on_commit_callbacks):
    """A ready picture preview on `task`, uploaded through the API with a token."""
    comment = Comment.objects.create(object=task, task_status=task.task_status, person=admin)
    with django_capture_on_commit_callbacks(execute=True):
        slot = admin_client.post(
            f"/api/actions/tasks/{task.pk}/comments/{comment.pk}/add-preview", {}, format="json"
        ).json()
        response = admin_client.post(
            f"/api/pictures/preview-files/{slot['id']}",
            {"file": SimpleUploadedFile("th01.png", png())},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    assert PreviewFile.objects.get(pk=slot["id"]).status == PreviewStatus.READY
    return slot["id"]


def test_a_logged_in_member_reads_a_thumbnail_with_the_session(
    browser_for, make_person, add_to_team, picture
):
    member = add_to_team(make_person(Role.ARTIST))
    response = browser_for(member).get(thumbnail(picture))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (150, 100)
    assert browser_for(member).head(thumbnail(picture)).status_code == 200


def test_the_session_follows_the_api_rules(browser_for, make_person, picture):
    outsider = make_person(Role.ARTIST)
    assert browser_for(outsider).get(thumbnail(picture)).status_code == 403
    visitor = browser_for(None).get(thumbnail(picture))
    assert visitor.status_code == 401
    assert visitor.json() == {"msg": "Missing JWT in cookies or headers"}


def test_the_session_never_authorizes_a_write(browser_for, admin, task):
    comment = Comment.objects.create(object=task, task_status=task.task_status, person=admin)
    browser = browser_for(admin)
    # A data route is not a media route: the session is not accepted there at all.
    slot = browser.post(
        f"/api/actions/tasks/{task.pk}/comments/{comment.pk}/add-preview",
        "{}",
        content_type="application/json",
    )
    assert slot.status_code == 401
    preview = PreviewFile.objects.create(task=task, name="x", revision=1, person=admin)
    upload = browser.post(
        f"/api/pictures/preview-files/{preview.pk}", {"file": SimpleUploadedFile("a.png", png())}
    )
    assert upload.status_code == 401


def test_the_token_still_works_on_the_media_routes(client_for, make_person, add_to_team, picture):
    member = add_to_team(make_person(Role.ARTIST))
    assert client_for(member).get(thumbnail(picture)).status_code == 200
