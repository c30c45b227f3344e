"""Output files driven through gazu 1.3.1 against the live server.

What gazu's files module calls for output files: publishing for entities and asset
instances, next and last revisions, listings and updates. The production is "Cosmos
Landromat" on the `simple` tree (tests/cosmos.py).
"""

import uuid

import gazu
import pytest
from gazu.exception import NotAllowedException, ParameterException, RouteNotFoundException

from output_files.models import OutputFile
from production.models import FileStatus, ProjectPersonLink, Role
from tests.conftest import PASSWORD
from tests.output_files import conftest as output_files_conftest

pytestmark = pytest.mark.live

working_file = output_files_conftest.working_file

ROOT = "/simple/productions/export/cosmos_landromat"
TEXTURE_FOLDER = f"{ROOT}/assets/props/tree/shaders/texture"
TEXTURE_STEM = "cosmos_landromat_props_tree_shaders_texture"
SHOT_FOLDER = f"{ROOT}/shot/s01/p01/animation/cache/props/tree/instance_0001/abc"
SHOT_STEM = "cosmos_landromat_s01_p01_animation_cache"


def ids(rows) -> list[str]:
    return [row["id"] for row in rows]


def as_dict(row) -> dict:
    return {"id": str(row.id)}


def publish(cosmos, **extras) -> dict:
    extras.setdefault("comment", "")
    return gazu.files.new_entity_output_file(
        as_dict(cosmos.tree), as_dict(cosmos.texture), as_dict(cosmos.shaders), **extras
    )


def test_new_entity_output_file_publishes_the_next_revision(gazu_admin, cosmos, working_file):
    first = publish(cosmos, comment="first", working_file=as_dict(working_file))
    second = publish(cosmos, comment="second", working_file=str(working_file.id))

    assert first["file_name"] == f"{TEXTURE_STEM}_main_v001"
    assert second["file_name"] == f"{TEXTURE_STEM}_main_v002"
    assert first["folder_path"] == TEXTURE_FOLDER
    assert first["path"] == (
        "/simple/productions/export/cosmos_landromat/assets/props/tree/shaders/texture/"
        "cosmos_landromat_props_tree_shaders_texture_main_v001"
    )
    assert (first["revision"], second["revision"]) == (1, 2)
    assert first["comment"] == "first"
    assert first["type"] == "OutputFile"
    assert first["source_file_id"] == str(working_file.id)
    assert first["source_file"]["id"] == str(working_file.id)
    assert first["source_file"]["type"] == "WorkingFile"
    assert "outputs" not in first["source_file"]
    assert (first["checksum"], first["size"]) == ("ab" * 32, 2048)
    assert first["person_id"] == str(gazu_admin.id)


def test_new_entity_output_file_with_its_options(gazu_admin, cosmos, make_person):
    author = make_person(Role.ARTIST)
    approved = FileStatus.objects.create(name="Approved", color="#00FF00")

    answer = publish(
        cosmos,
        name="sequence",
        nb_elements=50,
        revision=66,
        representation="exr",
        person=as_dict(author),
        file_status_id=str(approved.id),
    )

    assert answer["file_name"] == f"{TEXTURE_STEM}_sequence_v066_[1-50]"
    assert answer["revision"] == 66
    assert answer["representation"] == "exr"
    assert answer["nb_elements"] == 50
    assert answer["person_id"] == str(author.id)
    assert answer["file_status_id"] == str(approved.id)
    assert answer["source_file"] is None


def test_new_entity_output_file_refuses_a_taken_revision(gazu_admin, cosmos):
    publish(cosmos, revision=3)

    with pytest.raises(ParameterException) as refused:
        publish(cosmos, revision=3)

    assert "The given output file already exists." in str(refused.value)
    assert OutputFile.objects.count() == 1


def test_new_entity_output_file_refuses_an_unknown_output_type(gazu_admin, cosmos):
    with pytest.raises(ParameterException) as refused:
        gazu.files.new_entity_output_file(
            as_dict(cosmos.tree), str(uuid.uuid4()), as_dict(cosmos.shaders), ""
        )

    assert "Cannot find given output type." in str(refused.value)
    assert OutputFile.objects.count() == 0


def test_new_entity_output_file_with_an_unknown_task_type_is_not_found(gazu_admin, cosmos):
    with pytest.raises(RouteNotFoundException):
        gazu.files.new_entity_output_file(
            as_dict(cosmos.tree), as_dict(cosmos.texture), str(uuid.uuid4()), ""
        )

    assert OutputFile.objects.count() == 0


