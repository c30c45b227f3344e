"""A pipeline tool's set-up of a production, driven through gazu against the live server."""

import gazu
import pytest
from gazu.exception import AuthFailedException, NotAllowedException, NotAuthenticatedException

from tests.conftest import PASSWORD

pytestmark = pytest.mark.live


def test_host_is_up_and_valid(live_server, transactional_db):
    gazu.set_host(f"{live_server.url}/api")
    assert gazu.client.host_is_up()
    assert gazu.client.host_is_valid()
    assert gazu.client.get_api_version()


def test_wrong_password_raises_auth_failed(live_server, admin):
    gazu.set_host(f"{live_server.url}/api")
    with pytest.raises(AuthFailedException):
        gazu.log_in(admin.email, "not the password")


def test_log_in_current_user_and_organisation(gazu_admin):
    assert gazu.client.get_current_user()["id"] == str(gazu_admin.id)
    assert gazu.user.is_authenticated()
    assert gazu.person.get_organisation()["name"] == "Kitsu"


def test_refresh_token_then_log_out_revokes(live_server, admin, transactional_db):
    gazu.set_host(f"{live_server.url}/api")
    gazu.log_in(admin.email, PASSWORD)
    assert gazu.refresh_access_token()
    assert gazu.client.get_current_user()["id"] == str(admin.id)
    tokens = dict(gazu.client.default_client.tokens)
    gazu.log_out()
    gazu.set_token(tokens["access_token"])
    with pytest.raises(NotAuthenticatedException):
        gazu.client.get_current_user()


def test_whole_production_set_up(gazu_admin):
    # Reference data, idempotent by name as gazu makes it.
    asset_type = gazu.asset.new_asset_type("Vehicle")
    assert gazu.asset.new_asset_type("Vehicle")["id"] == asset_type["id"]
    assert gazu.asset.get_asset_type_by_name("Vehicle")["id"] == asset_type["id"]

    modeling = gazu.task.new_task_type("Hard Surface", for_entity="Asset")
    assert gazu.task.get_task_type_by_name("Hard Surface")["id"] == modeling["id"]
    animation = gazu.task.new_task_type("Blocking", for_entity="Shot")

    status = gazu.task.new_task_status("Pending Review", "pndrv", "#AA00FF")
    assert gazu.task.get_task_status_by_name("Pending Review")["id"] == status["id"]
    default_status = gazu.task.get_default_task_status()
    assert default_status["short_name"] == "todo"

    software = gazu.files.new_software("Houdini", "hou", ".hip")
    assert gazu.files.get_software_by_name("Houdini")["id"] == software["id"]
    assert gazu.files.new_software("Houdini", "hou", ".hip")["id"] == software["id"]

    output_type = gazu.files.new_output_type("Alembic Cache", "abc")
    assert gazu.files.get_output_type_by_name("Alembic Cache")["id"] == output_type["id"]
    assert gazu.files.get_output_type(output_type["id"])["name"] == "Alembic Cache"

    file_status = gazu.files.new_file_status("Approved", "#00FF00")
    assert gazu.files.get_file_status_by_name("Approved")["id"] == file_status["id"]
    assert gazu.files.get_file_status(file_status["id"])["color"] == "#00FF00"

    # People.
    artist = gazu.person.new_person(
        "Ada", "Lovelace", "ada@studio.test", role="user", password="analytical engine"
    )
    assert gazu.person.get_person_by_email("ada@studio.test")["id"] == artist["id"]
    assert gazu.person.get_person_by_full_name("Ada Lovelace")["id"] == artist["id"]
    assert gazu.person.get_person(artist["id"])["has_avatar"] is False

    # The project, its settings and team.
    project = gazu.project.new_project("Caminandes")
    assert gazu.project.get_project_by_name("Caminandes")["id"] == project["id"]
    gazu.project.add_asset_type(project, asset_type)
    gazu.project.add_task_type(project, modeling, 1)
    gazu.project.add_task_type(project, animation, 2)
    gazu.project.add_task_status(project, status)
    gazu.project.add_person_to_team(project, artist)
    project = gazu.project.get_project(project["id"])
    assert asset_type["id"] in project["asset_types"]
    assert artist["id"] in project["team"]
    task_type_ids = {t["id"] for t in gazu.task.all_task_types_for_project(project)}
    assert task_type_ids == {modeling["id"], animation["id"]}
    assert project["id"] in {p["id"] for p in gazu.project.all_open_projects()}

    # Assets, sequences, shots.
    asset = gazu.asset.new_asset(project, asset_type, "Llama Truck", description="red")
    assert asset["type"] == "Asset"
    assert gazu.asset.new_asset(project, asset_type, "Llama Truck")["id"] == asset["id"]
    assert gazu.asset.get_asset_by_name(project, "Llama Truck")["id"] == asset["id"]
    assert gazu.asset.get_asset(asset["id"])["name"] == "Llama Truck"

    sequence = gazu.shot.new_sequence(project, "SQ01")
    assert gazu.shot.get_sequence_by_name(project, "SQ01")["id"] == sequence["id"]
    shot = gazu.shot.new_shot(project, sequence, "SH010", frame_in=1, frame_out=48)
    assert gazu.shot.new_shot(project, sequence, "SH010")["id"] == shot["id"]
    assert gazu.shot.get_shot_by_name(sequence, "SH010")["id"] == shot["id"]
    fetched = gazu.shot.get_shot(shot["id"])
    assert fetched["data"] == {"frame_in": 1, "frame_out": 48}
    assert fetched["parent_id"] == sequence["id"]

    # Tasks and a comment.
    task = gazu.task.new_task(asset, modeling, assignees=[artist])
    assert gazu.task.new_task(asset, modeling)["id"] == task["id"]
    assert gazu.task.get_task_by_entity(asset, modeling)["id"] == task["id"]
    full = gazu.task.get_task(task["id"])
    assert full["entity"]["id"] == asset["id"]
    assert full["task_type"]["id"] == modeling["id"]
    assert [p["id"] for p in full["persons"]] == [artist["id"]]
    comment = gazu.task.add_comment(task, status, "first pass")
    assert comment["text"] == "first pass"
    assert gazu.task.get_task(task["id"])["task_status_id"] == status["id"]

    # Asset instances inside an asset.
    prop = gazu.asset.new_asset(project, asset_type, "Wheel")
    instance = gazu.asset.new_asset_asset_instance(asset, prop)
    assert instance["name"] == "Wheel_0001"
    assert gazu.asset.get_asset_instance(instance["id"])["target_asset_id"] == asset["id"]


def test_artist_cannot_create_software(gazu_admin, live_server):
    gazu.person.new_person("Bob", "Artist", "bob@studio.test", password="bob password")
    gazu.log_out()
    gazu.log_in("bob@studio.test", "bob password")
    with pytest.raises(NotAllowedException):
        gazu.files.new_software("Nuke", "nk", ".nk")
    gazu.log_out()
    gazu.log_in(gazu_admin.email, PASSWORD)
