"""The production routes gazu uses to set a project up (projects and their team and settings,
assets, sequences, shots, asset types...): each with its success answer and its error codes,
and nothing written when it fails."""

import pytest

from production import services
from production.models import (
    AssetInstance,
    Comment,
    Entity,
    EntityType,
    Project,
    ProjectPersonLink,
    ProjectTaskTypeLink,
    Role,
    Task,
    TaskStatus,
    TaskType,
)
from tests.zou_bodies import FORBIDDEN, NOT_FOUND

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
BAD_IDS = pytest.mark.parametrize(
    "bad_id", [UNKNOWN_ID, "not-a-uuid"], ids=["unknown", "malformed"]
)


def expect(response, status: int):
    """The exact status, with Zou's exact body for a 403 or a 404; returns the JSON body."""
    assert response.status_code == status, response.content
    if status == 403:
        assert response.json() == FORBIDDEN
    elif status == 404:
        assert response.json() == NOT_FOUND
    elif status == 400:
        assert response.json()  # an error body, never empty
    return response.json() if response.content else None


def ids(rows: list[dict]) -> list[str]:
    return [row["id"] for row in rows]


def footprint() -> tuple[int, ...]:
    """Row counts of everything production routes write: a failed call leaves them alone."""
    models = (
        Entity,
        Task,
        Comment,
        AssetInstance,
        ProjectPersonLink,
        ProjectTaskTypeLink,
        Project.asset_types.through,
        Project.task_statuses.through,
    )
    return tuple(model.objects.count() for model in models)


def refused(response, status: int, before: tuple[int, ...]):
    body = expect(response, status)
    assert footprint() == before, "a failed call wrote something"
    return body


@pytest.fixture
def api(admin_client):
    """The admin's client, with JSON bodies by default."""

    class Api:
        def get(self, path, params=None):
            return admin_client.get(path, params)

        def post(self, path, body):
            return admin_client.post(path, body, format="json")

        def delete(self, path):
            return admin_client.delete(path)

    return Api()


def entity_type(name: str) -> EntityType:
    return EntityType.objects.get(name=name)


# ---------------------------------------------------------------------------------------------
# Projects


def test_open_projects(api, project):
    services.create_project(
        values={
            "name": "Archive",
            "project_status": services.ensure_project_status("Closed", "#000000"),
        }
    )
    rows = expect(api.get("/api/data/projects/open"), 200)
    assert ids(rows) == [str(project.id)]
    assert rows[0]["type"] == "Project"
    assert rows[0]["name"] == "Big Buck Bunny"
    assert rows[0]["fps"] == "24000/1001"
    assert ids(expect(api.get("/api/data/projects/open", {"name": "big buck bunny"}), 200)) == [
        str(project.id)
    ]
    assert expect(api.get("/api/data/projects/open", {"name": "Archive"}), 200) == []


def test_team_membership(api, project, make_person):
    person = make_person(Role.ARTIST)
    team_url = f"/api/data/projects/{project.id}/team"
    assert expect(api.get(team_url), 200) == []

    body = expect(api.post(team_url, {"person_id": str(person.id)}), 201)
    assert body["id"] == str(project.id)
    assert body["type"] == "Project"
    assert body["team"] == [str(person.id)]
    assert ProjectPersonLink.objects.get(project=project, person=person).role is None

    team = expect(api.get(team_url), 200)
    assert ids(team) == [str(person.id)]
    assert team[0]["type"] == "Person"
    assert team[0]["email"] == person.email
    assert "password" not in team[0]

    # Adding again sets the project role; the person is not listed twice.
    body = expect(api.post(team_url, {"person_id": str(person.id), "role": "manager"}), 201)
    assert body["team"] == [str(person.id)]
    assert ProjectPersonLink.objects.get(project=project, person=person).role == Role.MANAGER

    assert api.delete(f"{team_url}/{person.id}").status_code == 204
    assert expect(api.get(team_url), 200) == []
    assert not ProjectPersonLink.objects.filter(project=project).exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param({}, 400, id="empty-body"),
        pytest.param({"role": "manager"}, 400, id="no-person-id"),
        pytest.param({"person_id": UNKNOWN_ID}, 404, id="unknown-person"),
        pytest.param({"person_id": "someone", "role": "admin"}, 400, id="admin-role"),
        pytest.param({"person_id": "someone", "role": "bogus"}, 400, id="unknown-role"),
    ],
)
def test_adding_to_team_errors(api, project, make_person, body, status):
    if body.get("person_id") == "someone":
        body = {**body, "person_id": str(make_person().id)}
    before = footprint()
    refused(api.post(f"/api/data/projects/{project.id}/team", body), status, before)