def test_next_and_last_entity_output_revisions(gazu_admin, cosmos):
    args = (as_dict(cosmos.tree), as_dict(cosmos.texture), as_dict(cosmos.shaders))
    assert gazu.files.get_next_entity_output_revision(*args) == 1
    assert gazu.files.get_last_entity_output_revision(*args) == 0

    publish(cosmos)
    publish(cosmos)
    publish(cosmos, name="other", revision=5)

    assert gazu.files.get_next_entity_output_revision(*args) == 3
    assert gazu.files.get_last_entity_output_revision(*args) == 2
    assert gazu.files.get_next_entity_output_revision(*args, name="other") == 6
    assert gazu.files.get_last_entity_output_revision(*args, name="other") == 5


def test_all_output_files_for_entity_with_filters(gazu_admin, cosmos):
    approved = FileStatus.objects.create(name="Approved", color="#00FF00")
    main1 = publish(cosmos)
    main2 = publish(cosmos, representation="exr")
    hotfix = publish(cosmos, name="hotfix")
    cache = gazu.files.new_entity_output_file(
        as_dict(cosmos.tree), as_dict(cosmos.cache), as_dict(cosmos.shaders), "", revision=1
    )
    flagged = publish(cosmos, name="flagged", file_status_id=str(approved.id))
    tree = as_dict(cosmos.tree)

    assert ids(gazu.files.all_output_files_for_entity(tree)) == ids(
        sorted(
            [main1, main2, hotfix, cache, flagged],
            key=lambda row: (-row["revision"], row["representation"]),
        )
    )
    assert sorted(
        ids(gazu.files.all_output_files_for_entity(tree, output_type=cosmos.cache.id))
    ) == [cache["id"]]
    by_type = gazu.files.all_output_files_for_entity(tree, output_type=as_dict(cosmos.texture))
    assert sorted(ids(by_type)) == sorted(ids([main1, main2, hotfix, flagged]))
    assert gazu.files.all_output_files_for_entity(tree, task_type=str(cosmos.animation.id)) == []
    assert len(gazu.files.all_output_files_for_entity(tree, task_type=as_dict(cosmos.shaders))) == 5
    assert ids(gazu.files.all_output_files_for_entity(tree, name="hotfix")) == [hotfix["id"]]
    assert ids(gazu.files.all_output_files_for_entity(tree, representation="exr")) == [main2["id"]]
    assert ids(gazu.files.all_output_files_for_entity(tree, file_status=as_dict(approved))) == [
        flagged["id"]
    ]


def test_all_output_files_for_project_and_last_output_files(gazu_admin, cosmos):
    first = publish(cosmos)
    second = publish(cosmos)
    cache = gazu.files.new_entity_output_file(
        as_dict(cosmos.tree), as_dict(cosmos.cache), as_dict(cosmos.shaders), ""
    )
    project = as_dict(cosmos.project)

    assert ids(gazu.files.all_output_files_for_project(project)) == [
        cache["id"],
        second["id"],
        first["id"],
    ]
    assert ids(gazu.files.all_output_files_for_project(project, output_type=cosmos.cache.id)) == [
        cache["id"]
    ]
    last = gazu.files.get_last_output_files_for_entity(as_dict(cosmos.tree))
    assert sorted(ids(last)) == sorted([second["id"], cache["id"]])
    last_textures = gazu.files.get_last_output_files_for_entity(
        as_dict(cosmos.tree), output_type=as_dict(cosmos.texture)
    )
    assert ids(last_textures) == [second["id"]]


def test_all_output_types_for_entity(gazu_admin, cosmos):
    assert gazu.files.all_output_types_for_entity(as_dict(cosmos.tree)) == []

    publish(cosmos)
    gazu.files.new_entity_output_file(
        as_dict(cosmos.tree), as_dict(cosmos.cache), as_dict(cosmos.shaders), ""
    )

    types = gazu.files.all_output_types_for_entity(str(cosmos.tree.id))
    assert [row["name"] for row in types] == ["Cache", "Texture"]
    assert types[0]["id"] == str(cosmos.cache.id)


def test_get_output_file_and_by_path(gazu_admin, cosmos, working_file):
    answer = publish(cosmos, working_file=as_dict(working_file))
    published = {k: v for k, v in answer.items() if k not in ("folder_path", "file_name")}

    assert gazu.files.get_output_file(answer["id"]) == published
    assert gazu.files.get_output_file_by_path(answer["path"]) == published
    assert gazu.files.get_output_file_by_path(f"{answer['path']}.nothing") is None
    with pytest.raises(RouteNotFoundException):
        gazu.files.get_output_file(str(uuid.uuid4()))


