"""The output-file routes (files contract §3.1, §3.11-§3.16, §3.25, §4.3, §5.3-§5.8), Zou's
test_output_files.py (§10.4, entity part) and the output rows of test_files_service.py (§10.6).

The production is the one of Zou's tests: "Cosmos Landromat" on the `simple` tree (conftest).
Concurrency and gazu are tested elsewhere.
"""

import uuid

import orjson
import pytest

from kitsufiles.api.serialization import serialize_instance
from output_files import services
from output_files.errors import OutputFileExists
from output_files.models import OutputFile
from production import services as production_services
from production.models import (
    FileStatus,
    OutputType,
    ProjectPersonLink,
    ProjectStatus,
    Role,
    TaskType,
)
from production.selectors import DEFAULT_FILE_STATUS_NAME

pytestmark = pytest.mark.django_db

ARTIST, SUPERVISOR, MANAGER = Role.ARTIST, Role.SUPERVISOR, Role.MANAGER
CLIENT, VENDOR = Role.CLIENT, Role.VENDOR

NOT_FOUND = {
    "error": True,
    "message": "404 Not Found: The requested URL was not found on the server. If you entered "
    "the URL manually please check your spelling and try again.",
}
FORBIDDEN = {
    "error": True,
    "message": "You don't have the permission to access the requested resource. It is either "
    "read-protected or not readable by the server.",
}
ALREADY_EXISTS = {"error": "The given output file already exists."}
NO_OUTPUT_TYPE = {"error": "Cannot find given output type."}
NO_PERSON = {"error": "Cannot find given person."}

ROOT = "/simple/productions/export/cosmos_landromat"
TEXTURE_FOLDER = f"{ROOT}/assets/props/tree/shaders/texture"
TEXTURE_STEM = "cosmos_landromat_props_tree_shaders_texture"

# Keys of an output file's JSON (§1.2).
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


# ---------------------------------------------------------------------------------------------
# Helpers


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


@pytest.fixture
def member(make_person, cosmos, client_for):
    """A client for a person of `role`, in the team (with an optional project role) or not,
    optionally assigned to the Tree's Shaders task."""

    def make(role=ARTIST, *, inside=True, project_role=None, assigned_to=None):
        person = make_person(role)
        if inside:
            ProjectPersonLink.objects.create(
                project=cosmos.project, person=person, role=project_role
            )
        if assigned_to is not None:
            assigned_to.assignees.add(person)
        return client_for(person)

    return make


# ---------------------------------------------------------------------------------------------
# §10.4 test_output_files.py (entity part)


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
    assert response.json() == ALREADY_EXISTS
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


@pytest.fixture
def published_lines(cosmos):
    """Zou's "last output files" data: Geometry r1..r5, Cache r1..r3, Texture r1, Render r1..r2,
    Render/variant-1 r1 on Tree (Shaders); an Alembic output on the shot; a Geometry r9 of an
    instance of Tree in the shot."""
    rows = {}
    for output_type, last in ((cosmos.geometry, 5), (cosmos.cache, 3), (cosmos.texture, 1)):
        for revision in range(1, last + 1):
            rows[(output_type.name, revision)] = make_output(
                cosmos.tree, output_type, cosmos.shaders, revision
            )
    for revision in (1, 2):
        rows[("Render", revision)] = make_output(
            cosmos.tree, cosmos.render, cosmos.shaders, revision
        )
    rows[("variant-1", 1)] = make_output(
        cosmos.tree, cosmos.render, cosmos.shaders, 1, name="variant-1"
    )
    alembic = OutputType.objects.create(name="Alembic", short_name="abc")
    rows[("Alembic", 1)] = make_output(cosmos.shot, alembic, cosmos.animation, 1)
    rows[("instance", 9)] = make_instance_output(
        cosmos, cosmos.shot_instance, cosmos.shot, cosmos.geometry, cosmos.shaders, 9
    )
    return rows


def test_get_last_output_files(admin_client, cosmos, published_lines):
    response = admin_client.get(f"/api/data/entities/{cosmos.tree.id}/output-files/last-revisions")

    assert response.status_code == 200
    answer = response.json()
    assert isinstance(answer, list)
    expected = [
        published_lines[key]
        for key in (("Geometry", 5), ("Cache", 3), ("Texture", 1), ("Render", 2), ("variant-1", 1))
    ]
    for row in expected:
        assert as_json(row) in answer
    assert sorted(row["id"] for row in answer) == sorted(str(row.id) for row in expected)


def test_get_entity_output_types(admin_client, cosmos, published_lines):
    response = admin_client.get(f"/api/data/entities/{cosmos.tree.id}/output-types")

    assert response.status_code == 200
    names = [row["name"] for row in response.json()]
    assert names == ["Cache", "Geometry", "Render", "Texture"]
    assert response.json()[0] == as_json(cosmos.cache)


def test_get_entity_output_type_output_files(admin_client, cosmos, published_lines):
    response = admin_client.get(
        f"/api/data/entities/{cosmos.tree.id}/output-types/{cosmos.cache.id}/output-files"
    )

    assert revisions(response) == [3, 2, 1]
    assert {row["output_type_id"] for row in response.json()} == {str(cosmos.cache.id)}