@BAD_IDS
def test_team_of_unknown_project(api, make_person, bad_id):
    person = make_person()
    before = footprint()
    expect(api.get(f"/api/data/projects/{bad_id}/team"), 404)
    refused(
        api.post(f"/api/data/projects/{bad_id}/team", {"person_id": str(person.id)}), 404, before
    )
    refused(api.delete(f"/api/data/projects/{bad_id}/team/{person.id}"), 404, before)


@BAD_IDS
def test_removing_unknown_person_from_team(api, project, make_person, add_to_team, bad_id):
    add_to_team(make_person())
    before = footprint()
    refused(api.delete(f"/api/data/projects/{project.id}/team/{bad_id}"), 404, before)


# ---------------------------------------------------------------------------------------------
# Project settings: asset types, task types, task statuses

SETTINGS = [
    # URL segment, project key, body key, row
    pytest.param(
        "asset-types",
        "asset_types",
        "asset_type_id",
        lambda: entity_type("Character"),
        id="asset-types",
    ),
    pytest.param(
        "task-types",
        "task_types",
        "task_type_id",
        lambda: TaskType.objects.get(name="Modeling"),
        id="task-types",
    ),
    pytest.param(
        "task-status",
        "task_statuses",
        "task_status_id",
        lambda: TaskStatus.objects.get(short_name="wip"),
        id="task-status",
    ),
]


@pytest.mark.parametrize(("segment", "key", "body_key", "row"), SETTINGS)
def test_project_setting_lifecycle(api, project, segment, key, body_key, row):
    row = row()
    settings_url = f"/api/data/projects/{project.id}/settings/{segment}"
    used_url = f"/api/data/projects/{project.id}/{segment}"

    body = expect(api.post(settings_url, {body_key: str(row.id)}), 201)
    assert body["id"] == str(project.id)
    assert body["type"] == "Project"
    assert body[key] == [str(row.id)]
    assert ids(expect(api.get(settings_url), 200)) == [str(row.id)]
    used = expect(api.get(used_url), 200)
    assert ids(used) == [str(row.id)]
    if segment == "asset-types":
        assert used[0]["type"] == "AssetType"

    # Adding twice keeps one link.
    assert expect(api.post(settings_url, {body_key: str(row.id)}), 201)[key] == [str(row.id)]

    assert api.delete(f"{settings_url}/{row.id}").status_code == 204
    assert expect(api.get(settings_url), 200) == []
    assert expect(api.get(used_url), 200) == []
    assert getattr(Project.objects.get(pk=project.pk), key).count() == 0


@pytest.mark.parametrize(("segment", "key", "body_key", "row"), SETTINGS)
def test_project_setting_errors(api, project, segment, key, body_key, row):
    row = row()
    settings_url = f"/api/data/projects/{project.id}/settings/{segment}"
    before = footprint()
    refused(api.post(settings_url, {body_key: UNKNOWN_ID}), 404, before)
    body = refused(api.post(settings_url, {"something": "else"}), 400, before)
    assert body["message"] == "Validation error."
    assert [error["field"] for error in body["data"]["errors"]] == [body_key]
    refused(api.post(settings_url, {}), 400, before)
    refused(api.delete(f"{settings_url}/{UNKNOWN_ID}"), 404, before)
    for bad_project in (UNKNOWN_ID, "not-a-uuid"):
        url = f"/api/data/projects/{bad_project}/settings/{segment}"
        refused(api.post(url, {body_key: str(row.id)}), 404, before)
        refused(api.delete(f"{url}/{row.id}"), 404, before)
        expect(api.get(url), 404)
        expect(api.get(f"/api/data/projects/{bad_project}/{segment}"), 404)


