"""Reviewers saving their drawings on one preview at the same moment: every drawing is kept.

Each client adds its own object on the same frame through update-annotations; without the
preview's row lock two requests read the same list and the later save drops the other's
object (Zou relies on a Redis lock, and goes on without one when Redis is down). Where the
race runs is explained in tests/race.py: the live server on PostgreSQL, gunicorn on a SQLite
file otherwise.
"""

from dataclasses import dataclass

import pytest
import requests
from django.db import connection

from kitsufiles.api.authentication import issue_tokens
from previews import services
from tests.race import SqliteDeployment, send_all_at_once

pytestmark = pytest.mark.live


@dataclass
class RaceTarget:
    base_url: str  # ends with /api
    preview_id: str
    token: str


PREVIEW_SCRIPT = """
from previews import services as preview_services
from production import services
from production.models import EntityType, Person, TaskStatus, TaskType

admin = Person.objects.get(email="race@studio.test")
project = services.create_project(values={"name": "Race", "fps": "24000/1001"})
asset = services.create_asset(
    project=project, asset_type=EntityType.objects.get(name="Character"), name="Racer",
    created_by=admin,
)
todo = TaskStatus.objects.get(short_name="todo")
task = services.create_task(values={
    "name": "main", "project": project, "entity": asset, "task_status": todo,
    "task_type": TaskType.objects.get(name="Modeling", for_entity="Asset"),
})
comment = services.create_comment(task=task, task_status=todo, author=admin)
previews = [
    str(preview_services.add_preview_slot(task=task, comment=comment, author=admin).pk)
    for _ in range(2)
]
print_json(previews)
"""


@pytest.fixture(scope="module")
def sqlite_previews(tmp_path_factory):
    deployment = SqliteDeployment(tmp_path_factory.mktemp("annotation-race"))
    try:
        yield deployment, deployment.shell_json(PREVIEW_SCRIPT)
    finally:
        deployment.stop()


@pytest.fixture
def target(request, live_server, transactional_db, task, comment, admin) -> RaceTarget:
    if connection.vendor == "postgresql":
        preview = services.add_preview_slot(task=task, comment=comment, author=admin)
        access, _ = issue_tokens(admin)
        return RaceTarget(f"{live_server.url}/api", str(preview.pk), access)
    assert connection.vendor == "sqlite"
    deployment, free_previews = request.getfixturevalue("sqlite_previews")
    request.addfinalizer(deployment.check_no_server_errors)
    return RaceTarget(deployment.base_url, free_previews.pop(), deployment.token)


def shape(object_id: str) -> dict:
    return {"id": object_id, "type": "path", "path": [["M", 0, 0], ["L", 9, 9]]}


@pytest.mark.parametrize("clients", [2, 24])
def test_concurrent_saves_keep_every_drawing(target, clients):
    url = f"{target.base_url}/actions/preview-files/{target.preview_id}/update-annotations"
    bodies = [
        {"additions": [{"time": 1.001, "drawing": {"objects": [shape(f"reviewer-{n}")]}}]}
        for n in range(clients)
    ]

    responses = send_all_at_once(
        url, target.token, bodies, ping_url=f"{target.base_url}/", method="put"
    )

    assert [r.status_code for r in responses] == [200] * clients, [r.text for r in responses]
    stored = requests.get(
        f"{target.base_url}/data/preview-files/{target.preview_id}",
        headers={"Authorization": f"Bearer {target.token}"},
        timeout=30,
    ).json()["annotations"]
    assert len(stored) == 1 and stored[0]["frame"] == 25
    kept = sorted(item["id"] for item in stored[0]["drawing"]["objects"])
    assert kept == sorted(f"reviewer-{n}" for n in range(clients))
    # each answer shows the list as its own save left it: one more drawing each time
    assert sorted(len(r.json()["annotations"][0]["drawing"]["objects"]) for r in responses) == (
        list(range(1, clients + 1))
    )