def test_get_output_files_for_project(admin_client, cosmos, admin):
    for _ in range(4):
        published(admin_client, cosmos.tree, cosmos.texture, cosmos.shaders)
    other = production_services.create_project(values={"name": "Other"})
    other_asset = production_services.create_asset(
        project=other, asset_type=cosmos.tree.entity_type, name="Bush", created_by=admin
    )
    for revision in (1, 2, 3):
        make_output(other_asset, cosmos.texture, cosmos.shaders, revision)

    assert revisions(admin_client.get(f"/api/data/projects/{cosmos.project.id}/output-files")) == [
        4,
        3,
        2,
        1,
    ]
    assert len(admin_client.get(f"/api/data/projects/{other.id}/output-files").json()) == 3


def test_get_output_files_for_output_type_and_entity(admin_client, cosmos):
    for revision in (1, 2, 3, 4):
        make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, revision, representation="obj")
    for revision in (1, 2, 3):
        make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, revision, representation="max")
    url = f"/api/data/entities/{cosmos.tree.id}/output-types/{cosmos.geometry.id}/output-files"

    assert len(admin_client.get(url).json()) == 7
    assert revisions(admin_client.get(f"{url}?representation=obj")) == [4, 3, 2, 1]
    assert revisions(admin_client.get(f"{url}?representation=max")) == [3, 2, 1]


def test_get_entity_output_files(admin_client, cosmos, published_lines, member):
    url = f"/api/data/entities/{cosmos.tree.id}/output-files"

    everything = admin_client.get(url).json()
    assert len(everything) == 12
    assert {row["entity_id"] for row in everything} == {str(cosmos.tree.id)}
    narrowed = admin_client.get(f"{url}?output_type_id={cosmos.cache.id}").json()
    assert [row["revision"] for row in narrowed] == [3, 2, 1]
    outsider = member(ARTIST, inside=False)
    response = outsider.get(url)
    assert response.status_code == 403
    assert response.json() == FORBIDDEN


# ---------------------------------------------------------------------------------------------
# §10.6 test_files_service.py (output rows)


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

    assert refused.value.message == ALREADY_EXISTS["error"]
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
# Quirks kept (§5.3, §11 items 9, 10)


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


# ---------------------------------------------------------------------------------------------
# Listing filters: each one applied, and "empty means not applied"


@pytest.fixture
def filter_rows(cosmos):
    """Rows differing by one criterion each from the base row (Geometry, Shaders, main, "",
    To review) of the Tree."""
    approved = FileStatus.objects.create(name="Approved", color="#00FF00")
    return {
        "base": make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 1),
        "output_type_id": make_output(cosmos.tree, cosmos.cache, cosmos.shaders, 1),
        "task_type_id": make_output(
            cosmos.tree, cosmos.geometry, TaskType.objects.get(name="Modeling"), 1
        ),
        "representation": make_output(
            cosmos.tree, cosmos.geometry, cosmos.shaders, 1, representation="obj"
        ),
        "file_status_id": OutputFile.objects.create(
            entity=cosmos.tree,
            output_type=cosmos.geometry,
            task_type=cosmos.shaders,
            revision=2,
            name="main",
            representation="",
            file_status=approved,
        ),
        "name": make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 1, name="hotfix"),
    }


def filter_value(row: OutputFile, key: str) -> str:
    return str(getattr(row, key))


LISTINGS = {
    "entity": lambda cosmos: f"/api/data/entities/{cosmos.tree.id}/output-files",
    "project": lambda cosmos: f"/api/data/projects/{cosmos.project.id}/output-files",
}
FILTER_KEYS = ["output_type_id", "task_type_id", "representation", "file_status_id", "name"]


@pytest.mark.parametrize("listing", list(LISTINGS))
@pytest.mark.parametrize("key", FILTER_KEYS)
def test_a_listing_filter_keeps_the_rows_of_that_value(
    admin_client, cosmos, filter_rows, listing, key
):
    row = filter_rows[key]
    url = LISTINGS[listing](cosmos)

    response = admin_client.get(url, {key: filter_value(row, key)})

    assert response.status_code == 200
    assert [answer["id"] for answer in response.json()] == [str(row.id)]


@pytest.mark.parametrize("listing", list(LISTINGS))
@pytest.mark.parametrize("key", FILTER_KEYS)
def test_an_empty_listing_filter_is_not_applied(admin_client, cosmos, filter_rows, listing, key):
    url = LISTINGS[listing](cosmos)

    response = admin_client.get(f"{url}?{key}=")

    assert response.status_code == 200
    assert sorted(answer["id"] for answer in response.json()) == sorted(
        str(row.id) for row in filter_rows.values()
    )


@pytest.mark.parametrize("key", FILTER_KEYS)
def test_a_last_revisions_filter_keeps_the_rows_of_that_value(
    admin_client, cosmos, filter_rows, key
):
    row = filter_rows[key]
    url = f"/api/data/entities/{cosmos.tree.id}/output-files/last-revisions"

    response = admin_client.get(url, {key: filter_value(row, key)})

    assert response.status_code == 200
    assert [answer["id"] for answer in response.json()] == [str(row.id)]


