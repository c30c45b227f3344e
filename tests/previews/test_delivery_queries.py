"""Every media route answers with a bounded number of queries, whoever asks and however much
the production holds: authentication, one look-up of the preview (or working file) with what
its access check reads (the caller's team link included), the vendor rule's assignment check
(vendors), and what the answer itself names (a download's organisation setting; a working
file's row under its lock). Nothing is read per row of history, and a 200, a 206 and a 304
cost the same (docs/decisions/media-delivery.md).

The stored files are written straight into the `previews` storage (a movie's renditions are
arbitrary bytes here: delivery never looks inside them); what processing makes is covered by
test_processing.py."""

import os
from pathlib import Path

import pytest

from previews import storage
from previews.models import PreviewFile, PreviewStatus
from production import services as production_services
from production.models import Entity, Role
from tests.previews.helpers import PDF, body_of, png_bytes
from tests.working_files.test_content import files_storage as files_storage  # noqa: F401
from tests.working_files.test_content import upload as upload_content
from working_files import services as working_file_services
from working_files.models import WorkingFile

# The token's person and session (kitsufiles/api/authentication.py).
AUTHENTICATION = 1
# Of the production: the preview (or working file) with its task's ids, the entity's shared
# flags and the caller's team link (permissions.fetch).
LOOK_UP = 1
# Per caller: a vendor's assignment to a task of the entity is read once more.
EXTRA_FOR = {Role.ADMIN: 0, Role.ARTIST: 0, Role.VENDOR: 1}
HISTORY = 300  # previews and working files added around the one served, in "many"

PICTURE_ROUTES = [
    "/api/pictures/thumbnails/preview-files/{id}.png",
    "/api/pictures/thumbnails-square/preview-files/{id}.png",
    "/api/pictures/originals/preview-files/{id}.png",
    "/api/pictures/previews/preview-files/{id}.png",
]
MOVIE_ROUTES = [
    "/api/movies/originals/preview-files/{id}.mp4",
    "/api/movies/low/preview-files/{id}.mp4",
    "/api/movies/source/preview-files/{id}.mp4",
    "/api/movies/tiles/preview-files/{id}.png",
]
DOWNLOAD_ROUTES = [
    "/api/pictures/originals/preview-files/{id}/download",
    "/api/movies/originals/preview-files/{id}/download",
]


def store_bytes(tmp_path: Path, media: storage.Media, content: bytes) -> None:
    source = tmp_path / f"{media.prefix}-{media.preview_id}"
    source.write_bytes(content)
    storage.store(media, source)


@pytest.fixture
def production_size(request, task, comment, admin):
    """ "few": the task's one preview; "many": HISTORY more previews on the task and as many
    working files, and other tasks on the entity."""
    if request.param == "many":
        PreviewFile.objects.bulk_create(
            PreviewFile(task=task, revision=number, position=1, extension="png", status="ready")
            for number in range(1000, 1000 + HISTORY)
        )
        WorkingFile.objects.bulk_create(
            WorkingFile(
                task=task, entity=task.entity, name=f"line{number % 10}", revision=number + 1
            )
            for number in range(HISTORY)
        )
        for number in range(20):
            production_services.create_task(
                values={
                    "name": f"other{number}",
                    "project": task.project,
                    "entity": task.entity,
                    "task_type": task.task_type,
                    "task_status": task.task_status,
                }
            )
    return request.param


@pytest.fixture
def picture(preview_on, task):
    preview_id, response = preview_on(task, "th01.png", png_bytes(300, 200))
    assert response.status_code == 201, response.content
    return preview_id


@pytest.fixture
def pdf(preview_on, task):
    preview_id, response = preview_on(task, "board.pdf", PDF)
    assert response.status_code == 201, response.content
    return preview_id


@pytest.fixture
def movie(add_preview, admin_client, task, comment, tmp_path):
    """A ready movie preview with its renditions, upload, poster pictures and tile sheet."""
    preview_id = add_preview(admin_client, task, comment).json()["id"]
    for prefix in storage.MOVIE_RENDITIONS:
        store_bytes(tmp_path, storage.movie(prefix, preview_id), os.urandom(3000))
    for prefix in (*storage.PICTURE_VARIANTS, "tiles"):
        store_bytes(tmp_path, storage.picture(prefix, preview_id), png_bytes(150, 100))
    PreviewFile.objects.filter(pk=preview_id).update(
        extension="mp4", status=PreviewStatus.READY, original_name="shot"
    )
    return preview_id


@pytest.fixture
def caller(request, make_person, add_to_team, client_for, task):
    """An admin, a team artist (not assigned: team members see every task), or a vendor
    assigned to the task."""
    role = request.param
    person = make_person(role) if role == Role.ADMIN else add_to_team(make_person(role))
    if role == Role.VENDOR:
        task.assignees.add(person)
    return role, client_for(person)


