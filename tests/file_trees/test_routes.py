"""The file-tree routes against the database: path building (working-file path, entity and
instance output paths, and Zou's test_file_tree.py), set-file-tree, guess-from-path, tree
validation on the project update, and bad input answered with 400s that write nothing."""

import pytest

from file_trees.shipped import shipped_tree
from production import services
from production.models import (
    Project,
    Role,
    Software,
    TaskStatus,
)
from working_files.models import WorkingFile

pytestmark = pytest.mark.django_db


def working_path(client, task, **body):
    return client.post(f"/api/data/tasks/{task.id}/working-file-path", body, format="json")


def output_path(client, entity, output_type, task_type, **body):
    body = {"output_type_id": str(output_type.id), "task_type_id": str(task_type.id), **body}
    return client.post(f"/api/data/entities/{entity.id}/output-file-path", body, format="json")


def instance_path(client, instance, temporal, output_type, task_type, **body):
    body = {
        "output_type_id": str(output_type.id),
        "task_type_id": str(task_type.id),
        "representation": "abc",
        "revision": 3,
        **body,
    }
    url = f"/api/data/asset-instances/{instance.id}/entities/{temporal.id}/output-file-path"
    return client.post(url, body, format="json")


ROOT = "/simple/productions/cosmos_landromat"
EXPORT = "/simple/productions/export/cosmos_landromat"


# ---------------------------------------------------------------------------------------------
# Zou's test_file_tree.py, one test each


def test_get_path_shot(admin_client, cosmos):
    response = working_path(admin_client, cosmos.shot_task, software="ignored")
    assert response.status_code == 200
    assert response.json()["path"] == f"{ROOT}/shots/s01/p01/animation/3ds_max"


def test_get_path_scene(admin_client, cosmos):
    assert working_path(admin_client, cosmos.scene_task).json()["path"] == (
        f"{ROOT}/scenes/s01/sc01/animation/3ds_max"
    )


def test_get_path_episode(admin_client, cosmos):
    assert working_path(admin_client, cosmos.episode_task).json()["path"] == (
        f"{ROOT}/episodes/e01/animation/3ds_max"
    )


def test_get_file_path_asset(admin_client, cosmos):
    answer = working_path(admin_client, cosmos.asset_task, name="main").json()
    assert answer == {
        "path": f"{ROOT}/assets/props/tree/shaders/3ds_max",
        "name": "cosmos_landromat_props_tree_shaders_main_v001",
    }
    for revision in range(1, 5):
        WorkingFile.objects.create(
            task=cosmos.asset_task, entity=cosmos.tree, name="hotfix", revision=revision
        )
    hotfix = working_path(admin_client, cosmos.asset_task, name="hotfix").json()
    assert hotfix["name"] == "cosmos_landromat_props_tree_shaders_hotfix_v005"
    third = working_path(admin_client, cosmos.asset_task, name="hotfix", revision=3).json()
    assert third["name"] == "cosmos_landromat_props_tree_shaders_hotfix_v003"


def test_get_folder_path_asset(admin_client, cosmos):
    assert working_path(admin_client, cosmos.asset_task).json()["path"] == (
        f"{ROOT}/assets/props/tree/shaders/3ds_max"
    )


def test_get_path_shot_asset_instance(admin_client, cosmos):
    response = instance_path(
        admin_client, cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.animation
    )
    assert response.status_code == 200
    assert response.json() == {
        "folder_path": f"{EXPORT}/shot/s01/p01/animation/cache/props/tree/instance_0001/abc",
        "file_name": "cosmos_landromat_s01_p01_animation_cache_main_tree_0001_v003",
    }


def test_get_path_scene_asset_instance(admin_client, cosmos):
    response = instance_path(
        admin_client, cosmos.scene_instance, cosmos.scene, cosmos.cache, cosmos.animation
    )
    assert response.json() == {
        "folder_path": f"{EXPORT}/scene/s01/sc01/animation/cache/props/tree/instance_0001/abc",
        "file_name": "cosmos_landromat_s01_sc01_animation_cache_main_tree_0001_v003",
    }


