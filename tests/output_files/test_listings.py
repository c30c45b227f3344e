"""The output-file listings of an entity and of a project: last revisions, output types,
the files of one output type, and each filter applied (or not, when empty).
"""

import datetime
import uuid

import pytest

from output_files.models import OutputFile
from production import services as production_services
from production.models import FileStatus, OutputType, TaskType
from tests.output_files.helpers import (
    ARTIST,
    FILTER_KEYS,
    as_json,
    make_instance_output,
    make_output,
    published,
    revisions,
)
from tests.zou_bodies import FORBIDDEN

pytestmark = pytest.mark.django_db


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


def test_the_last_revisions_come_by_name_then_newest_first(admin_client, cosmos):
    for output_type, name in ((cosmos.geometry, "b"), (cosmos.cache, "a"), (cosmos.render, "c")):
        for revision in (1, 2):
            make_output(cosmos.tree, output_type, cosmos.shaders, revision, name=name)
    make_output(cosmos.tree, cosmos.texture, cosmos.shaders, 4, name="b")
    url = f"/api/data/entities/{cosmos.tree.id}/output-files/last-revisions"

    answer = admin_client.get(url).json()

    assert [(row["name"], row["revision"]) for row in answer] == [
        ("a", 2),
        ("b", 4),
        ("b", 2),
        ("c", 2),
    ]


@pytest.mark.parametrize("column", ["representation", "task_type", "output_type"])
def test_the_last_revisions_leave_out_rows_with_an_empty_grouping_column(
    admin_client, cosmos, column
):
    """Zou groups by (task type, output type, name, representation) and joins the groups'
    highest revisions back on equality: a NULL in any of them matches nothing, so such rows
    (made through the CRUD; the routes never store them) never appear."""
    kept = make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 1)
    values = {"output_type": cosmos.cache, "task_type": cosmos.animation, "representation": "obj"}
    values[column] = None
    for revision in (1, 2):
        OutputFile.objects.create(
            entity=cosmos.tree,
            name="main",
            revision=revision,
            file_status=kept.file_status,
            **values,
        )
    url = f"/api/data/entities/{cosmos.tree.id}/output-files/last-revisions"

    assert [row["id"] for row in admin_client.get(url).json()] == [str(kept.id)]


def test_of_two_rows_at_a_group_s_highest_revision_the_later_one_is_last(admin_client, cosmos):
    """Rows of the entity seen in two temporal entities (made through the CRUD) can tie."""
    earlier = make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 2)
    later = make_output(
        cosmos.tree, cosmos.geometry, cosmos.shaders, 2, temporal_entity=cosmos.shot
    )
    make_output(cosmos.tree, cosmos.geometry, cosmos.shaders, 1)
    OutputFile.objects.filter(pk=earlier.pk).update(
        created_at=later.created_at - datetime.timedelta(seconds=1)
    )
    url = f"/api/data/entities/{cosmos.tree.id}/output-files/last-revisions"

    assert [row["id"] for row in admin_client.get(url).json()] == [str(later.id)]


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
