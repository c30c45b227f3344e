"""File content through gunicorn itself, as production serves it: uploads read straight from
the client's socket (kitsufiles.uploads.SocketBody) and downloads handed to sendfile(2)
(kitsufiles.downloads). Both step around gunicorn's own readers and writers, so both are
checked against a real gunicorn: the bytes stored and sent, the bytes gunicorn had already
received with the headers, a client that sends slowly, a body cut short, and a kept-alive
connection that goes on with its next request."""

import hashlib
import http.client
import io
import os
import secrets
import socket
import time
from urllib.parse import urlsplit

import pytest
from gunicorn.config import Config
from gunicorn.http.parser import RequestParser

from kitsufiles.uploads import SocketBody
from tests import live

SETUP_SCRIPT = """
from kitsufiles.api.authentication import issue_tokens
from production import services
from production.models import EntityType, Person, Role, TaskStatus, TaskType
from working_files import services as working_files

services.ensure_default_data()
admin = Person.objects.create_user(
    email="transfers@studio.test", password="x", role=Role.ADMIN, first_name="T", last_name="A"
)
project = services.create_project(values={"name": "Transfers"})
asset = services.create_asset(
    project=project, asset_type=EntityType.objects.get(name="Character"), name="Robot",
    created_by=admin,
)
task = services.create_task(values={
    "name": "main", "project": project, "entity": asset,
    "task_type": TaskType.objects.get(name="Modeling", for_entity="Asset"),
    "task_status": TaskStatus.objects.get(short_name="todo"),
})
working_file = working_files.create_working_file(
    task=task, name="main", author=admin, caller=admin
)
print_json({"token": issue_tokens(admin)[0], "working_file_id": str(working_file.pk)})
"""


@pytest.fixture(scope="module", params=["gthread", "sync"])
def server(request, tmp_path_factory):
    """gunicorn (one worker: threaded, with keep-alive, or sync) on a deployment of its own."""
    folder = tmp_path_factory.mktemp(f"transfers-{request.param}")
    env = live.environment(
        folder, DEBUG="false", ALLOWED_HOSTS="127.0.0.1", SECRET_KEY=secrets.token_urlsafe(40)
    )
    live.manage(env, "migrate", "--no-input", "-v", "0")
    setup = live.shell_json(env, SETUP_SCRIPT)
    with live.gunicorn(
        env=env,
        log_path=folder / "gunicorn.log",
        workers=1,
        threads=2,
        extra=("--worker-class", request.param),
    ) as running:
        yield running, setup, request.param


def connection(server) -> http.client.HTTPConnection:
    running, _, _ = server
    address = urlsplit(running.url)
    return http.client.HTTPConnection(address.hostname, address.port, timeout=60)


def headers(server, **more: str) -> dict[str, str]:
    _, setup, _ = server
    return {"Authorization": f"Bearer {setup['token']}", **more}


def file_url(server) -> str:
    _, setup, _ = server
    return f"/api/data/working-files/{setup['working_file_id']}/file"


def multipart(content: bytes) -> tuple[str, bytes, bytes]:
    """(content type, the part's head, its tail) of a body with one `file` field."""
    boundary = secrets.token_hex(12)
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="scene.blend"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return f"multipart/form-data; boundary={boundary}", head, f"\r\n--{boundary}--\r\n".encode()


