"""Comment attachments: posted with a comment (gazu's multipart form), listed per task and
per project, downloaded with exactly the bytes sent (data/attachment-files/<id>/file/<name>),
under the task access rules, in a query count that does not grow with the rows."""

import json
import os
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from previews import storage
from production import services as production_services
from production.models import AttachmentFile, Comment, Role, TaskStatus
from tests.previews.helpers import body_of
from tests.query_counts import bounded

# Bytes no decoder may touch: NUL bytes, invalid UTF-8, CR/LF pairs, a multipart-looking line.
AWKWARD = b"\x00\x00\xff\xfe\x80\x81\r\n--boundary\r\n\xc3\x28\x00" * 1000


@pytest.fixture
def wip(default_data):
    return TaskStatus.objects.get(short_name="wip")


@pytest.fixture
def big_blob():
    return os.urandom(3 * 1024 * 1024 + 17) + b"\x00"


def comment_url(task) -> str:
    return f"/api/actions/tasks/{task.pk}/comment"


def post_with_files(client, task, status, files: dict[str, tuple[str, bytes, str]], **fields):
    """POST the comment as gazu does with attachments: form fields as text, lists as JSON."""
    data = {
        "task_status_id": str(status.pk),
        "comment": fields.pop("comment", "see attached"),
        "checklist": json.dumps(fields.pop("checklist", [])),
        "links": json.dumps(fields.pop("links", [])),
        **fields,
    }
    for part, (name, content, content_type) in files.items():
        data[part] = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(comment_url(task), data, format="multipart")


def download(client, attachment_id, name="whatever", **headers):
    return client.get(f"/api/data/attachment-files/{attachment_id}/file/{name}", **headers)


def test_comment_attachments_come_back_byte_for_byte(
    task, wip, admin_client, big_blob, preview_storage
):
    files = {
        "file": ("notes.bin", AWKWARD, "application/octet-stream"),
        "file-1": ("plate.exr", big_blob, "image/x-exr"),
        "file-2": ("empty.txt", b"", "text/plain"),
        "file-3": ("Été présentation.pdf", b"%PDF-1.4\x00\xff", "application/pdf"),
    }
    response = post_with_files(
        admin_client, task, wip, files, checklist=[{"text": "a", "checked": False}]
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text"] == "see attached"
    assert body["checklist"] == [{"text": "a", "checked": False}]
    assert body["task_status_id"] == str(wip.pk)
    attachments = body["attachment_files"]
    assert [(a["name"], a["size"], a["extension"]) for a in attachments] == [
        ("notes.bin", len(AWKWARD), "bin"),
        ("plate.exr", len(big_blob), "exr"),
        ("empty.txt", 0, "txt"),
        ("Été présentation.pdf", 10, "pdf"),
    ]
    assert all(a["comment_id"] == body["id"] and a["type"] == "AttachmentFile" for a in attachments)
    task.refresh_from_db()
    assert task.task_status_id == wip.pk

    contents = dict(
        zip([a["id"] for a in attachments], [f[1] for f in files.values()], strict=True)
    )
    for attachment in attachments:
        response = download(admin_client, attachment["id"], attachment["name"])
        assert response.status_code == 200
        content = body_of(response)
        assert content == contents[attachment["id"]]
        assert int(response["Content-Length"]) == attachment["size"]
        assert response["Cache-Control"] == "private, max-age=604800"
        assert "Last-Modified" in response and "ETag" in response

    by_name = {a["name"]: a["id"] for a in attachments}
    # Bytes of unknown type are a download; a PDF or plain text may be shown in place.
    response = download(admin_client, by_name["notes.bin"])
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == "attachment; filename=notes.bin"
    response = download(admin_client, by_name["Été présentation.pdf"])
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'inline; filename="Ete presentation.pdf"; '
        "filename*=UTF-8''%C3%89t%C3%A9%20pr%C3%A9sentation.pdf"
    )
    # A range of the big one, as a player or a resumed download asks.
    response = download(admin_client, by_name["plate.exr"], HTTP_RANGE="bytes=1000-1999")
    assert response.status_code == 206
    assert body_of(response) == big_blob[1000:2000]
    assert response["Content-Range"] == f"bytes 1000-1999/{len(big_blob)}"
    # Nothing of the request is left in the upload folder.
    assert not [path for path in storage.upload_dir().glob("*") if path.is_file()]


