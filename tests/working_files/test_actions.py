"""The two actions on a working file: PUT actions/working-files/<id>/comment and
PUT actions/working-files/<id>/modified.
"""

import datetime
import uuid

import pytest
from django.utils import timezone

from production.models import ProjectPersonLink
from tests.working_files.helpers import (
    ARTIST,
    comment_on,
    make_file,
    parse_zou_datetime,
    plain,
    touch,
    validation_fields,
)
from tests.zou_bodies import FORBIDDEN, NOT_FOUND
from working_files.models import WorkingFile

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# PUT actions/working-files/<id>/comment (Zou's test_comment_working_file,
# test_update_working_file_permission, test_comment_working_wrong_data)


def test_a_comment_is_stored_and_read_back(admin_client, stage):
    working_file = make_file(stage.task, comment="before")
    response = comment_on(admin_client, working_file.id, {"comment": "after"})
    assert response.status_code == 200
    working_file.refresh_from_db()
    assert working_file.comment == "after"
    assert response.json() == plain(working_file)  # no `outputs`
    crud = admin_client.get(f"/api/data/working-files/{working_file.id}").json()
    assert crud["comment"] == "after"


@pytest.mark.parametrize(
    "body",
    [{"comment_wrong": "text"}, {"comment": ""}, {}, {"comment": None}],
    ids=["wrong-key", "empty", "no-body", "null"],
)
def test_a_comment_must_be_given(admin_client, stage, body):
    working_file = make_file(stage.task, comment="kept")
    response = comment_on(admin_client, working_file.id, body)
    assert response.status_code == 400
    assert validation_fields(response) == ["comment"]
    working_file.refresh_from_db()
    assert working_file.comment == "kept"


def test_the_comment_is_validated_before_the_lookup(admin_client):
    response = comment_on(admin_client, uuid.uuid4(), {})
    assert response.status_code == 400
    assert validation_fields(response) == ["comment"]


@pytest.mark.parametrize("file_id", ["random", "malformed"])
def test_commenting_no_working_file_is_a_404(admin_client, file_id):
    file_id = {"random": uuid.uuid4(), "malformed": "nope"}[file_id]
    response = comment_on(admin_client, file_id, {"comment": "text"})
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_commenting_needs_the_team_then_the_assignment(stage, client_for, make_person):
    working_file = make_file(stage.task, comment="before")
    artist = make_person(ARTIST)
    client = client_for(artist)
    outside = comment_on(client, working_file.id, {"comment": "outside"})
    assert outside.status_code == 403
    assert outside.json() == FORBIDDEN
    ProjectPersonLink.objects.create(project=stage.project, person=artist)
    unassigned = comment_on(client, working_file.id, {"comment": "unassigned"})
    assert unassigned.status_code == 403
    assert unassigned.json() == FORBIDDEN
    working_file.refresh_from_db()
    assert working_file.comment == "before"
    stage.task.assignees.add(artist)
    assigned = comment_on(client, working_file.id, {"comment": "assigned"})
    assert assigned.status_code == 200
    working_file.refresh_from_db()
    assert working_file.comment == "assigned"


# ---------------------------------------------------------------------------------------------
# PUT actions/working-files/<id>/modified (Zou's test_update_modification_date)


def test_touching_a_working_file_moves_its_modification_date_to_now(admin_client, stage):
    working_file = make_file(stage.task)
    earlier = timezone.now() - datetime.timedelta(hours=1)
    WorkingFile.objects.filter(pk=working_file.pk).update(updated_at=earlier)
    start = timezone.now().replace(microsecond=0)
    response = touch(admin_client, working_file.id)
    end = timezone.now()
    assert response.status_code == 200
    updated_at = parse_zou_datetime(response.json()["updated_at"])
    assert earlier < updated_at <= end
    assert updated_at >= start
    working_file.refresh_from_db()
    assert earlier < working_file.updated_at <= end
    assert response.json() == plain(working_file)  # no `outputs`


def test_touching_changes_nothing_else(admin_client, stage):
    working_file = make_file(stage.task, comment="kept", path="/some/path")
    before = plain(working_file)
    after = touch(admin_client, working_file.id).json()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }


def test_touching_is_refused_to_an_artist_not_assigned(stage, client_for, person_in):
    working_file = make_file(stage.task)
    response = touch(client_for(person_in(ARTIST)), working_file.id)
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assigned = touch(client_for(person_in(ARTIST, assigned=True)), working_file.id)
    assert assigned.status_code == 200


@pytest.mark.parametrize("file_id", ["random", "malformed"])
def test_touching_no_working_file_is_a_404(admin_client, file_id):
    file_id = {"random": uuid.uuid4(), "malformed": "nope"}[file_id]
    response = touch(admin_client, file_id)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
