"""Resumable uploads through gunicorn, as a studio's clients send them (issue 16's tests):

- 256 MiB sent in chunks over raw sockets, the connection closed by the client in the middle
  of a chunk three times, the server restarted once in between; each time the client asks the
  offset (HEAD) and goes on from it; the stored content's sha256 is the file's.
- tuspy, a standard tus client, unchanged: chunks with their sha1 (tuspy's Upload-Checksum).

On local storage and on S3 (moto on loopback, tests/stores/s3_server.py). The file is written to
disk and streamed from it: nothing here holds 256 MiB in memory either.
"""

import base64
import hashlib
import http.client
import os
import secrets
import socket
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests import live

pytestmark = pytest.mark.live

MIB = 1024 * 1024

SETUP_SCRIPT = """
from kitsufiles.api.authentication import issue_tokens
from production import services
from production.models import EntityType, Person, Role, TaskStatus, TaskType
from working_files import services as working_files

services.ensure_default_data()
admin = Person.objects.create_user(
    email="resumable@studio.test", password="x", role=Role.ADMIN, first_name="R", last_name="A"
)
project = services.create_project(values={"name": "Resumable"})
asset = services.create_asset(
    project=project, asset_type=EntityType.objects.get(name="Character"), name="Robot",
    created_by=admin,
)
task = services.create_task(values={
    "name": "main", "project": project, "entity": asset,
    "task_type": TaskType.objects.get(name="Modeling", for_entity="Asset"),
    "task_status": TaskStatus.objects.get(short_name="todo"),
})
ids = [
    str(working_files.create_working_file(task=task, name=name, author=admin, caller=admin).pk)
    for name in ("main", "tuspy", "refused", "concurrent")
]
print_json({"token": issue_tokens(admin)[0], "working_files": ids})
"""


class Deployment:
    """gunicorn on a deployment of its own, which can be restarted (same folder, same
    database, same store)."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder = folder
        self.env = env
        self.server: live.Gunicorn | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        server = live.Gunicorn(
            env=self.env,
            log_path=self.folder / f"gunicorn-{self.starts}.log",
            workers=2,
            threads=4,
        )
        self.server = server
        server.wait_until_up()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def logs(self) -> str:
        return "\n".join(
            live.read_log(path, last=4000) for path in sorted(self.folder.glob("gunicorn-*.log"))
        )


@pytest.fixture(scope="module", params=["local", "s3"])
def deployment(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"resumable-{request.param}")
    variables = {
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": secrets.token_urlsafe(40),
        # Short: a request whose client vanished gives the upload back quickly.
        "RESUMABLE_UPLOAD_LEASE": "5",
    }
    if request.param == "s3":
        s3_server = request.getfixturevalue("s3_server")
        variables |= {
            "FS_BACKEND": "s3",
            "FS_BUCKET_PREFIX": f"r{uuid.uuid4().hex[:8]}-",
            "FS_S3_CREATE_BUCKET": "true",
            **s3_server.env,
        }
    env = live.environment(folder, **variables)
    live.manage(env, "migrate", "--no-input", "-v", "0")
    setup = live.shell_json(env, SETUP_SCRIPT)
    running = Deployment(folder, env)
    try:
        running.start()
        yield running, setup
    finally:
        running.stop()


def big_file(folder: Path, size: int) -> tuple[Path, str]:
    """A file of random bytes written in pieces, and its sha256."""
    path = folder / "plate.exr"
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        left = size
        while left:
            piece = os.urandom(min(left, 4 * MIB))
            handle.write(piece)
            digest.update(piece)
            left -= len(piece)
    return path, digest.hexdigest()


def tus_headers(token: str, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0", **more}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def stored_checksum(deployment: Deployment, token: str, working_file_id: str) -> dict:
    answer = requests.get(
        f"{deployment.url}/api/data/working-files/{working_file_id}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def download_sha256(deployment: Deployment, token: str, working_file_id: str) -> str:
    digest = hashlib.sha256()
    with requests.get(
        f"{deployment.url}/api/data/working-files/{working_file_id}/file",
        headers={"Authorization": f"Bearer {token}"},
        stream=True,
        timeout=120,
    ) as answer:
        assert answer.status_code == 200
        for piece in answer.iter_content(1 * MIB):
            digest.update(piece)
    return digest.hexdigest()


def send_chunk(
    url: str, token: str, path: Path, offset: int, length: int, *, cut_after: int | None
):
    """PATCH `length` bytes of the file from `offset` on a connection of its own. With
    `cut_after`, the client sends only that many bytes of the body and closes the connection
    (a dropped VPN, a laptop closed): None is returned, no answer is read."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
    try:
        connection.putrequest("PATCH", address.path)
        headers = tus_headers(
            token,
            **{
                "Content-Type": "application/offset+octet-stream",
                "Upload-Offset": str(offset),
                "Content-Length": str(length),
            },
        )
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        to_send = length if cut_after is None else cut_after
        with path.open("rb") as handle:
            handle.seek(offset)
            while to_send:
                piece = handle.read(min(to_send, 1 * MIB))
                connection.send(piece)
                to_send -= len(piece)
        if cut_after is not None:
            assert connection.sock is not None
            connection.sock.shutdown(socket.SHUT_RDWR)
            return None
        response = connection.getresponse()
        response.read()
        return response
    finally:
        connection.close()


