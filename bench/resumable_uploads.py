"""Resumable (tus 1.0) uploads beside the multipart route (issue 16): a large file (4 GiB by
default) sent with tus in 64 MiB chunks and through the multipart route, MB/s and the web
server's peak memory; then each of them cut at half the file (the client closes its connection
mid-body), tus asking for the offset and going on from it, multipart starting over: what the
cut cost. Prints figures; not a test.

    .venv/bin/python bench/resumable_uploads.py                       # 4 GiB, local storage
    .venv/bin/python bench/resumable_uploads.py --size-mib 512        # a quick look
    .venv/bin/python bench/resumable_uploads.py --backends local,s3   # + S3 (moto on loopback)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/resumable_uploads.py                   # PostgreSQL

Each backend gets a fresh server (bench/working_files.local_server: migrate, an admin, gunicorn
2 workers x 8 threads, DEBUG=false; SQLite, or PostgreSQL with DATABASE_URL) and, for S3 or
Swift, a store on loopback as bench/storage.py starts it. Through the API: a project, an asset,
a task and one working file, whose content every upload replaces. Four uploads of one file of
pseudo-random bytes, each `--runs` times:

1. tus: `POST .../file/uploads` (Upload-Length, Upload-Metadata with the file name and the
   whole file's sha256), then a PATCH per chunk on one kept-alive connection; timed from the
   creation to the last 204;
2. multipart: one `POST .../file` with a multipart body (as bench/working_files.py sends it);
3. tus, cut: the connection is closed while a chunk's body is being sent, once half the file
   has gone; the client opens a new one, asks for the offset (HEAD) and sends from there. A
   PATCH refused with 409 (the server has not yet taken in the cut: it still holds the
   upload's lease: docs/decisions/resumable-uploads.md) is tried again after HEAD, 50 ms later;
4. multipart, cut: the connection is closed at the same point, and the upload starts over.

Before each run the working file's content is replaced by a few bytes (not timed), so that the
check after it means something: the working file's `size` and `checksum`, as
`GET /api/data/working-files/<id>` gives them, must be the file's. "lost" is a cut run's wall
time minus its uninterrupted twin's (medians), "sent" every body byte the client put on the
wire. The cut falls at half the file, or half a chunk further when that is a chunk boundary
(2080 MiB of 4096 in 64 MiB chunks): a cut between two chunks would lose nothing.

The client sends every body from the file with sendfile(2), for both routes: the kernel copies
each slice of the file from its page cache, the client holds none of it and uses little of the
cores it shares with the server, and the two routes' figures differ by the server only.
Without `--chunk-checksum` a cut chunk's bytes that arrived are kept (tus: the offset moves to
them); with it each PATCH carries `Upload-Checksum: sha256` (the client reads each chunk once
more to hash it first) and a cut chunk is dropped whole, its bytes sent again.

Memory is the resident set (VmRSS) of the gunicorn master and workers summed, sampled every
50 ms, and the highest worker high-water mark (VmHWM), reset (/proc/<pid>/clear_refs) before
each run so that it is that run's. Each run starts after a sync: the previous run's gigabytes
going to disk must not slow it. moto keeps S3 objects in its own memory, not the web server's.
"""

import argparse
import base64
import contextlib
import dataclasses
import hashlib
import http.client
import os
import select
import signal
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
# `python bench/resumable_uploads.py` puts bench/ first on sys.path: the repository root goes
# there instead, so that bench.common imports (and bench/ shadows no app).
sys.path[:] = [str(ROOT)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent
]

from bench import working_files as wf  # noqa: E402
from bench.common import (  # noqa: E402
    BusyMeter,
    cpu_model,
    load_average,
    log,
    mib_text,
    process_tree,
)
from bench.storage import service_on  # noqa: E402

BACKENDS = ("local", "s3", "swift")
TUS_VERSION = "1.0.0"
CHUNK_TYPE = "application/offset+octet-stream"
MB = 1_000_000
MIB = 1024 * 1024
SEND_STEP = 4 * MIB  # sendfile(2) per call; between calls the client looks for an early answer
HASH_STEP = MIB  # read size when hashing a chunk (--chunk-checksum)
TIMEOUT = 600  # seconds without progress on a socket
BUSY_PAUSE = 0.05  # seconds before asking the offset again after a 409
# How long a client waits for the server to take in a cut (409 meanwhile): the server's lease
# on an upload lasts 30 s (RESUMABLE_UPLOAD_LEASE) when the request holding it stalls.
BUSY_PATIENCE = 90.0