def test_get_path_asset_asset_instance(admin_client, cosmos):
    response = instance_path(
        admin_client, cosmos.asset_instance, cosmos.tree, cosmos.materials, cosmos.shaders
    )
    assert response.json() == {
        "folder_path": (
            f"{EXPORT}/assets/props/tree/shaders/materials/character/rabbit/instance_0001/abc"
        ),
        "file_name": "cosmos_landromat_props_tree_shaders_materials_main_rabbit_0001_v003",
    }


def test_get_path_asset_software(admin_client, cosmos):
    response = working_path(admin_client, cosmos.asset_task, software_id=str(cosmos.blender.id))
    assert response.json()["path"] == f"{ROOT}/assets/props/tree/shaders/blender"


def test_get_file_path_asset_with_revision(admin_client, cosmos):
    answer = working_path(admin_client, cosmos.asset_task, revision=3).json()
    assert answer["path"] == f"{ROOT}/assets/props/tree/shaders/3ds_max"
    assert answer["name"] == "cosmos_landromat_props_tree_shaders_main_v003"


def test_get_folder_separator(admin_client, cosmos):
    answer = working_path(admin_client, cosmos.asset_task, sep="\\").json()
    assert answer["path"] == (
        "/simple\\productions\\cosmos_landromat\\assets\\props\\tree\\shaders\\3ds_max"
    )


def test_get_file_separator(admin_client, cosmos):
    answer = working_path(admin_client, cosmos.asset_task, sep="\\").json()
    assert answer["name"] == "cosmos_landromat_props_tree_shaders_main_v001"
    assert "\\" not in answer["name"]


def test_get_path_wrong_task_id(admin_client, cosmos):
    response = admin_client.post(
        f"/api/data/tasks/{cosmos.shaders.id}/working-file-path", {}, format="json"
    )
    assert response.status_code == 404


def test_get_path_wrong_mode(admin_client, cosmos):
    response = working_path(admin_client, cosmos.asset_task, mode="unknown")
    assert response.status_code == 400
    assert response.json() == {
        "message": "Mode unknown cannot be found on given tree.",
        "received_data": {"mode": "unknown"},
    }


def test_get_entity_output_file_path(admin_client, cosmos):
    response = output_path(admin_client, cosmos.tree, cosmos.cache, cosmos.shaders, revision=3)
    assert response.status_code == 200
    assert response.json() == {
        "folder_path": f"{EXPORT}/assets/props/tree/shaders/cache",
        "file_name": "cosmos_landromat_props_tree_shaders_cache_main_v003",
    }


def test_get_entity_output_file_path_next_revision(admin_client, cosmos):
    response = output_path(admin_client, cosmos.tree, cosmos.cache, cosmos.shaders, revision=0)
    assert response.json()["file_name"].endswith("_v001")


# ---------------------------------------------------------------------------------------------
# What each path route reads and answers, as in Zou: `path`/`name` for a working path and
# `folder_path`/`file_name` for output paths, `sep` or `separator` depending on the route, no
# automatic revision on the instance path; then bad input, answered with a 400 that creates
# nothing


def test_output_path_reads_separator_not_sep(admin_client, cosmos):
    answer = output_path(
        admin_client, cosmos.tree, cosmos.cache, cosmos.shaders, separator="\\", sep="/"
    ).json()
    assert answer["folder_path"].startswith("/simple\\productions/export\\cosmos_landromat\\")


def test_working_path_ignores_separator(admin_client, cosmos):
    answer = working_path(admin_client, cosmos.asset_task, separator="\\").json()
    assert "\\" not in answer["path"]