def assert_bounded(client, url, bound, django_assert_max_num_queries) -> None:
    """200, then 304 with its ETag, then a 206: each within `bound` queries."""
    with django_assert_max_num_queries(bound):
        whole = client.get(url)
    assert whole.status_code == 200, (url, whole.content if not whole.streaming else "")
    body = body_of(whole)
    with django_assert_max_num_queries(bound):
        again = client.get(url, HTTP_IF_NONE_MATCH=whole["ETag"])
    assert again.status_code == 304, url
    with django_assert_max_num_queries(bound):
        part = client.get(url, HTTP_RANGE="bytes=1-10")
    assert part.status_code == 206, url
    assert body_of(part) == body[1:11]


ROLES = [Role.ADMIN, Role.ARTIST, Role.VENDOR]
SIZES = ["few", "many"]


@pytest.mark.parametrize("production_size", SIZES, indirect=True)
@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_picture_routes(caller, picture, production_size, django_assert_max_num_queries):
    role, client = caller
    bound = AUTHENTICATION + LOOK_UP + EXTRA_FOR[role]
    for route in PICTURE_ROUTES:
        assert_bounded(client, route.format(id=picture), bound, django_assert_max_num_queries)


@pytest.mark.parametrize("production_size", SIZES, indirect=True)
@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_movie_routes(caller, movie, production_size, django_assert_max_num_queries):
    role, client = caller
    bound = AUTHENTICATION + LOOK_UP + EXTRA_FOR[role]
    for route in MOVIE_ROUTES:
        assert_bounded(client, route.format(id=movie), bound, django_assert_max_num_queries)


@pytest.mark.parametrize("production_size", SIZES, indirect=True)
@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_other_file_original(caller, pdf, production_size, django_assert_max_num_queries):
    role, client = caller
    bound = AUTHENTICATION + LOOK_UP + EXTRA_FOR[role]
    url = f"/api/pictures/originals/preview-files/{pdf}.pdf"
    assert_bounded(client, url, bound, django_assert_max_num_queries)


@pytest.mark.parametrize("production_size", SIZES, indirect=True)
@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_downloads(caller, picture, pdf, movie, production_size, django_assert_max_num_queries):
    """The attachment's name reads the organisation's naming setting: one query more."""
    role, client = caller
    bound = AUTHENTICATION + LOOK_UP + EXTRA_FOR[role] + 1
    assert_bounded(
        client, DOWNLOAD_ROUTES[0].format(id=picture), bound, django_assert_max_num_queries
    )
    assert_bounded(client, DOWNLOAD_ROUTES[0].format(id=pdf), bound, django_assert_max_num_queries)
    for route in DOWNLOAD_ROUTES:
        assert_bounded(client, route.format(id=movie), bound, django_assert_max_num_queries)


@pytest.mark.parametrize("production_size", SIZES, indirect=True)
def test_shared_asset_thumbnails_for_outsiders(
    make_person, client_for, picture, task, production_size, django_assert_max_num_queries
):
    """The shared-asset rule reads the entity's columns fetched with the preview, and the
    caller's (absent) team link comes with it: an outsider's thumbnail costs no query more
    than a member's; a vendor outside the team is refused as cheaply."""
    Entity.objects.filter(pk=task.entity_id).update(is_shared=True, preview_file_id=picture)
    outsider = client_for(make_person(Role.ARTIST))
    vendor = client_for(make_person(Role.VENDOR))
    bound = AUTHENTICATION + LOOK_UP + EXTRA_FOR[Role.ARTIST]
    for route in PICTURE_ROUTES[:3]:
        url = route.format(id=picture)
        assert_bounded(outsider, url, bound, django_assert_max_num_queries)
        with django_assert_max_num_queries(bound):
            assert vendor.get(url).status_code == 403


@pytest.mark.parametrize("production_size", SIZES, indirect=True)
@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_working_file_content(
    caller,
    task,
    admin,
    admin_client,
    production_size,
    files_storage,  # noqa: F811
    django_assert_max_num_queries,
):
    """The row is read once more, under its lock, with the columns the answer names (size,
    checksum, date): the ETag is the stored checksum, no byte is hashed. The lock's
    transaction adds its two statements (BEGIN and COMMIT; inside the test's own transaction,
    a savepoint and its release)."""
    role, client = caller
    working_file = working_file_services.create_working_file(
        task=task, name="served", author=admin, caller=admin
    )
    assert upload_content(admin_client, working_file, os.urandom(5000)).status_code == 201
    bound = AUTHENTICATION + LOOK_UP + EXTRA_FOR[role] + 1 + 2
    url = f"/api/data/working-files/{working_file.pk}/file"
    assert_bounded(client, url, bound, django_assert_max_num_queries)
