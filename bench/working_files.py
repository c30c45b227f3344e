"""Working files over HTTP: how fast revisions are created (one client, then several at once),
how long a task's 1,000-revision listing takes, and how fast content goes up and comes back
down, with the server's memory while it does. Prints figures; not a test.

    .venv/bin/python bench/working_files.py                # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/working_files.py            # PostgreSQL
    .venv/bin/python bench/working_files.py --url http://127.0.0.1:8000 \
        --email admin@example.com --password mysecretpassword [--server-pid PID]

By default it starts its own server: a throwaway data folder, `migrate`, `init_data`,
`create_admin`, then gunicorn (2 threaded workers, as scripts/run starts it; DEBUG=false) on a
free port. With DATABASE_URL (a PostgreSQL server) it creates the database
`kitsufiles_bench_wf` there and drops it at the end; without, SQLite in the data folder.
With --url it uses a running server instead (the server's memory is only sampled if
--server-pid names its gunicorn master or process).

Everything goes through the API (JWT from /api/auth/login): a project, a Prop asset, a
Modeling task, then revisions, listings and file content. Answers are checked as they come:
every new revision is a 201 and each name's revisions are 1..n with no gap or duplicate; the
listing holds every revision; downloaded bytes have the uploaded file's sha256.

Uploads stream from disk (a multipart body written here, see MultipartFile) and downloads
stream to disk: the client never holds a file.
MB/s are 10^6 bytes per second; memory is the resident set (VmRSS) of the gunicorn master and
its workers summed, sampled every 50 ms, plus the highest worker high-water mark (VmHWM).
Client and server share the machine's cores, so transfer rates are those of both ends.

The references (docs/decisions/upload-chunk-size.md, docs/decisions/listing-serialization.md):
Zou's upload path manages ≈ 91 MB/s; a hashing upload handler reads a multipart body at
700-760 MB/s with 256 KiB chunks; Zou answers the 1,000-row listing in
≈ 50 ms. gunicorn's own request body reader hands the body over 1 KiB at a time (gunicorn
issue #2596), which took about two thirds of the server's CPU for an upload: uploads read the
socket directly instead (kitsufiles.uploads.SocketBody). A sync worker is killed (WORKER
TIMEOUT, 30 s by default) while a transfer takes longer than that: --size-mib large enough
shows it. Each upload run starts after a sync, so that the previous run's write-back does not
slow it.
"""

import argparse
import contextlib
import hashlib
import os
import platform
import random
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
# `python bench/working_files.py` puts bench/ first on sys.path: the repository root goes there
# instead, so that bench.common imports (and bench/ shadows no app).
sys.path[:] = [str(ROOT)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent
]

import requests  # noqa: E402

from bench.common import (  # noqa: E402
    cpu_model,
    log,
    mib_text,
    percentile,
    postgres_url,
    process_tree,
)

BIN = ROOT / ".venv" / "bin"
BENCH_DATABASE = "kitsufiles_bench_wf"
ADMIN_EMAIL = "bench@studio.test"
WORKERS = 2
THREADS = 8
CHUNK = 1024 * 1024  # client-side read/write size for file content
SAMPLE_EVERY = 0.05  # seconds between memory samples
LISTING_ROWS = 1000
LISTING_RUNS = 20
MB = 1_000_000
MIB = 1024 * 1024


# --- The server -----------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    email: str
    password: str
    pid: int | None  # gunicorn master (or the server process), for memory sampling
    database: str  # vendor and version, or "unknown" (an existing server)
    description: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command: list, env: dict) -> None:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed:\n{done.stdout}{done.stderr}")


@contextlib.contextmanager
def bench_database(database_url: str | None, folder: Path):
    """(DATABASE_URL for the server, vendor description); a PostgreSQL database is created
    here and dropped on the way out."""
    if not database_url:
        yield f"sqlite:///{folder / 'bench.sqlite3'}", f"SQLite {sqlite3.sqlite_version}"
        return
    maintenance = postgres_url(database_url, urlsplit(database_url).path[1:] or "postgres")
    dropdb = ["dropdb", "--if-exists", "--force", f"--maintenance-db={maintenance}"]
    log(f"Creating the PostgreSQL database {BENCH_DATABASE}...")
    run([*dropdb, BENCH_DATABASE], os.environ.copy())
    run(["createdb", f"--maintenance-db={maintenance}", BENCH_DATABASE], os.environ.copy())
    try:
        url = postgres_url(database_url, BENCH_DATABASE)
        version = subprocess.run(
            ["psql", url, "-tAc", "show server_version"], capture_output=True, text=True
        ).stdout.split()
        yield url, f"PostgreSQL {version[0] if version else '?'}"
    finally:
        log(f"Dropping the PostgreSQL database {BENCH_DATABASE}...")
        run([*dropdb, BENCH_DATABASE], os.environ.copy())


