"""The previews' admin: thumbnails in the list, served to admin sessions only by an admin
view (the API's media routes take a JWT), and processing re-queued from the list (Django Q's
sync mode runs the job in the test's process: tests/conftest.py)."""

import re

import pytest
from django.test import Client

from previews import services
from previews.models import PreviewFile, PreviewStatus
from production.models import Entity, Role, Task
from tests.conftest import PASSWORD
from tests.previews.helpers import png_bytes

LIST = "/admin/previews/previewfile/"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def admin_browser(admin) -> Client:
    browser = Client()
    assert browser.login(email=admin.email, password=PASSWORD)
    return browser


@pytest.fixture
def picture(task, preview_on) -> PreviewFile:
    preview_id, response = preview_on(task, "picture.png", png_bytes())
    assert response.status_code in (200, 201), response.content
    preview = PreviewFile.objects.get(pk=preview_id)
    assert preview.status == PreviewStatus.READY
    return preview


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_list_shows_thumbnails_served_to_admins(admin_browser, picture):
    listing = admin_browser.get(LIST)
    assert listing.status_code == 200
    pictures = re.findall(r'<img src="([^"]+)"', listing.text)
    assert all(source.startswith("/") for source in pictures)  # nothing from another host
    sources = [source for source in pictures if source.endswith("/thumbnail.png")]
    assert sources == [f"/admin/previews/previewfile/{picture.pk}/thumbnail.png"]
    answer = admin_browser.get(sources[0])
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/png"
    assert body(answer).startswith(PNG_SIGNATURE)
    assert "private" in answer["Cache-Control"]
    # The change page shows it too.
    page = admin_browser.get(f"/admin/previews/previewfile/{picture.pk}/change/")
    assert sources[0] in page.text


@pytest.mark.parametrize("role", [None, Role.ARTIST, Role.SUPERVISOR, Role.MANAGER])
def test_thumbnails_are_for_admin_sessions_only(role, make_person, picture):
    browser = Client()
    if role is not None:
        person = make_person(role)
        assert browser.login(email=person.email, password=PASSWORD)
    answer = browser.get(f"/admin/previews/previewfile/{picture.pk}/thumbnail.png")
    assert answer.status_code in (302, 403)
    if answer.status_code == 302:
        assert answer["Location"].startswith("/admin/login/")
    assert not body(answer).startswith(PNG_SIGNATURE)


def test_a_thumbnail_of_no_preview_is_not_found(admin_browser, task, comment, admin):
    slot = services.add_preview_slot(task=task, comment=comment, author=admin)  # no upload
    for preview_id in (slot.pk, "00000000-0000-0000-0000-000000000000", "not-an-id"):
        answer = admin_browser.get(f"/admin/previews/previewfile/{preview_id}/thumbnail.png")
        assert answer.status_code == 404, preview_id
    # A preview without a thumbnail has no <img> in the list.
    assert "/thumbnail.png" not in admin_browser.get(LIST).text


def test_the_requeue_action_processes_a_broken_preview_again(
    admin_browser, picture, django_capture_on_commit_callbacks
):
    PreviewFile.objects.filter(pk=picture.pk).update(
        status=PreviewStatus.BROKEN, broken_reason="ffmpeg was killed", attempts=3
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_browser.post(
            LIST, {"action": "process_again", "_selected_action": [str(picture.pk)]}, follow=True
        )
    assert response.status_code == 200
    assert callbacks, "nothing was queued"
    picture.refresh_from_db()
    assert picture.status == PreviewStatus.READY, picture.broken_reason
    assert picture.attempts == 1
    assert picture.broken_reason is None
    messages = [str(message) for message in response.context["messages"]]
    assert "1 preview(s) queued for processing." in messages


def test_the_requeue_action_says_what_it_could_not_queue(
    admin_browser, task, comment, admin, django_capture_on_commit_callbacks
):
    slot = services.add_preview_slot(task=task, comment=comment, author=admin)
    PreviewFile.objects.filter(pk=slot.pk).update(status="broken", original_name="gone.png")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_browser.post(
            LIST, {"action": "process_again", "_selected_action": [str(slot.pk)]}, follow=True
        )
    messages = [str(message) for message in response.context["messages"]]
    assert "0 preview(s) queued for processing." in messages
    assert any("1 preview(s) not queued" in message for message in messages)
    assert PreviewFile.objects.get(pk=slot.pk).status == PreviewStatus.MISSING


def test_entity_and_task_lists_show_their_main_preview(admin_browser, picture, task):
    Entity.objects.filter(pk=task.entity_id).update(preview_file_id=picture.pk)
    Task.objects.filter(pk=task.pk).update(last_preview_file_id=picture.pk)
    source = f"/admin/previews/previewfile/{picture.pk}/thumbnail.png"
    for listing in ("/admin/production/entity/", "/admin/production/task/"):
        page = admin_browser.get(listing)
        assert page.status_code == 200
        assert f'<img src="{source}"' in page.text, listing
    assert body(admin_browser.get(source)).startswith(PNG_SIGNATURE)
