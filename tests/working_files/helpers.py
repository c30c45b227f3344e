"""Shared by the working-file tests: the production they run in (`Stage`, built by the
`stage` fixture of conftest.py), the JSON keys Zou gives a working file, and one short
function per route.

The production is the one of Zou's tests: "Cosmos Landromat" on the `simple` tree, asset
Tree (Props) with a "Shaders" task, asset Rabbit (Character).
"""

import datetime
from dataclasses import dataclass

import orjson

from kitsufiles.api.serialization import serialize_instance
from output_files.models import OutputFile
from production.models import (
    Department,
    Entity,
    FileStatus,
    OutputType,
    Person,
    Project,
    Role,
    Software,
    Task,
    TaskType,
)
from working_files.models import WorkingFile

ARTIST, SUPERVISOR, MANAGER = Role.ARTIST, Role.SUPERVISOR, Role.MANAGER
CLIENT, VENDOR, ADMIN = Role.CLIENT, Role.VENDOR, Role.ADMIN
SIBLING = "sibling"  # assigned to another task of the same entity

ROOT = "/simple/productions/cosmos_landromat"
TREE_FOLDER = f"{ROOT}/assets/props/tree/shaders"
TREE_FILE = "cosmos_landromat_props_tree_shaders"

# Keys of a working file's JSON in Zou 1.0.97, `validation_status` included.
WF_KEYS = {
    "id",
    "created_at",
    "updated_at",
    "shotgun_id",
    "name",
    "description",
    "comment",
    "revision",
    "size",
    "checksum",
    "path",
    "data",
    "validation_status",
    "task_id",
    "entity_id",
    "person_id",
    "software_id",
    "type",
}


@dataclass
class Stage:
    project: Project
    tree: Entity
    rabbit: Entity
    task: Task  # Shaders on Tree, already assigned to `worker`
    modeling_task: Task  # a second task on Tree
    rabbit_task: Task  # Shaders on Rabbit
    shaders: TaskType
    modeling: Department
    max: Software
    worker: Person
    file_status: FileStatus
    geometry: OutputType


def make_file(task: Task, name: str = "main", revision: int = 1, **fields) -> WorkingFile:
    return WorkingFile.objects.create(
        task=task, entity=task.entity, name=name, revision=revision, **fields
    )


def make_output(stage: Stage, source: WorkingFile | None, revision: int = 1) -> OutputFile:
    return OutputFile.objects.create(
        name="main",
        revision=revision,
        file_status=stage.file_status,
        entity=stage.tree,
        output_type=stage.geometry,
        task_type=stage.shaders,
        source_file=source,
    )


def plain(working_file: WorkingFile, *, relations: bool = False) -> dict:
    """The model's own Zou serialization, as a client decodes it."""
    return orjson.loads(orjson.dumps(serialize_instance(working_file, relations=relations)))


def new_file(client, task, **body):
    return client.post(f"/api/data/tasks/{task.id}/working-files/new", body, format="json")


def task_files(client, task):
    return client.get(f"/api/data/tasks/{task.id}/working-files")


def last_revisions(client, task):
    return client.get(f"/api/data/tasks/{task.id}/working-files/last-revisions")


def entity_files(client, entity, **query):
    return client.get(f"/api/data/entities/{entity.id}/working-files", query)


def comment_on(client, working_file_id, body):
    url = f"/api/actions/working-files/{working_file_id}/comment"
    return client.put(url, body, format="json")


def touch(client, working_file_id):
    return client.put(f"/api/actions/working-files/{working_file_id}/modified", {}, format="json")


def assignee_ids(task: Task) -> set:
    return set(task.assignees.values_list("pk", flat=True))


def validation_fields(response) -> list[str]:
    body = response.json()
    assert body["error"] is True
    assert body["message"] == "Validation error."
    return [error["field"] for error in body["data"]["errors"]]


def parse_zou_datetime(text: str) -> datetime.datetime:
    assert len(text) == len("2024-01-02T03:04:05"), text  # no microseconds, no offset
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)
