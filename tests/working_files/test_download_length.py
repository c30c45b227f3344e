"""A working-file download takes its length from the stored bytes, never from the row: a
`size` forged through the generic CRUD (or left wrong in the row by any other means) neither
breaks the download nor truncates it."""

import os

import pytest

from tests.working_files.test_content import body_of, file_url, sha256, upload
from tests.working_files.test_content import files_storage as files_storage  # noqa: F401
from working_files import services
from working_files.models import WorkingFile


@pytest.fixture
def stored(admin_client, task, admin):
    working_file = services.create_working_file(task=task, name="main", author=admin, caller=admin)
    content = os.urandom(5000)
    assert upload(admin_client, working_file, content).status_code == 201
    return working_file, content


@pytest.mark.parametrize("forged", [None, 1, 0, 10**9])
def test_a_forged_size_changes_neither_the_row_nor_the_download(admin_client, stored, forged):
    working_file, content = stored

    response = admin_client.put(
        f"/api/data/working-files/{working_file.pk}", {"size": forged}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["size"] == len(content)
    download = admin_client.get(file_url(working_file))
    assert download.status_code == 200
    assert download["Content-Length"] == str(len(content))
    assert body_of(download) == content


@pytest.mark.parametrize("row_size", [None, 1, 0, 10**9])
def test_the_length_is_the_stored_bytes_whatever_the_row_says(admin_client, stored, row_size):
    working_file, content = stored
    WorkingFile.objects.filter(pk=working_file.pk).update(size=row_size)

    download = admin_client.get(file_url(working_file))
    ranged = admin_client.get(file_url(working_file), HTTP_RANGE="bytes=4000-")
    head = admin_client.head(file_url(working_file))

    assert download.status_code == 200
    assert download["Content-Length"] == str(len(content))
    assert body_of(download) == content
    assert ranged.status_code == 206
    assert ranged["Content-Range"] == f"bytes 4000-4999/{len(content)}"
    assert body_of(ranged) == content[4000:]
    assert head["Content-Length"] == str(len(content))
    assert download["ETag"] == f'"{sha256(content)}"'
