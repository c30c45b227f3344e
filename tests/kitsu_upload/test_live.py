"""kitsu_upload against the real server (pytest-django's live server, the tus routes of the
`resumable` app): a few MiB in small chunks; the connection cut mid-chunk by a proxy and the
upload resumed within one call (retries) and by a second call after the first gave up (the
store of unfinished uploads); a chunk damaged on the way; a file rewritten while it is sent;
a whole file whose sha256 is not the one declared, refused and forgotten; a preview slot
filled; the command line. On local storage and S3 (moto)."""

import contextlib
import gc
import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.core.files.storage import storages

import kitsu_upload
from kitsu_upload import store as upload_store
from kitsufiles.api.authentication import issue_tokens
from previews.models import PreviewFile, PreviewStatus
from working_files import selectors, services
from working_files.models import WorkingFile

# Local storage and S3: the two ways a resumable sink keeps its bytes between requests (a
# local file; S3's multipart upload and pending objects, docs/decisions/resumable-uploads.md).
LIVE_BACKENDS = ["local", "s3"]

pytestmark = [
    pytest.mark.live,
    pytest.mark.usefixtures("content_backend"),
    pytest.mark.parametrize("content_backend", LIVE_BACKENDS, indirect=True),
]

KIB = 1024
MIB = 1024 * KIB
CHUNK = 512 * KIB
QUICK = (0.05, 0.2, 0.5, 1.0)  # delays between attempts: the server is on loopback
BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def collect_connections():
    """After each test, while the live server still runs: collect the garbage, which closes
    the sockets that only a reference cycle still held (a failure's traceback keeps the
    client's frames). A server thread left waiting on one would outlive the test's database,
    as in tests/compat/conftest.py."""
    yield
    gc.collect()


@pytest.fixture
def server(live_server, transactional_db, settings) -> str:
    # A request whose client vanished gives the upload back soon (the lease).
    settings.RESUMABLE_UPLOAD_LEASE = timedelta(seconds=2)
    return live_server.url


@pytest.fixture
def token(admin) -> str:
    return issue_tokens(admin)[0]


@pytest.fixture
def working_file(task, admin) -> WorkingFile:
    return services.create_working_file(task=task, name="main", author=admin, caller=admin)


@pytest.fixture
def uploads(tmp_path) -> upload_store.UploadStore:
    return upload_store.UploadStore(str(tmp_path / "state" / "uploads.json"))


@pytest.fixture
def scene(tmp_path) -> Path:
    """4 MiB + 123 bytes of random content: 9 chunks of 512 KiB, the last one short."""
    path = tmp_path / "anim_v003.ma"
    path.write_bytes(os.urandom(4 * MIB + 123))
    return path


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored(working_file: WorkingFile) -> bytes | None:
    storage = storages["files"]
    key = selectors.content_key(working_file)
    if not storage.exists(key):
        return None
    with storage.open(key, "rb") as handle:
        return handle.read()


