"""Who may create, list and comment working files: per global role and project role, inside
and outside the team, assigned to the task or not.
"""

import pytest

from production.models import Department, Entity, Software
from tests.working_files.helpers import (
    ADMIN,
    ARTIST,
    CLIENT,
    MANAGER,
    SIBLING,
    SUPERVISOR,
    VENDOR,
    assignee_ids,
    comment_on,
    last_revisions,
    make_file,
    new_file,
    task_files,
)
from tests.zou_bodies import FORBIDDEN
from working_files.models import WorkingFile

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# The permission table: new (project + entity access), list (task access), comment
# (task action access), per role, inside and outside the team, assigned or not.

# (id, global role, project role, inside the team, assigned to the task) → expected status.
NEW = [
    ("artist-inside", ARTIST, None, True, False, 201),
    ("artist-outside", ARTIST, None, False, False, 403),
    ("artist-outside-assigned", ARTIST, None, False, True, 403),
    ("supervisor-inside", SUPERVISOR, None, True, False, 201),
    ("supervisor-outside", SUPERVISOR, None, False, False, 403),
    ("manager-inside", MANAGER, None, True, False, 201),
    ("manager-outside", MANAGER, None, False, False, 403),
    ("client-inside", CLIENT, None, True, False, 201),
    ("client-outside", CLIENT, None, False, False, 403),
    ("vendor-inside", VENDOR, None, True, False, 403),
    ("vendor-inside-assigned", VENDOR, None, True, True, 201),
    # Entity access: for a vendor, a task of the same entity is enough (as in Zou).
    ("vendor-inside-assigned-to-a-sibling-task", VENDOR, None, True, SIBLING, 201),
    ("vendor-outside", VENDOR, None, False, False, 403),
    ("artist-as-vendor-inside", ARTIST, VENDOR, True, False, 403),
    ("admin-outside", ADMIN, None, False, False, 201),
]
LIST = [
    (label, role, project_role, inside, assigned, 200 if status == 201 else status)
    for label, role, project_role, inside, assigned, status in NEW
]
COMMENT = [
    ("artist-inside", ARTIST, None, True, False, 403),
    ("artist-inside-assigned", ARTIST, None, True, True, 200),
    ("artist-outside", ARTIST, None, False, False, 403),
    ("artist-outside-assigned", ARTIST, None, False, True, 403),
    ("supervisor-inside", SUPERVISOR, None, True, False, 200),  # no department: any task
    ("supervisor-outside", SUPERVISOR, None, False, False, 403),
    ("manager-inside", MANAGER, None, True, False, 200),
    ("manager-outside", MANAGER, None, False, False, 403),
    ("client-inside", CLIENT, None, True, False, 200),
    ("client-outside", CLIENT, None, False, False, 403),
    ("vendor-inside", VENDOR, None, True, False, 403),
    ("vendor-inside-assigned", VENDOR, None, True, True, 200),
    ("vendor-inside-assigned-to-a-sibling-task", VENDOR, None, True, SIBLING, 403),
    ("vendor-outside", VENDOR, None, False, False, 403),
    ("artist-as-manager-inside", ARTIST, MANAGER, True, False, 200),
    ("manager-as-artist-inside", MANAGER, ARTIST, True, False, 403),
    ("admin-outside", ADMIN, None, False, False, 200),
]


def table(rows):
    return [pytest.param(*row[1:], id=row[0]) for row in rows]


PERMISSION_ARGS = ("role", "project_role", "inside", "assigned", "status")


@pytest.mark.parametrize(PERMISSION_ARGS, table(NEW))
def test_who_creates_a_working_file(
    stage, client_for, person_in, role, project_role, inside, assigned, status
):
    caller = person_in(role, inside=inside, assigned=assigned, project_role=project_role)
    response = new_file(client_for(caller), stage.task, name="main")
    assert response.status_code == status
    if status == 201:
        assert response.json()["person_id"] == str(caller.id)
        assert caller.pk in assignee_ids(stage.task)
    else:
        assert response.json() == FORBIDDEN
        assert not WorkingFile.objects.exists()
        assert (caller.pk in assignee_ids(stage.task)) == (assigned is True)
        assert not Software.objects.filter(name="Blender").exists()


@pytest.mark.parametrize(PERMISSION_ARGS, table(LIST))
def test_who_lists_the_working_files_of_a_task(
    stage, client_for, person_in, role, project_role, inside, assigned, status
):
    make_file(stage.task, "main", 1)
    caller = person_in(role, inside=inside, assigned=assigned, project_role=project_role)
    client = client_for(caller)
    for response in (task_files(client, stage.task), last_revisions(client, stage.task)):
        assert response.status_code == status
        if status == 403:
            assert response.json() == FORBIDDEN
    if status == 200:
        assert len(task_files(client, stage.task).json()) == 1


@pytest.mark.parametrize(PERMISSION_ARGS, table(COMMENT))
def test_who_comments_a_working_file(
    stage, client_for, person_in, role, project_role, inside, assigned, status
):
    working_file = make_file(stage.task, comment="before")
    caller = person_in(role, inside=inside, assigned=assigned, project_role=project_role)
    response = comment_on(client_for(caller), working_file.id, {"comment": "after"})
    assert response.status_code == status
    working_file.refresh_from_db()
    if status == 200:
        assert working_file.comment == "after"
    else:
        assert response.json() == FORBIDDEN
        assert working_file.comment == "before"


def test_a_supervisor_of_another_department_cannot_comment(stage, client_for, person_in):
    working_file = make_file(stage.task)
    supervisor = person_in(SUPERVISOR)
    supervisor.departments.add(Department.objects.get(name="Animation"))
    response = comment_on(client_for(supervisor), working_file.id, {"comment": "no"})
    assert response.status_code == 403


def test_a_supervisor_of_the_task_type_department_comments(stage, client_for, person_in):
    working_file = make_file(stage.task)
    supervisor = person_in(SUPERVISOR)
    supervisor.departments.add(Department.objects.get(name="Animation"), stage.modeling)
    response = comment_on(client_for(supervisor), working_file.id, {"comment": "yes"})
    assert response.status_code == 200


def test_the_creator_of_the_entity_comments(stage, client_for, person_in):
    working_file = make_file(stage.task)
    artist = person_in(ARTIST)
    Entity.objects.filter(pk=stage.tree.pk).update(created_by=artist)
    response = comment_on(client_for(artist), working_file.id, {"comment": "mine"})
    assert response.status_code == 200