def wait_until_up(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({process.returncode}):\n{log_path.read_text()}")
        # A busy machine may take longer than a poll's timeout to answer: poll again.
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{url}/api/", timeout=5).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within 120 s:\n{log_path.read_text()}")


def report_server_errors(text: str) -> None:
    """How many errors the server logged, and the first traceback in full."""
    lines = text.splitlines()
    # gunicorn's own lines start with "[<date>] [<pid>] [<level>]"; the application's with
    # "<date> <time> <LEVEL> [<request id>]" (kitsufiles/settings.py LOGGING).
    errors = [
        i
        for i, line in enumerate(lines)
        if (line.startswith("[") and "[INFO]" not in line)
        or line.startswith("Internal Server")
        or line.split(" ", 3)[2:3] in (["ERROR"], ["CRITICAL"])
    ]
    if not errors:
        return
    log(f"The server logged {len(errors)} errors; the first:")
    end = errors[1] if len(errors) > 1 else len(lines)
    log("\n".join(lines[errors[0] : min(end, errors[0] + 60)]))


@contextlib.contextmanager
def local_server(
    folder: Path,
    database_url: str | None,
    *,
    storage: dict[str, str] | None = None,
    storage_text: str = "local storage",
):
    """A migrated server with default data and an admin, on a free port; stopped on exit.
    `storage` holds the FS_* variables of its storage (bench/storage.py), local by default."""
    with bench_database(database_url, folder) as (url, vendor):
        password = secrets.token_urlsafe(12)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("FS_", "DJANGO_", "REDIS_")) and key != "PREVIEW_FOLDER"
        }
        env.update(
            DATA_DIR=str(folder / "data"),
            DATABASE_URL=url,
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(40),
            ALLOWED_HOSTS="127.0.0.1",
        )
        env.update(storage or {})
        python = str(BIN / "python")
        log(f"Preparing the server's database ({vendor})...")
        run([python, "manage.py", "migrate", "--no-input"], env)
        run([python, "manage.py", "init_data"], env)
        run([python, "manage.py", "create_admin", ADMIN_EMAIL, "--password", password], env)
        port = free_port()
        log_path = folder / "gunicorn.log"
        log(f"Starting gunicorn ({WORKERS} workers x {THREADS} threads) on 127.0.0.1:{port}...")
        with open(log_path, "w") as log_file:
            process = subprocess.Popen(
                [BIN / "gunicorn", "kitsufiles.wsgi", "--bind", f"127.0.0.1:{port}"]
                # As scripts/run starts it: threaded workers, so long transfers are not
                # killed by the worker timeout.
                + ["--workers", str(WORKERS), "--worker-class", "gthread"]
                + ["--threads", str(THREADS), "--timeout", "120"],
                cwd=ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        server_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(server_url, process, log_path)
            description = (
                f"gunicorn, {WORKERS} workers x {THREADS} threads, DEBUG=false, {storage_text}"
            )
            yield Server(server_url, ADMIN_EMAIL, password, process.pid, vendor, description)
        finally:
            log("Stopping gunicorn...")
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            report_server_errors(log_path.read_text())


# --- Server memory --------------------------------------------------------------------------


def status_kib(pid: int, key: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class MemorySampler:
    """Summed VmRSS of a process tree every SAMPLE_EVERY seconds, in a background thread."""

    def __init__(self, pid: int | None):
        self.pid = pid
        self.samples: list[int] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def total_rss(self) -> int:
        return sum(status_kib(pid, "VmRSS") for pid in process_tree(self.pid)) * 1024

    def worker_hwm(self) -> int:
        """The highest peak RSS of any one process since it started (kernel-tracked)."""
        return max(status_kib(pid, "VmHWM") for pid in process_tree(self.pid)) * 1024

    def _sample(self) -> None:
        while not self.stopping.is_set():
            self.samples.append(self.total_rss())
            self.stopping.wait(SAMPLE_EVERY)

    def __enter__(self):
        if self.pid is not None:
            self.baseline = self.total_rss()
            self.thread.start()
        return self

    def __exit__(self, *exc_info):
        if self.pid is not None:
            self.stopping.set()
            self.thread.join()
            self.samples.append(self.total_rss())
            self.peak = max(self.samples)
            self.hwm = self.worker_hwm()


# --- The API --------------------------------------------------------------------------------


class Api:
    def __init__(self, url: str, token: str):
        self.url = url.rstrip("/") + "/api"
        self.token = token

    @classmethod
    def log_in(cls, server: Server) -> "Api":
        answer = requests.post(
            f"{server.url.rstrip('/')}/api/auth/login",
            json={"email": server.email, "password": server.password},
            timeout=30,
        )
        if answer.status_code != 200:
            raise SystemExit(f"Log-in failed ({answer.status_code}): {answer.text}")
        return cls(server.url, answer.json()["access_token"])

    def session(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {self.token}"
        return session

    def call(self, session, method: str, path: str, expect: int = 200, **kwargs):
        answer = session.request(method, self.url + path, timeout=60, **kwargs)
        if answer.status_code != expect:
            raise SystemExit(f"{method} {path}: {answer.status_code} {answer.text[:500]}")
        return answer.json()


def set_up_task(api: Api, session) -> str:
    """A project with the default file tree, a Prop asset and its Modeling task."""
    log("Creating a project, an asset and a task through the API...")
    suffix = secrets.token_hex(3)
    project = api.call(session, "POST", "/data/projects", 201, json={"name": f"Bench {suffix}"})
    prop = api.call(session, "GET", "/data/entity-types", params={"name": "Prop"})[0]
    modeling = api.call(session, "GET", "/data/task-types", params={"name": "Modeling"})[0]
    default = api.call(session, "GET", "/data/task-status", params={"is_default": "True"})[0]
    asset = api.call(
        session,
        "POST",
        f"/data/projects/{project['id']}/asset-types/{prop['id']}/assets/new",
        201,
        json={"name": f"Crate {suffix}", "description": "benchmark asset"},
    )
    task = api.call(
        session,
        "POST",
        "/data/tasks",
        201,
        json={
            "name": "main",
            "project_id": project["id"],
            "entity_id": asset["id"],
            "task_type_id": modeling["id"],
            "task_status_id": default["id"],
        },
    )
    return task["id"]


# --- 1. New revisions -----------------------------------------------------------------------


@dataclass
class RevisionRun:
    label: str
    count: int  # requests made
    seconds: float
    latencies: list[float] = field(default_factory=list)  # ms
    statuses: dict[int, int] = field(default_factory=dict)
    revisions: dict[str, list[int]] = field(default_factory=dict)

    def record(self, answer: requests.Response, started: float) -> None:
        self.latencies.append((time.perf_counter() - started) * 1000)
        self.statuses[answer.status_code] = self.statuses.get(answer.status_code, 0) + 1
        if answer.status_code == 201:
            row = answer.json()
            self.revisions.setdefault(row["name"], []).append(row["revision"])

    def problems(self) -> list[str]:
        found = [
            f"{count} answers of {status}"
            for status, count in sorted(self.statuses.items())
            if status != 201
        ]
        for name, revisions in sorted(self.revisions.items()):
            if sorted(revisions) != list(range(1, len(revisions) + 1)):
                duplicates = len(revisions) - len(set(revisions))
                found.append(
                    f"{name!r}: revisions {min(revisions)}..{max(revisions)} for "
                    f"{len(revisions)} rows ({duplicates} duplicates)"
                )
        return found

    def check(self) -> str:
        problems = self.problems()
        if problems:
            return "FAIL: " + "; ".join(problems)
        lines = ", ".join(f"{name} 1..{len(r)}" for name, r in sorted(self.revisions.items()))
        return f"all 201, consecutive ({lines})"


def new_revision(api: Api, session, task_id: str, name: str, run_: RevisionRun) -> None:
    started = time.perf_counter()
    answer = session.post(
        f"{api.url}/data/tasks/{task_id}/working-files/new", json={"name": name}, timeout=60
    )
    run_.record(answer, started)


def create_revisions(
    api: Api, task_id: str, *, count: int, clients: int, names: list[str], label: str
) -> RevisionRun:
    """`count` new revisions from `clients` threads (one Session each), names in turn."""
    result = RevisionRun(label, count, 0.0)
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    shares = [range(i, count, clients) for i in range(clients)]

    def client(share: range) -> None:
        session = api.session()
        session.get(f"{api.url}/", timeout=30)  # open the connection before the clock starts
        own = RevisionRun(label, len(share), 0.0)
        barrier.wait()
        for i in share:
            new_revision(api, session, task_id, names[i % len(names)], own)
        with lock:
            result.latencies += own.latencies
            for status, n in own.statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + n
            for name, revisions in own.revisions.items():
                result.revisions.setdefault(name, []).extend(revisions)

    with ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(client, share) for share in shares]
        barrier.wait()
        started = time.perf_counter()
        for future in futures:
            future.result()
        result.seconds = time.perf_counter() - started
    return result


# --- 2. The listing -------------------------------------------------------------------------


@dataclass
class ListingRun:
    latencies: list[float]  # ms
    rows: int
    body_bytes: int


def time_listing(api: Api, task_id: str, expected: int) -> ListingRun:
    session = api.session()
    path = f"{api.url}/data/tasks/{task_id}/working-files"
    for _ in range(2):
        session.get(path, timeout=60)  # warm both workers up
    latencies, rows, body = [], 0, 0
    for _ in range(LISTING_RUNS):
        started = time.perf_counter()
        answer = session.get(path, timeout=60)
        content = answer.content
        latencies.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"GET {path}: {answer.status_code} {answer.text[:500]}")
        rows, body = len(answer.json()), len(content)
    if rows != expected:
        raise SystemExit(f"The listing has {rows} rows, expected {expected}")
    return ListingRun(latencies, rows, body)


# --- 3. File content ------------------------------------------------------------------------


def make_file(path: Path, size: int) -> str:
    """A file of `size` pseudo-random bytes (incompressible); returns its sha256."""
    digest = hashlib.sha256()
    generator = random.Random(size)
    with open(path, "wb") as out:
        remaining = size
        while remaining:
            block = generator.randbytes(min(CHUNK, remaining))
            digest.update(block)
            out.write(block)
            remaining -= len(block)
        out.flush()
        os.fsync(out.fileno())  # its write-back must not overlap the upload
    return digest.hexdigest()


class MultipartFile:
    """A multipart/form-data body with one file field, read from disk while it is sent.

    Has a length (so requests sends Content-Length, which Django's parser needs, instead of
    chunked encoding) and yields CHUNK-sized pieces. requests-toolbelt's MultipartEncoder
    would do the same at about 0.85 s of client CPU per GiB (1.27 GB/s read through it in 1 MiB
    reads, 0.73 GB/s in the 16 KiB reads urllib3 makes of a file-like body): on a 2-core
    machine that CPU is taken from the server being measured."""

    def __init__(self, path: Path, field_name: str = "file"):
        self.path = path
        boundary = secrets.token_hex(16)
        self.content_type = f"multipart/form-data; boundary={boundary}"
        self.head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field_name}"; filename="{path.name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{boundary}--\r\n".encode()
        self.length = len(self.head) + path.stat().st_size + len(self.tail)

    def __len__(self) -> int:
        return self.length

    def __iter__(self):
        yield self.head
        with open(self.path, "rb") as source:
            yield from iter(lambda: source.read(CHUNK), b"")
        yield self.tail


@dataclass
class Transfer:
    direction: str
    size: int
    seconds: list[float]  # one per successful run
    baseline: int | None
    peak: int | None
    hwm: int | None
    check: str

    def rates(self) -> list[float]:
        return sorted(self.size / seconds / MB for seconds in self.seconds)


def merged(runs: list[Transfer]) -> Transfer:
    """Several runs of one transfer: every duration, the first baseline, the highest peaks,
    and the first failed check if any."""
    first = runs[0]
    failed = [run_.check for run_ in runs if run_.check.startswith("FAIL")]
    sampled = first.peak is not None
    return Transfer(
        first.direction,
        first.size,
        [seconds for run_ in runs for seconds in run_.seconds],
        first.baseline,
        max(run_.peak for run_ in runs) if sampled else None,
        max(run_.hwm for run_ in runs) if sampled else None,
        failed[0] if failed else first.check,
    )


def measured(sampler: MemorySampler, direction: str, size: int, seconds: float, check: str):
    """One run's figures; a failed run's duration means nothing and is left out."""
    timings = [] if check.startswith("FAIL") else [seconds]
    if sampler.pid is None:
        return Transfer(direction, size, timings, None, None, None, check)
    return Transfer(direction, size, timings, sampler.baseline, sampler.peak, sampler.hwm, check)


def upload(api: Api, server_pid, working_file_id: str, source: Path, sha256: str) -> Transfer:
    session = api.session()
    body = MultipartFile(source)
    size = source.stat().st_size
    answer = None
    # Every run starts with nothing left to write back: the previous run's gigabyte going to
    # disk meanwhile would slow this one's writes, a figure of the disk rather than of the
    # server (as make_file's fsync for the source).
    os.sync()
    with MemorySampler(server_pid) as sampler:
        started = time.perf_counter()
        with contextlib.suppress(requests.RequestException):
            answer = session.post(
                f"{api.url}/data/working-files/{working_file_id}/file",
                data=body,
                headers={"Content-Type": body.content_type},
                timeout=(10, 3600),
            )
        seconds = time.perf_counter() - started
    if answer is None:
        check = "FAIL: the connection broke"
    elif answer.status_code != 201:
        check = f"FAIL: {answer.status_code} {' '.join(answer.text.split())[:80]}"
    else:
        row = answer.json()
        good = row.get("size") == size and row.get("checksum") == sha256
        check = "size and sha256 stored" if good else f"FAIL: stored {row.get('size')}"
    return measured(sampler, "upload", size, seconds, check)


def download(
    api: Api, server_pid, working_file_id: str, target: Path, sha256: str, size: int
) -> Transfer:
    session = api.session()
    digest, received, status = hashlib.sha256(), 0, None
    with MemorySampler(server_pid) as sampler:
        started = time.perf_counter()
        with (
            contextlib.suppress(requests.RequestException),
            session.get(
                f"{api.url}/data/working-files/{working_file_id}/file",
                stream=True,
                timeout=(10, 3600),
            ) as answer,
        ):
            status = answer.status_code
            with open(target, "wb") as out:
                for chunk in answer.iter_content(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    received += len(chunk)
        seconds = time.perf_counter() - started
    if status is None:
        check = "FAIL: the connection broke"
    elif status != 200:
        check = f"FAIL: {status}"
    elif received != size or digest.hexdigest() != sha256:
        check = f"FAIL: {received} bytes, sha256 {digest.hexdigest()[:12]}..."
    else:
        check = "sha256 matches"
    target.unlink(missing_ok=True)
    return measured(sampler, "download", size, seconds, check)


def transfer_round(
    api: Api, server_pid, session, task_id: str, folder: Path, mib: int, runs: int
) -> list[Transfer]:
    """`runs` uploads of one file to one working file (each replaces the content), then
    `runs` downloads of it."""
    log(f"Writing a {mib} MiB file...")
    source = folder / f"content-{mib}MiB.bin"
    sha256 = make_file(source, mib * MIB)
    working_file = api.call(
        session,
        "POST",
        f"/data/tasks/{task_id}/working-files/new",
        201,
        json={"name": f"content-{mib}MiB"},
    )
    uploads, downloads = [], []
    for number in range(1, runs + 1):
        log(f"Uploading {mib} MiB ({number}/{runs})...")
        uploads.append(upload(api, server_pid, working_file["id"], source, sha256))
        log(f"  {rate_text(uploads[-1])}, {uploads[-1].check}")
    source.unlink()
    for number in range(1, runs + 1):
        log(f"Downloading {mib} MiB ({number}/{runs})...")
        target = folder / "download.bin"
        downloads.append(download(api, server_pid, working_file["id"], target, sha256, mib * MIB))
        log(f"  {rate_text(downloads[-1])}, {downloads[-1].check}")
    return [merged(uploads), merged(downloads)]


# --- Report ---------------------------------------------------------------------------------


def rate_text(transfer: Transfer) -> str:
    """Median MB/s and the range over the successful runs."""
    rates = transfer.rates()
    if not rates:
        return f"{'-':>7}{'':>12}"
    return f"{statistics.median(rates):>7.0f}{f'({rates[0]:.0f}-{rates[-1]:.0f})':>12}"


def report(server: Server, revision_runs, listing: ListingRun, transfers, runs: int) -> bool:
    """Prints the tables; True if every check passed."""
    print(
        f"Machine: {os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}, "
        f"{server.database}"
    )
    print(f"Server: {server.url}, {server.description}")
    print()
    ok = True
    print(f"{'new revision':<30}{'median':>9}{'p95':>9}{'rate':>12}  check")
    for run_ in revision_runs:
        ok &= not run_.problems()
        print(
            f"{run_.label:<30}{statistics.median(run_.latencies):>6.1f} ms"
            f"{percentile(run_.latencies, 0.95):>6.1f} ms"
            f"{run_.count / run_.seconds:>8.0f} /s  {run_.check()}"
        )
    print(
        f"{f'list {listing.rows} revisions':<30}{statistics.median(listing.latencies):>6.1f} ms"
        f"{percentile(listing.latencies, 0.95):>6.1f} ms{'':>12}  "
        f"{listing.rows} rows, {listing.body_bytes / 1000:.0f} kB "
        f"(median of {LISTING_RUNS})"
    )
    print()
    print(
        f"{'transfer':<10}{'size':>10}{'MB/s':>7}{'(min-max)':>12}"
        f"{'RSS before':>12}{'RSS peak':>10}{'growth':>8}{'worker HWM':>12}  check"
    )
    for item in transfers:
        ok &= not item.check.startswith("FAIL")
        growth = "n/a" if item.peak is None else mib_text(item.peak - item.baseline)
        print(
            f"{item.direction:<10}{mib_text(item.size):>10}{rate_text(item)}"
            f"{mib_text(item.baseline):>12}{mib_text(item.peak):>10}{growth:>8}"
            f"{mib_text(item.hwm):>12}  {item.check}"
        )
    print(
        f"(MB/s: median of {runs} runs, failed ones left out; "
        "RSS: gunicorn master + workers, sampled every 50 ms)"
    )
    return ok


def bench(server: Server, folder: Path, args) -> bool:
    api = Api.log_in(server)
    session = api.session()
    task_id = set_up_task(api, session)

    log("Warming up...")
    create_revisions(api, task_id, count=10, clients=WORKERS, names=["warm-up"], label="")
    log(f"{args.sequential} revisions, one client...")
    sequential = create_revisions(
        api,
        task_id,
        count=args.sequential,
        clients=1,
        names=["main"],
        label=f"sequential ({args.sequential})",
    )
    log(f"{args.concurrent} revisions, {args.clients} clients at once...")
    concurrent = create_revisions(
        api,
        task_id,
        count=args.concurrent,
        clients=args.clients,
        names=["anim", "layout"],
        label=f"{args.clients} clients ({args.concurrent})",
    )

    existing = len(api.call(session, "GET", f"/data/tasks/{task_id}/working-files"))
    if existing < LISTING_ROWS:
        log(f"Topping the task up to {LISTING_ROWS} revisions through the API...")
        top_up = create_revisions(
            api,
            task_id,
            count=LISTING_ROWS - existing,
            clients=1,
            names=["top-up"],
            label="top-up",
        )
        if top_up.problems():
            raise SystemExit(f"Topping up failed: {top_up.check()}")
    log(f"Timing the listing ({LISTING_RUNS} requests)...")
    listing = time_listing(api, task_id, max(existing, LISTING_ROWS))

    transfers = []
    for mib in dict.fromkeys([args.small_mib, args.size_mib]):
        transfers += transfer_round(api, server.pid, session, task_id, folder, mib, args.runs)
    return report(server, [sequential, concurrent], listing, transfers, args.runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="use this running server instead of starting one")
    parser.add_argument("--email", help="an admin's e-mail (with --url)")
    parser.add_argument("--password", help="that admin's password (with --url)")
    parser.add_argument("--server-pid", type=int, help="gunicorn master to sample (with --url)")
    parser.add_argument("--size-mib", type=int, default=1024, help="large file (default 1024)")
    parser.add_argument("--small-mib", type=int, default=64, help="small file (default 64)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each transfer (3)")
    parser.add_argument("--sequential", type=int, default=200, help="revisions from 1 client")
    parser.add_argument("--concurrent", type=int, default=400, help="revisions from N clients")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (8)")
    args = parser.parse_args()
    if args.url and not (args.email and args.password):
        parser.error("--url needs --email and --password")

    with tempfile.TemporaryDirectory(prefix="kitsufiles-bench-wf-") as temporary:
        folder = Path(temporary)
        if args.url:
            sampled = f"memory of pid {args.server_pid} and its children"
            description = f"existing server, {sampled if args.server_pid else 'memory not sampled'}"
            server = Server(
                args.url, args.email, args.password, args.server_pid, "unknown", description
            )
            ok = bench(server, folder, args)
        else:
            with local_server(folder, os.environ.get("DATABASE_URL")) as server:
                ok = bench(server, folder, args)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