def test_a_temporal_type_is_not_an_asset_type_setting(api, project):
    before = footprint()
    url = f"/api/data/projects/{project.id}/settings/asset-types"
    refused(api.post(url, {"asset_type_id": str(entity_type("Shot").id)}), 400, before)


def test_task_type_setting_priority(api, project, task_type):
    url = f"/api/data/projects/{project.id}/settings/task-types"
    expect(api.post(url, {"task_type_id": str(task_type.id), "priority": 3}), 201)
    assert ProjectTaskTypeLink.objects.get(project=project, task_type=task_type).priority == 3
    before = footprint()
    refused(api.post(url, {"task_type_id": str(task_type.id), "priority": "high"}), 400, before)
    assert ProjectTaskTypeLink.objects.get(project=project, task_type=task_type).priority == 3


# ---------------------------------------------------------------------------------------------
# Assets


def new_asset_url(project_id, asset_type_id) -> str:
    return f"/api/data/projects/{project_id}/asset-types/{asset_type_id}/assets/new"


def test_new_asset(api, admin, project, asset_type):
    body = expect(
        api.post(
            new_asset_url(project.id, asset_type.id),
            {
                "name": "Tree",
                "description": "A big one",
                "data": {"height": 12},
                "is_shared": False,
            },
        ),
        201,
    )
    assert body["type"] == "Asset"
    assert body["name"] == "Tree"
    assert body["project_id"] == str(project.id)
    assert body["entity_type_id"] == body["asset_type_id"] == str(asset_type.id)
    assert body["data"] == {"height": 12}
    assert body["description"] == "A big one"
    assert body["created_by_id"] == str(admin.id)

    fetched = expect(api.get(f"/api/data/assets/{body['id']}"), 200)
    assert fetched == body
    listed = expect(api.get(f"/api/data/projects/{project.id}/assets"), 200)
    assert ids(listed) == [body["id"]]
    assert listed[0]["type"] == "Asset"


@pytest.mark.parametrize(
    ("asset_type_name", "body", "status"),
    [
        pytest.param("Shot", {"name": "Tree"}, 404, id="shot-is-not-an-asset-type"),
        pytest.param("Sequence", {"name": "Tree"}, 404, id="sequence-is-not-an-asset-type"),
        pytest.param("unknown", {"name": "Tree"}, 404, id="unknown-asset-type"),
        pytest.param("malformed", {"name": "Tree"}, 404, id="malformed-asset-type"),
        pytest.param("Character", {}, 400, id="empty-body"),
        pytest.param("Character", {"data": {}}, 400, id="no-name"),
        pytest.param("Character", {"name": ""}, 400, id="empty-name"),
        pytest.param("Character", {"name": "Bunny"}, 400, id="duplicate-name"),
        pytest.param("Character", {"name": "Tree", "episode_id": UNKNOWN_ID}, 404, id="episode"),
    ],
)
def test_new_asset_errors(api, project, asset, asset_type_name, body, status):
    asset_type_id = {"unknown": UNKNOWN_ID, "malformed": "not-a-uuid"}.get(asset_type_name)
    asset_type_id = asset_type_id or entity_type(asset_type_name).id
    before = footprint()
    refused(api.post(new_asset_url(project.id, asset_type_id), body), status, before)


@BAD_IDS
def test_new_asset_in_unknown_project(api, asset_type, bad_id):
    before = footprint()
    refused(api.post(new_asset_url(bad_id, asset_type.id), {"name": "Tree"}), 404, before)
    expect(api.get(f"/api/data/projects/{bad_id}/assets"), 404)


def test_project_assets_are_only_assets(api, project, asset, shot):
    rows = expect(api.get(f"/api/data/projects/{project.id}/assets"), 200)
    assert ids(rows) == [str(asset.id)]
    assert rows[0]["asset_type_id"] == str(asset.entity_type_id)


