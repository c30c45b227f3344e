"""Output files of asset instances: publishing in a shot or inside another asset, next
revisions, last revisions, output types and listings.
"""

import uuid

import pytest

from output_files import services
from output_files.models import OutputFile
from production import services as production_services
from production.models import OutputType, Role
from tests.output_files.helpers import (
    ARTIST,
    CLIENT,
    FILTER_KEYS,
    OF_KEYS,
    ROOT,
    TEXTURE_FOLDER,
    as_json,
    make_instance_output,
    revisions,
)
from tests.zou_bodies import (
    FORBIDDEN,
    INSTANCE_NO_OUTPUT_TYPE,
    INSTANCE_NO_PERSON,
    INSTANCE_OUTPUT_FILE_EXISTS,
    NOT_FOUND,
)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# Asset-instance outputs (the instance parts of Zou's test_output_files.py and
# test_files_service.py). Zou answers 500 to every listing of an instance's output files
# (GET data/asset-instances/<id>/output-files); it answers here
# (docs/compatibility.md#output-files).

SHOT_CACHE_FOLDER = f"{ROOT}/shot/s01/p01/animation/cache/props/tree/instance_0001/abc"
SHOT_CACHE_STEM = "cosmos_landromat_s01_p01_animation_cache_main_tree_0001"
RABBIT_FOLDER = f"{TEXTURE_FOLDER}/character/rabbit/instance_0001/tx"
RABBIT_STEM = "cosmos_landromat_props_tree_shaders_texture_main_rabbit_0001"


def instance_url(instance, temporal) -> str:
    return f"/api/data/asset-instances/{instance.id}/entities/{temporal.id}"


def publish_instance(client, instance, temporal, output_type, task_type, **extras):
    body = {"output_type_id": str(output_type.id), "task_type_id": str(task_type.id), **extras}
    return client.post(f"{instance_url(instance, temporal)}/output-files/new", body, format="json")


def published_instance(client, instance, temporal, output_type, task_type, **extras) -> dict:
    response = publish_instance(client, instance, temporal, output_type, task_type, **extras)
    assert response.status_code == 201, response.content
    return response.json()


def next_instance_revision(client, instance, temporal, output_type, task_type, **extras):
    body = {"output_type_id": str(output_type.id), "task_type_id": str(task_type.id), **extras}
    return client.post(
        f"{instance_url(instance, temporal)}/output-files/next-revision", body, format="json"
    )


def shot_publish(client, cosmos, **extras) -> dict:
    return published_instance(
        client,
        cosmos.shot_instance,
        cosmos.shot,
        cosmos.cache,
        cosmos.animation,
        representation="abc",
        **extras,
    )


def rabbit_publish(client, cosmos, **extras) -> dict:
    return published_instance(
        client,
        cosmos.asset_instance,
        cosmos.tree,
        cosmos.texture,
        cosmos.shaders,
        representation=".tx",
        **extras,
    )


def test_new_instance_output(admin_client, cosmos, working_file):
    answer = shot_publish(
        admin_client, cosmos, working_file_id=str(working_file.id), comment="test comment"
    )

    assert answer["folder_path"] == (
        "/simple/productions/export/cosmos_landromat/shot/s01/p01/animation/cache/props/tree/"
        "instance_0001/abc"
    )
    assert answer["file_name"] == "cosmos_landromat_s01_p01_animation_cache_main_tree_0001_v001"
    assert answer["path"] == f"{SHOT_CACHE_FOLDER}/{SHOT_CACHE_STEM}_v001"
    stored = admin_client.get(f"/api/data/output-files/{answer['id']}").json()
    assert stored["comment"] == "test comment"
    assert stored["revision"] == 1
    assert stored["source_file_id"] == str(working_file.id)
    assert stored["entity_id"] == str(cosmos.tree.id)
    assert stored["asset_instance_id"] == str(cosmos.shot_instance.id)
    assert stored["temporal_entity_id"] == str(cosmos.shot.id)


def test_an_instance_publish_answers_the_output_with_path_parts(admin_client, cosmos, working_file):
    answer = shot_publish(admin_client, cosmos, working_file_id=str(working_file.id))

    assert set(answer) == OF_KEYS | {"folder_path", "file_name"}
    assert answer["source_file"] == as_json(working_file)
    assert (answer["checksum"], answer["size"]) == ("ab" * 32, 2048)


def test_get_next_instance_revision(admin_client, cosmos):
    shot_publish(admin_client, cosmos)

    response = next_instance_revision(
        admin_client, cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.animation
    )

    assert response.status_code == 200
    assert response.json() == {"next_revision": 2}
    assert shot_publish(admin_client, cosmos)["file_name"] == f"{SHOT_CACHE_STEM}_v002"


