"""Working-file content: streamed uploads and downloads.

POST/GET data/working-files/<id>/file. Uploads go to a temporary file beside the destination in
256 KiB chunks while their sha256 and size are computed, then take the old content's place in
one rename; downloads are streamed with validators (ETag = sha256) and single byte ranges.
"""

import hashlib
import http.client
import os
import socket
import struct
import time
from pathlib import Path

import pytest
import requests
from django.core.files.storage import FileSystemStorage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.http import http_date

from kitsufiles.api.authentication import issue_tokens
from kitsufiles.uploads import UPLOAD_CHUNK_SIZE
from production.models import Role
from tests.stores.content import ContentBackend, incoming_folder, local_only, pending_uploads
from tests.zou_bodies import BAD_REQUEST_MESSAGE, FORBIDDEN_MESSAGE, TOO_LARGE
from working_files import selectors, services
from working_files.models import WorkingFile

KIB = 1024
MIB = 1024 * 1024


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture(autouse=True)
def files_storage(content_backend: ContentBackend):
    """The `files` storage on this test's backend (local storage in this test's own folder,
    never the checkout's data/ folder, or an object store with fresh buckets)."""
    return storages["files"]


@pytest.fixture
def working_file(task, admin) -> WorkingFile:
    return services.create_working_file(task=task, name="main", author=admin, caller=admin)


def file_url(working_file: WorkingFile) -> str:
    return f"/api/data/working-files/{working_file.pk}/file"


def upload(client, working_file: WorkingFile, content: bytes, *, field: str = "file"):
    part = SimpleUploadedFile("scene_v001.blend", content, "application/octet-stream")
    return client.post(file_url(working_file), {field: part}, format="multipart")


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def stored_path(working_file: WorkingFile) -> Path:
    """The content's file on local storage."""
    return Path(storages["files"].path(selectors.content_key(working_file)))


def stored_bytes(working_file: WorkingFile) -> bytes | None:
    """The stored content, through the storage API (any backend); None when absent."""
    storage = storages["files"]
    key = selectors.content_key(working_file)
    if not storage.exists(key):
        return None
    with storage.open(key, "rb") as handle:
        return handle.read()


def leftovers() -> list[str]:
    """Uploads begun and neither committed nor aborted (files in local storage's `.incoming`
    folder, the folder store's staged files, a server's unfinished multipart uploads)."""
    return pending_uploads("files")


def assert_stored_at_zous_key(backend: ContentBackend, working_file, content: bytes) -> None:
    """On an object store: the bytes are the object `working-<id>` of the bucket `files`, and
    nothing was written under the local storage folders."""
    if not backend.is_object_store:
        assert stored_path(working_file).read_bytes() == content
        return
    assert backend.read_object("files", f"working-{working_file.pk}") == content
    assert backend.local_files() == []


def row_state(working_file: WorkingFile) -> tuple:
    row = WorkingFile.objects.get(pk=working_file.pk)
    return row.size, row.checksum, row.updated_at


@pytest.fixture
def uploaded(admin_client, working_file):
    """The working file with 1000 random bytes stored; returns those bytes."""
    content = os.urandom(1000)
    response = upload(admin_client, working_file, content)
    assert response.status_code == 201, response.content
    working_file.refresh_from_db()
    return content


# ---------------------------------------------------------------------------------------------
# Round trip and replacement