def test_instance_path_has_no_automatic_revision(admin_client, cosmos):
    answer = instance_path(
        admin_client, cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.animation, revision=0
    ).json()
    assert answer["file_name"].endswith("_v000")


def test_working_path_default_software_is_created_once(admin_client, cosmos):
    working_path(admin_client, cosmos.asset_task)
    working_path(admin_client, cosmos.shot_task)
    assert Software.objects.filter(name="3ds Max").count() == 1


# ---------------------------------------------------------------------------------------------
# Bad input: 400 naming the problem, never 500, nothing created


def drop_tree(project: Project) -> None:
    project.file_tree = None
    project.save()


def test_a_project_without_tree_is_a_400(admin_client, cosmos):
    drop_tree(cosmos.project)
    response = working_path(admin_client, cosmos.asset_task)
    assert response.status_code == 400
    assert response.json()["message"] == "No tree can be found for given project."
    assert not Software.objects.filter(name="3ds Max").exists()


def test_a_tree_missing_the_kind_is_a_400(admin_client, cosmos):
    tree = shipped_tree("simple")
    del tree["working"]["folder_path"]["asset"]
    cosmos.project.file_tree = tree
    cosmos.project.save()
    response = working_path(admin_client, cosmos.asset_task)
    assert response.status_code == 400
    assert "asset" in response.json()["message"]
    assert not Software.objects.filter(name="3ds Max").exists()


def test_an_entity_kind_the_tree_does_not_cover_is_a_400(admin_client, cosmos):
    cosmos.project.file_tree = shipped_tree("default")  # no instance templates
    cosmos.project.save()
    response = instance_path(
        admin_client, cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.animation
    )
    assert response.status_code == 400
    assert "instance" in response.json()["message"]


def test_a_token_that_fails_at_render_time_creates_nothing(admin_client, cosmos):
    tree = shipped_tree("simple")
    tree["working"]["folder_path"]["asset"] = "<Project>/<Software>/<Task.short_name>"
    Project.objects.filter(pk=cosmos.project.pk).update(file_tree=tree)
    response = working_path(admin_client, cosmos.asset_task)
    assert response.status_code == 400
    assert "short_name" in response.json()["message"]
    assert not Software.objects.filter(name="3ds Max").exists()


@pytest.mark.parametrize("software_id", ["not-an-id", "9d2f3c4e-0000-4000-8000-000000000000"])
def test_an_unknown_software_is_a_400_that_says_so(admin_client, cosmos, software_id):
    response = working_path(admin_client, cosmos.asset_task, software_id=software_id)
    assert response.status_code == 400
    assert response.json()["message"] == f"Unknown software: {software_id}"


@pytest.mark.parametrize("key", ["output_type_id", "task_type_id"])
def test_an_unknown_output_or_task_type_is_a_400_that_says_so(admin_client, cosmos, key):
    body = {key: "9d2f3c4e-0000-4000-8000-000000000000"}
    response = output_path(admin_client, cosmos.tree, cosmos.cache, cosmos.shaders, **body)
    assert response.status_code == 400
    label = "output type" if key == "output_type_id" else "task type"
    assert response.json()["message"].startswith(f"Unknown {label}:")


def test_output_path_needs_output_and_task_types(admin_client, cosmos):
    response = admin_client.post(
        f"/api/data/entities/{cosmos.tree.id}/output-file-path", {}, format="json"
    )
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["data"]["errors"]}
    assert fields == {"output_type_id", "task_type_id"}


def test_a_shot_without_sequence_is_a_400(admin_client, cosmos, admin):
    orphan = services.create_temporal_entity(
        kind="Shot", project=cosmos.project, name="P99", created_by=admin
    )
    task = services.create_task(
        values={
            "name": "main",
            "project": cosmos.project,
            "entity": orphan,
            "task_type": cosmos.animation,
            "task_status": TaskStatus.objects.get(is_default=True),
        }
    )
    response = working_path(admin_client, task)
    assert response.status_code == 400
    assert "has no sequence" in response.json()["message"]


