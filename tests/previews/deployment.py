"""A throwaway deployment of the service, as `make run` starts it: gunicorn for HTTP and a
real `qcluster` for jobs, on its own database (a SQLite file, or a fresh PostgreSQL database
when DATABASE_URL names a PostgreSQL server), its own folders and its own Django Q cluster
name (runs sharing one Redis never take each other's jobs).

Used by tests/previews/test_cluster.py and bench/previews.py.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import requests

from tests import live

REDIS_URL = "redis://127.0.0.1:6379/0"

SETUP_SCRIPT = """
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
print_json({
    "token": issue_tokens(admin)[0], "task_id": str(task.pk), "comment_id": str(comment.pk),
})
"""


class Deployment:
    """The service as `make run` starts it: gunicorn for HTTP and a qcluster for jobs.

    Whatever goes wrong while it starts, the processes already started are stopped and the
    database dropped before the error is raised; afterwards `stop()` does it."""

    def __init__(
        self, folder: Path, *, broker: str, database_name: str | None = None, **environment: str
    ):
        """`database_name` names the PostgreSQL database created for it (a unique name by
        default); the bench scripts give theirs."""
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.database = None
        self.database_name = database_name or f"kitsufiles_e2e_{uuid.uuid4().hex[:12]}"
        self.processes: list[subprocess.Popen] = []
        # The caller's variables win over these defaults (bench/previews.py passes Q_WORKERS).
        defaults = {"Q_CLUSTER_NAME": f"e2e-{uuid.uuid4().hex[:12]}", "Q_WORKERS": "1"}
        self.environment = live.environment(folder, **{**defaults, **environment})
        if broker == "redis":
            self.environment["REDIS_URL"] = REDIS_URL
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        suite_database = os.environ.get("DATABASE_URL", "")
        if suite_database.startswith("postgres"):
            self.database = self.database_name
            with psycopg.connect(suite_database, autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{self.database}"')
            self.environment["DATABASE_URL"] = suite_database.rsplit("/", 1)[0] + (
                f"/{self.database}"
            )
        self.manage("migrate", "--no-input", "-v", "0")
        self.setup = live.shell_json(self.environment, SETUP_SCRIPT)
        self.headers = {"Authorization": f"Bearer {self.setup['token']}"}
        self.server = live.Gunicorn(
            env=self.environment, log_path=self.folder / "gunicorn.log", workers=1, threads=4
        )
        self.processes.append(self.server.process)
        self.base_url = f"{self.server.url}/api"
        self.start_cluster()
        self.server.wait_until_up()

    def start_cluster(self) -> subprocess.Popen:
        self.cluster = live.start_process(
            [sys.executable, "manage.py", "qcluster"],
            env=self.environment,
            log_path=self.folder / "qcluster.log",
        )
        self.processes.append(self.cluster)
        return self.cluster

    def kill_cluster(self) -> None:
        live.kill_process(self.cluster)

    def manage(self, *args: str) -> str:
        return live.manage(self.environment, *args)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.folder.glob("*.log"))
        )

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
            live.stop_process(process)
        if self.database:
            with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            self.database = None