def test_round_trip_of_a_file_larger_than_the_upload_chunk(
    admin_client, working_file, content_backend
):
    content = os.urandom(3 * MIB + 17)
    assert len(content) > 12 * UPLOAD_CHUNK_SIZE

    response = upload(admin_client, working_file, content)

    assert response.status_code == 201
    data = response.json()
    assert data["id"] == str(working_file.pk)
    assert data["size"] == len(content)
    assert data["checksum"] == sha256(content)
    assert data["outputs"] == []
    assert "message" not in data
    assert leftovers() == []
    working_file.refresh_from_db()
    assert (working_file.size, working_file.checksum) == (len(content), sha256(content))
    assert_stored_at_zous_key(content_backend, working_file, content)

    response = admin_client.get(file_url(working_file), HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert response.status_code == 200
    received = body_of(response)
    assert len(received) == len(content)
    assert sha256(received) == sha256(content)
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Length"] == str(len(content))
    assert response["ETag"] == f'"{sha256(content)}"'
    assert response["Last-Modified"] == http_date(working_file.updated_at.timestamp())
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Disposition"] == 'inline; filename=""'
    assert response["Cache-Control"] == "public, max-age=604800"
    assert "Content-Encoding" not in response


def test_reupload_replaces_the_content_size_checksum_and_updated_at(
    admin_client, working_file, uploaded, content_backend
):
    old_state = row_state(working_file)
    local = not content_backend.is_object_store
    old_inode = stored_path(working_file).stat().st_ino if local else None
    new_content = os.urandom(2 * MIB + 5)

    response = upload(admin_client, working_file, new_content)

    assert response.status_code == 201
    assert response.json()["size"] == len(new_content)
    assert response.json()["checksum"] == sha256(new_content)
    size, checksum, updated_at = row_state(working_file)
    assert (size, checksum) == (len(new_content), sha256(new_content))
    assert (size, checksum) != old_state[:2]
    assert updated_at > old_state[2]
    if local:
        # The new bytes were written once, to a temporary file then renamed into place.
        assert stored_path(working_file).stat().st_ino != old_inode
    assert_stored_at_zous_key(content_backend, working_file, new_content)
    assert leftovers() == []

    response = admin_client.get(file_url(working_file))
    assert response.status_code == 200
    assert body_of(response) == new_content
    assert response["ETag"] == f'"{sha256(new_content)}"'


def test_the_client_file_name_is_ignored(admin_client, working_file):
    path_before = working_file.path

    response = upload(admin_client, working_file, b"some bytes")

    assert response.status_code == 201
    assert response.json()["path"] == path_before
    assert WorkingFile.objects.get(pk=working_file.pk).path == path_before
    storage = storages["files"]
    if isinstance(storage, FileSystemStorage):
        assert stored_path(working_file).name == str(working_file.pk)
        assert sorted(p.name for p in stored_path(working_file).parent.iterdir()) == [
            str(working_file.pk)
        ]
    else:
        keys = [info.key for info in storage.objects(storage.object_name("x/y").bucket)]
        assert keys == [f"working-{working_file.pk}"]


# ---------------------------------------------------------------------------------------------
# Ranges


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, 999), ("bytes=-50", 950, 999)],
)
def test_single_range_gives_206_with_exact_bytes(
    admin_client, working_file, uploaded, header, start, end
):
    response = admin_client.get(file_url(working_file), HTTP_RANGE=header)

    assert response.status_code == 206
    assert body_of(response) == uploaded[start : end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/1000"
    assert response["Content-Length"] == str(end - start + 1)
    assert response["ETag"] == f'"{sha256(uploaded)}"'


def test_range_beyond_the_end_gives_416(admin_client, working_file, uploaded):
    response = admin_client.get(file_url(working_file), HTTP_RANGE="bytes=5000000-")

    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1000"
    assert response.json() == {
        "error": True,
        "message": "The server cannot provide the requested range.",
    }


@pytest.mark.parametrize("header", ["bytes=abc-def", "pages=0-9", "bytes=0-9,20-29"])
def test_malformed_or_multiple_range_gives_the_whole_file(
    admin_client, working_file, uploaded, header
):
    response = admin_client.get(file_url(working_file), HTTP_RANGE=header)

    assert response.status_code == 200
    assert body_of(response) == uploaded
    assert "Content-Range" not in response


def test_if_range_with_a_stale_etag_gives_the_whole_file(admin_client, working_file, uploaded):
    stale = f'"{sha256(b"the previous content")}"'

    response = admin_client.get(
        file_url(working_file), HTTP_RANGE="bytes=0-99", HTTP_IF_RANGE=stale
    )

    assert response.status_code == 200
    assert body_of(response) == uploaded
    assert "Content-Range" not in response


def test_if_range_with_the_current_etag_gives_the_range(admin_client, working_file, uploaded):
    response = admin_client.get(
        file_url(working_file), HTTP_RANGE="bytes=0-99", HTTP_IF_RANGE=f'"{sha256(uploaded)}"'
    )

    assert response.status_code == 206
    assert body_of(response) == uploaded[:100]


# ---------------------------------------------------------------------------------------------
# Conditional GET


def test_if_none_match_with_the_etag_gives_304(admin_client, working_file, uploaded):
    etag = f'"{sha256(uploaded)}"'

    response = admin_client.get(file_url(working_file), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_if_none_match_with_another_etag_gives_200(admin_client, working_file, uploaded):
    response = admin_client.get(
        file_url(working_file), HTTP_IF_NONE_MATCH=f'"{sha256(b"something else")}"'
    )

    assert response.status_code == 200
    assert body_of(response) == uploaded


def test_if_modified_since_later_than_updated_at_gives_304(admin_client, working_file, uploaded):
    later = http_date(working_file.updated_at.timestamp() + 60)

    response = admin_client.get(file_url(working_file), HTTP_IF_MODIFIED_SINCE=later)

    assert response.status_code == 304
    assert response.content == b""


def test_if_modified_since_earlier_than_updated_at_gives_200(admin_client, working_file, uploaded):
    earlier = http_date(working_file.updated_at.timestamp() - 3600)

    response = admin_client.get(file_url(working_file), HTTP_IF_MODIFIED_SINCE=earlier)

    assert response.status_code == 200
    assert body_of(response) == uploaded


# ---------------------------------------------------------------------------------------------
# Nothing to serve, bad uploads


def test_nothing_uploaded_yet_gives_404(admin_client, working_file):
    response = admin_client.get(file_url(working_file))

    assert response.status_code == 404
    assert response.json() == {
        "error": True,
        "message": f"Working file not found for: {working_file.pk}",
    }


def test_empty_upload_then_get_gives_404(admin_client, working_file):
    response = upload(admin_client, working_file, b"")

    assert response.status_code == 201
    assert response.json()["size"] == 0
    assert response.json()["checksum"] == sha256(b"")
    response = admin_client.get(file_url(working_file))
    assert response.status_code == 404
    assert response.json() == {
        "error": True,
        "message": f"Working file not found for: {working_file.pk}",
    }


def test_missing_file_part_gives_400_and_changes_nothing(admin_client, working_file, uploaded):
    before = row_state(working_file)

    response = admin_client.post(
        file_url(working_file), {"comment": "no file here"}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json() == {"error": True, "message": BAD_REQUEST_MESSAGE}
    assert row_state(working_file) == before
    assert stored_bytes(working_file) == uploaded


def test_file_under_another_field_name_gives_400_and_leaves_no_temporary_file(
    admin_client, working_file, uploaded
):
    before = row_state(working_file)

    response = upload(admin_client, working_file, os.urandom(600 * KIB), field="attachment")

    assert response.status_code == 400
    assert response.json() == {"error": True, "message": BAD_REQUEST_MESSAGE}
    assert row_state(working_file) == before
    assert stored_bytes(working_file) == uploaded
    assert leftovers() == []


def test_upload_above_max_upload_size_gives_413_and_keeps_the_old_content(
    admin_client, working_file, uploaded, settings
):
    before = row_state(working_file)
    settings.MAX_UPLOAD_SIZE = 64 * KIB

    response = upload(admin_client, working_file, os.urandom(200 * KIB))

    assert response.status_code == 413
    assert response.json() == TOO_LARGE
    assert row_state(working_file) == before
    assert stored_bytes(working_file) == uploaded
    assert leftovers() == []
    response = admin_client.get(file_url(working_file))
    assert body_of(response) == uploaded


def test_upload_just_under_max_upload_size_is_accepted(admin_client, working_file, settings):
    settings.MAX_UPLOAD_SIZE = 64 * KIB
    content = os.urandom(60 * KIB)  # the multipart envelope stays within the cap

    response = upload(admin_client, working_file, content)

    assert response.status_code == 201
    assert response.json()["checksum"] == sha256(content)


# ---------------------------------------------------------------------------------------------
# Permissions (as in Zou, read access to the task is enough, even to overwrite)


def test_artist_outside_the_team_gets_403_both_ways(
    client_for, make_person, working_file, uploaded
):
    outsider = client_for(make_person(Role.ARTIST))
    before = row_state(working_file)

    assert outsider.get(file_url(working_file)).status_code == 403
    response = upload(outsider, working_file, os.urandom(100))

    assert response.status_code == 403
    assert response.json() == {"error": True, "message": FORBIDDEN_MESSAGE}
    assert row_state(working_file) == before
    assert stored_bytes(working_file) == uploaded
    assert leftovers() == []


def test_client_in_the_team_can_upload_and_download(
    client_for, make_person, add_to_team, working_file
):
    customer = client_for(add_to_team(make_person(Role.CLIENT)))
    content = os.urandom(5000)

    response = upload(customer, working_file, content)

    assert response.status_code == 201
    assert response.json()["checksum"] == sha256(content)
    response = customer.get(file_url(working_file))
    assert response.status_code == 200
    assert body_of(response) == content


def test_unknown_working_file_gives_404(admin_client):
    response = admin_client.get("/api/data/working-files/0a4b5c6d-0000-4000-8000-000000000000/file")

    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------
# Over a real socket: streaming to disk, aborted uploads


def wait_for(condition, timeout: float = 10.0, interval: float = 0.02):
    """Poll `condition()` until it returns a true value; that value, or None on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)


def temporary_upload():
    """(path, stat) of the one upload file being written, when it holds ≥ 512 KiB."""
    incoming = incoming_folder()
    if incoming is None or not incoming.exists():
        return None
    for path in incoming.iterdir():
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        if stat.st_size >= 512 * KIB:
            return path, stat
    return None


class RawUpload:
    """A multipart upload sent piece by piece over http.client, so a test can watch the
    server while the body is still arriving, or walk away in the middle."""

    BOUNDARY = "kitsufiles-test-boundary-7d3f"

    def __init__(self, live_server, token: str, working_file: WorkingFile, size: int):
        host, port = live_server.url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.head = (
            f"--{self.BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.blend"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{self.BOUNDARY}--\r\n".encode()
        self.connection.putrequest("POST", file_url(working_file))
        self.connection.putheader("Authorization", f"Bearer {token}")
        self.connection.putheader("Content-Type", f"multipart/form-data; boundary={self.BOUNDARY}")
        self.connection.putheader("Content-Length", str(len(self.head) + size + len(self.tail)))
        self.connection.endheaders()
        self.connection.send(self.head)

    def send(self, data: bytes) -> None:
        self.connection.send(data)

    def finish(self) -> http.client.HTTPResponse:
        self.connection.send(self.tail)
        return self.connection.getresponse()

    def abort(self, *, reset: bool = False) -> None:
        if reset:  # RST instead of FIN: the server's next read fails instead of ending early
            self.connection.sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        self.connection.sock.close()
        self.connection.close()


@pytest.fixture
def live(live_server, admin, working_file):
    """The live server, an admin token, and a requests session that uses it."""
    access, _ = issue_tokens(admin)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {access}"
    yield live_server, access, session
    session.close()


def live_upload(live, working_file, content: bytes) -> requests.Response:
    live_server, _, session = live
    return session.post(
        f"{live_server.url}{file_url(working_file)}",
        files={"file": ("scene.blend", content, "application/octet-stream")},
    )


def live_download(live, working_file) -> requests.Response:
    live_server, _, session = live
    return session.get(f"{live_server.url}{file_url(working_file)}")


@local_only
def test_upload_streams_to_a_temporary_file_then_is_renamed_into_place(live, working_file):
    live_server, token, _ = live
    old_content = os.urandom(300 * KIB)
    assert live_upload(live, working_file, old_content).status_code == 201
    old_inode = stored_path(working_file).stat().st_ino
    content = os.urandom(8 * MIB)

    sending = RawUpload(live_server, token, working_file, len(content))
    sending.send(content[: 2 * MIB])
    # While the rest of the body has not been sent, part of it is already on disk, in a
    # temporary file beside the destination; the stored content is still the old one.
    found = wait_for(temporary_upload)
    assert found is not None, f"no growing temporary file; .incoming holds {leftovers()}"
    temporary, temporary_stat = found
    assert temporary_stat.st_size <= 2 * MIB
    assert stored_path(working_file).read_bytes() == old_content
    sending.send(content[2 * MIB :])
    response = sending.finish()
    answer = response.read()
    sending.abort()

    assert response.status == 201, answer
    final = stored_path(working_file).stat()
    assert final.st_ino == temporary_stat.st_ino  # renamed, not copied
    assert final.st_ino != old_inode
    assert final.st_size == len(content)
    assert not temporary.exists()
    assert leftovers() == []
    downloaded = live_download(live, working_file)
    assert downloaded.status_code == 200
    assert sha256(downloaded.content) == sha256(content)
    assert downloaded.headers["ETag"] == f'"{sha256(content)}"'


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_aborted_upload_leaves_the_old_content_whole(live, working_file, reset):
    live_server, token, _ = live
    old_content = os.urandom(300 * KIB)
    assert live_upload(live, working_file, old_content).status_code == 201
    before = row_state(working_file)

    sending = RawUpload(live_server, token, working_file, 16 * MIB)
    sending.send(os.urandom(2 * MIB))
    if incoming_folder() is None:  # a server's multipart upload: nothing to watch here
        time.sleep(1)
    else:
        assert wait_for(temporary_upload) is not None, "the upload never reached the disk"
    sending.abort(reset=reset)

    # The server notices the missing end, drops its temporary file and keeps the old content.
    assert wait_for(lambda: leftovers() == []), f"left behind: {leftovers()}"
    assert row_state(working_file) == before
    downloaded = live_download(live, working_file)
    assert downloaded.status_code == 200
    assert downloaded.content == old_content
    assert downloaded.headers["ETag"] == f'"{sha256(old_content)}"'
    assert stored_bytes(working_file) == old_content
