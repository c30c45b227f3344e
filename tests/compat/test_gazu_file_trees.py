"""File trees and path building, driven through gazu 1.3.1 against the live server.

What gazu's files and entity modules call: path building for working files, entity outputs
and instance outputs, the project's tree (update and set-file-tree) and guess_from_path. The
production is the "Cosmos Landromat" of Zou's own tests, built through gazu wherever gazu can
build it.
"""

import copy
import json
from pathlib import Path
from types import SimpleNamespace

import gazu
import pytest
from gazu.exception import ParameterException

pytestmark = pytest.mark.live

SHIPPED_TREES = Path(__file__).resolve().parents[2] / "file_trees" / "trees"

WORK = "/simple/productions/cosmos_landromat"
EXPORT = "/simple/productions/export/cosmos_landromat"

# A tree of the studio's own: custom mountpoint, an empty root, a custom mode, dotted tokens.
CUSTOM_TREE = {
    "working": {
        "mountpoint": "/mnt/demo",
        "root": "work",
        "folder_path": {
            "asset": "<Project>/assets/<AssetType>/<Asset>/<TaskType>",
            "shot": "<Project>/shots/<Sequence>/<Shot>/<TaskType>",
            "style": "lowercase",
        },
        "file_name": {
            "asset": "<Project>_<AssetType>_<Asset>_<TaskType>_<Name>_v<Revision>",
            "shot": "<Project>_<Sequence>_<Shot>_<TaskType>_<Name>_v<Revision>",
            "style": "lowercase",
        },
    },
    "output": {
        "mountpoint": "/mnt/demo",
        "root": "",
        "folder_path": {
            "asset": "<Project>/<AssetType>/<Asset.name>/<OutputType>",
            "style": "lowercase",
        },
        "file_name": {
            "asset": "<Asset>_<OutputType>_<Name>_v<Version>",
            "style": "lowercase",
        },
    },
    "publish": {
        "mountpoint": "/mnt/publish",
        "root": "final",
        "folder_path": {"asset": "<Project>/<Asset.id>/<TaskType>"},
        "file_name": {"asset": "<Asset>_<Name>_v<Revision>"},
    },
}


def shipped(name: str) -> dict:
    return json.loads((SHIPPED_TREES / f"{name}.json").read_text())


def set_file_tree(project: dict, tree_name: str) -> dict:
    """gazu 1.3.1 has no wrapper for this route: a pipeline tool posts through gazu's client."""
    return gazu.client.post(
        f"actions/projects/{project['id']}/set-file-tree", {"tree_name": tree_name}
    )


def stored_tree(project: dict):
    return gazu.project.get_project(project["id"])["file_tree"]


@pytest.fixture
def cosmos(gazu_admin):
    """The production of Zou's file-tree tests, made through gazu, with the `simple` tree."""
    project = gazu.project.new_project("Cosmos Landromat")
    props = gazu.asset.new_asset_type("Props")
    character = gazu.asset.new_asset_type("Character")
    shaders = gazu.task.new_task_type("Shaders", for_entity="Asset")
    animation = gazu.task.new_task_type("Animation", for_entity="Shot")
    gazu.project.add_asset_type(project, props)
    gazu.project.add_asset_type(project, character)
    gazu.project.add_task_type(project, shaders, 1)
    gazu.project.add_task_type(project, animation, 2)

    tree = gazu.asset.new_asset(project, props, "Tree")
    rabbit = gazu.asset.new_asset(project, character, "Rabbit")
    sequence = gazu.shot.new_sequence(project, "S01")
    shot = gazu.shot.new_shot(project, sequence, "P01", frame_in=1, frame_out=24)
    asset_task = gazu.task.new_task(tree, shaders)
    shot_task = gazu.task.new_task(shot, animation)

    blender = gazu.files.new_software("Blender", "bl", ".blend")
    cache = gazu.files.new_output_type("Cache", "cch")
    materials = gazu.files.new_output_type("Materials", "mat")
    # Rabbit instanced inside Tree: asset_id = Rabbit, target_asset_id = Tree.
    rabbit_in_tree = gazu.asset.new_asset_asset_instance(tree, rabbit)
    assert rabbit_in_tree["asset_id"] == rabbit["id"]
    assert rabbit_in_tree["target_asset_id"] == tree["id"]
    assert rabbit_in_tree["number"] == 1

    set_file_tree(project, "simple")
    return SimpleNamespace(
        project=gazu.project.get_project(project["id"]),
        props=props,
        character=character,
        shaders=shaders,
        animation=animation,
        tree=tree,
        rabbit=rabbit,
        sequence=sequence,
        shot=shot,
        asset_task=asset_task,
        shot_task=shot_task,
        blender=blender,
        cache=cache,
        materials=materials,
        rabbit_in_tree=rabbit_in_tree,
    )