def test_an_edit_uses_the_asset_template_and_says_what_fails(admin_client, cosmos, admin):
    edit = services.create_temporal_entity(
        kind="Edit", project=cosmos.project, name="Cut", created_by=admin
    )
    task = services.create_task(
        values={
            "name": "main",
            "project": cosmos.project,
            "entity": edit,
            "task_type": cosmos.animation,
            "task_status": TaskStatus.objects.get(is_default=True),
        }
    )
    response = working_path(admin_client, task)
    assert response.status_code == 400
    assert "is not an asset" in response.json()["message"]


# ---------------------------------------------------------------------------------------------
# Permissions of the path routes


@pytest.mark.parametrize(
    "role, in_team, status",
    [
        (Role.ARTIST, True, 200),
        (Role.CLIENT, True, 200),
        (Role.ARTIST, False, 403),
        (Role.VENDOR, True, 403),
        (Role.MANAGER, False, 403),
    ],
)
def test_path_routes_need_project_and_entity_access(
    client_for, make_person, cosmos, role, in_team, status
):
    person = make_person(role)
    if in_team:
        services.add_person_to_team(project=cosmos.project, person=person, role=None)
    client = client_for(person)
    assert working_path(client, cosmos.asset_task).status_code == status
    assert output_path(client, cosmos.tree, cosmos.cache, cosmos.shaders).status_code == status


def test_a_vendor_reaches_the_paths_of_their_tasks(client_for, make_person, cosmos):
    vendor = make_person(Role.VENDOR)
    services.add_person_to_team(project=cosmos.project, person=vendor, role=None)
    cosmos.asset_task.assignees.add(vendor)
    assert working_path(client_for(vendor), cosmos.asset_task).status_code == 200


# ---------------------------------------------------------------------------------------------
# set-file-tree and tree validation on the project update


def set_tree(client, project, body):
    return client.post(f"/api/actions/projects/{project.id}/set-file-tree", body, format="json")


def test_set_file_tree_copies_a_shipped_tree(admin_client, cosmos):
    response = set_tree(admin_client, cosmos.project, {"tree_name": "default"})
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "Project"
    assert body["file_tree"] == shipped_tree("default")
    assert "team" not in body  # the row without relations
    cosmos.project.refresh_from_db()
    assert cosmos.project.file_tree == shipped_tree("default")


@pytest.mark.parametrize("name", ["nope", "../simple", "/etc/passwd", "simple.json"])
def test_set_file_tree_refuses_unknown_names(admin_client, cosmos, name):
    response = set_tree(admin_client, cosmos.project, {"tree_name": name})
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": "Selected tree is not available",
        "data": None,
    }
    cosmos.project.refresh_from_db()
    assert cosmos.project.file_tree == shipped_tree("simple")


@pytest.mark.parametrize("body", [{}, {"tree_name": ""}])
def test_set_file_tree_needs_a_name(admin_client, cosmos, body):
    response = set_tree(admin_client, cosmos.project, body or {"other": 1})
    assert response.status_code == 400
    assert response.json()["message"] == "Validation error."


@pytest.mark.parametrize(
    "role, status", [(Role.MANAGER, 200), (Role.SUPERVISOR, 403), (Role.ARTIST, 403)]
)
def test_set_file_tree_needs_manager_rights(client_for, make_person, cosmos, role, status):
    person = make_person(role)
    services.add_person_to_team(project=cosmos.project, person=person, role=None)
    assert set_tree(client_for(person), cosmos.project, {"tree_name": "simple"}).status_code == (
        status
    )


def test_set_file_tree_on_an_unknown_project_is_a_404(admin_client, default_data):
    response = admin_client.post(
        "/api/actions/projects/9d2f3c4e-0000-4000-8000-000000000000/set-file-tree",
        {"tree_name": "simple"},
        format="json",
    )
    assert response.status_code == 404


