"""A throwaway deployment of the service, as `make run` starts it: gunicorn for HTTP and a
real `qcluster` for jobs, on its own database (a SQLite file, or a fresh PostgreSQL database
when DATABASE_URL names a PostgreSQL server), its own folders and its own Django Q cluster
name (runs sharing one Redis never take each other's jobs).

Used by tests/previews/test_cluster.py and bench/previews.py.
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

import psycopg
import requests

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
        folder.mkdir(parents=True, exist_ok=True)
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
        self.start(
            "gunicorn",
            [
                gunicorn,
                "kitsufiles.wsgi",
                "--bind",
                f"fd://{listener.fileno()}",
                "--workers",
                "1",
                "--threads",
                "4",
            ],
            pass_fds=(listener.fileno(),),
        )
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
