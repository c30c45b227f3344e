"""Fifty clients ask for "the next revision" of one task at once.

Every client gets 201 and a different number, and the numbers are exactly 1..50: the task
row lock taken by `create_working_file` serializes the allocation. Zou computes the number
without a lock and answers 400 to the losers (docs/compatibility.md#working-files).

Where the race runs, and why, is explained in tests/race.py: the live server on PostgreSQL,
gunicorn on a SQLite file otherwise. Still 50 clients: that set-up handles them.
"""

from dataclasses import dataclass

import pytest
import requests
from django.db import connection

from kitsufiles.api.authentication import issue_tokens
from tests.race import SqliteDeployment, send_all_at_once
from tests.zou_bodies import WORKING_FILE_EXISTS

pytestmark = pytest.mark.live

CLIENTS = 50


@dataclass
class RaceTarget:
    base_url: str  # ends with /api
    task_id: str
    token: str
    admin_id: str


def post_all_at_once(target: RaceTarget, bodies: list[dict]) -> list[requests.Response]:
    """POST every body to working-files/new from its own thread, all released together."""
    url = f"{target.base_url}/data/tasks/{target.task_id}/working-files/new"
    return send_all_at_once(url, target.token, bodies, ping_url=f"{target.base_url}/")


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

TASKS_SCRIPT = """
from production import services
from production.models import EntityType, Person, TaskStatus, TaskType

admin = Person.objects.get(email="race@studio.test")
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
print_json(task_ids)
"""


class TaskRace:
    """The SQLite deployment with four tasks: each test races on a task of its own."""

    def __init__(self, deployment: SqliteDeployment):
        self.deployment = deployment
        self.free_tasks = deployment.shell_json(TASKS_SCRIPT)

    def target(self) -> RaceTarget:
        deployment = self.deployment
        return RaceTarget(
            deployment.base_url, self.free_tasks.pop(), deployment.token, deployment.admin_id
        )


@pytest.fixture(scope="module")
def sqlite_deployment(tmp_path_factory):
    deployment = SqliteDeployment(tmp_path_factory.mktemp("race"))
    try:
        yield TaskRace(deployment)
    finally:
        deployment.stop()


# ---------------------------------------------------------------------------------------------
# The race target for the database in use


@pytest.fixture
def target(request, live_server, transactional_db, task, admin) -> RaceTarget:
    if connection.vendor == "postgresql":
        access, _ = issue_tokens(admin)
        return RaceTarget(f"{live_server.url}/api", str(task.pk), access, str(admin.pk))
    assert connection.vendor == "sqlite"
    race = request.getfixturevalue("sqlite_deployment")
    request.addfinalizer(race.deployment.check_no_server_errors)
    return race.target()


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
            assert response.json() == WORKING_FILE_EXISTS
    assert stored_revisions(target) == [("main", 7)]