def test_a_new_project_gets_the_default_tree(admin_client, default_data):
    response = admin_client.post("/api/data/projects", {"name": "Fresh"}, format="json")
    assert response.json()["file_tree"] == shipped_tree("default")


def test_a_custom_tree_set_through_the_project_round_trips(admin_client, cosmos):
    tree = shipped_tree("simple")
    tree["working"]["mountpoint"] = "/mnt/studio"
    response = admin_client.put(
        f"/api/data/projects/{cosmos.project.id}", {"file_tree": tree}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["file_tree"] == tree


def test_a_broken_tree_set_through_the_project_is_refused_and_the_old_one_kept(
    admin_client, cosmos
):
    tree = shipped_tree("simple")
    tree["working"]["folder_path"]["shot"] = "<Project>/<Shoot>"
    del tree["output"]["mountpoint"]
    response = admin_client.put(
        f"/api/data/projects/{cosmos.project.id}", {"file_tree": tree}, format="json"
    )
    assert response.status_code == 400
    messages = [
        e["message"] for e in response.json()["data"]["errors"] if e["field"] == "file_tree"
    ]
    assert any("<Shoot>" in message for message in messages)
    assert any("mountpoint" in message for message in messages)
    cosmos.project.refresh_from_db()
    assert cosmos.project.file_tree == shipped_tree("simple")


# ---------------------------------------------------------------------------------------------
# guess-from-path (the behaviours Zou's own tests check)


def guess(client, project, path, route="guess-from-path", **extra):
    body = {"project_id": str(project.id), "file_path": path, **extra}
    return client.post(f"/api/data/entities/{route}", body, format="json")


def test_a_path_outside_every_root_guesses_nothing(admin_client, cosmos):
    response = guess(admin_client, cosmos.project, "/some/test/path")
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    "path",
    [
        f"{ROOT}/assets/Props/Tree/Shaders/blender",
        "/simple/productions/cosmos landromat/assets/Props/Tree/Shaders/blender",
        "/SIMPLE/PRODUCTIONS/COSMOS_LANDROMAT/ASSETS/PROPS/TREE/SHADERS/BLENDER",
    ],
)
def test_an_asset_path_names_its_project_type_asset_and_task_type(admin_client, cosmos, path):
    assert guess(admin_client, cosmos.project, path).json() == [
        {
            "Template": "asset",
            "Project": str(cosmos.project.id),
            "AssetType": str(cosmos.tree.entity_type_id),
            "Asset": str(cosmos.tree.id),
            "TaskType": str(cosmos.shaders.id),
        }
    ]


def test_a_shot_path_finds_the_sequence_without_its_episode(admin_client, cosmos):
    path = "/simple/productions/cosmos landromat/shots/s01/p01/animation/max"
    assert guess(admin_client, cosmos.project, path).json() == [
        {
            "Template": "shot",
            "Project": str(cosmos.project.id),
            "Sequence": str(cosmos.sequence.id),
            "Shot": str(cosmos.shot.id),
            "TaskType": str(cosmos.animation.id),
        }
    ]


def test_a_scene_path_carries_the_scene(admin_client, cosmos):
    matches = guess(admin_client, cosmos.project, f"{ROOT}/scenes/s01/sc01/animation/max").json()
    assert matches[0]["Template"] == "scene"
    assert matches[0]["Scene"] == str(cosmos.scene.id)


