"""The generic CRUD routes of data/output-files: team-scoped listing, reads, creation by
admins, updates and deletion.
"""

import uuid

import pytest

from output_files import services
from output_files.models import OutputFile
from production.models import ProjectPersonLink, ProjectStatus
from tests.output_files.helpers import (
    ARTIST,
    CLIENT,
    MANAGER,
    SUPERVISOR,
    VENDOR,
    as_json,
    make_instance_output,
    make_output,
    published,
)
from tests.zou_bodies import FORBIDDEN, REFERENCED

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# CRUD data/output-files. As in Zou, the listing shows the team's open projects only.


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
    assert response.json() == REFERENCED


def test_an_output_of_an_instance_is_filed_under_the_instance_asset(admin_client, cosmos):
    """An output carries its instance's asset as entity (as a publish writes it): an instance
    of another asset is refused, whoever sends it, and nothing changes."""
    output = make_output(cosmos.tree, cosmos.texture, cosmos.shaders, 1)
    url = f"/api/data/output-files/{output.id}"
    rabbit_in_tree = cosmos.asset_instance  # an instance of Rabbit

    refused = admin_client.put(url, {"asset_instance_id": str(rabbit_in_tree.id)}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {
        "error": True,
        "message": "The asset instance is not an instance of the output file's entity.",
        "data": None,
    }
    output.refresh_from_db()
    assert output.asset_instance_id is None

    tree_in_shot = cosmos.shot_instance
    accepted = admin_client.put(url, {"asset_instance_id": str(tree_in_shot.id)}, format="json")
    assert accepted.status_code == 200, accepted.json()