def ask_offset(url: str, token: str) -> int:
    answer = requests.head(url, headers=tus_headers(token), timeout=60)
    assert answer.status_code == 200, answer.status_code
    assert answer.headers["Cache-Control"] == "no-store"
    return int(answer.headers["Upload-Offset"])


def test_a_256_mib_upload_cut_three_times_and_resumed(deployment, tmp_path):
    running, setup = deployment
    token, working_file_id = setup["token"], setup["working_files"][0]
    size, chunk = 256 * MIB, 48 * MIB
    path, sha256 = big_file(tmp_path, size)
    created = requests.post(
        f"{running.url}/api/data/working-files/{working_file_id}/file/uploads",
        headers=tus_headers(
            token,
            **{
                "Upload-Length": str(size),
                "Upload-Metadata": f"filename {b64(path.name)},sha256 {b64(sha256)}",
            },
        ),
        timeout=60,
    )
    assert created.status_code == 201, created.text
    url = created.headers["Location"]
    # Where the client's connection drops: in the middle of a chunk, at odd byte counts.
    cuts = {1: 17 * MIB + 12345, 3: 5 * MIB + 1, 4: 31 * MIB + 777}
    offset, attempt, sent, conflicts = 0, 0, 0, 0
    deadline = time.monotonic() + 600
    while offset < size:
        assert time.monotonic() < deadline, running.logs()
        length = min(chunk, size - offset)
        cut = cuts.pop(attempt, None)
        attempt += 1
        response = send_chunk(url, token, path, offset, length, cut_after=cut)
        if response is None:
            sent += cut or 0
            if attempt == 2:
                # The server goes down and comes back between two attempts: the upload's state
                # is in the database and its bytes in the store.
                running.stop()
                running.start()
                url = url.replace(urlsplit(url).netloc, urlsplit(running.url).netloc)
            # The client asks where to go on from: the bytes that came before the cut are kept
            # (or none of them while the request that received them is still winding down).
            resumed = ask_offset(url, token)
            assert offset <= resumed <= offset + (cut or 0)
            offset = resumed
            continue
        sent += length
        if response.status == 409:  # the cut request still holds the upload: ask again
            conflicts += 1
            assert conflicts < 50, running.logs()
            time.sleep(0.5)
            offset = ask_offset(url, token)
            continue
        assert response.status == 204, (response.status, running.logs())
        offset = int(response.headers["Upload-Offset"])
    assert not cuts
    # More was sent than the file holds (the chunks cut off), but never the whole file again.
    assert size <= sent < size + 3 * chunk
    row = stored_checksum(running, token, working_file_id)
    assert (row["size"], row["checksum"]) == (size, sha256)
    assert download_sha256(running, token, working_file_id) == sha256
    assert ask_offset(url, token) == size


