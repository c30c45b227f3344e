"""Shared by the output-file tests: the JSON keys Zou gives an output file, the paths the
`simple` tree gives the Tree's textures, and short functions to publish and to store rows.

The production is "Cosmos Landromat" (tests/cosmos.py).
"""

import orjson

from kitsufiles.api.serialization import serialize_instance
from output_files import services
from output_files.models import OutputFile
from production.models import Role

ARTIST, SUPERVISOR, MANAGER = Role.ARTIST, Role.SUPERVISOR, Role.MANAGER
CLIENT, VENDOR = Role.CLIENT, Role.VENDOR

ROOT = "/simple/productions/export/cosmos_landromat"
TEXTURE_FOLDER = f"{ROOT}/assets/props/tree/shaders/texture"
TEXTURE_STEM = "cosmos_landromat_props_tree_shaders_texture"
# The filters the output-file listings accept.
FILTER_KEYS = ["output_type_id", "task_type_id", "representation", "file_status_id", "name"]

# Keys of an output file's JSON (its columns, plus the embedded `source_file`).
OF_KEYS = {
    "id",
    "created_at",
    "updated_at",
    "shotgun_id",
    "name",
    "canceled",
    "size",
    "checksum",
    "description",
    "comment",
    "extension",
    "revision",
    "representation",
    "nb_elements",
    "source",
    "path",
    "data",
    "file_status_id",
    "entity_id",
    "asset_instance_id",
    "output_type_id",
    "task_type_id",
    "person_id",
    "source_file_id",
    "source_file",
    "temporal_entity_id",
    "type",
}


def as_json(row) -> dict:
    """A row as the API writes it (without relations)."""
    return orjson.loads(orjson.dumps(serialize_instance(row)))


def publish(client, entity, output_type, task_type, **extras):
    body = {"output_type_id": str(output_type.id), "task_type_id": str(task_type.id), **extras}
    return client.post(f"/api/data/entities/{entity.id}/output-files/new", body, format="json")


def published(client, entity, output_type, task_type, **extras) -> dict:
    response = publish(client, entity, output_type, task_type, **extras)
    assert response.status_code == 201, response.content
    return response.json()


def next_revision(client, entity, output_type, task_type, **extras):
    body = {"output_type_id": str(output_type.id), "task_type_id": str(task_type.id), **extras}
    return client.post(
        f"/api/data/entities/{entity.id}/output-files/next-revision", body, format="json"
    )


def make_output(entity, output_type, task_type, revision, **fields) -> OutputFile:
    """A row as the services store it (representation "" unless given)."""
    fields.setdefault("representation", "")
    fields.setdefault("name", "main")
    return OutputFile.objects.create(
        entity=entity,
        output_type=output_type,
        task_type=task_type,
        revision=revision,
        file_status=services.default_file_status(),
        **fields,
    )


def make_instance_output(cosmos, instance, temporal, output_type, task_type, revision, **fields):
    return make_output(
        instance.asset,
        output_type,
        task_type,
        revision,
        asset_instance=instance,
        temporal_entity=temporal,
        **fields,
    )


def revisions(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["revision"] for row in response.json()]