def test_a_page_uploaded_as_html_is_never_served_as_html(task, wip, admin_client):
    files = {"file": ("x.html", b"<script>alert(1)</script>", "text/html")}
    (attachment,) = post_with_files(admin_client, task, wip, files).json()["attachment_files"]
    assert attachment["mimetype"] == "text/html"
    response = download(admin_client, attachment["id"])
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_json_comment_still_works_and_has_no_attachment(task, wip, admin_client):
    response = admin_client.post(
        comment_url(task), {"task_status_id": str(wip.pk), "comment": "plain"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["attachment_files"] == []
    assert not AttachmentFile.objects.exists()


def test_two_attachments_with_one_name_are_refused_and_nothing_is_written(
    task, wip, admin_client, preview_storage
):
    files = {
        "file": ("same.txt", b"one", "text/plain"),
        "file-1": ("same.txt", b"two", "text/plain"),
    }
    response = post_with_files(admin_client, task, wip, files)
    assert response.status_code == 400
    assert "same.txt" in response.json()["message"]
    assert not Comment.objects.exists()
    assert not AttachmentFile.objects.exists()
    assert not [p for p in storage.upload_dir().parent.rglob("*") if p.is_file()]


def test_a_bad_form_writes_nothing(task, admin_client, preview_storage):
    response = admin_client.post(
        comment_url(task),
        {"comment": "no status", "file": SimpleUploadedFile("a.txt", b"a")},
        format="multipart",
    )
    assert response.status_code == 400
    assert not Comment.objects.exists()
    assert not [p for p in storage.upload_dir().parent.rglob("*") if p.is_file()]


# ---------------------------------------------------------------------------------------------
# Listings


@pytest.fixture
def attach(preview_storage):
    """An attachment row on `comment` with its stored bytes."""

    def make(comment, name, content=b"bytes"):
        row = AttachmentFile.objects.create(
            name=name, size=len(content), extension=name.rsplit(".", 1)[-1],
            mimetype="text/plain", comment=comment,
        )  # fmt: skip
        source = storage.upload_dir()
        source.mkdir(parents=True, exist_ok=True)
        path = source / f"{row.pk}.tmp"
        path.write_bytes(content)
        storage.store(storage.attachment(row.pk), path)
        return row

    return make


@pytest.fixture
def other_task(project, asset, task_type, task_status, admin):
    other_asset = production_services.create_asset(
        project=project, asset_type=asset.entity_type, name="Other", created_by=admin
    )
    return production_services.create_task(
        values={
            "name": "main",
            "project": project,
            "entity": other_asset,
            "task_type": task_type,
            "task_status": task_status,
        }
    )


@pytest.fixture
def elsewhere(default_data, admin, asset_type, task_type, task_status):
    """A task of another production."""
    project = production_services.create_project(values={"name": "Elephants Dream"})
    entity = production_services.create_asset(
        project=project, asset_type=asset_type, name="Proog", created_by=admin
    )
    return production_services.create_task(
        values={
            "name": "main",
            "project": project,
            "entity": entity,
            "task_type": task_type,
            "task_status": task_status,
        }
    )


def test_task_and_project_listings(
    task, other_task, elsewhere, comment_for, attach, admin_client, project
):
    first = attach(comment_for(), "a.txt")
    second = attach(comment_for(), "b.txt")
    theirs = attach(comment_for(on_task=other_task), "c.txt")
    attach(comment_for(on_task=elsewhere), "d.txt")

    response = admin_client.get(f"/api/data/tasks/{task.pk}/attachment-files")
    assert response.status_code == 200
    rows = response.json()
    assert [r["id"] for r in rows] == [str(first.pk), str(second.pk)]
    assert set(rows[0]) >= {"id", "type", "name", "size", "extension", "mimetype", "comment_id",
                            "created_at", "updated_at"}  # fmt: skip
    assert (rows[0]["name"], rows[0]["size"], rows[0]["type"]) == ("a.txt", 5, "AttachmentFile")

    response = admin_client.get(f"/api/data/projects/{project.pk}/attachment-files")
    assert response.status_code == 200
    assert [r["id"] for r in response.json()] == [str(first.pk), str(second.pk), str(theirs.pk)]


def test_listing_and_download_access(
    task, other_task, elsewhere, comment_for, attach, client_for, make_person, add_to_team,
    project,
):  # fmt: skip
    mine = attach(comment_for(), "a.txt", b"mine")
    theirs = attach(comment_for(on_task=other_task), "b.txt", b"theirs")
    artist = add_to_team(make_person(Role.ARTIST))
    vendor = add_to_team(make_person(Role.VENDOR))
    task.assignees.add(vendor)
    stranger = make_person(Role.ARTIST)  # artist of another production
    add_to_team(stranger, to=elsewhere.project)

    task_url = f"/api/data/tasks/{task.pk}/attachment-files"
    other_url = f"/api/data/tasks/{other_task.pk}/attachment-files"
    project_url = f"/api/data/projects/{project.pk}/attachment-files"

    artist_client = client_for(artist)
    assert len(artist_client.get(task_url).json()) == 1
    assert len(artist_client.get(project_url).json()) == 2
    assert body_of(download(artist_client, theirs.pk)) == b"theirs"

    vendor_client = client_for(vendor)
    assert [r["id"] for r in vendor_client.get(task_url).json()] == [str(mine.pk)]
    # A vendor lists only the attachments of their tasks, and opens no other.
    assert [r["id"] for r in vendor_client.get(project_url).json()] == [str(mine.pk)]
    assert vendor_client.get(other_url).status_code == 403
    assert body_of(download(vendor_client, mine.pk)) == b"mine"
    assert download(vendor_client, theirs.pk).status_code == 403

    stranger_client = client_for(stranger)
    for url in (task_url, project_url):
        assert stranger_client.get(url).status_code == 403
    assert download(stranger_client, mine.pk).status_code == 403

    anonymous = client_for(None)
    for url in (task_url, project_url, f"/api/data/attachment-files/{mine.pk}/file/a.txt"):
        assert anonymous.get(url).status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        "/api/data/tasks/{unknown}/attachment-files",
        "/api/data/tasks/not-a-uuid/attachment-files",
        "/api/data/projects/{unknown}/attachment-files",
        "/api/data/projects/12/attachment-files",
        "/api/data/attachment-files/{unknown}/file/a.txt",
        "/api/data/attachment-files/nope/file/a.txt",
        "/api/data/attachment-files/{task}/file/a.txt",  # a task's id is no attachment's
    ],
)
def test_unknown_or_malformed_ids_are_404(url, task, admin_client):
    response = admin_client.get(url.format(unknown=uuid.uuid4(), task=task.pk))
    assert response.status_code == 404
    assert response.json()["error"] is True