def test_assets_all_filters(api, project, asset, shot, asset_type):
    other = services.create_project(values={"name": "Sintel"})
    prop = entity_type("Prop")

    def found(**params):
        rows = expect(api.get("/api/data/assets/all", params), 200)
        assert all(row["type"] == "Asset" for row in rows)
        return ids(rows)

    mine = [str(asset.id)]
    assert found() == mine
    assert found(project_id=str(project.id), name="Bunny") == mine
    assert found(project_id=str(project.id), name="bunny") == mine  # case-insensitive, like ILIKE
    assert (
        found(project_id=str(project.id), name="Bunny", entity_type_id=str(asset_type.id)) == mine
    )
    assert found(project_id=str(project.id), asset_type_id=str(asset_type.id)) == mine
    assert found(project_id=str(project.id), asset_type_id=str(prop.id)) == []
    assert found(project_id=str(project.id), name="SH010") == []  # shots are not assets
    assert found(project_id=str(other.id), name="Bunny") == []
    expect(api.get("/api/data/assets/all", {"project_id": "not-a-uuid"}), 400)


def test_get_asset(api, asset, shot):
    body = expect(api.get(f"/api/data/assets/{asset.id}"), 200)
    assert body["type"] == "Asset"
    assert body["id"] == str(asset.id)
    assert body["asset_type_id"] == str(asset.entity_type_id)
    assert "preview_file_id" in body
    expect(api.get(f"/api/data/assets/{shot.id}"), 404)  # a shot is not an asset


@BAD_IDS
def test_get_unknown_asset(api, default_data, bad_id):
    expect(api.get(f"/api/data/assets/{bad_id}"), 404)
    expect(api.get(f"/api/data/assets/{bad_id}/tasks"), 404)
    before = footprint()
    refused(api.delete(f"/api/data/assets/{bad_id}"), 404, before)


def test_delete_asset_without_tasks(api, asset):
    response = api.delete(f"/api/data/assets/{asset.id}")
    assert response.status_code == 204
    assert response.content == b""
    assert not Entity.objects.filter(pk=asset.pk).exists()


def test_delete_asset_with_tasks_needs_force(api, asset, task):
    before = footprint()
    body = refused(api.delete(f"/api/data/assets/{asset.id}"), 400, before)
    assert body["error"] is True and body["message"]
    assert api.delete(f"/api/data/assets/{asset.id}?force=true").status_code == 204
    assert not Entity.objects.filter(pk=asset.pk).exists()
    assert not Task.objects.filter(pk=task.pk).exists()


def test_delete_a_shot_through_assets_is_not_found(api, shot):
    before = footprint()
    refused(api.delete(f"/api/data/assets/{shot.id}"), 404, before)


# ---------------------------------------------------------------------------------------------
# Sequences and shots


def test_sequences(api, project, sequence):
    url = f"/api/data/projects/{project.id}/sequences"
    body = expect(api.post(url, {"name": "SQ02", "description": "The chase"}), 201)
    assert body["type"] == "Sequence"
    assert body["name"] == "SQ02"
    assert body["project_id"] == str(project.id)
    assert body["description"] == "The chase"
    assert body["parent_id"] is None and body["episode_id"] is None

    assert ids(expect(api.get(url), 200)) == [str(sequence.id), body["id"]]
    found = expect(
        api.get("/api/data/sequences", {"project_id": str(project.id), "name": "SQ02"}), 200
    )
    assert ids(found) == [body["id"]]
    assert found[0]["type"] == "Sequence"
    assert expect(api.get(f"/api/data/sequences/{body['id']}"), 200) == body


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param({}, 400, id="empty-body"),
        pytest.param({"description": "x"}, 400, id="no-name"),
        pytest.param({"name": "SQ01"}, 400, id="duplicate-name"),
        pytest.param({"name": "SQ02", "episode_id": UNKNOWN_ID}, 404, id="unknown-episode"),
    ],
)
def test_new_sequence_errors(api, project, sequence, body, status):
    before = footprint()
    refused(api.post(f"/api/data/projects/{project.id}/sequences", body), status, before)