def test_get_last_instance_outputs(admin_client, cosmos):
    answer = shot_publish(admin_client, cosmos)

    response = admin_client.get(
        f"{instance_url(cosmos.shot_instance, cosmos.shot)}/output-files/last-revisions"
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [answer["id"]]


def test_new_asset_asset_instance_output(admin_client, cosmos):
    answer = rabbit_publish(admin_client, cosmos)

    assert answer["folder_path"] == (
        "/simple/productions/export/cosmos_landromat/assets/props/tree/shaders/texture/"
        "character/rabbit/instance_0001/tx"
    )
    assert (
        answer["file_name"] == "cosmos_landromat_props_tree_shaders_texture_main_rabbit_0001_v001"
    )
    assert answer["path"] == f"{RABBIT_FOLDER}/{RABBIT_STEM}_v001"
    assert answer["entity_id"] == str(cosmos.rabbit.id)
    assert answer["temporal_entity_id"] == str(cosmos.tree.id)


def test_get_next_asset_asset_instance_revision(admin_client, cosmos):
    rabbit_publish(admin_client, cosmos)

    response = next_instance_revision(
        admin_client, cosmos.asset_instance, cosmos.tree, cosmos.texture, cosmos.shaders
    )

    assert response.json() == {"next_revision": 2}


def test_get_last_asset_asset_instance_outputs(admin_client, cosmos):
    answer = rabbit_publish(admin_client, cosmos)

    response = admin_client.get(
        f"{instance_url(cosmos.asset_instance, cosmos.tree)}/output-files/last-revisions"
    )

    assert answer["id"] in [row["id"] for row in response.json()]


def test_get_instance_output_types(admin_client, cosmos):
    url = f"{instance_url(cosmos.shot_instance, cosmos.shot)}/output-types"
    assert admin_client.get(url).json() == []

    shot_publish(admin_client, cosmos)

    response = admin_client.get(url)
    assert response.status_code == 200
    assert response.json()[0] == as_json(cosmos.cache)


def test_get_output_files_for_output_type_and_asset_instance(admin_client, cosmos):
    instance, scene = cosmos.scene_instance, cosmos.scene
    for revision in (1, 2, 3, 4):
        make_instance_output(
            cosmos, instance, scene, cosmos.geometry, cosmos.shaders, revision, representation="obj"
        )
    for revision in (1, 2, 3):
        make_instance_output(
            cosmos, instance, scene, cosmos.geometry, cosmos.shaders, revision, representation="max"
        )
    url = f"{instance_url(instance, scene)}/output-types/{cosmos.geometry.id}/output-files"

    assert len(admin_client.get(url).json()) == 7
    assert revisions(admin_client.get(f"{url}?representation=obj")) == [4, 3, 2, 1]
    assert revisions(admin_client.get(f"{url}?representation=max")) == [3, 2, 1]
    assert admin_client.get(f"{url}?representation=").json() == []


def test_an_instance_publish_ignores_nb_elements_in_the_name(admin_client, cosmos):
    answer = shot_publish(admin_client, cosmos, nb_elements=50, extension=".abc")

    assert answer["file_name"] == f"{SHOT_CACHE_STEM}_v001"
    assert answer["path"] == f"{SHOT_CACHE_FOLDER}/{SHOT_CACHE_STEM}_v001.abc"
    assert answer["nb_elements"] == 50


def test_an_instance_publish_of_a_taken_revision_is_400(admin_client, cosmos):
    shot_publish(admin_client, cosmos, revision=3)

    response = publish_instance(
        admin_client,
        cosmos.shot_instance,
        cosmos.shot,
        cosmos.cache,
        cosmos.animation,
        representation="abc",
        revision=3,
    )

    assert response.status_code == 400
    assert response.json() == INSTANCE_OUTPUT_FILE_EXISTS
    assert OutputFile.objects.count() == 1


def test_an_instance_publish_with_an_unknown_output_type_is_400(admin_client, cosmos):
    body = {"output_type_id": str(uuid.uuid4()), "task_type_id": str(cosmos.animation.id)}

    response = admin_client.post(
        f"{instance_url(cosmos.shot_instance, cosmos.shot)}/output-files/new", body, format="json"
    )

    assert response.status_code == 400
    assert response.json() == INSTANCE_NO_OUTPUT_TYPE
    assert OutputFile.objects.count() == 0


def test_an_instance_publish_with_an_unknown_person_is_400(admin_client, cosmos):
    response = publish_instance(
        admin_client,
        cosmos.shot_instance,
        cosmos.shot,
        cosmos.cache,
        cosmos.animation,
        person_id=str(uuid.uuid4()),
    )

    assert response.status_code == 400
    assert response.json() == INSTANCE_NO_PERSON
    assert OutputFile.objects.count() == 0


def test_an_instance_publish_with_an_unknown_task_type_is_404(admin_client, cosmos):
    body = {"output_type_id": str(cosmos.cache.id), "task_type_id": str(uuid.uuid4())}

    response = admin_client.post(
        f"{instance_url(cosmos.shot_instance, cosmos.shot)}/output-files/new", body, format="json"
    )

    assert response.status_code == 404
    assert OutputFile.objects.count() == 0


@pytest.mark.parametrize("unknown", ["instance", "temporal"])
def test_an_instance_publish_on_unknown_ids_is_404(admin_client, cosmos, unknown):
    instance_id = uuid.uuid4() if unknown == "instance" else cosmos.shot_instance.id
    temporal_id = uuid.uuid4() if unknown == "temporal" else cosmos.shot.id
    body = {"output_type_id": str(cosmos.cache.id), "task_type_id": str(cosmos.animation.id)}

    response = admin_client.post(
        f"/api/data/asset-instances/{instance_id}/entities/{temporal_id}/output-files/new",
        body,
        format="json",
    )

    assert response.status_code == 404
    assert OutputFile.objects.count() == 0


def test_an_instance_publish_without_tree_creates_nothing(admin_client, cosmos):
    cosmos.project.file_tree = None
    cosmos.project.save(update_fields=["file_tree"])

    response = publish_instance(
        admin_client, cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.animation
    )

    assert response.status_code == 400
    assert OutputFile.objects.count() == 0


def test_an_instance_publish_needs_project_access(cosmos, member):
    outsider = member(ARTIST, inside=False)

    response = publish_instance(
        outsider, cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.animation
    )

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert OutputFile.objects.count() == 0
    assert (
        publish_instance(
            member(CLIENT), cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.animation
        ).status_code
        == 201
    )


@pytest.mark.parametrize("route", ["next-revision", "last-revisions", "output-types", "listing"])
def test_the_instance_routes_need_project_access(cosmos, member, route):
    outsider = member(ARTIST, inside=False)
    base = instance_url(cosmos.shot_instance, cosmos.shot)
    if route == "next-revision":
        response = next_instance_revision(
            outsider, cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.animation
        )
    elif route == "last-revisions":
        response = outsider.get(f"{base}/output-files/last-revisions")
    elif route == "output-types":
        response = outsider.get(f"{base}/output-types")
    else:
        response = outsider.get(f"/api/data/asset-instances/{cosmos.shot_instance.id}/output-files")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN


@pytest.fixture
def foreign_shot(cosmos):
    """A shot of another production, on the same tree, that no member of Cosmos is in."""
    project = production_services.create_project(
        values={"name": "Spring", "file_tree": cosmos.project.file_tree}
    )
    creator = cosmos.tree.created_by
    sequence = production_services.create_temporal_entity(
        kind="Sequence", project=project, name="S09", created_by=creator
    )
    return production_services.create_temporal_entity(
        kind="Shot", project=project, name="P09", parent=sequence, created_by=creator
    )


@pytest.mark.parametrize("route", ["publish", "next-revision", "path", "last-revisions"])
def test_an_instance_output_goes_only_into_a_production_of_the_caller(
    cosmos, member, admin_client, foreign_shot, route
):
    """The temporal entity's production names the output's path and holds it: a manager of
    the asset's production cannot publish into (nor read the paths and revisions of) the
    shots of a production they are not in. Zou checks the asset's project only."""
    manager = member(Role.MANAGER)
    base = instance_url(cosmos.shot_instance, foreign_shot)
    body = {"output_type_id": str(cosmos.cache.id), "task_type_id": str(cosmos.animation.id)}
    paths = {
        "publish": "output-files/new",
        "next-revision": "output-files/next-revision",
        "path": "output-file-path",
    }

    def call(client):
        if route == "last-revisions":
            return client.get(f"{base}/output-files/last-revisions")
        return client.post(f"{base}/{paths[route]}", body, format="json")

    response = call(manager)

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert OutputFile.objects.count() == 0
    assert call(admin_client).status_code in (200, 201)  # an admin is in every production


def test_the_three_criterions_are_all_applied(admin_client, cosmos):
    instance = cosmos.scene_instance
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, 1)
    make_instance_output(
        cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, 1, representation="obj"
    )
    make_instance_output(
        cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, 2, representation="obj"
    )
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.cache, cosmos.shaders, 1)
    make_instance_output(cosmos, instance, cosmos.shot, cosmos.geometry, cosmos.shaders, 1)
    by_type = f"output-types/{cosmos.geometry.id}/output-files"

    assert revisions(admin_client.get(f"{instance_url(instance, cosmos.scene)}/{by_type}")) == [
        2,
        1,
        1,
    ]
    obj = admin_client.get(f"{instance_url(instance, cosmos.scene)}/{by_type}?representation=obj")
    assert revisions(obj) == [2, 1]
    assert revisions(admin_client.get(f"{instance_url(instance, cosmos.shot)}/{by_type}")) == [1]


