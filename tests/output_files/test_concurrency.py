"""Many clients publish the same output line of one entity at once.

Every client gets 201 and a different revision, exactly 1..N: `publish_entity_output` locks
the entity row for its transaction. Zou computes the number without a lock and answers 400
to the losers (docs/compatibility.md#output-files).

Where the race runs, and why, is explained in tests/race.py: the live server on PostgreSQL,
gunicorn on a SQLite file otherwise.
"""

from dataclasses import dataclass

import pytest
import requests
from django.db import connection

from kitsufiles.api.authentication import issue_tokens
from tests.cosmos import Cosmos, build_cosmos
from tests.race import SqliteDeployment, send_all_at_once
from tests.zou_bodies import INSTANCE_OUTPUT_FILE_EXISTS, OUTPUT_FILE_EXISTS

pytestmark = pytest.mark.live

CLIENTS = 40
FOLDER = "/simple/productions/export/cosmos_landromat/assets/props/{name}/shaders/texture"


@dataclass
class PublishTarget:
    base_url: str  # ends with /api
    token: str
    owner: str  # "data/entities/<id>" or "data/asset-instances/<id>/entities/<temporal id>"
    listing: str  # the output-files listing of that owner, under base_url
    entity_name: str  # slug of the asset name, as in paths
    output_type_id: str
    task_type_id: str

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


def publish_all_at_once(target: PublishTarget, bodies: list[dict]) -> list[requests.Response]:
    """POST every body to output-files/new from its own thread, all released together."""
    url = f"{target.base_url}/{target.owner}/output-files/new"
    full = [
        {"output_type_id": target.output_type_id, "task_type_id": target.task_type_id, **body}
        for body in bodies
    ]
    return send_all_at_once(url, target.token, full, ping_url=f"{target.base_url}/")


def stored_lines(target: PublishTarget) -> list[tuple[str, int]]:
    response = requests.get(
        f"{target.base_url}/{target.listing}",
        headers=target.headers(),
        timeout=30,
    )
    assert response.status_code == 200
    return sorted((row["name"], row["revision"]) for row in response.json())


# ---------------------------------------------------------------------------------------------
# SQLite: the race's gunicorn deployment, plus a Cosmos Landromat of its own

SETUP_SCRIPT = """
from file_trees.shipped import shipped_tree
from production import services
from production.models import EntityType, OutputType, Person, TaskType

admin = Person.objects.get(email="race@studio.test")
project = services.create_project(
    values={"name": "Cosmos Landromat", "file_tree": shipped_tree("simple")}
)
props = EntityType.objects.create(name="Props")
shaders = TaskType.objects.create(name="Shaders", short_name="shd", for_entity="Asset")
animation = TaskType.objects.get(name="Animation", for_entity="Shot")
texture = OutputType.objects.create(name="Texture", short_name="tex")
cache = OutputType.objects.create(name="Cache", short_name="cch")
assets = [
    services.create_asset(project=project, asset_type=props, name=f"Tree{n}", created_by=admin)
    for n in range(4)
]
sequence = services.create_temporal_entity(
    kind="Sequence", project=project, name="S01", created_by=admin
)
shot = services.create_temporal_entity(
    kind="Shot", project=project, name="P01", parent=sequence, created_by=admin
)
instances = [services.create_asset_instance(asset=asset, scene=shot) for asset in assets]
print_json({
    "entities": [[str(asset.pk), asset.name.lower()] for asset in assets],
    "instances": [[str(instance.pk), instance.asset.name.lower()] for instance in instances],
    "shot_id": str(shot.pk),
    "texture_id": str(texture.pk),
    "shaders_id": str(shaders.pk),
    "cache_id": str(cache.pk),
    "animation_id": str(animation.pk),
})
"""


class OutputRaceDeployment:
    def __init__(self, deployment: SqliteDeployment):
        self.deployment = deployment
        self.setup = deployment.shell_json(SETUP_SCRIPT)

    def entity_target(self) -> PublishTarget:
        entity_id, name = self.setup["entities"].pop()
        return PublishTarget(
            self.deployment.base_url,
            self.deployment.token,
            f"data/entities/{entity_id}",
            f"data/entities/{entity_id}/output-files",
            name,
            self.setup["texture_id"],
            self.setup["shaders_id"],
        )

    def instance_target(self) -> PublishTarget:
        instance_id, name = self.setup["instances"].pop()
        return PublishTarget(
            self.deployment.base_url,
            self.deployment.token,
            f"data/asset-instances/{instance_id}/entities/{self.setup['shot_id']}",
            f"data/asset-instances/{instance_id}/output-files",
            name,
            self.setup["cache_id"],
            self.setup["animation_id"],
        )


@pytest.fixture(scope="module")
def output_race_deployment(tmp_path_factory):
    deployment = SqliteDeployment(tmp_path_factory.mktemp("output-race"))
    try:
        yield OutputRaceDeployment(deployment)
    finally:
        deployment.stop()