def test_an_attachment_whose_file_is_gone_is_404(comment, attach, admin_client):
    row = attach(comment, "gone.txt", b"soon gone")
    storage.delete(storage.attachment(row.pk))
    assert download(admin_client, row.pk).status_code == 404


def test_conditional_request_answers_304(comment, attach, admin_client):
    row = attach(comment, "a.txt", b"cached")
    first = download(admin_client, row.pk)
    again = download(admin_client, row.pk, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize("count", [3, 30])
def test_query_counts_do_not_grow_with_the_attachments(
    count, task, comment_for, attach, admin, client_for, make_person, add_to_team, project,
    django_assert_max_num_queries,
):  # fmt: skip
    for number in range(count):
        attach(comment_for(), f"{number}.txt")
    vendor = add_to_team(make_person(Role.VENDOR))
    task.assignees.add(vendor)
    row = AttachmentFile.objects.order_by("name").first()
    for person in (admin, vendor):
        client = client_for(person)
        for url, bound in (
            # The caller, the task (or project) with the caller's team link, (a vendor: their
            # task on the entity), the rows.
            (f"/api/data/tasks/{task.pk}/attachment-files", 4),
            (f"/api/data/projects/{project.pk}/attachment-files", 3),
            (f"/api/data/attachment-files/{row.pk}/file/{row.name}", 3),
        ):
            response = bounded(
                django_assert_max_num_queries, bound, lambda u=url, c=client: c.get(u)
            )
            if url.endswith("attachment-files"):
                assert len(response.json()) == count


def test_form_lists_must_be_json_and_for_client_is_read(task, wip, admin_client, preview_storage):
    files = {"file": ("a.txt", b"a", "text/plain")}
    response = admin_client.post(
        comment_url(task),
        {
            "task_status_id": str(wip.pk),
            "checklist": "[not json",
            "file": SimpleUploadedFile("a.txt", b"a"),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "checklist" in response.json()["message"]
    assert not Comment.objects.exists()

    response = post_with_files(
        admin_client, task, wip, files, links=["https://example.test/a"], for_client="True"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["links"], body["for_client"]) == (["https://example.test/a"], True)


# ---------------------------------------------------------------------------------------------
# More attachments on a comment (gazu's add_attachment_files_to_comment)


def add_url(task, comment) -> str:
    return f"/api/actions/tasks/{task.pk}/comments/{comment.pk}/add-attachment"


def test_add_attachments_to_a_comment(task, comment, admin_client, preview_storage):
    response = admin_client.post(
        add_url(task, comment),
        {
            "file": SimpleUploadedFile("b.bin", AWKWARD),
            "file-1": SimpleUploadedFile(
                "a.png", b"\x89PNG\x00", content_type="application/octet-stream"
            ),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    rows = response.json()
    assert [(r["name"], r["size"], r["comment_id"]) for r in rows] == [
        ("b.bin", len(AWKWARD), str(comment.pk)),
        ("a.png", 5, str(comment.pk)),
    ]
    assert rows[1]["mimetype"] == "image/png"  # from the name: the part said only "bytes"
    assert body_of(download(admin_client, rows[0]["id"])) == AWKWARD
    # Once more with a name the comment has: refused, nothing added.
    response = admin_client.post(
        add_url(task, comment),
        {"file": SimpleUploadedFile("c.txt", b"c"), "file-1": SimpleUploadedFile("b.bin", b"b")},
        format="multipart",
    )
    assert response.status_code == 400
    assert sorted(AttachmentFile.objects.values_list("name", flat=True)) == ["a.png", "b.bin"]
    assert body_of(download(admin_client, rows[0]["id"])) == AWKWARD


def test_add_attachment_rules(
    task, other_task, comment, comment_for, admin, client_for, make_person, add_to_team,
    preview_storage,
):  # fmt: skip
    artist = add_to_team(make_person(Role.ARTIST))
    manager = add_to_team(make_person(Role.MANAGER))
    stranger = make_person(Role.ARTIST)

    def post(person, on_task=task, on_comment=comment):
        return client_for(person).post(
            add_url(on_task, on_comment),
            {"file": SimpleUploadedFile(f"{uuid.uuid4()}.txt", b"x")},
            format="multipart",
        )

    assert post(artist).status_code == 403  # not the comment's author
    assert post(stranger).status_code == 403  # not in the production
    assert post(manager).status_code == 201
    assert post(artist, on_comment=comment_for(author=artist)).status_code == 201
    # A comment of another task is not found under this one.
    assert post(admin, on_comment=comment_for(on_task=other_task)).status_code == 404
    no_file = client_for(admin).post(add_url(task, comment), {}, format="multipart")
    assert no_file.status_code == 400
    assert AttachmentFile.objects.count() == 2