@BAD_IDS
def test_sequences_of_unknown_project(api, default_data, bad_id):
    before = footprint()
    url = f"/api/data/projects/{bad_id}/sequences"
    refused(api.post(url, {"name": "SQ01"}), 404, before)
    expect(api.get(url), 404)
    expect(api.get(f"/api/data/sequences/{bad_id}"), 404)


def test_get_sequence_is_only_sequences(api, asset, shot):
    expect(api.get(f"/api/data/sequences/{shot.id}"), 404)
    expect(api.get(f"/api/data/sequences/{asset.id}"), 404)


def new_shot_body(sequence, name: str = "SH020") -> dict:
    return {
        "name": name,
        "sequence_id": str(sequence.id),
        "data": {"frame_in": 1001, "frame_out": 1048},
        "nb_frames": 48,
    }


def test_new_shot(api, project, sequence, shot):
    url = f"/api/data/projects/{project.id}/shots"
    body = expect(api.post(url, new_shot_body(sequence)), 201)
    assert body["type"] == "Shot"
    assert body["name"] == "SH020"
    assert body["project_id"] == str(project.id)
    assert body["sequence_id"] == body["parent_id"] == str(sequence.id)
    assert body["data"] == {"frame_in": 1001, "frame_out": 1048}
    assert body["nb_frames"] == 48

    assert ids(expect(api.get(url), 200)) == [str(shot.id), body["id"]]
    found = expect(
        api.get("/api/data/shots/all", {"sequence_id": str(sequence.id), "name": "SH020"}), 200
    )
    assert ids(found) == [body["id"]]
    assert found[0]["sequence_id"] == str(sequence.id)
    fetched = expect(api.get(f"/api/data/shots/{body['id']}"), 200)
    assert fetched == body


def test_kind_listings_pick_their_own_keys_with_fields(api, sequence, shot, asset, asset_type):
    """`?fields=` picks among the kind's keys (`sequence_id`, `asset_type_id`) as among columns."""
    (row,) = expect(api.get("/api/data/shots", {"fields": "name,sequence_id"}), 200)
    assert row == {
        "id": str(shot.id),
        "type": "Shot",
        "name": "SH010",
        "sequence_id": str(sequence.id),
    }
    (row,) = expect(api.get("/api/data/assets", {"fields": "asset_type_id"}), 200)
    assert row == {"id": str(asset.id), "type": "Asset", "asset_type_id": str(asset_type.id)}


def test_shot_names_are_unique_per_sequence(api, admin, project, sequence, shot):
    url = f"/api/data/projects/{project.id}/shots"
    before = footprint()
    refused(api.post(url, new_shot_body(sequence, name="SH010")), 400, before)

    other_sequence = services.create_temporal_entity(
        kind="Sequence", project=project, name="SQ02", created_by=admin
    )
    body = expect(api.post(url, new_shot_body(other_sequence, name="SH010")), 201)
    assert body["sequence_id"] == str(other_sequence.id)
    assert ids(expect(api.get("/api/data/shots/all", {"name": "SH010"}), 200)) == [
        str(shot.id),
        body["id"],
    ]
    assert ids(
        expect(api.get("/api/data/shots/all", {"sequence_id": str(other_sequence.id)}), 200)
    ) == [body["id"]]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"sequence_id": UNKNOWN_ID}, id="unknown-sequence"),
        pytest.param("shot", id="a-shot-is-not-a-sequence"),
        pytest.param("elsewhere", id="sequence-of-another-project"),
    ],
)
def test_new_shot_with_a_wrong_sequence(api, admin, project, sequence, shot, change):
    body = new_shot_body(sequence)
    if change == "shot":
        change = {"sequence_id": str(shot.id)}
    elif change == "elsewhere":
        other = services.create_project(values={"name": "Sintel"})
        foreign = services.create_temporal_entity(
            kind="Sequence", project=other, name="SQ01", created_by=admin
        )
        change = {"sequence_id": str(foreign.id)}
    before = footprint()
    refused(api.post(f"/api/data/projects/{project.id}/shots", {**body, **change}), 404, before)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"name": None}, id="null-name"),
        pytest.param({"nb_frames": "many"}, id="bad-nb-frames"),
    ],
)
def test_new_shot_with_a_bad_body(api, project, sequence, change):
    before = footprint()
    body = {**new_shot_body(sequence), **change}
    refused(api.post(f"/api/data/projects/{project.id}/shots", body), 400, before)


