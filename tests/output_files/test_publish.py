"""POST data/entities/<id>/output-files/new and .../next-revision: publishing an output
file of an entity (Zou's test_output_files.py, entity part), the answer of a publish, and
the bad input that is refused before anything is written.
"""

import uuid

import pytest

from output_files.models import OutputFile
from production.models import FileStatus
from tests.output_files.helpers import (
    ARTIST,
    OF_KEYS,
    TEXTURE_FOLDER,
    TEXTURE_STEM,
    as_json,
    make_output,
    next_revision,
    publish,
    published,
)
from tests.zou_bodies import NO_OUTPUT_TYPE, NO_PERSON, NOT_FOUND, OUTPUT_FILE_EXISTS

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# Zou's test_output_files.py, entity part


def test_publishing_twice_takes_the_next_revision(admin_client, cosmos, working_file):
    first = published(
        admin_client,
        cosmos.tree,
        cosmos.texture,
        cosmos.shaders,
        working_file_id=str(working_file.id),
        comment="test comment",
    )
    second = published(
        admin_client,
        cosmos.tree,
        cosmos.texture,
        cosmos.shaders,
        working_file_id=str(working_file.id),
        comment="test comment",
    )

    assert first["file_name"] == f"{TEXTURE_STEM}_main_v001"
    assert second["file_name"] == f"{TEXTURE_STEM}_main_v002"
    assert first["folder_path"] == TEXTURE_FOLDER
    assert second["folder_path"] == TEXTURE_FOLDER
    for answer, revision in ((first, 1), (second, 2)):
        stored = admin_client.get(f"/api/data/output-files/{answer['id']}").json()
        assert stored["revision"] == revision
        assert stored["comment"] == "test comment"
        assert stored["source_file_id"] == str(working_file.id)


def test_first_publish_stores_zous_path(admin_client, cosmos):
    answer = published(admin_client, cosmos.tree, cosmos.texture, cosmos.shaders)

    assert answer["file_name"] == "cosmos_landromat_props_tree_shaders_texture_main_v001"
    assert answer["path"] == (
        "/simple/productions/export/cosmos_landromat/assets/props/tree/shaders/texture/"
        "cosmos_landromat_props_tree_shaders_texture_main_v001"
    )
    assert OutputFile.objects.get(pk=answer["id"]).path == answer["path"]


def test_an_extension_is_appended_to_the_stored_path(admin_client, cosmos, working_file):
    answer = published(
        admin_client,
        cosmos.tree,
        cosmos.texture,
        cosmos.shaders,
        working_file_id=str(working_file.id),
        extension=".tx",
    )

    assert answer["path"] == (
        "/simple/productions/export/cosmos_landromat/assets/props/tree/shaders/texture/"
        "cosmos_landromat_props_tree_shaders_texture_main_v001.tx"
    )
    assert answer["file_name"] == f"{TEXTURE_STEM}_main_v001"
    assert answer["extension"] == ".tx"


def test_without_working_file_the_output_has_no_source(admin_client, cosmos):
    answer = published(
        admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, name="nosource", extension=".tx"
    )

    assert answer["source_file_id"] is None
    assert answer["source_file"] is None
    assert answer["path"] == f"{TEXTURE_FOLDER}/{TEXTURE_STEM}_nosource_v001.tx"


def test_a_name_makes_its_own_line(admin_client, cosmos):
    published(admin_client, cosmos.tree, cosmos.texture, cosmos.shaders)

    answer = published(
        admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, name="special", extension=".tx"
    )

    assert answer["file_name"] == f"{TEXTURE_STEM}_special_v001"
    assert answer["path"] == f"{TEXTURE_FOLDER}/{TEXTURE_STEM}_special_v001.tx"
    assert answer["revision"] == 1


def test_nb_elements_mark_an_image_sequence(admin_client, cosmos):
    answer = published(
        admin_client,
        cosmos.tree,
        cosmos.texture,
        cosmos.shaders,
        name="sequence",
        nb_elements=50,
        extension=".jpg",
    )

    assert answer["file_name"] == f"{TEXTURE_STEM}_sequence_v001_[1-50]"
    assert answer["path"] == f"{TEXTURE_FOLDER}/{TEXTURE_STEM}_sequence_v001_[1-50].jpg"
    assert OutputFile.objects.get(pk=answer["id"]).nb_elements == 50


