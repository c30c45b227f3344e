"""The routes of issue 18's table, timed over HTTP on PostgreSQL at several sizes of history
(1,000 and 10,000 rows by default), with each route's query count and Zou 1.0.97's figure
beside it. Prints figures; not a test.

    .venv/bin/python bench/routes.py                            # 1,000 and 10,000 rows
    .venv/bin/python bench/routes.py --sizes 1000 --rounds 20   # quicker
    .venv/bin/python bench/routes.py --heavy                    # + uploads and previews
    DATABASE_URL=postgres://user@host:5432/postgres .venv/bin/python bench/routes.py

DATABASE_URL names the PostgreSQL server (any database on it; default
postgres://postgres@127.0.0.1:5432/postgres). The script creates the database --database
there (kitsufiles_bench_routes by default; an existing one is left alone and the run stops),
migrates it and drops it at the end, whatever happens. Everything else lives in a temporary
folder (storage, previews, logs).

For each size N, populated in-process with the ORM (bulk_create, so 10,000 rows take seconds):
a project with the default file tree, a Prop asset and its Modeling task; the task gets N
working-file revisions over 10 names (N/10 revisions each), the asset N output files over the
same 10 names (one output type, one task type, representation `abc`, each published from the
working file of the same name and revision); a comment on the task with one picture preview,
uploaded through the API and processed in the request (`?no_job=true`), for the thumbnail
route. Then VACUUM ANALYZE of the two tables, as autovacuum does on a live database soon after
such inserts; --no-analyze leaves the planner without statistics of the new rows, as on a server
whose autovacuum is off (the header says which) or just after a bulk load. The plans, hence the
figures of the last-revisions routes, differ a lot between the two.

The server: gunicorn with 3 sync workers (as Zou's side of the issue's measurement), DEBUG=false,
on a free loopback port, started once and stopped at the end (its whole process group). The
client: one requests.Session with an admin's JWT (gunicorn's sync workers close the connection
after each answer, as Zou's did, so every request opens a loopback connection).

Timings: wall time from sending the request to the last byte of the body. `--warm-up` untimed
rounds first (one per worker by default; a route slower than 1 s gets only the first), then up
to `--rounds` rounds in which the routes take turns (round-robin), so that noise from the rest
of the machine spreads over all of them; a route stops once it has at least 3 timings and has
used its `--budget` seconds. Median and
p95 (nearest rank) per route. A request still running after `--give-up` seconds is cancelled
by PostgreSQL (the database's statement_timeout), and the route is reported as slower than
that at this size and not requested again.

Query counts: in-process, through Django's test client on the same database and settings,
with CaptureQueriesContext around the second of two identical requests (the first one warms
the process up: one-off lookups such as the software the path route creates on its first
call). The database's connection health check (a `SELECT 1` when a kept connection is reused)
happens outside Django's cursor and is not counted.

New revisions: after the reads, `--creations` sequential POST working-files/new on the same
task (the 10 names in turn, each continuing its line), checked to come back 201 with the next
revision; median and p95 latency, and the rate (requests ÷ the wall time of the whole run).

The figures of Zou 1.0.97 are the issue's (measured on this machine, 1,000 rows); the targets:
every read route at most 0.5x Zou's median, new revisions at least 4x Zou's rate. The growth
table divides each route's median at the largest size by its median at the smallest, beside the
rows each returned: last revisions should stay flat (10 rows whatever the history).

--heavy adds, by calling into bench/working_files.py and bench/previews.py:
  * a 1 GiB working-file upload (--upload-mib) to a fresh gunicorn of the same kind, --heavy-runs
    times: MB/s (10^6 bytes per second) and the worker's peak resident memory (VmHWM);
  * bench/previews.py's editorial movie (20 s 1080p 24000/1001, not web-ready, so both
    renditions are encoded) from the start of its upload to `ready`, divided by one plain
    high-def transcode of it, with that script's functions (and its retries while other
    processes disturb a measurement); and a 4K PNG (3840x2160, gradient and noise) from the
    start of its upload to `ready`, polled as that script polls a movie (it has no picture
    measurement of its own). Both through tests/previews/deployment.py's Deployment (gunicorn
    and a real qcluster on a database of their own, <--database>_previews), --heavy-runs times
    each.

Machine load: per size, the load average before and after, how many cores the whole machine
kept busy while the routes were timed, and how many of those went to other work than the
benchmark's own processes (this script, gunicorn, the PostgreSQL backends of the bench
database). On a 2-core machine shared with other work, compare figures taken in the same run,
and read ratios beyond ±30 % as real.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
from argparse import Namespace
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# `python bench/routes.py` puts bench/ first on sys.path, where bench/working_files.py and
# bench/previews.py would shadow the apps of the same names: the repository root goes first
# instead, and the benchmarks are imported as bench.<name>.
sys.path[:] = [str(ROOT)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent
]

import requests  # noqa: E402

from bench.common import (  # noqa: E402
    DEFAULT_POSTGRES,
    MIB,
    BusyMeter,
    load_average,
    log,
    machine_text,
    mib_text,
    percentile,
    postgres_url,
    postgres_version,
    process_tree,
    throwaway_database,
)
from tests import live  # noqa: E402

WORKERS = 3
NAMES = ["main", "anim", "layout", "lighting", "fx", "cloth", "hair", "props", "rig", "lookdev"]
ADMIN_EMAIL = "bench@studio.test"
MIN_TIMINGS = 3  # a route is timed at least this often before its budget can stop it
# A route slower than this is past the per-worker warm-up: one untimed request is enough.
SLOW_SECONDS = 1.0
BATCH = 2000  # rows per bulk_create

# The issue's figures for Zou 1.0.97 (medians, ms; 1,000 rows; 3 sync workers on PostgreSQL).
ZOU_NEW_REVISIONS_PER_SECOND = 15.5
ZOU_UPLOAD_MB_S = 69.0
ZOU_PNG_READY_S = 3.35
ZOU_MOVIE_RATIO = 2.10
READ_TARGET = 0.5  # at most this fraction of Zou's median
NEW_REVISION_TARGET = 4.0  # at least this multiple of Zou's rate
UPLOAD_TARGET_MB_S = 400.0
PNG_TARGET_S = 1.0
MOVIE_TARGET_RATIO = 1.3


# --- The routes -----------------------------------------------------------------------------


@dataclass
class Route:
    label: str
    method: str
    path: str  # under /api/
    zou_ms: float | None
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200


@dataclass
class Subject:
    """What one size's routes are about."""

    size: int
    task_id: str
    asset_id: str
    preview_id: str
    thumbnail_etag: str | None = None