class UploadFailed(Exception):
    """An answer the upload cannot go on from; its text says which."""


# --- The client -----------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def text(self) -> str:
        return f"{self.status} {' '.join(self.body.decode(errors='replace').split())[:200]}"


@dataclass
class FileSlice:
    source: BinaryIO
    offset: int
    length: int


Piece = bytes | FileSlice


class Client:
    """HTTP/1.1 requests on one kept-alive connection (http.client), their bodies written here:
    bytes as they are, file slices with sendfile(2). `request(..., send_only=n)` sends the
    headers and the first n bytes of the body, then closes the connection: a client whose
    connection dropped. `sent` counts every body byte put on the wire."""

    def __init__(self, url: str, token: str):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.token = token
        self.connection: http.client.HTTPConnection | None = None
        self.sent = 0
        self.connections = 0
        self.started = time.perf_counter()
        # Seconds between a request's last byte sent and its answer: the server's work that
        # does not overlap the sending (a chunk's save, the commit of the content...).
        self.waited = 0.0

    def elapsed(self) -> str:
        return f"{time.perf_counter() - self.started:.2f} s"

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
            self.connection.connect()
            self.connections += 1
        return self.connection

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: list[Piece] | None = None,
        *,
        send_only: int | None = None,
    ) -> Answer | None:
        """The answer, or None when the connection was closed after `send_only` bytes."""
        body = body or []
        length = sum(len(piece) if isinstance(piece, bytes) else piece.length for piece in body)
        connection = self._connect()
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.putheader("Authorization", f"Bearer {self.token}")
            if body or method in ("POST", "PATCH", "PUT"):
                connection.putheader("Content-Length", str(length))
            connection.endheaders()
            sock = connection.sock
            budget = length if send_only is None else send_only
            answered = False
            for piece in body:
                if budget <= 0 or answered:
                    break
                if isinstance(piece, bytes):
                    sock.sendall(piece[:budget])
                    sent = min(len(piece), budget)
                else:
                    sent, answered = send_slice(sock, piece, budget)
                self.sent += sent
                budget -= sent
            if send_only is not None and not answered:
                self.close()
                return None
            waiting = time.perf_counter()
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
            self.waited += time.perf_counter() - waiting
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise UploadFailed(f"{method} {path}: the connection broke ({error})") from None
        if answered or response.will_close:
            # An answer before the whole body was sent: the rest of it must not be taken for
            # the next request.
            self.close()
        return answer


def send_slice(sock: socket.socket, piece: FileSlice, budget: int) -> tuple[int, bool]:
    """At most `budget` bytes of the slice with sendfile(2), SEND_STEP at a time; stops early
    if the server answers meanwhile (a refusal sent before reading the body). Returns the bytes
    sent and whether an answer came."""
    count = min(piece.length, budget)
    sent = 0
    while sent < count:
        if select.select([sock], [], [], 0)[0]:
            return sent, True
        step = min(SEND_STEP, count - sent)
        done = sock.sendfile(piece.source, piece.offset + sent, step)
        if not done:
            raise OSError("sendfile sent nothing")
        sent += done
    return sent, False


def chunk_sha256(source: BinaryIO, offset: int, length: int) -> str:
    """`Upload-Checksum` of a chunk: its sha256, base64, read HASH_STEP at a time."""
    digest = hashlib.sha256()
    source.seek(offset)
    left = length
    while left:
        block = source.read(min(HASH_STEP, left))
        if not block:
            raise UploadFailed(f"the file ended {left} bytes before the chunk's end")
        digest.update(block)
        left -= len(block)
    return base64.b64encode(digest.digest()).decode()


# --- The two ways up ------------------------------------------------------------------------


@dataclass
class Plan:
    """What one run sends: the file and where it is cut (None: not cut)."""

    source: Path
    size: int
    sha256: str
    chunk: int
    cut: int | None
    chunk_checksum: bool


