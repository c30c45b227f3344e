"""Path services on database rows (Zou's test_file_tree_service.py): the paths of tasks,
outputs and instances, the fallbacks, and the helpers that find a task from a path."""

import pytest

from file_trees import services
from file_trees.selectors import (
    TaskNotFound,
    WrongPathFormat,
    asset_task_from_path,
    shot_task_from_path,
)
from file_trees.shipped import shipped_tree
from production import services as production_services
from production.models import Department, OutputType, Project, Software, TaskStatus

pytestmark = pytest.mark.django_db

WORK = "/simple/productions/cosmos_landromat"
EXPORT = "/simple/productions/export/cosmos_landromat"


def joined(folder_and_name: tuple[str, str]) -> str:
    return "/".join(folder_and_name)


def test_the_tree_of_a_production_is_read_off_the_production(cosmos):
    tree = shipped_tree("simple")
    tree["working"]["mountpoint"] = "/studio"
    Project.objects.filter(pk=cosmos.project.pk).update(file_tree=tree)
    cosmos.asset_task.entity.project.refresh_from_db()
    folder, _ = services.working_file_path(
        task=cosmos.asset_task, software=cosmos.blender, name="main", revision=1
    )
    assert folder.startswith("/studio/productions/")


def test_the_production_of_an_entity_is_read_off_the_entity(cosmos):
    folder, _ = services.entity_output_file_path(
        entity=cosmos.shot,
        output_type=cosmos.cache,
        task_type=cosmos.animation,
        name="main",
        revision=1,
    )
    assert folder.startswith(f"{EXPORT}/")


def test_the_path_of_an_asset_task(cosmos):
    path = services.working_file_path(
        task=cosmos.asset_task, software=cosmos.blender, name="", revision=3
    )
    # An empty name leaves no double underscore.
    assert joined(path) == (
        f"{WORK}/assets/props/tree/shaders/blender/cosmos_landromat_props_tree_shaders_v003"
    )


def test_the_path_of_a_shot_task(cosmos):
    folder, name = services.working_file_path(
        task=cosmos.shot_task, software=None, name="", revision=3
    )
    assert folder == f"{WORK}/shots/s01/p01/animation/3dsmax"
    assert name == "cosmos_landromat_s01_p01_animation_v003"


def test_the_path_of_a_scene_task(cosmos):
    path = services.working_file_path(task=cosmos.scene_task, software=None, name="", revision=3)
    assert (
        joined(path)
        == f"{WORK}/scenes/s01/sc01/animation/3dsmax/cosmos_landromat_sc01_animation_v003"
    )


def test_the_separator_of_the_target_platform_is_used_throughout(cosmos):
    folder, _ = services.working_file_path(
        task=cosmos.shot_task, software=None, name="", revision=3, sep="\\"
    )
    assert folder == "/simple\\productions\\cosmos_landromat\\shots\\s01\\p01\\animation\\3dsmax"


def test_the_path_of_a_shot_output(cosmos):
    path = services.entity_output_file_path(
        entity=cosmos.shot,
        output_type=cosmos.cache,
        task_type=cosmos.animation,
        name="main",
        revision=3,
    )
    assert joined(path) == (
        f"{EXPORT}/shots/s01/p01/animation/cache/cosmos_landromat_s01_p01_animation_cache_main_v003"
    )


def test_the_name_of_an_asset_output(cosmos):
    _, name = services.entity_output_file_path(
        entity=cosmos.tree, output_type=None, task_type=None, name="main", revision=3
    )
    assert name == "cosmos_landromat_props_tree_geometry_main_v003"


def test_a_missing_output_type_or_software_falls_back(cosmos):
    services.entity_output_file_path(
        entity=cosmos.tree, output_type=None, task_type=None, name="main", revision=1
    )
    services.working_file_path(task=cosmos.shot_task, software=None, name="", revision=1)
    assert OutputType.objects.filter(name="Geometry").count() == 1
    assert Software.objects.filter(name="3dsmax").count() == 1


def test_an_output_covering_several_elements_carries_the_range(cosmos):
    _, name = services.entity_output_file_path(
        entity=cosmos.shot,
        output_type=cosmos.cache,
        task_type=cosmos.animation,
        name="main",
        revision=3,
        nb_elements=50,
    )
    assert name.endswith("_main_v003_[1-50]")