@pytest.mark.parametrize("key", FILTER_KEYS)
def test_an_empty_last_revisions_filter_is_not_applied(admin_client, cosmos, key):
    geometry = [make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, n) for n in (1, 2)]
    cache = make_output(cosmos.tree, cosmos.cache, cosmos.shaders, 1)
    url = f"/api/data/entities/{cosmos.tree.id}/output-files/last-revisions"

    response = admin_client.get(f"{url}?{key}=")

    assert sorted(answer["id"] for answer in response.json()) == sorted(
        [str(geometry[1].id), str(cache.id)]
    )


def test_last_revisions_with_a_status_take_the_last_row_of_that_status(admin_client, cosmos):
    approved = FileStatus.objects.create(name="Approved", color="#00FF00")
    make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 1)
    second = OutputFile.objects.create(
        entity=cosmos.tree,
        output_type=cosmos.geometry,
        task_type=cosmos.shaders,
        revision=2,
        name="main",
        representation="",
        file_status=approved,
    )
    make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 3)
    url = f"/api/data/entities/{cosmos.tree.id}/output-files/last-revisions"

    response = admin_client.get(url, {"file_status_id": str(approved.id)})

    assert [row["id"] for row in response.json()] == [str(second.id)]


def test_the_output_type_listing_filters_on_an_empty_representation(admin_client, cosmos):
    plain = make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 1)
    make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 1, representation="obj")
    url = f"/api/data/entities/{cosmos.tree.id}/output-types/{cosmos.geometry.id}/output-files"

    assert [row["id"] for row in admin_client.get(f"{url}?representation=").json()] == [
        str(plain.id)
    ]
    assert len(admin_client.get(url).json()) == 2


def test_the_output_type_listing_keeps_negative_revisions(admin_client, cosmos):
    make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 1)
    make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, -1)
    by_type = f"/api/data/entities/{cosmos.tree.id}/output-types/{cosmos.geometry.id}/output-files"

    assert revisions(admin_client.get(by_type)) == [1, -1]
    assert revisions(admin_client.get(f"/api/data/entities/{cosmos.tree.id}/output-files")) == [1]
    project = f"/api/data/projects/{cosmos.project.id}/output-files"
    assert revisions(admin_client.get(project)) == [1]


def test_the_output_type_listing_of_an_unknown_output_type_is_404(admin_client, cosmos):
    response = admin_client.get(
        f"/api/data/entities/{cosmos.tree.id}/output-types/{uuid.uuid4()}/output-files"
    )

    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------
# Bad input (§3.11, §11 items 14, 15): nothing is created


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

    # The root and mountpoint are inserted verbatim (§11 item 34).
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


def test_a_file_read_by_id_is_the_output(admin_client, cosmos, working_file):
    answer = published(
        admin_client,
        cosmos.tree,
        cosmos.texture,
        cosmos.shaders,
        working_file_id=str(working_file.id),
    )

    response = admin_client.get(f"/api/data/files/{answer['id']}")

    assert response.status_code == 200
    assert response.json() == as_json(OutputFile.objects.get(pk=answer["id"]))
    assert response.json()["type"] == "OutputFile"


def test_a_working_file_read_by_id_lists_its_outputs(admin_client, cosmos, working_file):
    answer = published(
        admin_client,
        cosmos.tree,
        cosmos.texture,
        cosmos.shaders,
        working_file_id=str(working_file.id),
    )

    response = admin_client.get(f"/api/data/files/{working_file.id}")

    assert response.status_code == 200
    assert response.json()["type"] == "WorkingFile"
    assert response.json()["outputs"] == [answer["id"]]


@pytest.mark.parametrize("file_id", ["unknown", "UUID", "TASK"])
def test_an_unknown_file_is_404(admin_client, cosmos, file_id):
    value = {"UUID": str(uuid.uuid4()), "TASK": str(cosmos.asset_task.id)}.get(file_id, file_id)

    response = admin_client.get(f"/api/data/files/{value}")

    assert response.status_code == 404


def test_a_file_of_another_production_is_403(cosmos, member):
    output = make_output(cosmos.tree, cosmos.texture, cosmos.shaders, 1)
    outsider = member(ARTIST, inside=False)

    response = outsider.get(f"/api/data/files/{output.id}")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN


# ---------------------------------------------------------------------------------------------
# Permissions of the routes (§2, §3.11-§3.16, §3.25, §11 item 27)


@pytest.mark.parametrize("role", [ARTIST, SUPERVISOR, MANAGER, CLIENT, VENDOR])
def test_any_team_member_may_publish(cosmos, member, role):
    caller = member(role)

    response = publish(caller, cosmos.tree, cosmos.texture, cosmos.shaders)

    assert response.status_code == 201


def test_an_outsider_may_not_publish(cosmos, member):
    response = publish(member(MANAGER, inside=False), cosmos.tree, cosmos.texture, cosmos.shaders)

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert OutputFile.objects.count() == 0