class CuttingProxy:
    """A TCP proxy in front of the live server that resets the connection once the client has
    sent each of `cuts` bytes (counted over every connection, in order): a cable pulled in the
    middle of a chunk; and flips the byte at each of `flips` (a chunk damaged on the way)."""

    def __init__(self, upstream: str, cuts: list[int], flips: list[int] | None = None) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.cuts = sorted(cuts)
        self.flips = sorted(flips or [])
        self.sent = 0
        self.made = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.closed = False
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            self.sockets += [client, upstream]
            threading.Thread(target=self._up, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._down, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _reset(*sockets: socket.socket) -> None:
        """Reset both ends: the shutdown wakes the thread reading the other way (a close from
        another thread would not), the close with a zero linger sends RST."""
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def _up(self, client: socket.socket, upstream: socket.socket) -> None:
        try:
            while data := client.recv(64 * KIB):
                with self.lock:
                    cut = self.cuts[0] if self.cuts else None
                    if cut is not None and self.sent + len(data) >= cut:
                        upstream.sendall(data[: cut - self.sent])
                        self.sent = cut
                        self.cuts.pop(0)
                        self.made += 1
                        self._reset(client, upstream)
                        return
                    while self.flips and self.sent + len(data) > self.flips[0]:
                        at = self.flips.pop(0) - self.sent
                        data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
                    self.sent += len(data)
                upstream.sendall(data)
        except OSError:
            pass
        self._reset(client, upstream)

    def _down(self, upstream: socket.socket, client: socket.socket) -> None:
        try:
            while data := upstream.recv(64 * KIB):
                client.sendall(data)
        except OSError:
            pass
        self._reset(client, upstream)

    def close(self) -> None:
        """Stop, and end every connection (a live-server thread left waiting on one would
        outlive the test's database)."""
        self.closed = True
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self._reset(*self.sockets)


@pytest.fixture
def proxy(server):
    made = []

    def make(cuts: list[int], flips: list[int] | None = None) -> CuttingProxy:
        proxy = CuttingProxy(server, cuts, flips)
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        proxy.close()


# ---------------------------------------------------------------------------------------------


def test_a_file_is_uploaded_in_chunks(server, token, working_file, scene, uploads):
    events: list[tuple[str, int, int]] = []

    result = kitsu_upload.upload_working_file(
        server,
        token,
        str(working_file.pk),
        str(scene),
        chunk_size=CHUNK,
        store=uploads,
        progress=lambda *event: events.append(event),
    )

    content = scene.read_bytes()
    assert stored(working_file) == content
    row = WorkingFile.objects.get(pk=working_file.pk)
    assert (row.size, row.checksum) == (len(content), sha256_of(scene))
    assert (result.size, result.sha256, result.resumed_from) == (len(content), row.checksum, 0)
    assert result.record is not None and result.record["checksum"] == row.checksum
    assert result.url.startswith(f"{server}/api/data/working-files/{working_file.pk}/file/uploads/")
    assert uploads.entries() == {}  # forgotten once finished
    hashing = [done for phase, done, _ in events if phase == "hashing"]
    uploading = [done for phase, done, _ in events if phase == "uploading"]
    assert hashing[-1] == uploading[-1] == len(content)


def test_cuts_mid_chunk_are_resumed_from_the_servers_offset(
    proxy, token, working_file, scene, uploads, request, content_backend
):
    size = scene.stat().st_size
    # Three resets, each in the middle of a chunk (requests' headers are a few hundred bytes).
    cutting = proxy([int(1.3 * MIB), int(2.6 * MIB), int(3.9 * MIB)])
    events: list[tuple[str, int, int]] = []

    result = kitsu_upload.upload_working_file(
        cutting.url,
        token,
        str(working_file.pk),
        str(scene),
        chunk_size=CHUNK,
        retries=6,
        delays=QUICK,
        store=uploads,
        progress=lambda *event: events.append(event),
    )

    assert cutting.made == 3
    assert stored(working_file) == scene.read_bytes()
    assert result.sha256 == WorkingFile.objects.get(pk=working_file.pk).checksum
    # After each cut the client went on from what the server had, never from the start: what
    # went through the proxy is the file, plus at most a chunk per cut, plus headers.
    assert cutting.sent < size + 3 * CHUNK + 64 * KIB
    uploading = [done for phase, done, _ in events if phase == "uploading"]
    pairs = zip(uploading, uploading[1:], strict=False)
    restarts = [after for before, after in pairs if after < before]
    assert len(restarts) == 3
    assert all(after >= CHUNK for after in restarts)
    assert uploads.entries() == {}


def test_a_chunk_damaged_on_the_way_is_sent_again(
    proxy, token, working_file, scene, uploads, request, content_backend
):
    """The server refuses it by its checksum (460) and keeps nothing of it; the client finds
    the file unchanged on disk and sends the chunk again."""
    damaging = proxy([], flips=[int(1.7 * MIB)])

    result = kitsu_upload.upload_working_file(
        damaging.url, token, str(working_file.pk), str(scene), chunk_size=CHUNK,
        delays=QUICK, store=uploads, progress=False,
    )  # fmt: skip

    assert damaging.flips == []  # the byte was flipped
    assert stored(working_file) == scene.read_bytes()
    assert result.sha256 == WorkingFile.objects.get(pk=working_file.pk).checksum


def test_a_file_rewritten_while_it_is_sent_stops_the_upload(
    server, token, working_file, scene, uploads
):
    """Its chunks no longer have the sha256 read before the upload began: the server refuses
    the first such chunk (460), the client sees the file changed and stops rather than
    retrying in vain; nothing becomes the content."""
    size = scene.stat().st_size

    rewritten = []

    def rewrite_once(phase: str, done: int, total: int) -> None:
        if phase == "uploading" and not rewritten:
            rewritten.append(done)
            with open(scene, "r+b") as handle:  # same size, another byte in the 5th chunk
                handle.seek(4 * CHUNK + 10)
                byte = handle.read(1)
                handle.seek(4 * CHUNK + 10)
                handle.write(bytes([byte[0] ^ 0xFF]))

    with pytest.raises(kitsu_upload.UploadFailed) as failed:
        kitsu_upload.upload_working_file(
            server, token, str(working_file.pk), str(scene), chunk_size=CHUNK, delays=QUICK,
            store=uploads, progress=rewrite_once,
        )  # fmt: skip

    assert "changed while it was being uploaded" in failed.value.message
    assert stored(working_file) is None
    assert uploads.entries() == {}  # forgotten: the next run starts over with the new file
    ended = requests.head(failed.value.url, headers={"Authorization": f"Bearer {token}",
                                                     "Tus-Resumable": "1.0.0"})  # fmt: skip
    assert ended.status_code == 404  # ended on the server too, its bytes gone
    assert scene.stat().st_size == size


def test_an_upload_that_gave_up_is_resumed_by_the_next_call(
    proxy, token, working_file, scene, uploads
):
    cutting = proxy([int(2.3 * MIB)])
    with pytest.raises(kitsu_upload.UploadFailed) as failed:
        kitsu_upload.upload_working_file(
            cutting.url,
            token,
            str(working_file.pk),
            str(scene),
            chunk_size=CHUNK,
            retries=0,
            store=uploads,
            progress=False,
        )

    failure = failed.value
    assert failure.url is not None and failure.url in failure.message
    assert uploads.path in failure.message and "resumed" in failure.message
    (entry,) = uploads.entries().values()
    assert entry["url"] == failure.url
    assert stored(working_file) is None  # nothing is the content before the last byte

    # The "crash" is over: the same call again, as a second run of a tool would make it.
    result = kitsu_upload.upload_working_file(
        cutting.url,
        token,
        str(working_file.pk),
        str(scene),
        chunk_size=CHUNK,
        delays=QUICK,
        store=uploads,
        progress=False,
    )

    assert result.url == failure.url  # the same upload, resumed
    assert 2 * CHUNK <= result.resumed_from < 2.3 * MIB
    assert stored(working_file) == scene.read_bytes()
    assert uploads.entries() == {}


def test_a_whole_file_not_the_one_declared_is_refused_and_forgotten(
    server, token, working_file, scene, uploads
):
    """A remembered upload whose sha256 is not the file's (the file was rewritten within the
    same mtime tick, say): the server refuses the file at its last byte, the previous content
    stays, and the client forgets the upload rather than resending it."""
    previous = os.urandom(1000)
    response = kitsu_upload.upload_working_file(
        server, token, str(working_file.pk), _write(scene.parent / "old.ma", previous),
        store=uploads, progress=False,
    )  # fmt: skip
    assert response.sha256 == hashlib.sha256(previous).hexdigest()
    creation_url = f"{server}/api/data/working-files/{working_file.pk}/file/uploads"
    digests = kitsu_upload.files.hash_file(str(scene), CHUNK)
    key = upload_store.entry_key(creation_url, kitsu_upload.files.file_identity(str(scene)))
    uploads.put(
        key,
        {
            "url": f"{creation_url}/{'0' * 8}-0000-0000-0000-{'0' * 12}",  # gone (or never was)
            "sha256": "00" * 32,
            "size": digests.size,
            "chunk_size": CHUNK,
            "chunks": digests.chunks,
        },
    )

    with pytest.raises(kitsu_upload.UploadFailed) as failed:
        kitsu_upload.upload_working_file(
            server, token, str(working_file.pk), str(scene), chunk_size=CHUNK, store=uploads,
            progress=False,
        )  # fmt: skip

    assert failed.value.status == 400
    assert "was refused" in failed.value.message
    assert "does not match its declared checksum" in failed.value.message
    assert uploads.entries() == {}
    assert stored(working_file) == previous
    row = WorkingFile.objects.get(pk=working_file.pk)
    assert row.checksum == hashlib.sha256(previous).hexdigest()


def _write(path: Path, content: bytes) -> str:
    path.write_bytes(content)
    return str(path)


def test_a_preview_slot_is_filled(
    server, token, admin, task, comment_with_slot, tmp_path, uploads, content_backend
):
    content = b"%PDF-1.4\n" + os.urandom(300 * KIB) + b"\n%%EOF\n"
    path = _write(tmp_path / "notes.pdf", content)

    result = kitsu_upload.upload_preview(
        server, token, comment_with_slot, path, chunk_size=100 * KIB, store=uploads,
        progress=False,
    )  # fmt: skip

    preview = PreviewFile.objects.get(pk=comment_with_slot)
    assert preview.status == PreviewStatus.READY
    assert preview.extension == "pdf"
    assert result.record is not None and result.record["id"] == comment_with_slot
    assert result.sha256 == hashlib.sha256(content).hexdigest()


def test_a_preview_upload_carries_its_processing_options(
    server, token, admin, task, comment_with_slot, tmp_path, uploads, content_backend
):
    """The multipart route's query options, from the client: the layer and colour space an
    EXR render is shown with (docs/compatibility.md#vfx-pictures-and-image-sequences)."""
    import numpy as np

    from tests.previews import vfx_media

    beauty = np.full((8, 32, 3), 0.18, dtype=np.float32)
    diffuse = np.full((8, 32, 3), [0.5, 0.05, 0.02], dtype=np.float32)
    render = vfx_media.write_multipart_exr(
        tmp_path / "sh010_comp_v004.exr", [("beauty", beauty), ("diffuse", diffuse)]
    )

    kitsu_upload.upload_preview(
        server, token, comment_with_slot, str(render), layer="diffuse", color_space="ACEScg",
        chunk_size=100 * KIB, store=uploads, progress=False,
    )  # fmt: skip

    preview = PreviewFile.objects.get(pk=comment_with_slot)
    assert preview.status == PreviewStatus.READY, preview.broken_reason
    assert (preview.extension, preview.original_name) == ("png", "sh010_comp_v004")
    assert preview.data["layer"] == "diffuse"
    assert preview.data["color_transform"]["color_space"] == "ACEScg"
    assert preview.data["color_transform"]["guessed_from"] == "upload"


@pytest.mark.ffmpeg
def test_the_command_sends_a_previews_options(
    server, admin, task, comment_with_slot, tmp_path, content_backend
):
    from tests.conftest import PASSWORD
    from tests.previews import vfx_media

    frames = {
        number: vfx_media.write_exr(tmp_path / f"{number}.exr", vfx_media.linear_ramp(16, 8))
        for number in (1001, 1002)
    }
    archive = vfx_media.write_sequence_archive(tmp_path / "plates.zip", frames)
    env = {**os.environ, "KITSU_PASSWORD": PASSWORD}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [
        sys.executable, "-m", "kitsu_upload", "--host", server, "--email", admin.email,
        "--state", str(tmp_path / "state.json"), "--no-progress",
        "--sequence", "yes", "--color-space", "ACEScg", "--layer", "rgba",
        "preview", comment_with_slot, str(archive),
    ]  # fmt: skip

    done = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    preview = PreviewFile.objects.get(pk=comment_with_slot)
    assert (preview.status, preview.extension) == (PreviewStatus.READY, "mp4")
    assert (preview.data["frame_start"], preview.data["frame_count"]) == (1001, 2)
    assert (preview.data["color_space"], preview.data["layer"]) == ("ACEScg", "rgba")
    assert preview.data["color_transform"]["guessed_from"] == "upload"


@pytest.fixture
def comment_with_slot(task, admin, task_status) -> str:
    from previews import services as preview_services
    from production import services as production_services

    comment = production_services.create_comment(
        task=task, task_status=task_status, author=admin, text="notes"
    )
    slot = preview_services.add_preview_slot(task=task, comment=comment, author=admin)
    return str(slot.pk)


def test_the_command_uploads_and_says_so(server, admin, working_file, scene, tmp_path):
    from tests.conftest import PASSWORD

    state = tmp_path / "cli-state.json"
    env = {**os.environ, "KITSU_PASSWORD": PASSWORD}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [
        sys.executable, "-m", "kitsu_upload", "--host", server, "--email", admin.email,
        "--chunk-size", "1", "--state", str(state), "--no-progress",
        "working-file", str(working_file.pk), str(scene),
    ]  # fmt: skip

    done = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
    assert sha256_of(scene) in done.stdout
    assert stored(working_file) == scene.read_bytes()
    assert json.loads(state.read_text()) == {}

    env["KITSU_PASSWORD"] = "wrong"
    done = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "Log-in as" in done.stderr and "Traceback" not in done.stderr