# ---------------------------------------------------------------------------------------------
# Storing a tree: gazu.files.update_project_file_tree (PUT data/projects/<id>)


def test_update_project_file_tree_round_trips(cosmos):
    project = cosmos.project
    answer = gazu.files.update_project_file_tree(project, CUSTOM_TREE)
    assert answer["id"] == project["id"]
    assert answer["file_tree"] == CUSTOM_TREE
    assert stored_tree(project) == CUSTOM_TREE

    # The stored tree is the one paths are built with.
    assert gazu.files.build_working_file_path(
        cosmos.asset_task, software=cosmos.blender, revision=3
    ) == (
        "/mnt/demo/work/cosmos_landromat/assets/props/tree/shaders/"
        "cosmos_landromat_props_tree_shaders_main_v003"
    )
    assert gazu.files.build_working_file_path(cosmos.shot_task, revision=12) == (
        "/mnt/demo/work/cosmos_landromat/shots/s01/p01/animation/"
        "cosmos_landromat_s01_p01_animation_main_v012"
    )
    # Empty root: mountpoint + sep only.
    assert (
        gazu.files.build_entity_output_file_path(
            cosmos.tree, cosmos.cache, cosmos.shaders, revision=2
        )
        == "/mnt/demo/cosmos_landromat/props/tree/cache/tree_cache_main_v002"
    )
    # A custom mode without style: slugify alone lower-cases; an `.id` field stays verbatim.
    assert gazu.files.build_working_file_path(
        cosmos.asset_task, name="Final Cut", mode="publish", software=cosmos.blender, revision=7
    ) == (f"/mnt/publish/final/cosmos_landromat/{cosmos.tree['id']}/shaders/tree_final_cut_v007")


def test_update_project_file_tree_replaces_a_tree_whole(cosmos):
    gazu.files.update_project_file_tree(cosmos.project, CUSTOM_TREE)
    smaller = {"working": copy.deepcopy(CUSTOM_TREE["working"])}
    assert gazu.files.update_project_file_tree(cosmos.project, smaller)["file_tree"] == smaller
    assert stored_tree(cosmos.project) == smaller


def _broken(change) -> dict:
    tree = copy.deepcopy(CUSTOM_TREE)
    change(tree)
    return tree


BROKEN_TREES = {
    "unknown token": _broken(
        lambda t: t["working"]["folder_path"].update(shot="<Project>/shots/<Shoot>/<TaskType>")
    ),
    "unknown token in a file name": _broken(
        lambda t: t["output"]["file_name"].update(asset="<Asset>_<OuputType>_v<Version>")
    ),
    "mode without mountpoint": _broken(lambda t: t["working"].pop("mountpoint")),
    "mode without root": _broken(lambda t: t["output"].pop("root")),
    "mode without folder_path": _broken(lambda t: t["publish"].pop("folder_path")),
    "mode without file_name": _broken(lambda t: t["publish"].pop("file_name")),
    "mode that is not an object": _broken(lambda t: t.update(publish="/mnt/publish")),
    "unclosed token": _broken(
        lambda t: t["working"]["file_name"].update(asset="<Project>_<Asset_v<Revision>")
    ),
    "empty tree": {},
    "not an object": ["working", "output"],
}