def test_get_shot_is_only_shots(api, asset, sequence):
    expect(api.get(f"/api/data/shots/{asset.id}"), 404)
    expect(api.get(f"/api/data/shots/{sequence.id}"), 404)
    expect(api.get("/api/data/shots/not-a-uuid"), 404)


# ---------------------------------------------------------------------------------------------
# Asset types


def test_asset_types(api, default_data):
    rows = expect(api.get("/api/data/asset-types"), 200)
    names = {row["name"] for row in rows}
    assert {"Character", "Prop", "Environment", "FX"} <= names
    assert names.isdisjoint({"Shot", "Sequence", "Episode", "Scene", "Edit", "Concept"})
    assert {row["type"] for row in rows} == {"AssetType"}

    character = entity_type("Character")
    body = expect(api.get(f"/api/data/asset-types/{character.id}"), 200)
    assert body["type"] == "AssetType"
    assert body["id"] == str(character.id)
    assert body["name"] == "Character"

    expect(api.get(f"/api/data/asset-types/{entity_type('Shot').id}"), 404)


@BAD_IDS
def test_unknown_asset_type(api, default_data, bad_id):
    expect(api.get(f"/api/data/asset-types/{bad_id}"), 404)


# ---------------------------------------------------------------------------------------------
# Tasks


def test_task_full(api, project, asset, task, task_type, task_status, make_person):
    artist = make_person(Role.ARTIST)
    task.assignees.add(artist)
    body = expect(api.get(f"/api/data/tasks/{task.id}/full"), 200)
    assert body["id"] == str(task.id)
    assert body["type"] == "Task"
    assert body["assignees"] == [str(artist.id)]
    assert body["project"]["id"] == str(project.id)
    assert body["project"]["type"] == "Project"
    assert body["task_type"]["id"] == str(task_type.id)
    assert body["task_type"]["type"] == "TaskType"
    assert body["task_status"]["id"] == str(task_status.id)
    assert body["task_status"]["type"] == "TaskStatus"
    assert body["entity"]["id"] == str(asset.id)
    assert body["entity"]["project_id"] == str(project.id)
    assert ids(body["persons"]) == [str(artist.id)]
    assert body["persons"][0]["type"] == "Person"
    assert "password" not in body["persons"][0]


@BAD_IDS
def test_unknown_task(api, default_data, bad_id):
    expect(api.get(f"/api/data/tasks/{bad_id}/full"), 404)
    expect(api.get(f"/api/data/tasks/{bad_id}/comments"), 404)


def test_asset_tasks_sorted_by_name(api, project, asset, shot, task, task_type, task_status):
    other = services.create_task(
        values={
            "name": "alpha",
            "project": project,
            "entity": asset,
            "task_type": task_type,
            "task_status": task_status,
        }
    )
    rows = expect(api.get(f"/api/data/assets/{asset.id}/tasks"), 200)
    assert ids(rows) == [str(other.id), str(task.id)]
    assert {row["type"] for row in rows} == {"Task"}
    with_relations = expect(
        api.get(f"/api/data/assets/{asset.id}/tasks", {"relations": "true"}), 200
    )
    assert with_relations[0]["assignees"] == []
    assert expect(api.get(f"/api/data/shots/{shot.id}/tasks"), 200) == []
    expect(api.get(f"/api/data/assets/{shot.id}/tasks"), 404)


# ---------------------------------------------------------------------------------------------
# Asset instances (an asset inside another asset)


@pytest.fixture
def forest(project, admin):
    return services.create_asset(
        project=project, asset_type=entity_type("Environment"), name="Forest", created_by=admin
    )


