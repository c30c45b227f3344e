"""How output revisions are numbered and read back (the output rows of Zou's
test_files_service.py), and the numbering quirks of Zou that clients rely on.
"""

import pytest

from output_files import services
from output_files.errors import OutputFileExists
from output_files.models import OutputFile
from production.models import FileStatus, OutputType
from production.selectors import DEFAULT_FILE_STATUS_NAME
from tests.output_files.helpers import (
    TEXTURE_STEM,
    make_instance_output,
    make_output,
    next_revision,
    published,
    revisions,
)
from tests.zou_bodies import OUTPUT_FILE_EXISTS

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# The output rows of Zou's test_files_service.py


def test_the_default_status_is_created_on_first_publish(admin_client, cosmos):
    FileStatus.objects.filter(name=DEFAULT_FILE_STATUS_NAME).delete()

    first = published(admin_client, cosmos.tree, cosmos.texture, cosmos.shaders)
    second = published(admin_client, cosmos.tree, cosmos.texture, cosmos.shaders)

    status = FileStatus.objects.get(name=DEFAULT_FILE_STATUS_NAME)
    assert status.color == "#FFFFFF"
    assert first["file_status_id"] == second["file_status_id"] == str(status.id)


def test_the_next_revision_follows_the_last_one(admin_client, cosmos):
    make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 1)

    assert next_revision(admin_client, cosmos.tree, cosmos.geometry, cosmos.shaders).json() == {
        "next_revision": 2
    }
    assert next_revision(
        admin_client, cosmos.tree, cosmos.geometry, cosmos.shaders, name="unknown"
    ).json() == {"next_revision": 1}


def test_a_new_revision_numbers_itself(cosmos, admin):
    def create():
        output_file, _, _ = services.publish_entity_output(
            entity=cosmos.tree, output_type=cosmos.geometry, task_type=cosmos.shaders, person=admin
        )
        return output_file.revision

    assert [create(), create()] == [1, 2]
    assert OutputFile.objects.filter(entity=cosmos.tree).order_by("-revision").first().revision == 2


def test_a_revision_already_taken_is_refused(cosmos, admin):
    values = {
        "entity": cosmos.tree,
        "output_type": cosmos.geometry,
        "task_type": cosmos.shaders,
        "person": admin,
        "revision": 1,
    }
    services.publish_entity_output(**values)

    with pytest.raises(OutputFileExists) as refused:
        services.publish_entity_output(**values)

    assert refused.value.message == OUTPUT_FILE_EXISTS["error"]
    assert OutputFile.objects.count() == 1


def test_an_entity_with_no_output_file_has_no_last_revision(admin_client, cosmos):
    response = admin_client.get(f"/api/data/entities/{cosmos.tree.id}/output-files/last-revisions")

    assert response.status_code == 200
    assert response.json() == []
    assert next_revision(admin_client, cosmos.tree, cosmos.geometry, cosmos.shaders).json() == {
        "next_revision": 1
    }


def test_the_revisions_of_an_entity_come_newest_first(admin_client, cosmos):
    for _ in range(3):
        published(admin_client, cosmos.tree, cosmos.geometry, cosmos.shaders)

    response = admin_client.get(f"/api/data/entities/{cosmos.tree.id}/output-files")

    assert revisions(response) == [3, 2, 1]


def test_the_files_of_an_instance_stay_out_of_the_entity_listing(admin_client, cosmos):
    own = make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 1)
    make_instance_output(
        cosmos, cosmos.shot_instance, cosmos.shot, cosmos.geometry, cosmos.shaders, 1
    )

    response = admin_client.get(f"/api/data/entities/{cosmos.tree.id}/output-files")

    assert [row["id"] for row in response.json()] == [str(own.id)]


def test_the_last_revision_is_read_per_output_type(admin_client, cosmos):
    for revision in range(1, 6):
        make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, revision)
    for revision in range(1, 4):
        make_output(cosmos.tree, cosmos.cache, cosmos.shaders, revision)
    make_instance_output(
        cosmos, cosmos.shot_instance, cosmos.shot, cosmos.geometry, cosmos.shaders, 9
    )

    response = admin_client.get(f"/api/data/entities/{cosmos.tree.id}/output-files/last-revisions")

    by_type = {row["output_type_id"]: row["revision"] for row in response.json()}
    assert by_type == {str(cosmos.geometry.id): 5, str(cosmos.cache.id): 3}
    assert len(response.json()) == 2