@pytest.mark.parametrize(
    "route",
    ["next-revision", "last-revisions", "output-files", "output-types", "by-output-type"],
)
def test_the_entity_routes_need_project_access(cosmos, member, route):
    outsider = member(ARTIST, inside=False)
    base = f"/api/data/entities/{cosmos.tree.id}"
    if route == "next-revision":
        response = next_revision(outsider, cosmos.tree, cosmos.texture, cosmos.shaders)
    elif route == "by-output-type":
        response = outsider.get(f"{base}/output-types/{cosmos.texture.id}/output-files")
    elif route == "last-revisions":
        response = outsider.get(f"{base}/output-files/last-revisions")
    else:
        response = outsider.get(f"{base}/{route}")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN


@pytest.mark.parametrize(
    ("role", "project_role", "status"),
    [
        (ARTIST, None, 403),
        (SUPERVISOR, None, 403),
        (CLIENT, None, 403),
        (VENDOR, None, 403),
        (MANAGER, None, 200),
        (MANAGER, ARTIST, 403),
        (ARTIST, MANAGER, 200),
    ],
)
def test_project_output_files_need_manager_rights(cosmos, member, role, project_role, status):
    caller = member(role, project_role=project_role)

    response = caller.get(f"/api/data/projects/{cosmos.project.id}/output-files")

    assert response.status_code == status
    if status == 403:
        assert response.json() == FORBIDDEN
    else:
        assert response.json() == []


def test_project_output_files_refuse_an_outsider_manager(cosmos, member):
    response = member(MANAGER, inside=False).get(
        f"/api/data/projects/{cosmos.project.id}/output-files"
    )

    assert response.status_code == 403


def test_project_output_files_of_an_unknown_project_are_404(admin_client, cosmos, member):
    assert admin_client.get(f"/api/data/projects/{uuid.uuid4()}/output-files").status_code == 404
    assert admin_client.get("/api/data/projects/unknown/output-files").status_code == 404
    manager = member(MANAGER)
    assert manager.get(f"/api/data/projects/{uuid.uuid4()}/output-files").status_code == 404


# ---------------------------------------------------------------------------------------------
# CRUD data/output-files (§4.1, §4.3, §11 item 29)


def test_the_crud_list_shows_open_projects_of_the_team_only(
    cosmos, member, make_person, client_for
):
    for revision in (1, 2, 3):
        make_output(cosmos.tree, cosmos.texture, cosmos.shaders, revision)
    person = make_person(ARTIST)
    artist = client_for(person)
    assert artist.get("/api/data/output-files").json() == []

    ProjectPersonLink.objects.create(project=cosmos.project, person=person)
    assert len(artist.get("/api/data/output-files").json()) == 3

    cosmos.project.project_status = ProjectStatus.objects.get(name="Closed")
    cosmos.project.save(update_fields=["project_status"])
    assert artist.get("/api/data/output-files").json() == []


def test_the_crud_list_shows_everything_to_an_admin(admin_client, cosmos):
    rows = [make_output(cosmos.tree, cosmos.texture, cosmos.shaders, n) for n in (1, 2)]
    cosmos.project.project_status = ProjectStatus.objects.get(name="Closed")
    cosmos.project.save(update_fields=["project_status"])

    answer = admin_client.get("/api/data/output-files").json()

    assert sorted(row["id"] for row in answer) == sorted(str(row.id) for row in rows)


def test_the_crud_list_is_refused_to_a_vendor(cosmos, member):
    make_output(cosmos.tree, cosmos.texture, cosmos.shaders, 1)

    response = member(VENDOR).get("/api/data/output-files")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN


def test_the_crud_list_filters_by_entity_and_path(admin_client, cosmos):
    answer = published(admin_client, cosmos.tree, cosmos.texture, cosmos.shaders, extension=".tx")
    make_output(cosmos.rabbit, cosmos.texture, cosmos.shaders, 1)

    by_entity = admin_client.get("/api/data/output-files", {"entity_id": str(cosmos.tree.id)})
    by_path = admin_client.get("/api/data/output-files", {"path": answer["path"]})

    assert [row["id"] for row in by_entity.json()] == [answer["id"]]
    assert [row["id"] for row in by_path.json()] == [answer["id"]]


def test_a_crud_read_equals_the_list_item(admin_client, cosmos, working_file):
    answer = published(
        admin_client,
        cosmos.tree,
        cosmos.texture,
        cosmos.shaders,
        working_file_id=str(working_file.id),
    )

    one = admin_client.get(f"/api/data/output-files/{answer['id']}")

    assert one.status_code == 200
    assert [one.json()] == admin_client.get("/api/data/output-files").json()
    assert one.json()["source_file"] == as_json(working_file)


@pytest.mark.parametrize("output_id", ["unknown", "UUID"])
def test_a_crud_read_of_an_unknown_output_is_404(admin_client, cosmos, output_id):
    value = str(uuid.uuid4()) if output_id == "UUID" else output_id

    assert admin_client.get(f"/api/data/output-files/{value}").status_code == 404