def test_new_output_revision_forced(admin_client, cosmos):
    answer = published(admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, revision=66)

    assert answer["file_name"] == f"{TEXTURE_STEM}_main_v066"
    assert OutputFile.objects.get(pk=answer["id"]).revision == 66


def test_new_output_wrong_data(admin_client, cosmos):
    response = admin_client.post(
        f"/api/data/entities/{cosmos.tree.id}/output-files/new",
        {"comment_wrong": "test comment"},
        format="json",
    )

    assert response.status_code == 400
    assert OutputFile.objects.count() == 0


def test_create_same_output_file(admin_client, cosmos):
    published(admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, revision=66)

    response = publish(admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, revision=66)

    assert response.status_code == 400
    assert response.json() == OUTPUT_FILE_EXISTS
    assert OutputFile.objects.count() == 1


def test_get_next_revision(admin_client, cosmos):
    make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 1)

    response = next_revision(admin_client, cosmos.tree, cosmos.geometry, cosmos.shaders)

    assert response.status_code == 200
    assert response.json() == {"next_revision": 2}


def test_get_next_revision_with_name(admin_client, cosmos):
    make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 1)
    make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 5, name="other-output")

    response = next_revision(
        admin_client, cosmos.tree, cosmos.geometry, cosmos.shaders, name="other-output"
    )

    assert response.json() == {"next_revision": 6}


def test_get_next_revision_wrong_data(admin_client, cosmos):
    response = admin_client.post(
        "/api/data/entities/unknown/output-files/next-revision",
        {"output_type_id": str(cosmos.geometry.id), "task_type_id": str(cosmos.shaders.id)},
        format="json",
    )

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_get_next_revision_with_empty_revision(admin_client, cosmos):
    make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 3)

    response = next_revision(admin_client, cosmos.tree, cosmos.cache, cosmos.shaders)

    assert response.json() == {"next_revision": 1}


# ---------------------------------------------------------------------------------------------
# Bad input: nothing is created. As in Zou, an unknown output type is a 400 here (a 404 on
# other routes); a project without a tree, where Zou writes the row first, is refused before.


@pytest.mark.parametrize("output_type_id", ["unknown", "UUID"])
def test_an_unknown_output_type_is_400(admin_client, cosmos, output_type_id):
    body = {
        "output_type_id": str(uuid.uuid4()) if output_type_id == "UUID" else output_type_id,
        "task_type_id": str(cosmos.shaders.id),
    }

    response = admin_client.post(
        f"/api/data/entities/{cosmos.tree.id}/output-files/new", body, format="json"
    )

    assert response.status_code == 400
    assert response.json() == NO_OUTPUT_TYPE
    assert OutputFile.objects.count() == 0


@pytest.mark.parametrize("task_type_id", ["unknown", "UUID"])
def test_an_unknown_task_type_is_404(admin_client, cosmos, task_type_id):
    body = {
        "output_type_id": str(cosmos.texture.id),
        "task_type_id": str(uuid.uuid4()) if task_type_id == "UUID" else task_type_id,
    }

    response = admin_client.post(
        f"/api/data/entities/{cosmos.tree.id}/output-files/new", body, format="json"
    )

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert OutputFile.objects.count() == 0


def test_an_unknown_person_is_400(admin_client, cosmos):
    response = publish(
        admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, person_id=str(uuid.uuid4())
    )

    assert response.status_code == 400
    assert response.json() == NO_PERSON
    assert OutputFile.objects.count() == 0


def test_an_unknown_entity_is_404(admin_client, cosmos):
    response = admin_client.post(
        f"/api/data/entities/{uuid.uuid4()}/output-files/new",
        {"output_type_id": str(cosmos.texture.id), "task_type_id": str(cosmos.shaders.id)},
        format="json",
    )

    assert response.status_code == 404
    assert OutputFile.objects.count() == 0


def test_the_person_given_is_the_author(admin_client, cosmos, make_person):
    author = make_person(ARTIST)

    answer = published(
        admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, person_id=str(author.id)
    )

    assert answer["person_id"] == str(author.id)


def test_without_person_the_caller_is_the_author(admin_client, cosmos, admin):
    answer = published(admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, person_id=None)

    assert answer["person_id"] == str(admin.id)