def routes_of(subject: Subject) -> list[Route]:
    task, asset = subject.task_id, subject.asset_id
    thumbnail = f"pictures/thumbnails/preview-files/{subject.preview_id}.png"
    routes = [
        Route(
            "GET entity output-files/last-revisions",
            "GET",
            f"data/entities/{asset}/output-files/last-revisions",
            15,
        ),
        Route(
            "GET task working-files/last-revisions",
            "GET",
            f"data/tasks/{task}/working-files/last-revisions",
            13,
        ),
        Route(
            "POST task working-file-path (next rev.)",
            "POST",
            f"data/tasks/{task}/working-file-path",
            21,
            # gazu's build_working_file_path: revision 0 is the next revision of the line
            body={"mode": "working", "name": NAMES[0], "revision": 0, "separator": "/"},
        ),
        Route("GET thumbnail png (repeat fetch)", "GET", thumbnail, 7),
        Route("GET task working-files (all rows)", "GET", f"data/tasks/{task}/working-files", 51),
        Route(
            "GET entity output-files (all rows)", "GET", f"data/entities/{asset}/output-files", 74
        ),
    ]
    # Not in the issue's table: the floor under every route, HTTP and the framework without
    # authentication or a query (Zou's index route; the same for Zou).
    routes.append(Route("GET /api/ (no token, no query)", "GET", "", None))
    if subject.thumbnail_etag:
        # Not in the issue's table: what a browser's revalidation costs.
        routes.append(
            Route(
                "GET thumbnail png, If-None-Match",
                "GET",
                thumbnail,
                None,
                headers={"If-None-Match": subject.thumbnail_etag},
                expect=304,
            )
        )
    return routes


@dataclass
class Timing:
    route: Route
    times: list[float] = field(default_factory=list)  # ms
    spent: float = 0.0  # seconds
    last: float = 0.0  # seconds, the latest request
    rows: int | None = None  # JSON rows returned (a list's length, 1 for an object)
    body_bytes: int = 0
    queries: int | None = None
    gave_up: float | None = None  # seconds: a request was cancelled after that long

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    def returned(self) -> str:
        if self.gave_up:
            return "?"
        if self.rows is None:
            return f"{self.body_bytes / 1000:.1f} kB" if self.body_bytes else "0 B"
        return str(self.rows)


@dataclass
class Creation:
    count: int
    seconds: float
    times: list[float]  # ms
    queries: int | None
    history: int  # revisions of the shortest line before the first new one

    @property
    def rate(self) -> float:
        return self.count / self.seconds


@dataclass
class SizeResult:
    subject: Subject
    timings: list[Timing]
    creation: Creation | None
    busy_cores: float
    others_cores: float
    load_before: str
    load_after: str
    seconds: float


# --- In-process Django: the database, the data, the query counts ----------------------------