def test_update_output_file(gazu_admin, cosmos):
    answer = publish(cosmos)

    updated = gazu.files.update_output_file(answer, {"comment": "retouched", "size": 99})

    assert updated["comment"] == "retouched"
    assert updated["size"] == 99
    assert gazu.files.get_output_file(answer["id"])["comment"] == "retouched"
    stored = OutputFile.objects.get(pk=answer["id"])
    assert (stored.comment, stored.size) == ("retouched", 99)


def test_update_output_file_is_refused_to_an_artist_without_task(gazu_admin, cosmos, make_person):
    answer = publish(cosmos)
    artist = make_person(Role.ARTIST)
    ProjectPersonLink.objects.create(project=cosmos.project, person=artist)
    client = gazu.client.create_client(gazu.client.get_host())
    gazu.log_in(artist.email, PASSWORD, client=client)

    with pytest.raises(NotAllowedException):
        gazu.files.update_output_file(answer, {"comment": "no"}, client=client)

    cosmos.asset_task.assignees.add(artist)
    assert gazu.files.update_output_file(answer, {"comment": "yes"}, client=client)["comment"] == (
        "yes"
    )
    client.session.close()


# ---------------------------------------------------------------------------------------------
# Asset instances


def publish_in_shot(cosmos, **extras) -> dict:
    extras.setdefault("representation", "abc")
    return gazu.files.new_asset_instance_output_file(
        as_dict(cosmos.shot_instance),
        as_dict(cosmos.shot),
        as_dict(cosmos.cache),
        as_dict(cosmos.animation),
        "",
        **extras,
    )


def test_new_asset_instance_output_file(gazu_admin, cosmos, working_file):
    first = publish_in_shot(cosmos, working_file=as_dict(working_file))
    second = publish_in_shot(cosmos, name="main", nb_elements=10)

    # gazu's default name for instance outputs is "master".
    assert first["file_name"] == f"{SHOT_STEM}_master_tree_0001_v001"
    assert first["folder_path"] == SHOT_FOLDER
    assert first["path"] == f"{SHOT_FOLDER}/{SHOT_STEM}_master_tree_0001_v001"
    assert first["source_file_id"] == str(working_file.id)
    assert first["entity_id"] == str(cosmos.tree.id)
    assert first["asset_instance_id"] == str(cosmos.shot_instance.id)
    assert first["temporal_entity_id"] == str(cosmos.shot.id)
    assert second["file_name"] == f"{SHOT_STEM}_main_tree_0001_v001"


def test_next_and_last_asset_instance_output_revisions(gazu_admin, cosmos):
    args = (
        as_dict(cosmos.shot_instance),
        as_dict(cosmos.shot),
        as_dict(cosmos.cache),
        as_dict(cosmos.animation),
    )
    assert gazu.files.get_next_asset_instance_output_revision(*args) == 1
    assert gazu.files.get_last_asset_instance_output_revision(*args) == 0

    publish_in_shot(cosmos)
    publish_in_shot(cosmos)

    assert gazu.files.get_next_asset_instance_output_revision(*args) == 3
    assert gazu.files.get_last_asset_instance_output_revision(*args) == 2
    assert gazu.files.get_next_asset_instance_output_revision(*args, name="main") == 1


def test_asset_instance_listings(gazu_admin, cosmos):
    first = publish_in_shot(cosmos)
    second = publish_in_shot(cosmos)
    in_scene = gazu.files.new_asset_instance_output_file(
        as_dict(cosmos.shot_instance),
        as_dict(cosmos.scene),
        as_dict(cosmos.geometry),
        as_dict(cosmos.animation),
        "",
    )
    instance = as_dict(cosmos.shot_instance)

    # Newest first; within a revision, by representation ("" before "abc").
    assert ids(gazu.files.all_output_files_for_asset_instance(instance)) == [
        second["id"],
        in_scene["id"],
        first["id"],
    ]
    assert ids(
        gazu.files.all_output_files_for_asset_instance(instance, temporal_entity=cosmos.scene.id)
    ) == [in_scene["id"]]
    assert ids(
        gazu.files.all_output_files_for_asset_instance(
            instance, output_type=as_dict(cosmos.cache), representation="abc"
        )
    ) == [second["id"], first["id"]]
    assert [
        row["name"]
        for row in gazu.files.all_output_types_for_asset_instance(instance, as_dict(cosmos.shot))
    ] == ["Cache"]
    last = gazu.files.get_last_output_files_for_asset_instance(instance, as_dict(cosmos.shot))
    assert ids(last) == [second["id"]]