@pytest.mark.parametrize("broken", BROKEN_TREES.values(), ids=BROKEN_TREES.keys())
def test_broken_tree_is_refused_and_old_tree_kept(cosmos, broken):
    gazu.files.update_project_file_tree(cosmos.project, CUSTOM_TREE)
    with pytest.raises(ParameterException):
        gazu.files.update_project_file_tree(cosmos.project, broken)
    assert stored_tree(cosmos.project) == CUSTOM_TREE


# ---------------------------------------------------------------------------------------------
# Setting a shipped tree: POST actions/projects/<id>/set-file-tree


def test_set_file_tree_stores_the_shipped_tree(cosmos):
    project = cosmos.project
    assert project["file_tree"] == shipped("simple")

    gazu.files.update_project_file_tree(project, CUSTOM_TREE)
    answer = set_file_tree(project, "simple")
    assert answer["type"] == "Project"
    assert answer["id"] == project["id"]
    assert answer["name"] == "Cosmos Landromat"
    assert answer["file_tree"] == shipped("simple")
    for relation in ("team", "asset_types", "task_types", "task_statuses"):
        assert relation not in answer
    assert stored_tree(project) == shipped("simple")

    assert set_file_tree(project, "default")["file_tree"] == shipped("default")
    assert stored_tree(project) == shipped("default")


@pytest.mark.parametrize("tree_name", ["nope", "../simple", "simple.json", "Simple "])
def test_set_file_tree_with_an_unknown_name(cosmos, tree_name):
    with pytest.raises(ParameterException) as raised:
        set_file_tree(cosmos.project, tree_name)
    assert raised.value.args[1] == "Selected tree is not available"
    assert stored_tree(cosmos.project) == shipped("simple")


def test_set_file_tree_without_a_name(cosmos):
    for body in ({}, {"tree_name": ""}):
        with pytest.raises(ParameterException):
            gazu.client.post(f"actions/projects/{cosmos.project['id']}/set-file-tree", body)
    assert stored_tree(cosmos.project) == shipped("simple")


# ---------------------------------------------------------------------------------------------
# Working paths: gazu.files.build_working_file_path (POST data/tasks/<id>/working-file-path)


def test_build_working_file_path_for_an_asset_task(cosmos):
    assert gazu.files.build_working_file_path(
        cosmos.asset_task, name="main", software=cosmos.blender, revision=3
    ) == (f"{WORK}/assets/props/tree/shaders/blender/cosmos_landromat_props_tree_shaders_main_v003")
    # gazu's defaults: revision 1, no software → the server's "3ds Max".
    assert gazu.files.build_working_file_path(cosmos.asset_task) == (
        f"{WORK}/assets/props/tree/shaders/3ds_max/cosmos_landromat_props_tree_shaders_main_v001"
    )
    assert gazu.files.build_working_file_path(
        cosmos.asset_task["id"], name="hotfix", software=cosmos.blender["id"], revision=1000
    ) == (
        f"{WORK}/assets/props/tree/shaders/blender/cosmos_landromat_props_tree_shaders_hotfix_v1000"
    )


def test_build_working_file_path_for_a_shot_task(cosmos):
    assert gazu.files.build_working_file_path(
        cosmos.shot_task, software=cosmos.blender, revision=3
    ) == (f"{WORK}/shots/s01/p01/animation/blender/cosmos_landromat_s01_p01_animation_main_v003")


def test_build_working_file_path_ignores_gazus_separator(cosmos):
    # gazu sends `separator`; this route reads `sep`, so the folder keeps `/` and only gazu's
    # own join uses the backslash.
    assert gazu.files.build_working_file_path(
        cosmos.shot_task, software=cosmos.blender, revision=3, sep="\\"
    ) == (f"{WORK}/shots/s01/p01/animation/blender\\cosmos_landromat_s01_p01_animation_main_v003")


def test_build_working_file_path_with_an_unknown_mode(cosmos):
    with pytest.raises(ParameterException) as raised:
        gazu.files.build_working_file_path(cosmos.asset_task, mode="unknown")
    assert raised.value.args[1] == "Mode unknown cannot be found on given tree."