def test_tuspy_uploads_unchanged(deployment, tmp_path):
    from tusclient import client as tus_client

    running, setup = deployment
    token, working_file_id = setup["token"], setup["working_files"][1]
    path, sha256 = big_file(tmp_path, 20 * MIB + 5)
    client = tus_client.TusClient(
        f"{running.url}/api/data/working-files/{working_file_id}/file/uploads",
        headers={"Authorization": f"Bearer {token}"},
    )
    uploader = client.uploader(
        str(path),
        chunk_size=6 * MIB,
        metadata={"filename": path.name, "sha256": sha256},
        upload_checksum=True,
    )
    uploader.upload()
    assert uploader.offset == path.stat().st_size
    row = stored_checksum(running, token, working_file_id)
    assert (row["size"], row["checksum"]) == (path.stat().st_size, sha256)
    assert download_sha256(running, token, working_file_id) == sha256


def test_tuspy_is_told_the_whole_file_is_not_what_was_declared(deployment, tmp_path):
    from tusclient import client as tus_client
    from tusclient.exceptions import TusCommunicationError

    running, setup = deployment
    token, working_file_id = setup["token"], setup["working_files"][2]
    path, _ = big_file(tmp_path, 3 * MIB)
    client = tus_client.TusClient(
        f"{running.url}/api/data/working-files/{working_file_id}/file/uploads",
        headers={"Authorization": f"Bearer {token}"},
    )
    uploader = client.uploader(
        str(path), chunk_size=1 * MIB, metadata={"filename": path.name, "sha256": "0" * 64}
    )
    with pytest.raises(TusCommunicationError) as refused:
        uploader.upload()
    assert refused.value.status_code == 400
    assert b"declared checksum" in (refused.value.response_content or b"")
    row = stored_checksum(running, token, working_file_id)
    assert row["size"] is None and row["checksum"] is None


def test_two_requests_never_write_one_upload(deployment, tmp_path):
    """While a request is receiving an upload's bytes, another one sending to it is refused
    (409, the message says to ask the offset again); the first one's bytes are the content."""
    running, setup = deployment
    token, working_file_id = setup["token"], setup["working_files"][3]
    path, sha256 = big_file(tmp_path, 4 * MIB)
    created = requests.post(
        f"{running.url}/api/data/working-files/{working_file_id}/file/uploads",
        headers=tus_headers(token, **{"Upload-Length": str(4 * MIB)}),
        timeout=60,
    )
    url = created.headers["Location"]
    address = urlsplit(url)
    first = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
    try:
        first.putrequest("PATCH", address.path)
        headers = tus_headers(
            token,
            **{
                "Content-Type": "application/offset+octet-stream",
                "Upload-Offset": "0",
                "Content-Length": str(4 * MIB),
            },
        )
        for name, value in headers.items():
            first.putheader(name, value)
        first.endheaders()
        data = path.read_bytes()
        first.send(data[:MIB])
        # The first request holds the upload once its headers are in (given a moment to
        # reach a worker on a busy machine).
        time.sleep(1.0)
        deadline = time.monotonic() + 60
        while True:
            second = requests.patch(
                url,
                data=data,
                headers=tus_headers(
                    token,
                    **{"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"},
                ),
                timeout=60,
            )
            if second.status_code == 409 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert second.status_code == 409, second.text
        assert "Another request" in second.json()["message"]
        first.send(data[MIB:])
        answer = first.getresponse()
        assert answer.status == 204, answer.read()
    finally:
        first.close()
    row = stored_checksum(running, token, working_file_id)
    assert (row["size"], row["checksum"]) == (4 * MIB, sha256)
