"""Scale-out, shown working (issue 14, part 5): two nodes, each a gunicorn and a `qcluster`
with its own working folder and nothing shared on disk, on one PostgreSQL, one Redis (the job
queue) and one object store (S3: moto on loopback, tests/stores/s3_server.py).

A preview uploaded to either web server is processed by whichever cluster is running, and
its media are served by both web servers; a working file's content uploaded to one is
downloaded whole from the other. Nothing of the media lands in a node's folder: the object
store is the only shared disk (docs/deployment.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
import requests

from tests import live
from tests.previews.clips import make_clip
from tests.previews.deployment import REDIS_URL, SETUP_SCRIPT
from tests.previews.helpers import png_bytes

pytestmark = pytest.mark.live

SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def postgres_server() -> str:
    """Where the shared database goes: the suite's PostgreSQL server, else the local one."""
    suite = os.environ.get("DATABASE_URL", "")
    server = suite if suite.startswith("postgres") else SERVER_URL
    try:
        with psycopg.connect(server, connect_timeout=10):
            pass
    except psycopg.OperationalError as error:  # pragma: no cover - the machine has one
        pytest.skip(f"two nodes share a PostgreSQL server, and none answers: {error}")
    return server


class Node:
    """One machine of the deployment: a web server and a job cluster in their own folder."""

    def __init__(self, name: str, folder: Path, environment: dict[str, str]) -> None:
        self.name = name
        self.folder = folder
        folder.mkdir(parents=True)
        self.env = live.environment(folder, **environment)
        self.server: live.Gunicorn | None = None
        self.cluster = None

    def start_web(self) -> None:
        self.server = live.Gunicorn(
            env=self.env, log_path=self.folder / "gunicorn.log", workers=1, threads=4
        )
        self.server.wait_until_up()

    def start_cluster(self) -> None:
        self.cluster = live.start_process(
            [sys.executable, "manage.py", "qcluster"],
            env=self.env,
            log_path=self.folder / "qcluster.log",
        )

    def stop_cluster(self) -> None:
        if self.cluster is not None:
            live.stop_process(self.cluster)
            self.cluster = None

    def stop(self) -> None:
        with contextlib.ExitStack() as stopping:
            if self.server is not None:
                stopping.callback(self.server.stop)
            stopping.callback(self.stop_cluster)

    def logs(self) -> str:
        return "\n".join(
            f"--- {self.name} {path.name}\n{live.read_log(path, last=3000)}"
            for path in sorted(self.folder.glob("*.log"))
        )

    def stored_files(self) -> list[Path]:
        """Files of the node's own folder other than its logs, static files and scratch
        folders: where media would be if anything wrote them to local disk."""
        kept = []
        for path in self.folder.rglob("*"):
            if not path.is_file() or path.suffix == ".log" or "static" in path.parts:
                continue
            kept.append(path)
        return kept


@pytest.fixture
def two_nodes(tmp_path, s3_server):
    server = postgres_server()
    database = f"kitsufiles_nodes_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    shared = {
        "DATABASE_URL": server.rsplit("/", 1)[0] + f"/{database}",
        "REDIS_URL": REDIS_URL,
        # One cluster name: both clusters take jobs from the one queue.
        "Q_CLUSTER_NAME": f"nodes-{uuid.uuid4().hex[:12]}",
        "Q_WORKERS": "1",
        "FS_BACKEND": "s3",
        "FS_BUCKET_PREFIX": f"n{uuid.uuid4().hex[:8]}-",
        "FS_S3_CREATE_BUCKET": "true",
        **s3_server.env,
    }
    nodes = [Node(name, tmp_path / name, shared) for name in ("a", "b")]
    try:
        live.manage(nodes[0].env, "migrate", "--no-input", "-v", "0")
        setup = live.shell_json(nodes[0].env, SETUP_SCRIPT)
        for node in nodes:
            node.start_web()
        yield nodes, setup
    finally:
        with contextlib.ExitStack() as stopping:
            for node in nodes:
                stopping.callback(node.stop)
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def api(node: Node, token: str, method: str, path: str, **options) -> requests.Response:
    assert node.server is not None
    headers = {"Authorization": f"Bearer {token}", **options.pop("headers", {})}
    return requests.request(
        method, f"{node.server.url}/api/{path}", headers=headers, timeout=120, **options
    )


