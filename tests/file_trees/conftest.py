"""The production of Zou's file-tree tests (Cosmos Landromat on the `simple` tree)."""

from dataclasses import dataclass

import pytest

from file_trees.shipped import shipped_tree
from production import services
from production.models import (
    AssetInstance,
    Entity,
    EntityType,
    OutputType,
    Project,
    Software,
    Task,
    TaskStatus,
    TaskType,
)


@dataclass
class Cosmos:
    """The production of Zou's file-tree tests, on the `simple` tree."""

    project: Project
    tree: Entity
    rabbit: Entity
    episode: Entity
    sequence: Entity
    shot: Entity
    scene: Entity
    asset_task: Task
    shot_task: Task
    scene_task: Task
    episode_task: Task
    shaders: TaskType
    animation: TaskType
    cache: OutputType
    materials: OutputType
    blender: Software
    shot_instance: AssetInstance
    scene_instance: AssetInstance
    asset_instance: AssetInstance


@pytest.fixture
def cosmos(default_data, admin) -> Cosmos:
    project = services.create_project(
        values={
            "name": "Cosmos Landromat",
            "file_tree": shipped_tree("simple"),
            "production_type": "tvshow",
        }
    )
    props = EntityType.objects.create(name="Props")
    character = EntityType.objects.get(name="Character")
    tree = services.create_asset(project=project, asset_type=props, name="Tree", created_by=admin)
    rabbit = services.create_asset(
        project=project, asset_type=character, name="Rabbit", created_by=admin
    )

    def temporal(kind, name, parent=None):
        return services.create_temporal_entity(
            kind=kind, project=project, name=name, parent=parent, created_by=admin
        )

    episode = temporal("Episode", "E01")
    sequence = temporal("Sequence", "S01", episode)
    shot = temporal("Shot", "P01", sequence)
    scene = temporal("Scene", "SC01", sequence)
    shaders = TaskType.objects.create(name="Shaders", short_name="shd", for_entity="Asset")
    animation = TaskType.objects.get(name="Animation", for_entity="Shot")  # init_data
    status = TaskStatus.objects.get(is_default=True)

    def task(entity, task_type):
        return services.create_task(
            values={
                "name": "main",
                "project": project,
                "entity": entity,
                "task_type": task_type,
                "task_status": status,
            }
        )

    return Cosmos(
        project=project,
        tree=tree,
        rabbit=rabbit,
        episode=episode,
        sequence=sequence,
        shot=shot,
        scene=scene,
        asset_task=task(tree, shaders),
        shot_task=task(shot, animation),
        scene_task=task(scene, animation),
        episode_task=task(episode, animation),
        shaders=shaders,
        animation=animation,
        cache=OutputType.objects.create(name="Cache", short_name="cch"),
        materials=OutputType.objects.create(name="Materials", short_name="mat"),
        blender=Software.objects.create(name="Blender", short_name="bl", file_extension=".blend"),
        shot_instance=services.create_asset_instance(asset=tree, scene=shot),
        scene_instance=services.create_asset_instance(asset=tree, scene=scene),
        asset_instance=services.create_asset_instance(asset=rabbit, target_asset=tree),
    )
