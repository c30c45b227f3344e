"""GET data/files/<id> for output files: the output with its source working file, and a
working file with the outputs made from it.
"""

import uuid

import pytest

from output_files.models import OutputFile
from tests.output_files.helpers import ARTIST, as_json, make_output, published
from tests.zou_bodies import FORBIDDEN

pytestmark = pytest.mark.django_db


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