def test_a_listing_is_narrowed_by_output_type_and_representation(admin_client, cosmos):
    for revision in (1, 2, 3, 4):
        make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, revision, representation="obj")
    for revision in (1, 2, 3):
        make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, revision, representation="max")
    make_output(cosmos.tree, cosmos.cache, cosmos.shaders, 1)
    make_instance_output(
        cosmos,
        cosmos.shot_instance,
        cosmos.shot,
        cosmos.geometry,
        cosmos.shaders,
        1,
        representation="obj",
    )
    url = f"/api/data/entities/{cosmos.tree.id}/output-files?output_type_id={cosmos.geometry.id}"

    assert revisions(admin_client.get(url)) == [4, 3, 3, 2, 2, 1, 1]
    assert revisions(admin_client.get(f"{url}&representation=obj")) == [4, 3, 2, 1]
    assert revisions(admin_client.get(f"{url}&representation=max")) == [3, 2, 1]
    everything = admin_client.get(f"/api/data/entities/{cosmos.tree.id}/output-files")
    assert revisions(everything) == [4, 3, 3, 2, 2, 1, 1, 1]


def test_the_output_types_of_an_entity_are_listed_once_each(admin_client, cosmos):
    make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 1)
    make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 2)
    make_output(cosmos.tree, cosmos.cache, cosmos.shaders, 1)
    rig = OutputType.objects.create(name="Rig", short_name="rig")
    make_output(cosmos.shot, rig, cosmos.animation, 1)

    def names(entity):
        response = admin_client.get(f"/api/data/entities/{entity.id}/output-types")
        return [row["name"] for row in response.json()]

    assert names(cosmos.tree) == ["Cache", "Geometry"]
    assert names(cosmos.shot) == ["Rig"]
    assert names(cosmos.rabbit) == []


def test_an_updated_output_file_is_read_back_updated(admin_client, cosmos):
    answer = published(admin_client, cosmos.tree, cosmos.geometry, cosmos.shaders)
    url = f"/api/data/output-files/{answer['id']}"
    assert admin_client.get(url).json()["comment"] == ""

    response = admin_client.put(url, {"comment": "updated"}, format="json")

    assert response.status_code == 200
    assert response.json()["comment"] == "updated"
    assert admin_client.get(url).json()["comment"] == "updated"
    assert admin_client.get(f"/api/data/files/{answer['id']}").json()["comment"] == "updated"


# ---------------------------------------------------------------------------------------------
# Zou's quirks, kept because clients see them: revision 0 (or below) means "the next one", and
# the entity's next revision counts the outputs of its instances too.


def test_next_revision_counts_the_instance_outputs_of_the_asset(admin_client, cosmos):
    make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 1)
    make_instance_output(
        cosmos, cosmos.shot_instance, cosmos.shot, cosmos.geometry, cosmos.shaders, 9
    )

    assert next_revision(admin_client, cosmos.tree, cosmos.geometry, cosmos.shaders).json() == {
        "next_revision": 10
    }
    answer = published(admin_client, cosmos.tree, cosmos.geometry, cosmos.shaders)
    assert answer["revision"] == 10


def test_a_revision_below_one_means_the_next_one(admin_client, cosmos):
    make_output(cosmos.tree, cosmos.texture, cosmos.shaders, 4)

    answer = published(admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, revision=-3)

    assert answer["revision"] == 5
    assert answer["file_name"] == f"{TEXTURE_STEM}_main_v005"


def test_a_second_representation_of_a_revision_needs_the_revision_sent(admin_client, cosmos):
    first = published(
        admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, representation="obj"
    )
    same = published(
        admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, representation="max", revision=1
    )
    auto = published(
        admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, representation="max"
    )

    assert (first["revision"], same["revision"], auto["revision"]) == (1, 1, 2)