class InProcess:
    """Django set up in this process on the bench database (the settings gunicorn gets), for
    populating with the ORM and counting queries through the test client."""

    def __init__(self) -> None:
        import django

        django.setup()
        from django.core.management import call_command

        from kitsufiles.api.authentication import issue_tokens
        from production import services
        from production.models import Person, Role

        log("Migrating the bench database...")
        call_command("migrate", interactive=False, verbosity=0)
        services.ensure_default_data()
        self.admin = Person.objects.create_user(
            email=ADMIN_EMAIL, password=secrets.token_urlsafe(12), role=Role.ADMIN
        )
        self.token = issue_tokens(self.admin)[0]

    def client(self):
        from django.test import Client

        return Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")

    def populate(self, size: int, analyze: bool) -> Subject:
        from django.db import connection

        from output_files.models import OutputFile
        from output_files.services import default_file_status
        from production import services
        from production.models import EntityType, OutputType, Software, TaskStatus, TaskType
        from working_files.models import WorkingFile
        from working_files.services import DEFAULT_SOFTWARE

        started = time.monotonic()
        project = services.create_project(values={"name": f"Bench {size}"})
        asset = services.create_asset(
            project=project,
            asset_type=EntityType.objects.get(name="Prop"),
            name=f"Crate {size}",
            created_by=self.admin,
        )
        todo = TaskStatus.objects.get(short_name="todo")
        modeling = TaskType.objects.get(name="Modeling", for_entity="Asset")
        task = services.create_task(
            values={
                "name": "main",
                "project": project,
                "entity": asset,
                "task_type": modeling,
                "task_status": todo,
            }
        )
        software, _ = Software.objects.get_or_create(
            name=DEFAULT_SOFTWARE["name"], defaults=DEFAULT_SOFTWARE
        )
        output_type, _ = OutputType.objects.get_or_create(
            name="Cache", defaults={"short_name": "cache"}
        )
        file_status = default_file_status()
        folder = f"/mnt/studio/bench_{size}/assets/prop/crate_{size}/modeling"

        def file_name(i: int) -> str:
            return f"{NAMES[i % len(NAMES)]}_v{i // len(NAMES) + 1:03d}"

        def rows(kind: str, make) -> list:
            made = []
            for start in range(0, size, BATCH):
                made += make(range(start, min(start + BATCH, size)))
                log(f"  {kind}: {len(made):,}/{size:,}")
            return made

        log(f"Populating {size:,} rows of history...")
        working_files = rows(
            "working-file revisions",
            lambda indexes: WorkingFile.objects.bulk_create(
                WorkingFile(
                    name=NAMES[i % len(NAMES)],
                    revision=i // len(NAMES) + 1,
                    comment=f"revision {i // len(NAMES) + 1}",
                    path=f"{folder}/{file_name(i)}",
                    size=1_000_000 + i,
                    checksum=f"{i:064x}",
                    task=task,
                    entity=asset,
                    person=self.admin,
                    software=software,
                )
                for i in indexes
            ),
        )
        rows(
            "output files",
            lambda indexes: OutputFile.objects.bulk_create(
                OutputFile(
                    name=NAMES[i % len(NAMES)],
                    revision=i // len(NAMES) + 1,
                    extension=".abc",
                    representation="abc",
                    path=f"{folder}/output/cache/{file_name(i)}.abc",
                    size=1_000_000 + i,
                    checksum=f"{i:064x}",
                    file_status=file_status,
                    entity=asset,
                    output_type=output_type,
                    task_type=modeling,
                    person=self.admin,
                    source_file=working_files[i],
                )
                for i in indexes
            ),
        )
        preview_id = self.add_picture_preview(task, todo)
        if analyze:
            log("  VACUUM ANALYZE...")
            with connection.cursor() as cursor:
                for model in (WorkingFile, OutputFile):
                    cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
        log(f"  populated in {time.monotonic() - started:.0f} s")
        return Subject(size, str(task.pk), str(asset.pk), preview_id)

    def add_picture_preview(self, task, status) -> str:
        """A comment with one picture preview, uploaded and processed through the API."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from production import services

        comment = services.create_comment(task=task, task_status=status, author=self.admin)
        client = self.client()
        slot = client.post(
            f"/api/actions/tasks/{task.pk}/comments/{comment.pk}/add-preview",
            data={},
            content_type="application/json",
        )
        if slot.status_code != 201:
            raise SystemExit(f"Adding a preview slot failed: {slot.status_code} {slot.content!r}")
        picture = SimpleUploadedFile("frame.png", photo_like_png(1920, 1080), "image/png")
        upload = client.post(
            f"/api/pictures/preview-files/{slot.json()['id']}?no_job=true", {"file": picture}
        )
        if upload.status_code != 201 or upload.json().get("status") != "ready":
            raise SystemExit(f"The preview upload failed: {upload.status_code} {upload.content!r}")
        return upload.json()["id"]

    def count_queries(self, route: Route) -> int:
        """Queries of the second of two identical requests through the test client."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = self.client()
        for attempt in range(2):
            with CaptureQueriesContext(connection) as captured:
                response = client.generic(
                    route.method,
                    f"/api/{route.path}",
                    data=json.dumps(route.body) if route.body is not None else "",
                    content_type="application/json",
                    headers=route.headers,
                )
                if getattr(response, "streaming", False):
                    b"".join(response.streaming_content)
                response.close()
            if response.status_code != route.expect:
                raise SystemExit(
                    f"In process, {route.method} {route.path} answered {response.status_code} "
                    f"(expected {route.expect}) on attempt {attempt + 1}"
                )
        return len(captured.captured_queries)

    def count_new_revision(self, task_id: str) -> int:
        """Queries of one new revision (the second of two) through the test client."""
        route = Route(
            "new revision",
            "POST",
            f"data/tasks/{task_id}/working-files/new",
            None,
            body={"name": NAMES[0]},
            expect=201,
        )
        return self.count_queries(route)

    def last_revisions(self, task_id: str) -> dict[str, int]:
        from django.db.models import Max

        from working_files.models import WorkingFile

        rows = (
            WorkingFile.objects.filter(task_id=task_id)
            .values("name")
            .annotate(last=Max("revision"))
        )
        return {row["name"]: row["last"] for row in rows}

    def close(self) -> None:
        from django.db import connections

        connections.close_all()


