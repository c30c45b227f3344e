"""The generic CRUD routes of data/working-files: listing with filters and team scope, reads,
creation, update and deletion.
"""

import uuid

import pytest

from file_trees.shipped import shipped_tree
from production import services as production_services
from production.models import EntityType, Person, ProjectPersonLink, TaskStatus
from tests.working_files.helpers import (
    ARTIST,
    CLIENT,
    MANAGER,
    SUPERVISOR,
    VENDOR,
    WF_KEYS,
    Stage,
    make_file,
    make_output,
    plain,
)
from tests.zou_bodies import FORBIDDEN, NOT_FOUND, REFERENCED, UNIQUE_VIOLATION
from working_files.models import WorkingFile

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# CRUD routes data/working-files


@pytest.fixture
def three_files(stage) -> list[WorkingFile]:
    return [
        make_file(stage.task, "main", 1, comment="first", size=10),
        make_file(stage.task, "main", 2, comment="second", size=20),
        make_file(stage.modeling_task, "hotfix", 1, comment="third", size=30),
    ]


def test_the_crud_lists_every_working_file(admin_client, three_files):
    response = admin_client.get("/api/data/working-files")
    assert response.status_code == 200
    rows = response.json()
    assert {row["id"] for row in rows} == {str(wf.id) for wf in three_files}
    assert all(set(row) == WF_KEYS for row in rows)  # no `outputs`
    by_id = {str(wf.id): wf for wf in three_files}
    assert all(row == plain(by_id[row["id"]]) for row in rows)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"name": "main"}, [0, 1]),
        ({"name": "MAIN"}, [0, 1]),  # case-insensitive
        ({"revision": "2"}, [1]),
        ({"task_id": "modeling"}, [2]),
        ({"entity_id": "tree"}, [0, 1, 2]),
        ({"comment": "first"}, [0]),
        ({"name": "main", "revision": "1"}, [0]),
        ({"revision": "[1, 2]"}, [0, 1, 2]),
        ({"name": "unknown"}, []),
        ({"not_a_column": "x"}, [0, 1, 2]),  # unknown keys are ignored
    ],
    ids=lambda value: str(value),
)
def test_the_crud_list_filters(admin_client, stage, three_files, query, expected):
    values = {"modeling": str(stage.modeling_task.id), "tree": str(stage.tree.id)}
    query = {key: values.get(value, value) for key, value in query.items()}
    rows = admin_client.get("/api/data/working-files", query).json()
    assert {row["id"] for row in rows} == {str(three_files[i].id) for i in expected}


def test_the_crud_list_refuses_a_malformed_uuid_filter(admin_client, three_files):
    response = admin_client.get("/api/data/working-files", {"task_id": "nope"})
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": "Invalid UUID value: nope", "data": None}


def test_the_crud_list_with_relations_lists_outputs(admin_client, stage, three_files):
    output = make_output(stage, three_files[0])
    rows = admin_client.get("/api/data/working-files", {"relations": "true"}).json()
    assert {row["id"]: row["outputs"] for row in rows} == {
        str(three_files[0].id): [str(output.id)],
        str(three_files[1].id): [],
        str(three_files[2].id): [],
    }


def test_the_crud_list_pages(admin_client, three_files):
    body = admin_client.get("/api/data/working-files", {"page": "1", "limit": "2"}).json()
    assert (body["total"], body["nb_pages"], body["limit"], body["page"]) == (3, 2, 2, 1)
    assert len(body["data"]) == 2


def test_the_crud_list_is_refused_to_vendors(stage, client_for, person_in, three_files):
    for vendor in (person_in(VENDOR), person_in(VENDOR, assigned=True)):
        response = client_for(vendor).get("/api/data/working-files")
        assert response.status_code == 403
        assert response.json() == FORBIDDEN


def test_the_crud_vendor_block_reads_the_global_role(stage, client_for, person_in, three_files):
    """No project context in the CRUD list: a global artist who is vendor in a project lists."""
    artist = person_in(ARTIST, project_role=VENDOR)
    response = client_for(artist).get("/api/data/working-files")
    assert response.status_code == 200
    assert len(response.json()) == 3