@pytest.fixture
def cosmos(transactional_db, admin) -> Cosmos:
    """Built for the test: the live server's tests cannot share a module's transaction."""
    return build_cosmos(admin)


@pytest.fixture
def race(request, live_server, transactional_db, cosmos, admin):
    """Makes the targets on the database in use: the test database behind the live server on
    PostgreSQL, the gunicorn deployment on SQLite."""
    if connection.vendor == "sqlite":
        deployment = request.getfixturevalue("output_race_deployment")
        request.addfinalizer(deployment.deployment.check_no_server_errors)
        return deployment
    assert connection.vendor == "postgresql"
    access, _ = issue_tokens(admin)
    base_url = f"{live_server.url}/api"

    class LiveServerRace:
        @staticmethod
        def entity_target() -> PublishTarget:
            return PublishTarget(
                base_url,
                access,
                f"data/entities/{cosmos.tree.id}",
                f"data/entities/{cosmos.tree.id}/output-files",
                "tree",
                str(cosmos.texture.id),
                str(cosmos.shaders.id),
            )

        @staticmethod
        def instance_target() -> PublishTarget:
            instance = cosmos.shot_instance
            return PublishTarget(
                base_url,
                access,
                f"data/asset-instances/{instance.id}/entities/{cosmos.shot.id}",
                f"data/asset-instances/{instance.id}/output-files",
                "tree",
                str(cosmos.cache.id),
                str(cosmos.animation.id),
            )

    return LiveServerRace()


@pytest.fixture
def target(race) -> PublishTarget:
    return race.entity_target()


@pytest.fixture
def instance_target(race) -> PublishTarget:
    return race.instance_target()


# ---------------------------------------------------------------------------------------------


def test_concurrent_publishes_of_one_line_are_1_to_n(target):
    responses = publish_all_at_once(target, [{"extension": ".tx"}] * CLIENTS)

    statuses = [response.status_code for response in responses]
    assert statuses == [201] * CLIENTS, [r.text for r in responses if r.status_code != 201]
    answers = [response.json() for response in responses]
    assert sorted(answer["revision"] for answer in answers) == list(range(1, CLIENTS + 1))
    assert len({answer["id"] for answer in answers}) == CLIENTS
    folder = FOLDER.format(name=target.entity_name)
    stem = f"cosmos_landromat_props_{target.entity_name}_shaders_texture_main"
    assert sorted(answer["path"] for answer in answers) == [
        f"{folder}/{stem}_v{n:03d}.tx" for n in range(1, CLIENTS + 1)
    ]
    assert stored_lines(target) == [("main", n) for n in range(1, CLIENTS + 1)]


def test_two_names_at_once_make_two_independent_consecutive_lines(target):
    responses = publish_all_at_once(target, [{"name": "main"}, {"name": "hotfix"}] * 16)

    statuses = [response.status_code for response in responses]
    assert statuses == [201] * 32, [r.text for r in responses if r.status_code != 201]
    for name in ("main", "hotfix"):
        answered = sorted(r.json()["revision"] for r in responses if r.json()["name"] == name)
        assert answered == list(range(1, 17))
    assert stored_lines(target) == sorted(
        [("hotfix", n) for n in range(1, 17)] + [("main", n) for n in range(1, 17)]
    )


def test_concurrent_explicit_duplicates_give_one_201_and_400s(target):
    responses = publish_all_at_once(target, [{"revision": 7}] * 10)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [400] * 9
    for response in responses:
        if response.status_code == 400:
            assert response.json() == OUTPUT_FILE_EXISTS
    assert stored_lines(target) == [("main", 7)]


def test_concurrent_instance_publishes_of_one_line_are_1_to_n(instance_target):
    responses = publish_all_at_once(instance_target, [{"representation": "abc"}] * CLIENTS)

    statuses = [response.status_code for response in responses]
    assert statuses == [201] * CLIENTS, [r.text for r in responses if r.status_code != 201]
    answers = [response.json() for response in responses]
    assert sorted(answer["revision"] for answer in answers) == list(range(1, CLIENTS + 1))
    name = instance_target.entity_name
    folder = (
        "/simple/productions/export/cosmos_landromat/shot/s01/p01/animation/cache/props/"
        f"{name}/instance_0001/abc"
    )
    stem = f"cosmos_landromat_s01_p01_animation_cache_main_{name}_0001"
    assert sorted(answer["path"] for answer in answers) == [
        f"{folder}/{stem}_v{n:03d}" for n in range(1, CLIENTS + 1)
    ]
    assert stored_lines(instance_target) == [("main", n) for n in range(1, CLIENTS + 1)]


def test_concurrent_explicit_instance_duplicates_give_one_201_and_400s(instance_target):
    responses = publish_all_at_once(instance_target, [{"revision": 4}] * 10)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [400] * 9
    for response in responses:
        if response.status_code == 400:
            assert response.json() == INSTANCE_OUTPUT_FILE_EXISTS
    assert stored_lines(instance_target) == [("main", 4)]