def photo_like_png(width: int, height: int) -> bytes:
    """A picture that compresses like a photograph (a gradient with noise), not a flat one."""
    import io

    from PIL import Image

    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 30)
    picture = Image.merge(
        "RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_TOP_BOTTOM))
    )
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


# --- Over HTTP ------------------------------------------------------------------------------


class Client:
    def __init__(self, server: live.Gunicorn, token: str, give_up: float):
        self.server = server
        self.base = f"{server.url}/api/"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.request_timeout = give_up + 30

    def call(self, route: Route) -> tuple[float, requests.Response | None]:
        """(seconds, answer); the answer is None when the request timed out client-side."""
        started = time.perf_counter()
        try:
            answer = self.session.request(
                route.method,
                self.base + route.path,
                json=route.body,
                headers=route.headers,
                timeout=(10, self.request_timeout),
            )
            answer.content  # noqa: B018 (the whole body is part of the time)
        except requests.Timeout:
            return time.perf_counter() - started, None
        except requests.ConnectionError as error:
            raise SystemExit(
                f"{route.method} {route.path}: the connection failed ({error}).\n"
                f"gunicorn's log ends with:\n{self.server.read_log(last=3000)}"
            ) from None
        return time.perf_counter() - started, answer

    def failed(self, route: Route, answer: requests.Response) -> SystemExit:
        return SystemExit(
            f"{route.method} {route.path}: {answer.status_code} (expected {route.expect}) "
            f"{answer.text[:300]}\ngunicorn's log ends with:\n{self.server.read_log(last=3000)}"
        )


def rows_in(body: object) -> int:
    """A list's rows; a dict of rows (gazu's last revisions, keyed by name) counts its values;
    any other object is one row."""
    if isinstance(body, list):
        return len(body)
    if isinstance(body, dict) and body and all(isinstance(v, dict) for v in body.values()):
        return len(body)
    return 1


class OwnProcesses:
    """The benchmark's processes: this one, gunicorn's, and the PostgreSQL backends (parallel
    workers included) of the bench database, when the server runs on this machine."""

    def __init__(self, server: live.Gunicorn):
        import psycopg

        self.server = server
        self.connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)

    def pids(self) -> list[int]:
        rows = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        ).fetchall()
        return [os.getpid(), *process_tree(self.server.process.pid), *(pid for (pid,) in rows)]

    def close(self) -> None:
        self.connection.close()


def time_routes(client: Client, timings: list[Timing], args: Namespace) -> None:
    """Warm-up rounds, then timed rounds, the routes taking turns in each."""

    def one(timing: Timing, timed: bool) -> None:
        route = timing.route
        seconds, answer = client.call(route)
        timing.spent += seconds
        timing.last = seconds
        if answer is None or (answer.status_code == 500 and seconds >= 0.9 * args.give_up):
            # PostgreSQL's statement_timeout cancelled the query (or the client gave up)
            timing.gave_up = args.give_up
            log(f"  {route.label}: gave up after {seconds:.0f} s (--give-up {args.give_up:g})")
            return
        if answer.status_code != route.expect:
            raise client.failed(route, answer)
        if timed:
            timing.times.append(seconds * 1000)
        timing.body_bytes = len(answer.content)
        if answer.headers.get("Content-Type", "").startswith("application/json"):
            body = answer.json()
            timing.rows = rows_in(body)

    log("  routes: " + "; ".join(f"{n}. {t.route.label}" for n, t in enumerate(timings, 1)))
    for number in range(1, args.warm_up + 1):
        log(f"  warm-up round {number}/{args.warm_up}...")
        for timing in timings:
            if not timing.gave_up and (number == 1 or timing.last < SLOW_SECONDS):
                one(timing, timed=False)

    last_report = time.monotonic()
    for number in range(1, args.rounds + 1):
        active = [
            timing
            for timing in timings
            if not timing.gave_up
            and (len(timing.times) < MIN_TIMINGS or timing.spent < args.budget)
        ]
        if not active:
            break
        for timing in active:
            one(timing, timed=True)
        if time.monotonic() - last_report > 10 or number == args.rounds:
            last_report = time.monotonic()
            medians = ", ".join(
                f"{n}. {median_text(timing)}" for n, timing in enumerate(timings, 1)
            )
            log(f"  round {number}/{args.rounds}, medians so far (ms): {medians}")


def time_creations(client: Client, in_process: InProcess, subject: Subject, count: int) -> Creation:
    """`count` new revisions, one after the other, the names in turn; each must be the next
    revision of its line."""
    path = f"data/tasks/{subject.task_id}/working-files/new"
    queries = in_process.count_new_revision(subject.task_id)
    expected = {name: last + 1 for name, last in in_process.last_revisions(subject.task_id).items()}
    history = min(expected.values()) - 1
    times = []
    started = time.perf_counter()
    for i in range(count):
        name = NAMES[i % len(NAMES)]
        route = Route("new revision", "POST", path, None, body={"name": name}, expect=201)
        seconds, answer = client.call(route)
        if answer is None or answer.status_code != 201:
            if answer is None:
                raise SystemExit(f"POST {path} timed out")
            raise client.failed(route, answer)
        revision = answer.json().get("revision")
        if revision != expected[name]:
            raise SystemExit(
                f"POST {path} {name!r}: revision {revision}, expected {expected[name]}"
            )
        expected[name] += 1
        times.append(seconds * 1000)
    return Creation(count, time.perf_counter() - started, times, queries, history)