def upload(server, conn, content: bytes, *, pieces: int = 1, pause: float = 0.0):
    """POST `content` on `conn`; in one send (headers and body together, so gunicorn receives
    part of the body with the headers), or in `pieces` sends `pause` seconds apart."""
    content_type, head, tail = multipart(content)
    body = head + content + tail
    size = -(-len(body) // pieces)
    if pieces == 1:
        sent: bytes | object = body
    else:

        def slowly():
            for start in range(0, len(body), size):
                time.sleep(pause)
                yield body[start : start + size]

        sent = slowly()
    conn.request(
        "POST",
        file_url(server),
        body=sent,
        headers=headers(server, **{"Content-Type": content_type, "Content-Length": str(len(body))}),
    )
    response = conn.getresponse()
    return response.status, response.read()


def download(server, conn, **more: str):
    conn.request("GET", file_url(server), headers=headers(server, **more))
    response = conn.getresponse()
    return response, response.read()


@pytest.mark.live
@pytest.mark.parametrize("size", [10, 5000, 3 * 1024 * 1024 + 7])
def test_upload_then_download_on_one_connection(server, size):
    """A small body arrives whole with the headers, a large one mostly from the socket; either
    way the stored bytes are the sent ones, and the connection serves the next request."""
    content = os.urandom(size)
    conn = connection(server)

    status, answer = upload(server, conn, content)
    assert status == 201, answer
    assert f'"checksum":"{hashlib.sha256(content).hexdigest()}"'.encode() in answer.replace(
        b" ", b""
    )
    if server[2] == "sync":  # sync workers close every connection
        conn.close()
    response, body = download(server, conn)
    assert response.status == 200
    assert body == content
    assert response.getheader("ETag") == f'"{hashlib.sha256(content).hexdigest()}"'
    conn.close()


@pytest.mark.live
def test_a_slow_client_is_waited_for(server):
    content = os.urandom(600_000)
    conn = connection(server)

    status, answer = upload(server, conn, content, pieces=7, pause=0.05)

    assert status == 201, answer
    response, body = download(server, connection(server))
    assert body == content


@pytest.mark.live
def test_a_body_cut_short_is_refused_and_the_content_kept(server):
    kept = os.urandom(2000)
    assert upload(server, connection(server), kept)[0] == 201
    content_type, head, _ = multipart(b"")
    body = head + os.urandom(100_000)
    conn = connection(server)
    conn.putrequest("POST", file_url(server))
    for name, value in headers(
        server, **{"Content-Type": content_type, "Content-Length": str(len(body) + 50_000)}
    ).items():
        conn.putheader(name, value)
    conn.endheaders()
    conn.send(body)
    conn.sock.shutdown(1)  # the client goes away: the body ends 50,000 bytes early

    response = conn.getresponse()
    assert response.status == 400
    assert b"cut off" in response.read()
    assert download(server, connection(server))[1] == kept


@pytest.mark.live
def test_ranges_are_sent_exactly(server):
    """The body of a range is the slice, through sendfile: from an offset, for a length."""
    content = os.urandom(1_000_000)
    assert upload(server, connection(server), content)[0] == 201

    for header, expected in (
        ("bytes=0-0", content[:1]),
        ("bytes=123456-654320", content[123456:654321]),
        ("bytes=-1000", content[-1000:]),
        ("bytes=999000-", content[999000:]),
    ):
        conn = connection(server)
        response, body = download(server, conn, Range=header)
        assert response.status == 206, header
        assert response.getheader("Content-Length") == str(len(expected))
        assert body == expected, header
        if server[2] == "gthread":  # the connection goes on after the exact length
            response, whole = download(server, conn)
            assert whole == content
        conn.close()


# ---------------------------------------------------------------------------------------------
# The socket reader on gunicorn's own request parser (no server: a socket pair)


def parsed(raw: bytes, *, read_first: int = 0):
    """gunicorn's parser over a socket pair whose peer sent `raw`: (parser, first request),
    after `read_first` bytes of its body were read through gunicorn's own reader."""
    client, server_end = socket.socketpair()
    client.sendall(raw)
    client.shutdown(socket.SHUT_WR)
    parser = RequestParser(Config(), server_end, ("127.0.0.1", 0))
    request = next(parser)
    if read_first:
        request.body.read(read_first)
    return parser, request


def post(body: bytes, *, declared: int | None = None) -> bytes:
    length = len(body) if declared is None else declared
    return b"POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s" % (length, body)


NEXT_REQUEST = b"GET /next HTTP/1.1\r\nHost: h\r\n\r\n"


@pytest.mark.parametrize("size", [0, 1, 5000, 8000, 200_000])
@pytest.mark.parametrize("read_first", [0, 3])
def test_socket_body_reads_the_body_and_leaves_the_next_request(size, read_first):
    """Whatever gunicorn received with the headers (all of a small body, the start of a large
    one, and the start of a pipelined request after it) and whatever its reader already took,
    the body is read whole, in the sizes asked, and the next request parses."""
    content = os.urandom(size)
    parser, request = parsed(post(content) + NEXT_REQUEST, read_first=min(read_first, size))
    fast = SocketBody.of(request.body)
    assert fast is not None

    first = content[: min(read_first, size)]
    assert fast.read(7) == content[len(first) : len(first) + 7]
    rest = fast.read(-1)
    assert first + content[len(first) : len(first) + 7] + rest == content
    assert fast.read(10) == b""
    following = next(parser)
    assert (following.method, following.path) == ("GET", "/next")


def test_socket_body_stops_where_the_client_did():
    parser, request = parsed(post(b"x" * 9000, declared=20_000))
    fast = SocketBody.of(request.body)
    assert fast is not None

    assert fast.read(15_000) == b"x" * 9000
    assert fast.read(10) == b""


def test_only_gunicorn_bodies_with_a_length_qualify():
    _, chunked = parsed(
        b"POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    )
    assert SocketBody.of(chunked.body) is None
    assert SocketBody.of(io.BytesIO(b"abc")) is None