def tree_message(client, cosmos) -> str:
    """The message of the tree error, as the output-file-path route reports it."""
    response = client.post(
        f"/api/data/entities/{cosmos.tree.id}/output-file-path",
        {"output_type_id": str(cosmos.texture.id), "task_type_id": str(cosmos.shaders.id)},
        format="json",
    )
    assert response.status_code == 400
    return response.json()["message"]


def test_a_project_without_file_tree_is_refused_before_anything_is_written(admin_client, cosmos):
    cosmos.project.file_tree = None
    cosmos.project.save(update_fields=["file_tree"])
    before = OutputFile.objects.count()

    response = publish(admin_client, cosmos.tree, cosmos.texture, cosmos.shaders)

    assert response.status_code == 400
    assert response.json() == {"error": tree_message(admin_client, cosmos)}
    assert OutputFile.objects.count() == before == 0


@pytest.mark.parametrize("working_file_id", ["UUID", "not-an-id"])
def test_an_unknown_working_file_is_silently_ignored(admin_client, cosmos, working_file_id):
    value = str(uuid.uuid4()) if working_file_id == "UUID" else working_file_id

    answer = published(
        admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, working_file_id=value
    )

    assert answer["source_file_id"] is None
    assert answer["source_file"] is None
    assert answer["checksum"] is None
    assert answer["size"] is None


def test_a_file_status_can_be_given(admin_client, cosmos):
    approved = FileStatus.objects.create(name="Approved", color="#00FF00")

    answer = published(
        admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, file_status_id=str(approved.id)
    )

    assert answer["file_status_id"] == str(approved.id)


def test_mode_is_ignored(admin_client, cosmos):
    answer = published(admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, mode="working")

    assert answer["folder_path"] == TEXTURE_FOLDER


def test_a_separator_shapes_the_stored_path(admin_client, cosmos):
    answer = published(
        admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, sep="\\", extension=".tx"
    )

    # As in Zou, the root and mountpoint are inserted verbatim: their `/` stay.
    folder = "/simple\\productions/export\\cosmos_landromat\\assets\\props\\tree\\shaders\\texture"
    assert answer["folder_path"] == folder
    assert answer["path"] == f"{folder}\\{TEXTURE_STEM}_main_v001.tx"


# ---------------------------------------------------------------------------------------------
# The answer of a publish, and GET data/files/<id>


def test_the_answer_is_the_output_with_its_source_file_and_path_parts(
    admin_client, cosmos, working_file, admin
):
    answer = published(
        admin_client,
        cosmos.tree,
        cosmos.texture,
        cosmos.shaders,
        working_file_id=str(working_file.id),
        comment="first",
        representation="tx",
    )

    assert set(answer) == OF_KEYS | {"folder_path", "file_name"}
    stored = OutputFile.objects.get(pk=answer["id"])
    assert {
        key: value for key, value in answer.items() if key not in ("folder_path", "file_name")
    } == as_json(stored)
    assert answer["type"] == "OutputFile"
    assert answer["source_file"] == as_json(working_file)
    assert "outputs" not in answer["source_file"]
    assert answer["source_file"]["type"] == "WorkingFile"
    assert answer["entity_id"] == str(cosmos.tree.id)
    assert answer["output_type_id"] == str(cosmos.texture.id)
    assert answer["task_type_id"] == str(cosmos.shaders.id)
    assert answer["person_id"] == str(admin.id)
    assert answer["asset_instance_id"] is None
    assert answer["temporal_entity_id"] is None
    assert answer["representation"] == "tx"
    assert answer["nb_elements"] == 1
    assert answer["comment"] == "first"


def test_a_publish_from_a_working_file_copies_its_checksum_and_size(
    admin_client, cosmos, working_file
):
    answer = published(
        admin_client,
        cosmos.tree,
        cosmos.texture,
        cosmos.shaders,
        working_file_id=str(working_file.id),
    )

    assert answer["checksum"] == "ab" * 32
    assert answer["size"] == 2048
    stored = OutputFile.objects.get(pk=answer["id"])
    assert (stored.checksum, stored.size) == ("ab" * 32, 2048)


def test_representation_is_stored_empty_when_absent(admin_client, cosmos):
    answer = published(admin_client, cosmos.tree, cosmos.texture, cosmos.shaders)

    assert answer["representation"] == ""
    assert answer["extension"] == ""