def bench_size(client: Client, in_process: InProcess, size: int, args: Namespace) -> SizeResult:
    started = time.monotonic()
    subject = in_process.populate(size, analyze=args.analyze)
    probe = client.session.get(
        f"{client.base}pictures/thumbnails/preview-files/{subject.preview_id}.png", timeout=60
    )
    if probe.status_code != 200:
        raise client.failed(routes_of(subject)[3], probe)
    subject.thumbnail_etag = probe.headers.get("ETag")
    timings = [Timing(route) for route in routes_of(subject)]

    load_before = load_average()
    log(f"Timing the routes over HTTP ({size:,} rows; load average {load_before})...")
    with (
        contextlib.closing(OwnProcesses(client.server)) as own,
        BusyMeter(own.pids) as busy,
    ):
        time_routes(client, timings, args)
    # After the timings: a route that took longer than --give-up is not requested again.
    log(f"Counting each route's queries in-process ({size:,} rows)...")
    for timing in timings:
        if not timing.gave_up:
            timing.queries = in_process.count_queries(timing.route)
    creation = None
    if args.creations:
        log(f"Creating {args.creations} revisions one after the other ({size:,} rows)...")
        creation = time_creations(client, in_process, subject, args.creations)
    return SizeResult(
        subject,
        timings,
        creation,
        busy.cores,
        busy.others,
        load_before,
        load_average(),
        time.monotonic() - started,
    )


# --- Heavy: uploads and previews ------------------------------------------------------------


@dataclass
class UploadResult:
    rates: list[float]  # MB/s
    worker_hwm: int | None
    growth: int | None
    check: str


def bench_upload(folder: Path, token: str, task_id: str, args: Namespace) -> UploadResult:
    """bench/working_files.py's upload, to a fresh gunicorn like the routes' one (so that the
    workers' peak memory is the upload's, not the 10,000-row listings')."""
    from bench import working_files as wf

    env = dict(os.environ)
    log(f"Starting a fresh gunicorn ({WORKERS} sync workers) for the upload...")
    with live.gunicorn(
        env=env,
        log_path=folder / "gunicorn-upload.log",
        workers=WORKERS,
        threads=1,
        extra=("--worker-class", "sync", "--timeout", "600"),
    ) as server:
        api = wf.Api(server.url, token)
        session = api.session()
        working_file = api.call(
            session,
            "POST",
            f"/data/tasks/{task_id}/working-files/new",
            201,
            json={"name": f"upload-{args.upload_mib}MiB"},
        )
        log(f"Writing a {args.upload_mib} MiB file...")
        source = folder / f"upload-{args.upload_mib}MiB.bin"
        sha256 = wf.make_file(source, args.upload_mib * MIB)
        transfers = []
        for number in range(1, args.heavy_runs + 1):
            log(f"Uploading {args.upload_mib} MiB ({number}/{args.heavy_runs})...")
            transfers.append(wf.upload(api, server.process.pid, working_file["id"], source, sha256))
            log(f"  {wf.rate_text(transfers[-1]).strip()} MB/s, {transfers[-1].check}")
        source.unlink()
    merged = wf.merged(transfers)
    growth = None if merged.peak is None else merged.peak - merged.baseline
    return UploadResult(merged.rates(), merged.hwm, growth, merged.check)


@dataclass
class PreviewResults:
    png_totals: list[float] = field(default_factory=list)  # seconds, upload start to ready
    png_problems: list[str] = field(default_factory=list)
    movie_totals: list[float] = field(default_factory=list)
    plain: list[float] = field(default_factory=list)
    movie_problems: list[str] = field(default_factory=list)
    movie_runs: list[str] = field(default_factory=list)


def png_to_ready(deployment, path: Path) -> tuple[float, list[str]]:
    """Seconds from the start of a picture's upload until its preview is seen `ready`
    (polled every 0.1 s, as bench/previews.py polls a movie), and what is wrong with it."""
    from bench import previews as pv

    poller = requests.Session()
    poller.headers.update(deployment.headers)
    started = time.monotonic()
    answered = deployment.add_movie(path)  # any file: the slot, then the multipart upload
    deadline = started + pv.READY_TIMEOUT
    while True:
        preview = poller.get(
            f"{deployment.base_url}/data/preview-files/{answered['id']}", timeout=60
        ).json()
        if preview["status"] != "processing":
            total = time.monotonic() - started
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"Still processing after {pv.READY_TIMEOUT} s:\n{deployment.logs()}")
        time.sleep(pv.POLL_EVERY)
    problems = []
    if preview["status"] != "ready":
        problems.append(f"status {preview['status']}: {preview.get('broken_reason')}")
    if (preview.get("width"), preview.get("height")) != (3840, 2160):
        problems.append(f"{preview.get('width')}x{preview.get('height')}")
    return total, problems