def tus_upload(client: Client, working_file_id: str, plan: Plan) -> str:
    """Creation, then a PATCH per chunk, resuming from the server's offset after the cut;
    returns what happened on the way (for the log)."""
    metadata = ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}"
        for key, value in (("filename", plan.source.name), ("sha256", plan.sha256))
    )
    created = client.request(
        "POST",
        f"/api/data/working-files/{working_file_id}/file/uploads",
        {
            "Tus-Resumable": TUS_VERSION,
            "Upload-Length": str(plan.size),
            "Upload-Metadata": metadata,
        },
    )
    if created is None or created.status != 201 or not created.headers.get("Location"):
        raise UploadFailed(f"creation: {created.text() if created else 'no answer'}")
    location = urlsplit(created.headers["Location"]).path
    cut, offset, notes = plan.cut, 0, []

    def ask_offset() -> int:
        answer = client.request("HEAD", location, {"Tus-Resumable": TUS_VERSION})
        if answer is None or answer.status != 200:
            raise UploadFailed(f"HEAD: {answer.text() if answer else 'no answer'}")
        found = int(answer.headers["Upload-Offset"])
        if f"HEAD {found:,}" not in notes:
            notes.append(f"HEAD {found:,}")
        return found

    refused_since: float | None = None
    refused = 0
    with open(plan.source, "rb") as source:
        while offset < plan.size:
            length = min(plan.chunk, plan.size - offset)
            headers = {
                "Tus-Resumable": TUS_VERSION,
                "Content-Type": CHUNK_TYPE,
                "Upload-Offset": str(offset),
            }
            if plan.chunk_checksum:
                headers["Upload-Checksum"] = f"sha256 {chunk_sha256(source, offset, length)}"
            send_only = None
            if cut is not None and offset < cut < offset + length:
                send_only, cut = cut - offset, None
            answer = client.request(
                "PATCH", location, headers, [FileSlice(source, offset, length)], send_only=send_only
            )
            if answer is None:  # the cut: a new connection, and the offset the server has
                notes.append(f"cut at {offset + (send_only or 0):,} after {client.elapsed()}")
                offset = ask_offset()
            elif answer.status == 204:
                offset = int(answer.headers["Upload-Offset"])
                refused_since = None
            elif answer.status == 409 and (
                refused_since is None or time.perf_counter() - refused_since < BUSY_PATIENCE
            ):
                refused_since = refused_since or time.perf_counter()
                refused += 1
                if refused == 1:
                    notes.append("PATCH 409")
                time.sleep(BUSY_PAUSE)
                offset = ask_offset()
            else:
                raise UploadFailed(f"PATCH at {offset}: {answer.text()}")
    if refused > 1:
        notes.append(f"{refused} PATCH answered 409 in all")
    return "; ".join(notes)


def multipart_upload(client: Client, working_file_id: str, plan: Plan) -> str:
    """One multipart POST; after the cut, the whole of it again."""
    body = wf.MultipartFile(plan.source)
    path = f"/api/data/working-files/{working_file_id}/file"
    with open(plan.source, "rb") as source:
        pieces: list[Piece] = [body.head, FileSlice(source, 0, plan.size), body.tail]
        headers = {"Content-Type": body.content_type}
        notes = ""
        if plan.cut is not None:
            client.request("POST", path, headers, pieces, send_only=len(body.head) + plan.cut)
            notes = f"cut at {plan.cut:,} after {client.elapsed()}, started over"
        answer = client.request("POST", path, headers, pieces)
    if answer is None or answer.status != 201:
        raise UploadFailed(f"POST: {answer.text() if answer else 'no answer'}")
    return notes


# --- Runs -----------------------------------------------------------------------------------


class Sampler(wf.MemorySampler):
    """bench/working_files.py's sampler, with every process's high-water mark (VmHWM) reset
    first, so that the one read at the end is this run's."""

    def __enter__(self):
        self.trees: set[tuple[int, ...]] = set()
        if self.pid is not None:
            for pid in process_tree(self.pid):
                with contextlib.suppress(OSError):
                    Path(f"/proc/{pid}/clear_refs").write_text("5")
        return super().__enter__()

    def total_rss(self) -> int:
        self.trees.add(tuple(sorted(process_tree(self.pid))))
        return super().total_rss()