def upload_preview(node: Node, setup: dict, name: str, content: bytes) -> str:
    token, task, comment = setup["token"], setup["task_id"], setup["comment_id"]
    slot = api(node, token, "POST", f"actions/tasks/{task}/comments/{comment}/add-preview", json={})
    assert slot.status_code == 201, slot.text
    answer = api(
        node, token, "POST", f"pictures/preview-files/{slot.json()['id']}",
        files={"file": (name, content)},
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    return slot.json()["id"]


def wait_ready(node: Node, nodes: list[Node], token: str, preview_id: str) -> dict:
    deadline = time.monotonic() + 300
    preview: dict = {}
    while time.monotonic() < deadline:
        preview = api(node, token, "GET", f"data/preview-files/{preview_id}").json()
        if preview["status"] in ("ready", "broken"):
            break
        time.sleep(0.5)
    logs = "\n".join(each.logs() for each in nodes)
    assert preview.get("status") == "ready", f"{preview}\n{logs}"
    return preview


def test_two_nodes_share_only_the_database_the_queue_and_the_store(two_nodes, tmp_path):
    (a, b), setup = two_nodes
    token = setup["token"]

    # Only b's cluster runs: a movie uploaded to a is processed by b.
    b.start_cluster()
    clip = make_clip(tmp_path / "shot.mp4", size="320x180", duration=1.0)
    movie_id = upload_preview(a, setup, "shot.mp4", clip.read_bytes())
    wait_ready(a, [a, b], token, movie_id)
    b.stop_cluster()

    # Only a's cluster runs: a picture uploaded to b is processed by a.
    a.start_cluster()
    picture_id = upload_preview(b, setup, "frame.png", png_bytes())
    wait_ready(b, [a, b], token, picture_id)

    # Each web server serves what the other received, ranges included.
    for node in (a, b):
        movie = api(node, token, "GET", f"movies/low/preview-files/{movie_id}.mp4")
        assert movie.status_code == 200 and movie.content[4:8] == b"ftyp", node.name
        part = api(
            node, token, "GET", f"movies/originals/preview-files/{movie_id}.mp4",
            headers={"Range": "bytes=0-99"},
        )  # fmt: skip
        assert part.status_code == 206 and len(part.content) == 100, node.name
        thumbnail = api(node, token, "GET", f"pictures/thumbnails/preview-files/{picture_id}.png")
        assert thumbnail.status_code == 200, node.name
        assert thumbnail.content.startswith(b"\x89PNG"), node.name

    # A working file's content goes up through a and comes down whole through b.
    content = os.urandom(3 * 1024 * 1024 + 17)
    working = api(
        a, token, "POST", f"data/tasks/{setup['task_id']}/working-files/new", json={"name": "main"}
    )
    assert working.status_code == 201, working.text
    up = api(
        a, token, "POST", f"data/working-files/{working.json()['id']}/file",
        files={"file": ("main.blend", content)},
    )  # fmt: skip
    assert up.status_code == 201, up.text
    down = api(b, token, "GET", f"data/working-files/{working.json()['id']}/file")
    assert down.status_code == 200
    assert hashlib.sha256(down.content).hexdigest() == hashlib.sha256(content).hexdigest()

    # Each job ran where the only running cluster was.
    assert f"Preview {movie_id}, attempt 1: ready" in live.read_log(
        b.folder / "qcluster.log", last=None
    )
    assert f"Preview {picture_id}, attempt 1: ready" in live.read_log(
        a.folder / "qcluster.log", last=None
    )
    # Nothing of it on either node's disk: the object store is the only shared one.
    for node in (a, b):
        assert (node.folder / "gunicorn.log").exists()
        assert node.stored_files() == [], node.name