def bench_previews(folder: Path, args: Namespace) -> PreviewResults:
    """bench/previews.py's editorial movie (not web-ready: both renditions encoded) against its
    plain transcode, and a 4K PNG, through a Deployment (gunicorn + qcluster)."""
    from bench import previews as pv
    from previews import media
    from tests.previews.deployment import Deployment

    results = PreviewResults()
    options = Namespace(retries=args.retries, quiet_wait=args.quiet_wait)
    target = pv.pipeline_settings()
    source = pv.generate_source("editorial", args.sources)
    info = media.probe_movie(source)
    plain_argv = pv.plain_transcode(source, info, target, folder / "plain.mp4")
    for number in range(1, args.heavy_runs + 1):
        log(f"Plain transcode of the movie ({number}/{args.heavy_runs})...")
        timed = pv.undisturbed(
            options, lambda: pv.time_ffmpeg(plain_argv, folder / "plain.mp4"), pv.timed_text
        )
        results.plain.append(timed.seconds)

    png = folder / "4k.png"
    png.write_bytes(photo_like_png(3840, 2160))
    log(f"A {png.stat().st_size / 1e6:.0f} MB 4K PNG; starting a deployment (gunicorn + qcluster)")
    deployment = Deployment(
        folder / "deployment",
        broker="orm",
        database_name=f"{args.database}_previews",
        Q_WORKERS="1",
        DEBUG="false",  # as deployed (with DEBUG, every process also keeps each query it runs)
    )
    try:
        pv.configure_project(deployment)
        for number in range(1, args.heavy_runs + 1):
            log(f"4K PNG upload -> ready ({number}/{args.heavy_runs})...")
            pv.wait_until_quiet(args.quiet_wait, lambda: pv.service_cpu(deployment))
            total, problems = png_to_ready(deployment, png)
            log(f"  {total:.2f} s{'; ' + ', '.join(problems) if problems else ''}")
            results.png_totals.append(total)
            results.png_problems += problems
        for number in range(1, args.heavy_runs + 1):
            log(f"Movie upload -> ready ({number}/{args.heavy_runs})...")
            run = pv.undisturbed(
                options,
                lambda: pv.one_run(deployment, source, pv.SOURCES["editorial"][2]),
                pv.run_text,
                lambda: pv.service_cpu(deployment),
            )
            results.movie_totals.append(run.total)
            results.movie_problems += run.problems
            results.movie_runs.append(pv.run_text(run))
    finally:
        log("Stopping the deployment...")
        deployment.stop()
    return results


# --- Report ---------------------------------------------------------------------------------


