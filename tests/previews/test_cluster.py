"""End to end: gunicorn and a real `qcluster` process, the ORM broker or Redis.

Each deployment gets its own database (a SQLite file, or a fresh PostgreSQL database when the
suite runs on PostgreSQL), its own folders and its own Django Q cluster name, so that runs in
parallel never take each other's jobs on the shared Redis. A movie uploaded over HTTP must be
answered `processing` at once and become `ready` by the cluster's hand.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import av
import psycopg
import pytest
import requests

from tests.previews.clips import make_clip

pytestmark = pytest.mark.live

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"

SETUP_SCRIPT = """
import json
from kitsufiles.api.authentication import issue_tokens
from production import services
from production.models import EntityType, Person, Role, TaskStatus, TaskType

services.ensure_default_data()
admin = Person.objects.create_user(
    email="cluster@studio.test", password="x", role=Role.ADMIN, first_name="Q", last_name="Admin"
)
project = services.create_project(
    values={"name": "Cluster", "fps": "24000/1001", "resolution": "640x360"}
)
asset = services.create_asset(
    project=project, asset_type=EntityType.objects.get(name="Character"), name="Robot",
    created_by=admin,
)
todo = TaskStatus.objects.get(short_name="todo")
task = services.create_task(values={
    "name": "main", "project": project, "entity": asset,
    "task_type": TaskType.objects.get(name="Modeling", for_entity="Asset"), "task_status": todo,
})
comment = services.create_comment(task=task, task_status=todo, author=admin)
print("CLUSTER-SETUP " + json.dumps({
    "token": issue_tokens(admin)[0], "task_id": str(task.pk), "comment_id": str(comment.pk),
}))
"""


class Deployment:
    """The service as `make run` starts it: gunicorn for HTTP and a qcluster for jobs."""

    def __init__(self, folder: Path, *, broker: str, **environment: str):
        self.folder = folder
        self.database = None
        self.environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kitsufiles.settings",
            "DATA_DIR": str(folder),
            "FS_ROOT": str(folder / "files"),
            "PREVIEW_FOLDER": str(folder / "previews"),
            "DEBUG": "true",
            "Q_CLUSTER_NAME": f"e2e-{uuid.uuid4().hex[:12]}",
            "Q_WORKERS": "1",
            **environment,
        }
        self.environment.pop("REDIS_URL", None)
        if broker == "redis":
            self.environment["REDIS_URL"] = REDIS_URL
        suite_database = os.environ.get("DATABASE_URL", "")
        if suite_database.startswith("postgres"):
            self.database = f"kitsufiles_e2e_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(suite_database, autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{self.database}"')
            self.environment["DATABASE_URL"] = suite_database.rsplit("/", 1)[0] + (
                f"/{self.database}"
            )
        else:
            self.environment.pop("DATABASE_URL", None)
        self.processes: list[subprocess.Popen] = []
        self.manage("migrate", "--no-input", "-v", "0")
        output = self.manage("shell", "-c", SETUP_SCRIPT)
        self.setup = json.loads(output.split("CLUSTER-SETUP ", 1)[1].splitlines()[0])
        self.headers = {"Authorization": f"Bearer {self.setup['token']}"}
        listener = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{listener.getsockname()[1]}/api"
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.start("gunicorn", [gunicorn, "kitsufiles.wsgi", "--bind", f"fd://{listener.fileno()}",
                                "--workers", "1", "--threads", "4"], pass_fds=(listener.fileno(),))
        listener.close()
        self.start_cluster()
        self.wait_until_up()

    def start(self, name: str, argv: list[str], **options) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 (lives with the process)
        process = subprocess.Popen(
            argv,
            cwd=BASE_DIR,
            env=self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with all its workers
            **options,
        )
        self.processes.append(process)
        return process

    def start_cluster(self) -> subprocess.Popen:
        self.cluster = self.start("qcluster", [sys.executable, "manage.py", "qcluster"])
        return self.cluster

    def kill_cluster(self) -> None:
        os.killpg(self.cluster.pid, signal.SIGKILL)
        self.cluster.wait(timeout=30)

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.folder.glob("*.log"))
        )

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base_url}/", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise AssertionError(f"the service did not come up:\n{self.logs()}")

    def api(self, method: str, path: str, **options) -> requests.Response:
        return requests.request(
            method, f"{self.base_url}/{path}", headers=self.headers, timeout=60, **options
        )

    def add_movie(self, clip: Path) -> dict:
        task, comment = self.setup["task_id"], self.setup["comment_id"]
        slot = self.api("POST", f"actions/tasks/{task}/comments/{comment}/add-preview", json={})
        assert slot.status_code == 201, slot.text
        with clip.open("rb") as handle:
            upload = self.api(
                "POST",
                f"pictures/preview-files/{slot.json()['id']}",
                files={"file": (clip.name, handle)},
            )
        assert upload.status_code == 201, upload.text
        return upload.json()

    def wait_for(self, preview_id: str, condition, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            preview = self.api("GET", f"data/preview-files/{preview_id}").json()
            if condition(preview):
                return preview
            time.sleep(0.5)
        raise AssertionError(f"preview {preview_id} stayed {preview}:\n{self.logs()}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if self.database:
            with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


@pytest.fixture
def deploy(tmp_path):
    started = []

    def start(broker: str, **environment) -> Deployment:
        deployment = Deployment(tmp_path / f"deployment-{len(started)}", broker=broker,
                                **environment)
        started.append(deployment)
        return deployment

    for folder in ("deployment-0", "deployment-1"):
        (tmp_path / folder).mkdir()
    yield start
    for deployment in started:
        deployment.stop()


@pytest.fixture(scope="module")
def movie(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cluster-clips")
    return make_clip(folder / "shot.mov", duration=2.002, rate="24000/1001", audio=True)


@pytest.mark.parametrize("broker", ["orm", "redis"])
def test_the_cluster_makes_an_uploaded_movie_ready(deploy, movie, broker):
    deployment = deploy(broker)
    answered = deployment.add_movie(movie)
    assert answered["status"] == "processing"  # queued, not processed in the request

    preview = deployment.wait_for(answered["id"], lambda row: row["status"] != "processing")
    assert preview["status"] == "ready", preview
    assert (preview["width"], preview["height"]) == (640, 360)
    assert preview["data"]["frame_rate"] == "24000/1001"
    assert preview["data"]["frame_count"] == 48
    assert preview["attempts"] == 1

    low = deployment.api("GET", f"movies/low/preview-files/{preview['id']}.mp4")
    assert low.status_code == 200
    (deployment.folder / "low.mp4").write_bytes(low.content)
    with av.open(str(deployment.folder / "low.mp4")) as container:
        assert container.streams.video[0].frames == 48
    tiles = deployment.api("GET", f"movies/tiles/preview-files/{preview['id']}.png")
    assert tiles.status_code == 200 and tiles.headers["Content-Type"] == "image/png"


def test_a_job_whose_worker_died_is_retried(deploy, tmp_path):
    """The cluster is killed while ffmpeg works; the ORM broker hands the unacknowledged job
    out again after Q_RETRY seconds, and the next cluster finishes it as attempt 2."""
    long_movie = make_clip(tmp_path / "long.mov", size="1280x720", duration=10, audio=True)
    deployment = deploy("orm", Q_TIMEOUT="20", Q_RETRY="21", PREVIEW_PROCESSING_TIMEOUT="15")
    answered = deployment.add_movie(long_movie)
    deployment.wait_for(answered["id"], lambda row: row["attempts"] == 1, timeout=60)
    deployment.kill_cluster()
    deployment.start_cluster()
    preview = deployment.wait_for(
        answered["id"], lambda row: row["status"] != "processing", timeout=240
    )
    assert preview["status"] == "ready", preview
    assert preview["attempts"] == 2