def test_the_crud_list_is_scoped_to_the_team(
    admin_client, admin, stage, client_for, make_person, three_files
):
    other = production_services.create_project(
        values={"name": "Big Buck Bunny", "file_tree": shipped_tree("simple")}
    )
    bunny = production_services.create_asset(
        project=other,
        asset_type=EntityType.objects.get(name="Character"),
        name="Bunny",
        created_by=admin,
    )
    other_task = production_services.create_task(
        values={
            "name": "main",
            "project": other,
            "entity": bunny,
            "task_type": stage.shaders,
            "task_status": TaskStatus.objects.get(is_default=True),
        }
    )
    elsewhere = make_file(other_task)
    artist = make_person(ARTIST)
    client = client_for(artist)
    assert client.get("/api/data/working-files").json() == []
    assert client.get("/api/data/working-files", {"name": "main"}).json() == []
    ProjectPersonLink.objects.create(project=stage.project, person=artist)
    ids = {row["id"] for row in client.get("/api/data/working-files").json()}
    assert ids == {str(wf.id) for wf in three_files}
    by_id = client.get("/api/data/working-files", {"id": str(elsewhere.id)}).json()
    assert by_id == []
    everything = {row["id"] for row in admin_client.get("/api/data/working-files").json()}
    assert everything == {str(wf.id) for wf in [*three_files, elsewhere]}


def test_the_crud_reads_one_as_the_list_item_plus_outputs(admin_client, three_files):
    listed = {row["id"]: row for row in admin_client.get("/api/data/working-files").json()}
    for working_file in three_files:
        response = admin_client.get(f"/api/data/working-files/{working_file.id}")
        assert response.status_code == 200
        assert response.json() == {**listed[str(working_file.id)], "outputs": []}


def test_the_crud_read_lists_the_outputs(admin_client, stage, three_files):
    output = make_output(stage, three_files[0])
    body = admin_client.get(f"/api/data/working-files/{three_files[0].id}").json()
    assert body["outputs"] == [str(output.id)]


def test_the_crud_read_always_carries_the_outputs(admin_client, stage, three_files):
    """As in Zou, the single read ignores `relations`: a working file always has `outputs`."""
    output = make_output(stage, three_files[0])
    url = f"/api/data/working-files/{three_files[0].id}"
    body = admin_client.get(url, {"relations": "false"}).json()
    assert body["outputs"] == [str(output.id)]


@pytest.mark.parametrize("file_id", ["random", "malformed"])
def test_the_crud_read_of_no_working_file_is_a_404(admin_client, file_id):
    file_id = {"random": uuid.uuid4(), "malformed": "nope"}[file_id]
    response = admin_client.get(f"/api/data/working-files/{file_id}")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_the_crud_read_needs_task_access(stage, client_for, make_person, three_files):
    artist = make_person(ARTIST)
    client = client_for(artist)
    url = f"/api/data/working-files/{three_files[0].id}"
    assert client.get(url).status_code == 403
    ProjectPersonLink.objects.create(project=stage.project, person=artist)
    assert client.get(url).status_code == 200


def test_the_crud_read_refuses_a_vendor_not_assigned(stage, client_for, person_in, three_files):
    url = f"/api/data/working-files/{three_files[0].id}"
    assert client_for(person_in(VENDOR)).get(url).status_code == 403
    assert client_for(person_in(VENDOR, assigned=True)).get(url).status_code == 200


def crud_body(stage: Stage, person: Person, **extra) -> dict:
    return {
        "name": "main",
        "revision": 3,
        "comment": "created through the CRUD",
        "size": 2048,
        "task_id": str(stage.task.id),
        "entity_id": str(stage.tree.id),
        "person_id": str(person.id),
        **extra,
    }


def test_an_admin_creates_a_working_file_through_the_crud(admin_client, admin, stage, three_files):
    response = admin_client.post("/api/data/working-files", crud_body(stage, admin), format="json")
    assert response.status_code == 201
    body = response.json()
    created = WorkingFile.objects.get(pk=body["id"])
    assert body == plain(created, relations=True)
    assert body["outputs"] == []
    # `size` is the server's: the sent value is ignored (docs/compatibility.md#generic-crud-routes)
    assert (body["name"], body["revision"], body["size"]) == ("main", 3, None)
    assert body["person_id"] == str(admin.id)
    assert len(admin_client.get("/api/data/working-files").json()) == 4


def test_the_crud_create_refuses_a_taken_revision(admin_client, admin, stage, three_files):
    body = crud_body(stage, admin, revision=1)
    response = admin_client.post("/api/data/working-files", body, format="json")
    assert response.status_code == 400
    assert response.json() == UNIQUE_VIOLATION
    assert WorkingFile.objects.count() == 3


@pytest.mark.parametrize("role", [ARTIST, SUPERVISOR, MANAGER, CLIENT, VENDOR])
def test_only_admins_create_working_files_through_the_crud(stage, client_for, person_in, role):
    caller = person_in(role, assigned=True)
    response = client_for(caller).post(
        "/api/data/working-files", crud_body(stage, caller), format="json"
    )
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert not WorkingFile.objects.exists()