def ms_text(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def ratio_text(ratio: float) -> str:
    return f"{ratio:.2f}x" if ratio < 10 else f"{ratio:,.1f}x" if ratio < 100 else f"{ratio:,.0f}x"


def median_text(timing: Timing) -> str:
    if timing.gave_up:
        return f"> {timing.gave_up * 1000:,.0f}"
    return ms_text(timing.median)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_size(result: SizeResult, args: Namespace) -> None:
    size = result.subject.size
    print(
        f"== {size:,} rows of history: {size:,} working-file revisions of one task and "
        f"{size:,} output files of its asset, over 10 names =="
    )
    print(
        f"While timing, the machine was busy {result.busy_cores:.1f} cores on average, "
        f"{result.others_cores:.1f} of them with other work than this benchmark (gunicorn, "
        f"PostgreSQL's backends, the client); load average {result.load_before} before, "
        f"{result.load_after} after; {result.seconds:.0f} s for this size"
    )
    print(
        f"{'route':<42}{'rows':>9}{'n':>5}{'median ms':>11}{'p95 ms':>10}{'queries':>9}"
        f"{'Zou ms':>8}{'/ Zou':>9}  target"
    )
    for timing in result.timings:
        route = timing.route
        median = timing.median
        p95_text = ms_text(percentile(timing.times, 0.95)) if timing.times else "-"
        ratio = target = ""
        if route.zou_ms is not None:
            if median is not None and not timing.gave_up:
                ratio = ratio_text(median / route.zou_ms)
                target = f"<= {READ_TARGET}x {verdict(median / route.zou_ms <= READ_TARGET)}"
            else:
                ratio = f">{(timing.gave_up or 0) * 1000 / route.zou_ms:,.0f}x"
                target = "MISSED"
        print(
            f"{route.label:<42}{timing.returned():>9}{len(timing.times):>5}"
            f"{median_text(timing):>11}"
            f"{p95_text:>10}{'-' if timing.queries is None else timing.queries:>9}"
            f"{'-' if route.zou_ms is None else f'{route.zou_ms:g}':>8}{ratio:>9}  {target}"
        )
    creation = result.creation
    if creation is not None:
        multiple = creation.rate / ZOU_NEW_REVISIONS_PER_SECOND
        print(
            f"{f'POST working-files/new x{creation.count}, one by one':<42}{'1':>9}"
            f"{len(creation.times):>5}{ms_text(statistics.median(creation.times)):>11}"
            f"{ms_text(percentile(creation.times, 0.95)):>10}"
            f"{'-' if creation.queries is None else creation.queries:>9}"
        )
        print(
            f"  new revisions: {creation.rate:.1f} req/s sequentially, on lines of "
            f"{creation.history}+ revisions; Zou {ZOU_NEW_REVISIONS_PER_SECOND} req/s: "
            f"{multiple:.1f}x, target >= {NEW_REVISION_TARGET:g}x "
            f"({NEW_REVISION_TARGET * ZOU_NEW_REVISIONS_PER_SECOND:.0f} req/s) "
            f"{verdict(multiple >= NEW_REVISION_TARGET)}"
        )
    print()


def print_growth(first: SizeResult, last: SizeResult) -> None:
    small, large = first.subject.size, last.subject.size
    print(
        f"== Growth from {small:,} to {large:,} rows of history "
        f"(median at {large:,} / median at {small:,}) =="
    )
    print(
        f"{'route':<42}{f'rows {small:,}':>12}{f'rows {large:,}':>13}"
        f"{f'ms {small:,}':>12}{f'ms {large:,}':>13}{'growth':>9}"
    )
    for before, after in zip(first.timings, last.timings, strict=False):
        growth = "-"
        if before.median and after.median:
            growth = f"{after.median / before.median:.1f}x"
        elif before.median and after.gave_up:
            growth = f"> {after.gave_up * 1000 / before.median:.0f}x"
        print(
            f"{before.route.label:<42}{before.returned():>12}{after.returned():>13}"
            f"{median_text(before):>12}{median_text(after):>13}{growth:>9}"
        )
    if first.creation and last.creation:
        before_ms = statistics.median(first.creation.times)
        after_ms = statistics.median(last.creation.times)
        print(
            f"{'POST working-files/new (one)':<42}{'1':>12}{'1':>13}{ms_text(before_ms):>12}"
            f"{ms_text(after_ms):>13}{after_ms / before_ms:>8.1f}x"
        )
    print(
        f"(history x{large / small:g}: a route that reads only what it returns keeps its "
        "growth near 1x when its rows stay the same, e.g. last revisions)"
    )
    print()


def print_heavy(upload: UploadResult | None, previews: PreviewResults | None, args) -> None:
    print(f"== Heavy: uploads and previews ({args.heavy_runs} runs each, medians) ==")
    if upload is not None:
        if upload.rates:
            rate = statistics.median(upload.rates)
            print(
                f"{args.upload_mib} MiB working-file upload: {rate:.0f} MB/s "
                f"({upload.rates[0]:.0f}-{upload.rates[-1]:.0f}); Zou {ZOU_UPLOAD_MB_S:g} MB/s: "
                f"{rate / ZOU_UPLOAD_MB_S:.1f}x; target >= {UPLOAD_TARGET_MB_S:g} MB/s "
                f"{verdict(rate >= UPLOAD_TARGET_MB_S)}"
            )
        print(
            f"  worker peak RSS (highest VmHWM) {mib_text(upload.worker_hwm)}, server RSS "
            f"growth {mib_text(upload.growth)}; {upload.check}"
        )
    if previews is not None:
        png = statistics.median(previews.png_totals)
        print(
            f"4K PNG upload -> ready: {png:.2f} s ({min(previews.png_totals):.2f}-"
            f"{max(previews.png_totals):.2f}); Zou {ZOU_PNG_READY_S:g} s: "
            f"{png / ZOU_PNG_READY_S:.2f}x; target <= {PNG_TARGET_S:g} s "
            f"{verdict(png <= PNG_TARGET_S)}"
            + (f"; PROBLEMS: {', '.join(previews.png_problems)}" if previews.png_problems else "")
        )
        movie = statistics.median(previews.movie_totals)
        plain = statistics.median(previews.plain)
        ratio = movie / plain
        print(
            f"20 s 1080p 24000/1001 movie upload -> ready: {movie:.1f} s, one plain hi-def "
            f"transcode {plain:.1f} s: ratio {ratio:.2f}; Zou {ZOU_MOVIE_RATIO:g}; "
            f"target <= {MOVIE_TARGET_RATIO:g} {verdict(ratio <= MOVIE_TARGET_RATIO)}"
            + (
                f"; PROBLEMS: {', '.join(dict.fromkeys(previews.movie_problems))}"
                if previews.movie_problems
                else ""
            )
        )
        for text in previews.movie_runs:
            print(f"  {text}")
    print()


# --- Main -----------------------------------------------------------------------------------


def parse_arguments() -> Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="1000,10000", help="rows of history, comma-separated (1000,10000)"
    )
    parser.add_argument("--rounds", type=int, default=60, help="timed rounds at most (60)")
    parser.add_argument(
        "--budget", type=float, default=60, help="seconds of requests per route and size (60)"
    )
    parser.add_argument(
        "--warm-up", type=int, default=WORKERS, help=f"untimed rounds first ({WORKERS})"
    )
    parser.add_argument(
        "--give-up",
        type=float,
        default=60,
        help="cancel a request after this many seconds (statement_timeout, 60)",
    )
    parser.add_argument(
        "--creations", type=int, default=200, help="sequential new revisions per size (200)"
    )
    parser.add_argument(
        "--no-analyze",
        dest="analyze",
        action="store_false",
        help="no VACUUM ANALYZE after populating: the planner without statistics of the rows",
    )
    parser.add_argument(
        "--database",
        default="kitsufiles_bench_routes",
        help="the database created on the PostgreSQL server (kitsufiles_bench_routes)",
    )
    heavy = parser.add_argument_group("--heavy")
    heavy.add_argument("--heavy", action="store_true", help="also uploads and previews")
    heavy.add_argument("--heavy-runs", type=int, default=3, help="runs of each (3)")
    heavy.add_argument("--upload-mib", type=int, default=1024, help="upload size (1024)")
    heavy.add_argument(
        "--sources",
        type=Path,
        default=Path(tempfile.gettempdir()) / "kitsufiles-bench-previews-sources",
        help="where bench/previews.py caches its generated movies",
    )
    heavy.add_argument(
        "--quiet-wait",
        type=float,
        default=0,
        help="before each preview measurement, wait up to this many seconds for an idle "
        "machine (bench/previews.py's --quiet-wait; default 0)",
    )
    heavy.add_argument(
        "--retries",
        type=int,
        default=1,
        help="measure a preview again when other processes were busy (default 1)",
    )
    args = parser.parse_args()
    try:
        args.sizes = sorted({int(value.replace("_", "")) for value in args.sizes.split(",")})
    except ValueError:
        parser.error("--sizes takes whole numbers, e.g. --sizes 1000,10000")
    if not args.sizes or min(args.sizes) < len(NAMES) or any(s % len(NAMES) for s in args.sizes):
        parser.error(f"each size must be a positive multiple of {len(NAMES)} (the names)")
    if args.rounds < 1 or args.heavy_runs < 1:
        parser.error("--rounds and --heavy-runs must be at least 1")
    return args