@pytest.mark.parametrize(
    ("role", "inside", "assigned", "status"),
    [
        (ARTIST, True, False, 200),
        (CLIENT, True, False, 200),
        (VENDOR, True, True, 200),
        (VENDOR, True, False, 403),
        (ARTIST, False, False, 403),
    ],
)
def test_a_crud_read_needs_project_and_entity_access(
    cosmos, member, role, inside, assigned, status
):
    output = make_output(cosmos.tree, cosmos.texture, cosmos.shaders, 1)
    caller = member(role, inside=inside, assigned_to=cosmos.asset_task if assigned else None)

    assert caller.get(f"/api/data/output-files/{output.id}").status_code == status


def test_a_crud_creation_is_for_admins(admin_client, cosmos, member, admin):
    body = {
        "name": "main",
        "revision": 1,
        "comment": "made by hand",
        "size": 10,
        "person_id": str(admin.id),
        "file_status_id": str(services.default_file_status().id),
        "entity_id": str(cosmos.tree.id),
    }

    assert member(MANAGER).post("/api/data/output-files", body, format="json").status_code == 403
    response = admin_client.post("/api/data/output-files", body, format="json")

    assert response.status_code == 201
    assert response.json()["output_type_id"] is None
    assert response.json()["task_type_id"] is None
    assert response.json()["source_file"] is None
    assert OutputFile.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "project_role", "assigned", "status"),
    [
        (MANAGER, None, False, 200),
        (ARTIST, MANAGER, False, 200),
        (ARTIST, None, True, 200),
        (VENDOR, None, True, 200),
        (ARTIST, None, False, 403),
        (SUPERVISOR, None, False, 403),
        (CLIENT, None, False, 403),
        (MANAGER, ARTIST, False, 403),
    ],
)
def test_a_crud_update_needs_manager_rights_or_a_task_on_the_entity(
    cosmos, member, role, project_role, assigned, status
):
    output = make_output(cosmos.tree, cosmos.texture, cosmos.shaders, 1)
    caller = member(
        role, project_role=project_role, assigned_to=cosmos.asset_task if assigned else None
    )

    response = caller.put(
        f"/api/data/output-files/{output.id}", {"comment": "changed"}, format="json"
    )

    assert response.status_code == status
    output.refresh_from_db()
    assert output.comment == ("changed" if status == 200 else None)


def test_an_instance_output_is_updated_by_an_assignee_of_its_temporal_entity(cosmos, member):
    output = make_instance_output(
        cosmos, cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.animation, 1
    )
    on_shot = member(ARTIST, assigned_to=cosmos.shot_task)
    on_asset = member(ARTIST, assigned_to=cosmos.asset_task)
    url = f"/api/data/output-files/{output.id}"

    assert on_asset.put(url, {"comment": "asset"}, format="json").status_code == 403
    assert on_shot.put(url, {"comment": "shot"}, format="json").status_code == 200
    output.refresh_from_db()
    assert output.comment == "shot"


def test_a_crud_deletion_is_for_admins(admin_client, cosmos, member):
    output = make_output(cosmos.tree, cosmos.texture, cosmos.shaders, 1)
    url = f"/api/data/output-files/{output.id}"

    assert member(MANAGER).delete(url).status_code == 403
    response = admin_client.delete(url)

    assert response.status_code == 204
    assert response.content == b""
    assert not OutputFile.objects.filter(pk=output.pk).exists()


def test_a_working_file_with_outputs_cannot_be_deleted(admin_client, cosmos, working_file):
    published(
        admin_client,
        cosmos.tree,
        cosmos.texture,
        cosmos.shaders,
        working_file_id=str(working_file.id),
    )

    response = admin_client.delete(f"/api/data/working-files/{working_file.id}")

    assert response.status_code == 400
    assert response.json() == {"message": "The change conflicts with records referencing this one."}


# ---------------------------------------------------------------------------------------------
# Asset-instance outputs (§3.18-§3.22, §3.24; §10.4 instance part, §10.6 instance rows)

SHOT_CACHE_FOLDER = f"{ROOT}/shot/s01/p01/animation/cache/props/tree/instance_0001/abc"
SHOT_CACHE_STEM = "cosmos_landromat_s01_p01_animation_cache_main_tree_0001"
RABBIT_FOLDER = f"{TEXTURE_FOLDER}/character/rabbit/instance_0001/tx"
RABBIT_STEM = "cosmos_landromat_props_tree_shaders_texture_main_rabbit_0001"
INSTANCE_ALREADY_EXISTS = {"message": "The given output file already exists."}


def instance_url(instance, temporal) -> str:
    return f"/api/data/asset-instances/{instance.id}/entities/{temporal.id}"


def publish_instance(client, instance, temporal, output_type, task_type, **extras):
    body = {"output_type_id": str(output_type.id), "task_type_id": str(task_type.id), **extras}
    return client.post(f"{instance_url(instance, temporal)}/output-files/new", body, format="json")


def published_instance(client, instance, temporal, output_type, task_type, **extras) -> dict:
    response = publish_instance(client, instance, temporal, output_type, task_type, **extras)
    assert response.status_code == 201, response.content
    return response.json()