def test_an_instance_follows_the_tree_of_the_entity_it_sits_in(cosmos, admin):
    tree = shipped_tree("simple")
    tree["output"]["mountpoint"] = "/elsewhere"
    other = production_services.create_project(values={"name": "Other", "file_tree": tree})
    sequence = production_services.create_temporal_entity(
        kind="Sequence", project=other, name="S01", created_by=admin
    )
    shot = production_services.create_temporal_entity(
        kind="Shot", project=other, name="P01", parent=sequence, created_by=admin
    )
    cosmos.tree.is_shared = True  # only shared assets are cast in other productions
    cosmos.tree.save()
    borrowed = production_services.create_asset_instance(asset=cosmos.tree, scene=shot)
    folder, _ = services.instance_output_file_path(
        instance=borrowed,
        temporal_entity=shot,
        output_type=cosmos.cache,
        task_type=cosmos.animation,
        name="main",
        revision=1,
    )
    assert folder.startswith("/elsewhere/productions/export/other/shot/s01/p01/")


# ---------------------------------------------------------------------------------------------
# Path → task


def test_an_asset_path_resolves_to_its_task(cosmos):
    path = f"{WORK}/assets/props/tree/shaders/blender"
    assert asset_task_from_path(cosmos.project, path) == cosmos.asset_task


def test_a_shot_path_resolves_to_its_task(cosmos, admin):
    # A flat production: the sequence has no episode.
    sequence = production_services.create_temporal_entity(
        kind="Sequence", project=cosmos.project, name="Seq1", created_by=admin
    )
    shot = production_services.create_temporal_entity(
        kind="Shot", project=cosmos.project, name="P002", parent=sequence, created_by=admin
    )
    task = production_services.create_task(
        values={
            "name": "main",
            "project": cosmos.project,
            "entity": shot,
            "task_type": cosmos.animation,
            "task_status": TaskStatus.objects.get(is_default=True),
        }
    )
    path = f"{WORK}/shots/Seq1/P002/animation/blender"
    assert shot_task_from_path(cosmos.project, path) == task


@pytest.mark.parametrize(
    "path", [f"{WORK}/assets/props/tree", f"{WORK}/assets/props/tree/shaders/blender/extra"]
)
def test_a_path_of_another_shape_is_refused(cosmos, path):
    with pytest.raises(WrongPathFormat, match="doesn't match"):
        asset_task_from_path(cosmos.project, path)


def test_a_fixed_element_that_differs_is_refused(cosmos):
    with pytest.raises(WrongPathFormat):
        asset_task_from_path(cosmos.project, f"{WORK}/shots/props/tree/shaders/blender")


def test_a_path_naming_no_asset_is_refused(cosmos):
    with pytest.raises(WrongPathFormat, match="No asset or shot found"):
        asset_task_from_path(cosmos.project, f"{WORK}/assets/props/bush/shaders/blender")


def test_a_path_naming_no_shot_is_refused(cosmos):
    with pytest.raises(WrongPathFormat, match="No asset or shot found"):
        shot_task_from_path(cosmos.project, f"{WORK}/shots/s01/p99/animation/blender")


def test_a_path_naming_no_task_type_is_refused(cosmos):
    with pytest.raises(WrongPathFormat, match="Task type lookdev was not found"):
        asset_task_from_path(cosmos.project, f"{WORK}/assets/props/tree/lookdev/blender")


def test_an_unknown_department_only_stops_narrowing(cosmos):
    tree = shipped_tree("simple")
    tree["working"]["folder_path"]["asset"] = (
        "<Project>/<Department>/<AssetType>/<Asset>/<TaskType>"
    )
    tree["working"]["file_name"]["asset"] = "<Asset>"
    Project.objects.filter(pk=cosmos.project.pk).update(file_tree=tree)
    cosmos.project.refresh_from_db()
    path = f"{WORK}/nowhere/props/tree/shaders"
    assert asset_task_from_path(cosmos.project, path) == cosmos.asset_task
    department = Department.objects.create(name="Surfacing", color="#000000")
    with pytest.raises(WrongPathFormat, match="Task type"):
        asset_task_from_path(cosmos.project, f"{WORK}/{department.name}/props/tree/shaders")


def test_a_path_whose_task_does_not_exist_yet_is_reported(cosmos):
    path = f"{WORK}/shots/s01/p01/shaders/blender"  # no Shaders task on the shot
    with pytest.raises(TaskNotFound):
        shot_task_from_path(cosmos.project, path)
