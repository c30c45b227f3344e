"""Who may publish and read the output files of an entity or a project."""

import uuid

import pytest

from output_files.models import OutputFile
from tests.output_files.helpers import (
    ARTIST,
    CLIENT,
    MANAGER,
    SUPERVISOR,
    VENDOR,
    next_revision,
    publish,
)
from tests.zou_bodies import FORBIDDEN

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# Permissions of the routes, as in Zou: publishing needs project access only (any team member
# may publish, a client or a vendor without a task on the entity included), the entity routes
# need project access, the project's listing needs manager rights.


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