@dataclass
class Runs:
    label: str
    sent: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # successful runs only
    baseline: int | None = None
    peak: int | None = None
    hwm: int | None = None
    failures: list[str] = field(default_factory=list)
    others: list[float] = field(default_factory=list)  # cores busy with other work, per run

    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    def add(self, sampler: Sampler, seconds: float, sent: int, failure: str | None) -> None:
        self.sent.append(sent)
        if failure:
            self.failures.append(failure)
        else:
            self.seconds.append(seconds)
        if sampler.pid is not None:
            self.baseline = sampler.baseline if self.baseline is None else self.baseline
            self.peak = max(self.peak or 0, sampler.peak)
            self.hwm = max(self.hwm or 0, sampler.hwm)

    @property
    def check(self) -> str:
        if self.failures:
            return f"FAIL ({len(self.failures)} of {len(self.sent)}): {self.failures[0]}"
        return "size and sha256 stored"


def stored_check(api: wf.Api, session, working_file_id: str, plan: Plan) -> str | None:
    """None when the working file's row has the file's size and sha256, else what it has."""
    row = api.call(session, "GET", f"/data/working-files/{working_file_id}")
    if row.get("size") == plan.size and row.get("checksum") == plan.sha256:
        return None
    return f"stored size {row.get('size')}, sha256 {str(row.get('checksum'))[:12]}..."


def reset_content(api: wf.Api, session, working_file_id: str) -> None:
    """A few bytes as the working file's content: the next run's check cannot pass on what a
    previous run stored."""
    answer = session.post(
        f"{api.url}/data/working-files/{working_file_id}/file",
        files={"file": ("reset.bin", os.urandom(16))},
        timeout=60,
    )
    if answer.status_code != 201:
        raise SystemExit(f"Resetting the content: {answer.status_code} {answer.text[:300]}")


Upload = Callable[[Client, str, Plan], str]


def run_scenario(
    label: str,
    upload: Upload,
    plan: Plan,
    runs: int,
    api: wf.Api,
    session,
    working_file_id: str,
    server: wf.Server,
) -> Runs:
    result = Runs(label)
    for number in range(1, runs + 1):
        reset_content(api, session, working_file_id)
        os.sync()
        failure, notes = None, ""
        with (
            BusyMeter(lambda: [os.getpid(), *process_tree(server.pid)]) as busy,
            Sampler(server.pid) as sampler,
        ):
            client = Client(server.url, api.token)
            started = client.started
            try:
                notes = upload(client, working_file_id, plan)
            except UploadFailed as error:
                failure = str(error)
            finally:
                client.close()
            seconds = time.perf_counter() - started
        failure = failure or stored_check(api, session, working_file_id, plan)
        result.add(sampler, seconds, client.sent, failure)
        result.others.append(busy.others)
        if len(sampler.trees) > 1:
            log(f"  the server's processes changed meanwhile: {sorted(sampler.trees)}")
        outcome = f"FAIL: {failure}" if failure else f"{plan.size / seconds / MB:.0f} MB/s"
        log(
            f"  {label} ({number}/{runs}): {seconds:.1f} s, {outcome}, sent "
            f"{mib_text(client.sent)}, {client.connections} connection(s), "
            f"{client.waited:.2f} s waiting for answers, other work kept {busy.others:.1f} "
            "cores busy" + (f", {notes}" if notes else "")
        )
    return result