def test_every_revision_of_an_instance_is_listed_newest_first(admin_client, cosmos):
    instance = cosmos.scene_instance
    rows = {
        "geometry1": make_instance_output(
            cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, 1
        ),
        "geometry2": make_instance_output(
            cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, 2
        ),
        "cache1": make_instance_output(
            cosmos, instance, cosmos.scene, cosmos.cache, cosmos.shaders, 1, representation="abc"
        ),
        "shot1": make_instance_output(
            cosmos, instance, cosmos.shot, cosmos.geometry, cosmos.shaders, 1, name="shot"
        ),
    }
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, -1)
    make_instance_output(cosmos, cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.shaders, 1)
    url = f"/api/data/asset-instances/{instance.id}/output-files"

    assert revisions(admin_client.get(url)) == [2, 1, 1, 1]
    assert {row["output_type_id"] for row in admin_client.get(url).json()} == {
        str(cosmos.geometry.id),
        str(cosmos.cache.id),
    }

    def ids(params):
        return sorted(row["id"] for row in admin_client.get(url, params).json())

    assert ids({"temporal_entity_id": str(cosmos.shot.id)}) == [str(rows["shot1"].id)]
    assert ids({"output_type_id": str(cosmos.cache.id)}) == [str(rows["cache1"].id)]
    assert ids({"representation": "abc"}) == [str(rows["cache1"].id)]
    assert ids({"name": "shot"}) == [str(rows["shot1"].id)]
    assert ids({"task_type_id": str(cosmos.animation.id)}) == []
    assert ids({"file_status_id": str(services.default_file_status().id)}) == sorted(
        str(row.id) for row in rows.values()
    )
    for key in ("temporal_entity_id", *FILTER_KEYS):
        assert len(admin_client.get(f"{url}?{key}=").json()) == 4