def test_the_episode_narrows_the_sequence(admin_client, cosmos, admin):
    other_episode = services.create_temporal_entity(
        kind="Episode", project=cosmos.project, name="E02", created_by=admin
    )
    other_sequence = services.create_temporal_entity(
        kind="Sequence", project=cosmos.project, name="S01", parent=other_episode, created_by=admin
    )
    other_shot = services.create_temporal_entity(
        kind="Shot", project=cosmos.project, name="P01", parent=other_sequence, created_by=admin
    )
    tree = shipped_tree("simple")
    tree["working"]["folder_path"]["shot"] = "<Project>/<Episode>/<Sequence>/<Shot>"
    Project.objects.filter(pk=cosmos.project.pk).update(file_tree=tree)
    cosmos.project.refresh_from_db()
    match = guess(admin_client, cosmos.project, f"{ROOT}/e02/s01/p01").json()[0]
    assert match["Episode"] == str(other_episode.id)
    assert match["Sequence"] == str(other_sequence.id)
    assert match["Shot"] == str(other_shot.id)


def test_a_path_of_another_project_only_names_the_template(admin_client, cosmos):
    other = services.create_project(values={"name": "Other", "file_tree": shipped_tree("simple")})
    matches = guess(admin_client, other, f"{ROOT}/assets/props/tree/shaders/blender").json()
    assert matches == [{"Template": "asset"}]


def test_an_unknown_sequence_stops_at_the_project(admin_client, cosmos):
    path = f"{ROOT}/shots/nowhere/p01/animation/max"
    assert guess(admin_client, cosmos.project, path).json() == [
        {"Template": "shot", "Project": str(cosmos.project.id)}
    ]


def test_the_underscore_alias_answers_alike(admin_client, cosmos):
    path = f"{ROOT}/shots/s01/p01/animation/max"
    dashed = guess(admin_client, cosmos.project, path).json()
    assert guess(admin_client, cosmos.project, path, route="guess_from_path").json() == dashed


def test_a_name_with_underscores_and_percent_is_matched_exactly(admin_client, cosmos, admin):
    props = cosmos.tree.entity_type
    odd = services.create_asset(
        project=cosmos.project, asset_type=props, name="Big_Tree%", created_by=admin
    )
    match = guess(admin_client, cosmos.project, f"{ROOT}/assets/props/big_tree/shaders/x").json()
    assert match[0]["Asset"] == str(odd.id)
    # "%" is no wildcard: "big" names no asset.
    partial = guess(admin_client, cosmos.project, f"{ROOT}/assets/props/big/shaders/x").json()
    assert "Asset" not in partial[0]


def test_guess_on_a_project_without_tree_is_a_400(admin_client, cosmos):
    drop_tree(cosmos.project)
    response = guess(admin_client, cosmos.project, f"{ROOT}/shots/s01/p01")
    assert response.status_code == 400
    assert response.json()["message"] == "No tree can be found for given project."


def test_guess_with_an_instance_template_is_no_500(admin_client, cosmos):
    tree = shipped_tree("simple")
    tree["output"]["folder_path"]["instance"] = "<Project>/<Episode>/<Asset>/<Instance>"
    tree["output"]["file_name"]["instance"] = "<Project>"
    Project.objects.filter(pk=cosmos.project.pk).update(file_tree=tree)
    path = f"{EXPORT}/e01/tree/tree_0001"
    response = guess(admin_client, cosmos.project, path)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body, missing",
    [
        ({"sep": "/"}, {"project_id", "file_path"}),
        ({"project_id": "x"}, {"file_path"}),
        ({"file_path": "/a"}, {"project_id"}),
    ],
)
def test_guess_validates_its_body_first(admin_client, cosmos, body, missing):
    response = admin_client.post("/api/data/entities/guess-from-path", body, format="json")
    assert response.status_code == 400
    assert {error["field"] for error in response.json()["data"]["errors"]} == missing


def test_guess_needs_project_access(client_for, make_person, cosmos):
    outsider = client_for(make_person(Role.ARTIST))
    assert guess(outsider, cosmos.project, f"{ROOT}/shots").status_code == 403


def test_guess_on_an_unknown_project_is_a_404(admin_client, default_data):
    body = {"project_id": "not-an-id", "file_path": "/simple"}
    response = admin_client.post("/api/data/entities/guess-from-path", body, format="json")
    assert response.status_code == 404