def test_asset_asset_instances(api, asset, forest):
    url = f"/api/data/assets/{forest.id}/asset-asset-instances"
    assert expect(api.get(url), 200) == {}

    first = expect(api.post(url, {"asset_to_instantiate_id": str(asset.id)}), 201)
    second = expect(
        api.post(url, {"asset_to_instantiate_id": str(asset.id), "description": "by the lake"}),
        201,
    )
    assert first["type"] == "AssetInstance"
    assert (first["name"], first["number"]) == ("Bunny_0001", 1)
    assert (second["name"], second["number"]) == ("Bunny_0002", 2)
    assert first["asset_id"] == second["asset_id"] == str(asset.id)
    assert first["target_asset_id"] == str(forest.id)
    assert second["description"] == "by the lake"

    grouped = expect(api.get(url), 200)
    assert list(grouped) == [str(asset.id)]
    assert ids(grouped[str(asset.id)]) == [first["id"], second["id"]]


@pytest.mark.parametrize(
    "case",
    ["unknown-container", "unknown-asset", "shot-as-asset", "shot-as-container"],
)
def test_asset_asset_instance_not_found(api, asset, forest, shot, case):
    container, instantiated = {
        "unknown-container": (UNKNOWN_ID, asset.id),
        "unknown-asset": (forest.id, UNKNOWN_ID),
        "shot-as-asset": (forest.id, shot.id),
        "shot-as-container": (shot.id, asset.id),
    }[case]
    before = footprint()
    url = f"/api/data/assets/{container}/asset-asset-instances"
    refused(api.post(url, {"asset_to_instantiate_id": str(instantiated)}), 404, before)


def test_asset_asset_instance_bad_bodies(api, admin, asset, forest, asset_type):
    url = f"/api/data/assets/{forest.id}/asset-asset-instances"
    other = services.create_project(values={"name": "Sintel"})
    foreign = services.create_asset(
        project=other, asset_type=asset_type, name="Proog", created_by=admin
    )
    before = footprint()
    refused(api.post(url, {}), 400, before)
    refused(api.post(url, {"description": "no asset"}), 400, before)
    # An asset of another project can only be instantiated when it is shared.
    refused(api.post(url, {"asset_to_instantiate_id": str(foreign.id)}), 400, before)
    expect(api.get("/api/data/assets/not-a-uuid/asset-asset-instances"), 404)


# ---------------------------------------------------------------------------------------------
# Comments


def comment_url(task_id) -> str:
    return f"/api/actions/tasks/{task_id}/comment"


def test_comment_sets_the_task_status(api, admin, task, task_status):
    wip = TaskStatus.objects.get(short_name="wip")
    assert task.task_status_id == task_status.pk != wip.pk
    body = expect(
        api.post(comment_url(task.id), {"task_status_id": str(wip.id), "comment": "Go"}), 201
    )
    assert body["type"] == "Comment"
    assert body["object_id"] == str(task.id)
    assert body["object_type"] == "Task"
    assert body["task_status_id"] == str(wip.id)
    assert body["person_id"] == str(admin.id)
    assert body["text"] == "Go"

    task.refresh_from_db()
    assert task.task_status_id == wip.pk
    assert task.last_comment_date is not None
    assert task.real_start_date is not None  # a work-in-progress status starts the task

    comments = expect(api.get(f"/api/data/tasks/{task.id}/comments"), 200)
    assert ids(comments) == [body["id"]]
    assert comments[0]["task_status_id"] == str(wip.id)
    assert expect(api.get(f"/api/data/tasks/{task.id}/full"), 200)["task_status_id"] == str(wip.id)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param({}, 400, id="empty-body"),
        pytest.param({"comment": "no status"}, 400, id="no-status"),
        pytest.param({"task_status_id": UNKNOWN_ID, "comment": "x"}, 404, id="unknown-status"),
    ],
)
def test_comment_errors(api, task, task_status, body, status):
    before = footprint()
    refused(api.post(comment_url(task.id), body), status, before)
    task.refresh_from_db()
    assert task.task_status_id == task_status.pk


@BAD_IDS
def test_comment_on_unknown_task(api, task_status, bad_id):
    before = footprint()
    body = {"task_status_id": str(task_status.id), "comment": "x"}
    refused(api.post(comment_url(bad_id), body), 404, before)