def test_an_admin_deletes_a_working_file(admin_client, three_files):
    url = f"/api/data/working-files/{three_files[0].id}"
    response = admin_client.delete(url)
    assert response.status_code == 204
    assert response.content == b""
    assert not WorkingFile.objects.filter(pk=three_files[0].pk).exists()
    assert admin_client.get(url).status_code == 404
    assert admin_client.delete(f"/api/data/working-files/{uuid.uuid4()}").status_code == 404


@pytest.mark.parametrize("role", [ARTIST, SUPERVISOR, MANAGER, CLIENT, VENDOR])
def test_only_admins_delete_working_files(stage, client_for, person_in, three_files, role):
    response = client_for(person_in(role, assigned=True)).delete(
        f"/api/data/working-files/{three_files[0].id}"
    )
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert WorkingFile.objects.filter(pk=three_files[0].pk).exists()


def test_a_working_file_with_outputs_cannot_be_deleted(admin_client, stage, three_files):
    make_output(stage, three_files[0])
    response = admin_client.delete(f"/api/data/working-files/{three_files[0].id}")
    assert response.status_code == 400
    assert response.json() == REFERENCED
    assert WorkingFile.objects.filter(pk=three_files[0].pk).exists()


def test_an_admin_updates_a_working_file(admin_client, stage, three_files):
    url = f"/api/data/working-files/{three_files[0].id}"
    response = admin_client.put(url, {"name": "renamed"}, format="json")
    assert response.status_code == 200
    three_files[0].refresh_from_db()
    assert three_files[0].name == "renamed"
    assert response.json() == plain(three_files[0])  # no `outputs`


@pytest.mark.parametrize(
    ("role", "inside", "assigned", "status"),
    [
        (ARTIST, True, True, 200),
        (ARTIST, True, False, 403),
        (ARTIST, False, True, 403),
        (MANAGER, True, False, 200),
        (CLIENT, True, False, 200),
        (SUPERVISOR, True, False, 200),
        (VENDOR, True, False, 403),
        (VENDOR, True, True, 200),
    ],
    ids=[
        "artist-assigned",
        "artist-not-assigned",
        "artist-outside",
        "manager",
        "client",
        "supervisor",
        "vendor",
        "vendor-assigned",
    ],
)
def test_who_updates_a_working_file_through_the_crud(
    stage, client_for, person_in, three_files, role, inside, assigned, status
):
    caller = person_in(role, inside=inside, assigned=assigned)
    url = f"/api/data/working-files/{three_files[0].id}"
    response = client_for(caller).put(url, {"comment": "updated"}, format="json")
    assert response.status_code == status
    three_files[0].refresh_from_db()
    assert (three_files[0].comment == "updated") == (status == 200)


@pytest.mark.parametrize("method", ["put", "delete"])
@pytest.mark.parametrize("file_id", ["random", "malformed"])
def test_the_crud_write_of_no_working_file_is_a_404(admin_client, three_files, method, file_id):
    file_id = {"random": uuid.uuid4(), "malformed": "nope"}[file_id]
    url = f"/api/data/working-files/{file_id}"
    response = getattr(admin_client, method)(url, {"comment": "x"}, format="json")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert WorkingFile.objects.count() == 3


def test_the_crud_update_needs_a_body(admin_client, three_files):
    response = admin_client.put(f"/api/data/working-files/{three_files[0].id}", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": "Data are empty. Please verify that you sent JSON data and that you set "
        "the right headers.",
        "data": None,
    }


def test_the_crud_update_refuses_a_taken_revision(admin_client, three_files):
    url = f"/api/data/working-files/{three_files[1].id}"
    response = admin_client.put(url, {"revision": 1}, format="json")
    assert response.status_code == 400
    assert response.json() == UNIQUE_VIOLATION
    three_files[1].refresh_from_db()
    assert three_files[1].revision == 2


def test_a_working_file_entity_stays_in_its_task_project(admin_client, admin, stage, three_files):
    """The listings of a project's working files go by their entity: one pointing at another
    production's entity would be listed to that production's team, so it is refused, whoever
    sends it (a matter of consistency, not of rights)."""
    sintel = production_services.create_project(values={"name": "Sintel"})
    dragon = production_services.create_asset(
        project=sintel,
        asset_type=EntityType.objects.get(name="Character"),
        name="Dragon",
        created_by=admin,
    )
    url = f"/api/data/working-files/{three_files[0].id}"

    response = admin_client.put(url, {"entity_id": str(dragon.id)}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": "The entity belongs to another project.",
        "data": None,
    }
    three_files[0].refresh_from_db()
    assert three_files[0].entity_id == stage.tree.id
    created = admin_client.post(
        "/api/data/working-files",
        {"name": "x", "revision": 1, "task_id": str(stage.task.id), "entity_id": str(dragon.id)},
        format="json",
    )
    assert created.status_code == 400
