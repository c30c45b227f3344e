"""Fifty clients ask for "the next revision" of one task at once (DESIGN "Data rules").

Every client gets 201 and a different number, and the numbers are exactly 1..50: the task
row lock taken by `create_working_file` serializes the allocation (Zou computes it without a
lock and answers 400 to the losers, files contract §5.1).

Where the race runs:
- PostgreSQL (CI): pytest-django's live server on the test database; each request runs in
  its own server thread with its own connection, so the row lock is what is exercised.
- SQLite (the local default): the test database is a shared-cache in-memory database, whose
  table locks fail at once instead of waiting ("database table is locked"), whatever the
  application does; the live server cannot race on it. The race runs instead against the
  deployment set-up on SQLite: gunicorn (4 processes x 16 threads) on a database file, where
  SQLite serializes the writers (settings: BEGIN IMMEDIATE, 20 s busy timeout). Still 50
  clients: that set-up handles them.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection

from kitsufiles.api.authentication import issue_tokens

pytestmark = pytest.mark.live

CLIENTS = 50
BASE_DIR = Path(settings.BASE_DIR)


@dataclass
class RaceTarget:
    base_url: str  # ends with /api
    task_id: str
    token: str
    admin_id: str


def post_all_at_once(target: RaceTarget, bodies: list[dict]) -> list[requests.Response]:
    """POST every body to working-files/new from its own thread, all released together.

    Each thread first opens its keep-alive connection (a GET of the API root, retried if the
    server's short listen queue refuses it: harmless, it changes nothing), so that the POSTs
    themselves start at the same moment on established connections and are never retried."""
    url = f"{target.base_url}/data/tasks/{target.task_id}/working-files/new"
    barrier = threading.Barrier(len(bodies))

    def post(body: dict) -> requests.Response:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {target.token}"
            for attempt in range(20):
                try:
                    assert session.get(f"{target.base_url}/", timeout=30).status_code == 200
                    break
                except requests.ConnectionError:
                    if attempt == 19:
                        raise
                    time.sleep(0.05 * (attempt + 1))
            barrier.wait(timeout=60)
            return session.post(url, json=body, timeout=120)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


def stored_revisions(target: RaceTarget) -> list[tuple[str, int]]:
    response = requests.get(
        f"{target.base_url}/data/tasks/{target.task_id}/working-files",
        headers={"Authorization": f"Bearer {target.token}"},
        timeout=30,
    )
    assert response.status_code == 200
    return sorted((row["name"], row["revision"]) for row in response.json())


def assignee_ids(target: RaceTarget) -> list[str]:
    response = requests.get(
        f"{target.base_url}/data/tasks/{target.task_id}",
        headers={"Authorization": f"Bearer {target.token}"},
        timeout=30,
    )
    assert response.status_code == 200
    return response.json()["assignees"]


# ---------------------------------------------------------------------------------------------
# SQLite: the deployment set-up (gunicorn on a database file), in processes of its own

SETUP_SCRIPT = """
import json
from kitsufiles.api.authentication import issue_tokens
from production import services
from production.models import EntityType, Person, Role, TaskStatus, TaskType

services.ensure_default_data()
admin = Person.objects.create_user(
    email="race@studio.test", password="x", role=Role.ADMIN, first_name="Race", last_name="Admin"
)
project = services.create_project(values={"name": "Race"})
character = EntityType.objects.get(name="Character")
modeling = TaskType.objects.get(name="Modeling", for_entity="Asset")
todo = TaskStatus.objects.get(short_name="todo")
task_ids = []
for number in range(4):
    asset = services.create_asset(
        project=project, asset_type=character, name=f"Racer {number}", created_by=admin
    )
    task = services.create_task(values={
        "name": "main", "project": project, "entity": asset, "task_type": modeling,
        "task_status": todo,
    })
    task_ids.append(str(task.pk))
print("RACE-SETUP " + json.dumps(
    {"token": issue_tokens(admin)[0], "admin_id": str(admin.pk), "task_ids": task_ids}
))
"""


class SqliteDeployment:
    """gunicorn serving kitsufiles on a fresh SQLite file; each test takes a task of its own."""

    def __init__(self, folder: Path):
        self.environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kitsufiles.settings",
            "DATA_DIR": str(folder),
            "FS_ROOT": str(folder / "files"),
            "PREVIEW_FOLDER": str(folder / "previews"),
            "DEBUG": "true",
        }
        self.environment.pop("DATABASE_URL", None)
        self.environment.pop("REDIS_URL", None)
        self.manage("migrate", "--no-input", "-v", "0")
        output = self.manage("shell", "-c", SETUP_SCRIPT)
        setup = json.loads(output.split("RACE-SETUP ", 1)[1].splitlines()[0])
        self.token, self.admin_id = setup["token"], setup["admin_id"]
        self.free_tasks = setup["task_ids"]
        self.log = open(folder / "gunicorn.log", "wb")  # noqa: SIM115 (closed in stop)
        listener = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.base_url = f"http://127.0.0.1:{listener.getsockname()[1]}/api"
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "kitsufiles.wsgi",
                "--bind",
                f"fd://{listener.fileno()}",
                "--workers",
                "4",
                "--threads",
                "16",
                "--timeout",
                "120",
            ],
            cwd=BASE_DIR,
            env=self.environment,
            pass_fds=(listener.fileno(),),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        listener.close()
        self.wait_until_up()

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

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.read_log()
            try:
                if requests.get(f"{self.base_url}/", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not come up:\n{self.read_log()}")

    def read_log(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def target(self) -> RaceTarget:
        return RaceTarget(self.base_url, self.free_tasks.pop(), self.token, self.admin_id)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        self.log.close()


@pytest.fixture(scope="module")
def sqlite_deployment(tmp_path_factory):
    deployment = SqliteDeployment(tmp_path_factory.mktemp("race"))
    yield deployment
    deployment.stop()


# ---------------------------------------------------------------------------------------------
# The race target for the database in use


@pytest.fixture
def target(request, live_server, transactional_db, task, admin) -> RaceTarget:
    if connection.vendor == "postgresql":
        access, _ = issue_tokens(admin)
        return RaceTarget(f"{live_server.url}/api", str(task.pk), access, str(admin.pk))
    assert connection.vendor == "sqlite"
    deployment = request.getfixturevalue("sqlite_deployment")
    request.addfinalizer(lambda: check_no_server_errors(deployment))
    return deployment.target()


def check_no_server_errors(deployment: SqliteDeployment) -> None:
    log = deployment.read_log()
    assert "database is locked" not in log
    assert "Traceback" not in log, log


def test_fifty_concurrent_new_revisions_are_1_to_50(target):
    responses = post_all_at_once(target, [{"name": "main"}] * CLIENTS)

    statuses = [response.status_code for response in responses]
    assert statuses == [201] * CLIENTS, [r.text for r in responses if r.status_code != 201]
    answers = [response.json() for response in responses]
    assert sorted(answer["revision"] for answer in answers) == list(range(1, CLIENTS + 1))
    assert len({answer["id"] for answer in answers}) == CLIENTS
    assert {answer["task_id"] for answer in answers} == {target.task_id}
    assert stored_revisions(target) == [("main", n) for n in range(1, CLIENTS + 1)]
    assert assignee_ids(target) == [target.admin_id]


def test_two_names_at_once_make_two_independent_consecutive_lines(target):
    bodies = [{"name": "main"}, {"name": "hotfix"}] * (CLIENTS // 2)

    responses = post_all_at_once(target, bodies)

    statuses = [response.status_code for response in responses]
    assert statuses == [201] * CLIENTS, [r.text for r in responses if r.status_code != 201]
    half = list(range(1, CLIENTS // 2 + 1))
    for name in ("main", "hotfix"):
        answered = sorted(r.json()["revision"] for r in responses if r.json()["name"] == name)
        assert answered == half
    assert stored_revisions(target) == sorted(
        [("hotfix", n) for n in half] + [("main", n) for n in half]
    )


def test_concurrent_explicit_duplicates_give_one_201_and_400s(target):
    """Ten clients force revision 7 at once: one wins, the others get Zou's 400."""
    responses = post_all_at_once(target, [{"name": "main", "revision": 7}] * 10)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [400] * 9
    for response in responses:
        if response.status_code == 400:
            assert response.json() == {"error": "The given working file already exists."}
    assert stored_revisions(target) == [("main", 7)]
