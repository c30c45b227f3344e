"""GET data/files/<id>: a working file or an output file read by its id alone (Zou's
test_get_working_file, test_get_output_file and test_get_untyped_file).
"""

import uuid

import pytest

from production.models import ProjectPersonLink
from tests.working_files.helpers import ARTIST, VENDOR, WF_KEYS, make_file, make_output, plain
from tests.zou_bodies import FORBIDDEN, NOT_FOUND

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# GET data/files/<id> (Zou's test_get_working_file, test_get_output_file,
# test_get_untyped_file)


def test_a_working_file_read_by_id_carries_its_outputs(admin_client, stage):
    working_file = make_file(stage.task)
    output = make_output(stage, working_file)
    response = admin_client.get(f"/api/data/files/{working_file.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "WorkingFile"
    assert body["id"] == str(working_file.id)
    assert body["outputs"] == [str(output.id)]
    assert body == {**plain(working_file), "outputs": [str(output.id)]}


def test_a_working_file_without_output_has_an_empty_outputs_list(admin_client, stage):
    working_file = make_file(stage.task)
    body = admin_client.get(f"/api/data/files/{working_file.id}").json()
    assert body["outputs"] == []
    assert set(body) == WF_KEYS | {"outputs"}


def test_an_output_file_read_by_id_embeds_its_source_file(admin_client, stage):
    working_file = make_file(stage.task)
    output = make_output(stage, working_file)
    response = admin_client.get(f"/api/data/files/{output.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "OutputFile"
    assert body["id"] == str(output.id)
    assert body["source_file_id"] == str(working_file.id)
    assert body["source_file"] == plain(working_file)
    assert "outputs" not in body["source_file"]


def test_an_output_file_without_source_has_a_null_source_file(admin_client, stage):
    output = make_output(stage, None)
    body = admin_client.get(f"/api/data/files/{output.id}").json()
    assert body["type"] == "OutputFile"
    assert body["source_file"] is None


@pytest.mark.parametrize("kind", ["task", "entity", "random", "malformed"])
def test_a_file_id_naming_no_file_is_a_404(admin_client, stage, kind):
    make_file(stage.task)
    file_id = {
        "task": stage.task.id,
        "entity": stage.tree.id,
        "random": uuid.uuid4(),
        "malformed": "not-a-uuid",
    }[kind]
    response = admin_client.get(f"/api/data/files/{file_id}")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_a_file_is_refused_outside_the_team_and_served_after_joining(
    stage, client_for, make_person
):
    working_file = make_file(stage.task)
    output = make_output(stage, working_file)
    artist = make_person(ARTIST)
    client = client_for(artist)
    for file_id in (working_file.id, output.id):
        response = client.get(f"/api/data/files/{file_id}")
        assert response.status_code == 403
        assert response.json() == FORBIDDEN
    ProjectPersonLink.objects.create(project=stage.project, person=artist)
    for file_id, kind in ((working_file.id, "WorkingFile"), (output.id, "OutputFile")):
        response = client.get(f"/api/data/files/{file_id}")
        assert response.status_code == 200
        assert response.json()["type"] == kind


def test_a_vendor_of_the_team_reads_any_file_by_id(stage, client_for, person_in):
    """Route 3.1 checks project access only: no vendor/entity check."""
    working_file = make_file(stage.task)
    client = client_for(person_in(VENDOR))
    assert client.get(f"/api/data/files/{working_file.id}").status_code == 200


def test_reading_a_file_needs_a_token(client_for, stage):
    working_file = make_file(stage.task)
    assert client_for(None).get(f"/api/data/files/{working_file.id}").status_code == 401