def cut_point(size: int, chunk: int) -> int:
    """Half the file, or half a chunk further when that is a chunk boundary."""
    cut = size // 2
    if cut % chunk == 0:
        cut = min(cut + chunk // 2, size - 1)
    return cut


def bench_backend(backend: str, folder: Path, plan: Plan, args) -> tuple[list[Runs], str]:
    with service_on(backend, folder) as (api, server, session, task_id):
        working_file = api.call(
            session,
            "POST",
            f"/data/tasks/{task_id}/working-files/new",
            201,
            json={"name": "resumable-bench"},
        )
        cut = cut_point(plan.size, plan.chunk)
        whole = dataclasses.replace(plan, cut=None)
        halved = dataclasses.replace(plan, cut=cut)
        scenarios: list[tuple[str, Upload, Plan]] = [
            ("tus", tus_upload, whole),
            ("multipart", multipart_upload, whole),
            ("tus, cut", tus_upload, halved),
            ("multipart, cut", multipart_upload, halved),
        ]
        results = []
        for label, upload, scenario_plan in scenarios:
            log(f"{label}: {mib_text(plan.size)}...")
            results.append(
                run_scenario(
                    label,
                    upload,
                    scenario_plan,
                    args.runs,
                    api,
                    session,
                    working_file["id"],
                    server,
                )
            )
        return results, f"{server.description}, {server.database}"


# --- Report ---------------------------------------------------------------------------------


def print_table(results: dict[str, tuple[list[Runs], str]], plan: Plan, args) -> bool:
    cut = cut_point(plan.size, plan.chunk)
    print()
    print(
        f"Uploads of {mib_text(plan.size)}: tus in {mib_text(plan.chunk)} chunks "
        f"({'with' if plan.chunk_checksum else 'without'} Upload-Checksum) and multipart; "
        f"cut at {mib_text(cut)} ({100 * cut / plan.size:.1f} %); {args.runs} run(s) each"
    )
    print(f"Machine: {cpu_model()}, {os.cpu_count()} cores, load {load_average()}")
    print(
        f"{'backend':<8} {'upload':<15}{'wall s':>8}{'MB/s':>7}{'sent':>11}{'lost s':>8}"
        f"{'RSS before':>12}{'RSS peak':>10}{'worker HWM':>12}{'others':>8}  check"
    )
    ok = True
    for backend, (runs, _) in results.items():
        whole = {item.label: item.median() for item in runs}
        for item in runs:
            seconds = item.median()
            twin = whole.get(item.label.removesuffix(", cut"))
            lost = (
                f"{seconds - twin:.1f}"
                if item.label.endswith(", cut") and seconds is not None and twin is not None
                else "-"
            )
            print(
                f"{backend:<8} {item.label:<15}"
                f"{'-' if seconds is None else f'{seconds:.1f}':>8}"
                f"{'-' if seconds is None else f'{plan.size / seconds / MB:.0f}':>7}"
                f"{mib_text(int(statistics.median(item.sent))):>11}{lost:>8}"
                f"{mib_text(item.baseline):>12}{mib_text(item.peak):>10}"
                f"{mib_text(item.hwm):>12}{statistics.median(item.others):>8.1f}  {item.check}"
            )
            ok = ok and not item.failures
    for backend, (_, description) in results.items():
        print(f"Server ({backend}): {description}")
    print(
        "(wall s and MB/s: median of the successful runs, creation to the last answer; "
        "sent: body bytes; lost: cut run - uninterrupted run; RSS: gunicorn master + workers, "
        "sampled every 50 ms; HWM: the highest worker's, this run's; others: cores that other "
        "work kept busy meanwhile)"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=4096, help="file size (default 4096)")
    parser.add_argument("--chunk-mib", type=int, default=64, help="tus chunk size (default 64)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each upload (default 1)")
    parser.add_argument(
        "--chunk-checksum",
        action="store_true",
        help="send Upload-Checksum (sha256) with every tus chunk",
    )
    parser.add_argument(
        "--backends", default="local", help="comma-separated: local,s3,swift (default local)"
    )
    args = parser.parse_args()
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    unknown = set(backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backend(s) {', '.join(sorted(unknown))}: use {', '.join(BACKENDS)}")
    if args.size_mib < 1 or args.chunk_mib < 1 or args.runs < 1:
        parser.error("--size-mib, --chunk-mib and --runs must be at least 1")
    # `kill` ends the run as Ctrl-C does: through the context managers that stop the servers.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    results = {}
    with tempfile.TemporaryDirectory(prefix="kitsufiles-bench-resumable-") as temporary:
        log(f"Writing a {args.size_mib} MiB file...")
        source = Path(temporary) / f"content-{args.size_mib}MiB.bin"
        sha256 = wf.make_file(source, args.size_mib * MIB)
        plan = Plan(
            source, args.size_mib * MIB, sha256, args.chunk_mib * MIB, None, args.chunk_checksum
        )
        for backend in backends:
            log(f"=== {backend}")
            folder = Path(temporary) / backend
            folder.mkdir()
            results[backend] = bench_backend(backend, folder, plan, args)
    if not print_table(results, plan, args):
        sys.exit(1)


if __name__ == "__main__":
    main()