def next_instance_revision(client, instance, temporal, output_type, task_type, **extras):
    body = {"output_type_id": str(output_type.id), "task_type_id": str(task_type.id), **extras}
    return client.post(
        f"{instance_url(instance, temporal)}/output-files/next-revision", body, format="json"
    )


def shot_publish(client, cosmos, **extras) -> dict:
    return published_instance(
        client,
        cosmos.shot_instance,
        cosmos.shot,
        cosmos.cache,
        cosmos.animation,
        representation="abc",
        **extras,
    )


def rabbit_publish(client, cosmos, **extras) -> dict:
    return published_instance(
        client,
        cosmos.asset_instance,
        cosmos.tree,
        cosmos.texture,
        cosmos.shaders,
        representation=".tx",
        **extras,
    )


def test_new_instance_output(admin_client, cosmos, working_file):
    answer = shot_publish(
        admin_client, cosmos, working_file_id=str(working_file.id), comment="test comment"
    )

    assert answer["folder_path"] == (
        "/simple/productions/export/cosmos_landromat/shot/s01/p01/animation/cache/props/tree/"
        "instance_0001/abc"
    )
    assert answer["file_name"] == "cosmos_landromat_s01_p01_animation_cache_main_tree_0001_v001"
    assert answer["path"] == f"{SHOT_CACHE_FOLDER}/{SHOT_CACHE_STEM}_v001"
    stored = admin_client.get(f"/api/data/output-files/{answer['id']}").json()
    assert stored["comment"] == "test comment"
    assert stored["revision"] == 1
    assert stored["source_file_id"] == str(working_file.id)
    assert stored["entity_id"] == str(cosmos.tree.id)
    assert stored["asset_instance_id"] == str(cosmos.shot_instance.id)
    assert stored["temporal_entity_id"] == str(cosmos.shot.id)


def test_an_instance_publish_answers_the_output_with_path_parts(admin_client, cosmos, working_file):
    answer = shot_publish(admin_client, cosmos, working_file_id=str(working_file.id))

    assert set(answer) == OF_KEYS | {"folder_path", "file_name"}
    assert answer["source_file"] == as_json(working_file)
    assert (answer["checksum"], answer["size"]) == ("ab" * 32, 2048)


def test_get_next_instance_revision(admin_client, cosmos):
    shot_publish(admin_client, cosmos)

    response = next_instance_revision(
        admin_client, cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.animation
    )

    assert response.status_code == 200
    assert response.json() == {"next_revision": 2}
    assert shot_publish(admin_client, cosmos)["file_name"] == f"{SHOT_CACHE_STEM}_v002"