def test_the_instance_listing_of_an_unknown_instance_is_404(admin_client, cosmos):
    response = admin_client.get(f"/api/data/asset-instances/{uuid.uuid4()}/output-files")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_the_last_instance_revision_is_read_per_output_type(admin_client, cosmos):
    instance = cosmos.scene_instance
    for revision in (1, 2, 3):
        make_instance_output(
            cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, revision
        )
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.cache, cosmos.shaders, 1)
    make_instance_output(cosmos, instance, cosmos.shot, cosmos.geometry, cosmos.shaders, 9)

    response = admin_client.get(
        f"{instance_url(instance, cosmos.scene)}/output-files/last-revisions"
    )

    by_type = {row["output_type_id"]: row["revision"] for row in response.json()}
    assert by_type == {str(cosmos.geometry.id): 3, str(cosmos.cache.id): 1}
    assert len(response.json()) == 2


def test_the_output_types_of_an_instance_are_listed_once_each(admin_client, cosmos):
    instance = cosmos.scene_instance
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, 1)
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, 2)
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.cache, cosmos.shaders, 1)
    rig = OutputType.objects.create(name="Rig", short_name="rig")
    make_instance_output(cosmos, instance, cosmos.shot, rig, cosmos.animation, 1)

    def names(temporal):
        response = admin_client.get(f"{instance_url(instance, temporal)}/output-types")
        return [row["name"] for row in response.json()]

    assert names(cosmos.scene) == ["Cache", "Geometry"]
    assert names(cosmos.shot) == ["Rig"]


def test_the_instance_next_revision_is_per_temporal_entity_and_name(admin_client, cosmos):
    instance = cosmos.scene_instance
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.cache, cosmos.animation, 4)
    make_instance_output(cosmos, instance, cosmos.shot, cosmos.cache, cosmos.animation, 8)

    def next_of(temporal, **extras):
        return next_instance_revision(
            admin_client, instance, temporal, cosmos.cache, cosmos.animation, **extras
        ).json()

    assert next_of(cosmos.scene) == {"next_revision": 5}
    assert next_of(cosmos.shot) == {"next_revision": 9}
    assert next_of(cosmos.scene, name="other") == {"next_revision": 1}


def test_an_instance_output_counts_in_the_asset_output_types(admin_client, cosmos):
    shot_publish(admin_client, cosmos)

    response = admin_client.get(f"/api/data/entities/{cosmos.tree.id}/output-types")

    assert [row["name"] for row in response.json()] == ["Cache"]
    assert admin_client.get(f"/api/data/entities/{cosmos.tree.id}/output-files").json() == []