def main() -> None:
    args = parse_arguments()
    # A `kill` unwinds like Ctrl-C: gunicorn is stopped and the database dropped on the way out.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    server_url = os.environ.get("DATABASE_URL") or DEFAULT_POSTGRES
    postgres_url(server_url, "postgres")  # a PostgreSQL URL, or a clear message
    if not Path(sys.executable).with_name("gunicorn").exists():
        raise SystemExit("gunicorn is not installed next to this Python: run `make venv` first.")

    results: list[SizeResult] = []
    upload = previews = None
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="kitsufiles-bench-routes-") as temporary,
        throwaway_database(
            server_url, args.database, settings={"statement_timeout": f"{args.give_up:g}s"}
        ) as database_url,
    ):
        folder = Path(temporary)
        # One environment for gunicorn and for this process's Django (the query counts and
        # the population): the same database, storage, previews folder and secret.
        env = live.environment(
            folder,
            DATABASE_URL=database_url,
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(40),
            ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        )
        os.environ.clear()
        os.environ.update(env)
        database = postgres_version(database_url)
        statistics_text = (
            "VACUUM ANALYZE after populating"
            if args.analyze
            else "no ANALYZE after populating (--no-analyze)"
        )
        in_process = InProcess()
        try:
            log(f"Starting gunicorn ({WORKERS} sync workers)...")
            with live.gunicorn(
                env=env,
                log_path=folder / "gunicorn.log",
                workers=WORKERS,
                threads=1,  # with threads, gunicorn would run the threaded worker instead
                extra=("--worker-class", "sync", "--timeout", f"{args.give_up + 60:g}"),
            ) as server:
                client = Client(server, in_process.token, args.give_up)
                for size in args.sizes:
                    results.append(bench_size(client, in_process, size, args))
                    # As soon as it is known (on stderr; stdout gets every table at the end).
                    with contextlib.redirect_stdout(sys.stderr):
                        print_size(results[-1], args)
            if args.heavy:
                upload = bench_upload(folder, in_process.token, results[0].subject.task_id, args)
                previews = bench_previews(folder, args)
        finally:
            in_process.close()

    print()
    print("=" * 100)
    print(f"Machine: {machine_text()}")
    print(f"Database: {database}; planner statistics: {statistics_text}")
    print(
        f"Server: gunicorn, {WORKERS} sync workers, DEBUG=false, local storage; client: one "
        "requests.Session, admin JWT"
    )
    print(
        f"Timings: wall ms, median and p95 (nearest rank) of n requests after {args.warm_up} "
        f"warm-up round(s);\n  routes in turn, at most {args.rounds} rounds and {args.budget:g} s "
        f"per route; a request cancelled after {args.give_up:g} s counts as given up."
    )
    print(
        "Queries: in-process (Django test client, CaptureQueriesContext), the second of two "
        "identical requests."
    )
    print(
        f"Zou: 1.0.97, the issue's figures at 1,000 rows; targets: reads <= {READ_TARGET}x Zou, "
        f"new revisions >= {NEW_REVISION_TARGET:g}x Zou's rate."
    )
    print()
    for result in results:
        print_size(result, args)
    if len(results) > 1:
        print_growth(results[0], results[-1])
    if args.heavy:
        print_heavy(upload, previews, args)
    print(f"Total {time.monotonic() - started:.0f} s; load average at the end {load_average()}")


if __name__ == "__main__":
    main()