def test_get_last_instance_outputs(admin_client, cosmos):
    answer = shot_publish(admin_client, cosmos)

    response = admin_client.get(
        f"{instance_url(cosmos.shot_instance, cosmos.shot)}/output-files/last-revisions"
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [answer["id"]]


def test_new_asset_asset_instance_output(admin_client, cosmos):
    answer = rabbit_publish(admin_client, cosmos)

    assert answer["folder_path"] == (
        "/simple/productions/export/cosmos_landromat/assets/props/tree/shaders/texture/"
        "character/rabbit/instance_0001/tx"
    )
    assert (
        answer["file_name"] == "cosmos_landromat_props_tree_shaders_texture_main_rabbit_0001_v001"
    )
    assert answer["path"] == f"{RABBIT_FOLDER}/{RABBIT_STEM}_v001"
    assert answer["entity_id"] == str(cosmos.rabbit.id)
    assert answer["temporal_entity_id"] == str(cosmos.tree.id)


def test_get_next_asset_asset_instance_revision(admin_client, cosmos):
    rabbit_publish(admin_client, cosmos)

    response = next_instance_revision(
        admin_client, cosmos.asset_instance, cosmos.tree, cosmos.texture, cosmos.shaders
    )

    assert response.json() == {"next_revision": 2}


def test_get_last_asset_asset_instance_outputs(admin_client, cosmos):
    answer = rabbit_publish(admin_client, cosmos)

    response = admin_client.get(
        f"{instance_url(cosmos.asset_instance, cosmos.tree)}/output-files/last-revisions"
    )

    assert answer["id"] in [row["id"] for row in response.json()]


def test_get_instance_output_types(admin_client, cosmos):
    url = f"{instance_url(cosmos.shot_instance, cosmos.shot)}/output-types"
    assert admin_client.get(url).json() == []

    shot_publish(admin_client, cosmos)

    response = admin_client.get(url)
    assert response.status_code == 200
    assert response.json()[0] == as_json(cosmos.cache)


def test_get_output_files_for_output_type_and_asset_instance(admin_client, cosmos):
    instance, scene = cosmos.scene_instance, cosmos.scene
    for revision in (1, 2, 3, 4):
        make_instance_output(
            cosmos, instance, scene, cosmos.geometry, cosmos.shaders, revision, representation="obj"
        )
    for revision in (1, 2, 3):
        make_instance_output(
            cosmos, instance, scene, cosmos.geometry, cosmos.shaders, revision, representation="max"
        )
    url = f"{instance_url(instance, scene)}/output-types/{cosmos.geometry.id}/output-files"

    assert len(admin_client.get(url).json()) == 7
    assert revisions(admin_client.get(f"{url}?representation=obj")) == [4, 3, 2, 1]
    assert revisions(admin_client.get(f"{url}?representation=max")) == [3, 2, 1]
    assert admin_client.get(f"{url}?representation=").json() == []


def test_an_instance_publish_ignores_nb_elements_in_the_name(admin_client, cosmos):
    answer = shot_publish(admin_client, cosmos, nb_elements=50, extension=".abc")

    assert answer["file_name"] == f"{SHOT_CACHE_STEM}_v001"
    assert answer["path"] == f"{SHOT_CACHE_FOLDER}/{SHOT_CACHE_STEM}_v001.abc"
    assert answer["nb_elements"] == 50


def test_an_instance_publish_of_a_taken_revision_is_400(admin_client, cosmos):
    shot_publish(admin_client, cosmos, revision=3)

    response = publish_instance(
        admin_client,
        cosmos.shot_instance,
        cosmos.shot,
        cosmos.cache,
        cosmos.animation,
        representation="abc",
        revision=3,
    )

    assert response.status_code == 400
    assert response.json() == INSTANCE_ALREADY_EXISTS
    assert OutputFile.objects.count() == 1


def test_an_instance_publish_with_an_unknown_output_type_is_400(admin_client, cosmos):
    body = {"output_type_id": str(uuid.uuid4()), "task_type_id": str(cosmos.animation.id)}

    response = admin_client.post(
        f"{instance_url(cosmos.shot_instance, cosmos.shot)}/output-files/new", body, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"message": "Cannot find given output type."}
    assert OutputFile.objects.count() == 0


def test_an_instance_publish_with_an_unknown_person_is_400(admin_client, cosmos):
    response = publish_instance(
        admin_client,
        cosmos.shot_instance,
        cosmos.shot,
        cosmos.cache,
        cosmos.animation,
        person_id=str(uuid.uuid4()),
    )

    assert response.status_code == 400
    assert response.json() == {"message": "Cannot find given person."}
    assert OutputFile.objects.count() == 0


def test_an_instance_publish_with_an_unknown_task_type_is_404(admin_client, cosmos):
    body = {"output_type_id": str(cosmos.cache.id), "task_type_id": str(uuid.uuid4())}

    response = admin_client.post(
        f"{instance_url(cosmos.shot_instance, cosmos.shot)}/output-files/new", body, format="json"
    )

    assert response.status_code == 404
    assert OutputFile.objects.count() == 0


@pytest.mark.parametrize("unknown", ["instance", "temporal"])
def test_an_instance_publish_on_unknown_ids_is_404(admin_client, cosmos, unknown):
    instance_id = uuid.uuid4() if unknown == "instance" else cosmos.shot_instance.id
    temporal_id = uuid.uuid4() if unknown == "temporal" else cosmos.shot.id
    body = {"output_type_id": str(cosmos.cache.id), "task_type_id": str(cosmos.animation.id)}

    response = admin_client.post(
        f"/api/data/asset-instances/{instance_id}/entities/{temporal_id}/output-files/new",
        body,
        format="json",
    )

    assert response.status_code == 404
    assert OutputFile.objects.count() == 0


def test_an_instance_publish_without_tree_creates_nothing(admin_client, cosmos):
    cosmos.project.file_tree = None
    cosmos.project.save(update_fields=["file_tree"])

    response = publish_instance(
        admin_client, cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.animation
    )

    assert response.status_code == 400
    assert OutputFile.objects.count() == 0


def test_an_instance_publish_needs_project_access(cosmos, member):
    outsider = member(ARTIST, inside=False)

    response = publish_instance(
        outsider, cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.animation
    )

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert OutputFile.objects.count() == 0
    assert (
        publish_instance(
            member(CLIENT), cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.animation
        ).status_code
        == 201
    )


@pytest.mark.parametrize("route", ["next-revision", "last-revisions", "output-types", "listing"])
def test_the_instance_routes_need_project_access(cosmos, member, route):
    outsider = member(ARTIST, inside=False)
    base = instance_url(cosmos.shot_instance, cosmos.shot)
    if route == "next-revision":
        response = next_instance_revision(
            outsider, cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.animation
        )
    elif route == "last-revisions":
        response = outsider.get(f"{base}/output-files/last-revisions")
    elif route == "output-types":
        response = outsider.get(f"{base}/output-types")
    else:
        response = outsider.get(f"/api/data/asset-instances/{cosmos.shot_instance.id}/output-files")

    assert response.status_code == 403
    assert response.json() == FORBIDDEN


def test_the_three_criterions_are_all_applied(admin_client, cosmos):
    instance = cosmos.scene_instance
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, 1)
    make_instance_output(
        cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, 1, representation="obj"
    )
    make_instance_output(
        cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, 2, representation="obj"
    )
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.cache, cosmos.shaders, 1)
    make_instance_output(cosmos, instance, cosmos.shot, cosmos.geometry, cosmos.shaders, 1)
    by_type = f"output-types/{cosmos.geometry.id}/output-files"

    assert revisions(admin_client.get(f"{instance_url(instance, cosmos.scene)}/{by_type}")) == [
        2,
        1,
        1,
    ]
    obj = admin_client.get(f"{instance_url(instance, cosmos.scene)}/{by_type}?representation=obj")
    assert revisions(obj) == [2, 1]
    assert revisions(admin_client.get(f"{instance_url(instance, cosmos.shot)}/{by_type}")) == [1]


