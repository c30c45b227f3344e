"""The "Cosmos Landromat" production of Zou's own file tests, on the shipped `simple` tree.

Asset Tree (Props) with a Shaders task, asset Rabbit (Character), episode E01 / sequence S01 /
shot P01 / scene SC01 with Animation tasks (and one on the episode), the output types and the
Blender software those tests use, and the instances of Zou's instance tests: Tree in P01 and
in SC01, Rabbit inside Tree.

Built by the `cosmos` fixture (tests/conftest.py) for the file-tree and output-file tests.
"""

from dataclasses import dataclass

from file_trees.shipped import shipped_tree
from production import services
from production.models import (
    AssetInstance,
    Entity,
    EntityType,
    OutputType,
    Person,
    Project,
    Software,
    Task,
    TaskStatus,
    TaskType,
)


@dataclass
class Cosmos:
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
    texture: OutputType
    cache: OutputType
    geometry: OutputType
    render: OutputType
    materials: OutputType
    blender: Software
    shot_instance: AssetInstance
    scene_instance: AssetInstance
    asset_instance: AssetInstance


def build_cosmos(admin: Person) -> Cosmos:
    """The production, created by `admin`; the reference data must be there."""
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
    animation = TaskType.objects.get(name="Animation", for_entity="Shot")  # reference data
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

    def output_type(name, short_name):
        return OutputType.objects.create(name=name, short_name=short_name)

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
        texture=output_type("Texture", "tex"),
        cache=output_type("Cache", "cch"),
        geometry=output_type("Geometry", "geo"),
        render=output_type("Render", "rdr"),
        materials=output_type("Materials", "mat"),
        blender=Software.objects.create(name="Blender", short_name="bl", file_extension=".blend"),
        shot_instance=services.create_asset_instance(asset=tree, scene=shot),
        scene_instance=services.create_asset_instance(asset=tree, scene=scene),
        asset_instance=services.create_asset_instance(asset=rabbit, target_asset=tree),
    )