# ---------------------------------------------------------------------------------------------
# Output paths: gazu.files.build_entity_output_file_path (POST data/entities/<id>/output-file-path)


def test_build_entity_output_file_path(cosmos):
    assert gazu.files.build_entity_output_file_path(
        cosmos.tree, cosmos.cache, cosmos.shaders, revision=3
    ) == (
        f"{EXPORT}/assets/props/tree/shaders/cache/cosmos_landromat_props_tree_shaders_cache_main_v003"
    )
    assert gazu.files.build_entity_output_file_path(
        cosmos.shot, cosmos.cache, cosmos.animation, revision=3
    ) == (
        f"{EXPORT}/shots/s01/p01/animation/cache/cosmos_landromat_s01_p01_animation_cache_main_v003"
    )


def test_build_entity_output_file_path_next_revision(cosmos):
    folder = f"{EXPORT}/assets/props/tree/shaders/cache"
    # Nothing published yet: revision 0 names the next revision, 1.
    assert gazu.files.build_entity_output_file_path(cosmos.tree, cosmos.cache, cosmos.shaders) == (
        f"{folder}/cosmos_landromat_props_tree_shaders_cache_main_v001"
    )


def test_build_entity_output_file_path_honours_gazus_separator(cosmos):
    # This route reads `separator`: the folder uses it, mountpoint and root stay verbatim.
    assert gazu.files.build_entity_output_file_path(
        cosmos.tree, cosmos.cache, cosmos.shaders, revision=3, sep="\\"
    ) == (
        "/simple\\productions/export\\cosmos_landromat\\assets\\props\\tree\\shaders\\cache"
        "\\cosmos_landromat_props_tree_shaders_cache_main_v003"
    )


# ---------------------------------------------------------------------------------------------
# Instance paths: gazu.files.build_asset_instance_output_file_path
# (POST data/asset-instances/<ai>/entities/<te>/output-file-path)


def test_build_asset_instance_output_file_path_asset_in_asset(cosmos):
    assert gazu.files.build_asset_instance_output_file_path(
        cosmos.rabbit_in_tree,
        cosmos.tree,
        cosmos.materials,
        cosmos.shaders,
        representation="abc",
        revision=3,
    ) == (
        f"{EXPORT}/assets/props/tree/shaders/materials/character/rabbit/instance_0001/abc/"
        "cosmos_landromat_props_tree_shaders_materials_main_rabbit_0001_v003"
    )
    # No automatic numbering on this route: revision 0 renders v000 (kept Zou quirk); an empty
    # representation leaves the folder ending in the template's `/`, and gazu adds its own.
    assert gazu.files.build_asset_instance_output_file_path(
        cosmos.rabbit_in_tree, cosmos.tree, cosmos.materials, cosmos.shaders
    ) == (
        f"{EXPORT}/assets/props/tree/shaders/materials/character/rabbit/instance_0001//"
        "cosmos_landromat_props_tree_shaders_materials_main_rabbit_0001_v000"
    )


def test_build_asset_instance_output_file_path_without_instance_template(cosmos):
    set_file_tree(cosmos.project, "default")  # no instance / instance_asset templates
    with pytest.raises(ParameterException):
        gazu.files.build_asset_instance_output_file_path(
            cosmos.rabbit_in_tree, cosmos.tree, cosmos.materials, cosmos.shaders, revision=3
        )


# ---------------------------------------------------------------------------------------------
# gazu.entity.guess_from_path (POST data/entities/guess_from_path)


def test_guess_from_an_asset_working_path(cosmos):
    path = gazu.files.build_working_file_path(
        cosmos.asset_task, software=cosmos.blender, revision=3
    )
    assert gazu.entity.guess_from_path(cosmos.project["id"], path) == [
        {
            "Template": "asset",
            "Project": cosmos.project["id"],
            "AssetType": cosmos.props["id"],
            "Asset": cosmos.tree["id"],
            "TaskType": cosmos.shaders["id"],
        }
    ]