def test_every_revision_of_an_instance_is_listed_newest_first(admin_client, cosmos):
    instance = cosmos.scene_instance
    rows = {
        "geometry1": make_instance_output(
            cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, 1
        ),
        "geometry2": make_instance_output(
            cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, 2
        ),
        "cache1": make_instance_output(
            cosmos, instance, cosmos.scene, cosmos.cache, cosmos.shaders, 1, representation="abc"
        ),
        "shot1": make_instance_output(
            cosmos, instance, cosmos.shot, cosmos.geometry, cosmos.shaders, 1, name="shot"
        ),
    }
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, -1)
    make_instance_output(cosmos, cosmos.shot_instance, cosmos.shot, cosmos.cache, cosmos.shaders, 1)
    url = f"/api/data/asset-instances/{instance.id}/output-files"

    assert revisions(admin_client.get(url)) == [2, 1, 1, 1]
    assert {row["output_type_id"] for row in admin_client.get(url).json()} == {
        str(cosmos.geometry.id),
        str(cosmos.cache.id),
    }

    def ids(params):
        return sorted(row["id"] for row in admin_client.get(url, params).json())

    assert ids({"temporal_entity_id": str(cosmos.shot.id)}) == [str(rows["shot1"].id)]
    assert ids({"output_type_id": str(cosmos.cache.id)}) == [str(rows["cache1"].id)]
    assert ids({"representation": "abc"}) == [str(rows["cache1"].id)]
    assert ids({"name": "shot"}) == [str(rows["shot1"].id)]
    assert ids({"task_type_id": str(cosmos.animation.id)}) == []
    assert ids({"file_status_id": str(services.default_file_status().id)}) == sorted(
        str(row.id) for row in rows.values()
    )
    for key in ("temporal_entity_id", *FILTER_KEYS):
        assert len(admin_client.get(f"{url}?{key}=").json()) == 4


def test_the_instance_listing_of_an_unknown_instance_is_404(admin_client, cosmos):
    response = admin_client.get(f"/api/data/asset-instances/{uuid.uuid4()}/output-files")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_the_last_instance_revision_is_read_per_output_type(admin_client, cosmos):
    instance = cosmos.scene_instance
    for revision in (1, 2, 3):
        make_instance_output(
            cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, revision
        )
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.cache, cosmos.shaders, 1)
    make_instance_output(cosmos, instance, cosmos.shot, cosmos.geometry, cosmos.shaders, 9)

    response = admin_client.get(
        f"{instance_url(instance, cosmos.scene)}/output-files/last-revisions"
    )

    by_type = {row["output_type_id"]: row["revision"] for row in response.json()}
    assert by_type == {str(cosmos.geometry.id): 3, str(cosmos.cache.id): 1}
    assert len(response.json()) == 2


def test_the_output_types_of_an_instance_are_listed_once_each(admin_client, cosmos):
    instance = cosmos.scene_instance
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, 1)
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.geometry, cosmos.shaders, 2)
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.cache, cosmos.shaders, 1)
    rig = OutputType.objects.create(name="Rig", short_name="rig")
    make_instance_output(cosmos, instance, cosmos.shot, rig, cosmos.animation, 1)

    def names(temporal):
        response = admin_client.get(f"{instance_url(instance, temporal)}/output-types")
        return [row["name"] for row in response.json()]

    assert names(cosmos.scene) == ["Cache", "Geometry"]
    assert names(cosmos.shot) == ["Rig"]


def test_the_instance_next_revision_is_per_temporal_entity_and_name(admin_client, cosmos):
    instance = cosmos.scene_instance
    make_instance_output(cosmos, instance, cosmos.scene, cosmos.cache, cosmos.animation, 4)
    make_instance_output(cosmos, instance, cosmos.shot, cosmos.cache, cosmos.animation, 8)

    def next_of(temporal, **extras):
        return next_instance_revision(
            admin_client, instance, temporal, cosmos.cache, cosmos.animation, **extras
        ).json()

    assert next_of(cosmos.scene) == {"next_revision": 5}
    assert next_of(cosmos.shot) == {"next_revision": 9}
    assert next_of(cosmos.scene, name="other") == {"next_revision": 1}


def test_an_instance_output_counts_in_the_asset_output_types(admin_client, cosmos):
    shot_publish(admin_client, cosmos)

    response = admin_client.get(f"/api/data/entities/{cosmos.tree.id}/output-types")

    assert [row["name"] for row in response.json()] == ["Cache"]
    assert admin_client.get(f"/api/data/entities/{cosmos.tree.id}/output-files").json() == []