def test_guess_from_a_shot_working_path(cosmos):
    path = gazu.files.build_working_file_path(cosmos.shot_task, software=cosmos.blender, revision=3)
    expected = [
        {
            "Template": "shot",
            "Project": cosmos.project["id"],
            "Sequence": cosmos.sequence["id"],
            "Shot": cosmos.shot["id"],
            "TaskType": cosmos.animation["id"],
        }
    ]
    assert gazu.entity.guess_from_path(cosmos.project["id"], path) == expected
    # The dashed route answers the same.
    assert (
        gazu.client.post(
            "data/entities/guess-from-path",
            {"project_id": cosmos.project["id"], "file_path": path},
        )
        == expected
    )


def test_guess_from_an_output_path(cosmos):
    path = gazu.files.build_entity_output_file_path(
        cosmos.tree, cosmos.cache, cosmos.shaders, revision=3
    )
    project_id = cosmos.project["id"]
    # Every output template that fits is an answer, in the stored (JSONB) key order: `asset`
    # in full; `instance` stops at once (no entity type "assets"); `instance_asset` stops at
    # <AssetType>, which gets the file name element.
    assert gazu.entity.guess_from_path(project_id, path) == [
        {
            "Template": "asset",
            "Project": project_id,
            "AssetType": cosmos.props["id"],
            "Asset": cosmos.tree["id"],
            "TaskType": cosmos.shaders["id"],
            "OutputType": cosmos.cache["id"],
        },
        {"Template": "instance", "Project": project_id},
        {
            "Template": "instance_asset",
            "Project": project_id,
            "TemporalEntityType": cosmos.props["id"],
            "TemporalEntity": cosmos.tree["id"],
            "TaskType": cosmos.shaders["id"],
            "OutputType": cosmos.cache["id"],
        },
    ]


def test_guess_from_a_partial_match(cosmos):
    path = f"{WORK}/shots/nowhere/p01/animation/blender"
    assert gazu.entity.guess_from_path(cosmos.project["id"], path) == [
        {"Template": "shot", "Project": cosmos.project["id"]}
    ]


def test_guess_from_a_path_outside_every_root(cosmos):
    assert gazu.entity.guess_from_path(cosmos.project["id"], "/some/test/path") == []
    assert gazu.entity.guess_from_path(cosmos.project["id"], "/mnt/demo/work/x/assets") == []


# ---------------------------------------------------------------------------------------------
# A project without a tree: every path computation is a 400, never a 500


def test_project_without_tree(cosmos):
    project = gazu.project.get_project(cosmos.project["id"])
    project["file_tree"] = None
    assert gazu.project.update_project(project)["file_tree"] is None
    assert stored_tree(project) is None

    with pytest.raises(ParameterException) as raised:
        gazu.files.build_working_file_path(cosmos.asset_task, software=cosmos.blender)
    assert raised.value.args[1] == "No tree can be found for given project."
    with pytest.raises(ParameterException) as raised:
        gazu.files.build_entity_output_file_path(cosmos.tree, cosmos.cache, cosmos.shaders)
    assert raised.value.args[1] == "No tree can be found for given project."
    with pytest.raises(ParameterException) as raised:
        gazu.files.build_asset_instance_output_file_path(
            cosmos.rabbit_in_tree, cosmos.tree, cosmos.materials, cosmos.shaders, revision=3
        )
    assert raised.value.args[1] == "No tree can be found for given project."
    # Zou answers 500 here: a 400 is what a client can handle.
    with pytest.raises(ParameterException):
        gazu.entity.guess_from_path(cosmos.project["id"], f"{WORK}/assets/props/tree")

    # And a tree set again brings paths back.
    set_file_tree(project, "simple")
    assert gazu.files.build_working_file_path(
        cosmos.asset_task, software=cosmos.blender, revision=3
    ) == (f"{WORK}/assets/props/tree/shaders/blender/cosmos_landromat_props_tree_shaders_main_v003")
