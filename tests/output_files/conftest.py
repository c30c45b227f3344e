"""Fixtures of the output-file tests. Their production is "Cosmos Landromat" (tests/cosmos.py),
built once per module."""

import pytest

from production.models import ProjectPersonLink, Role
from tests.conftest import own_copy
from tests.cosmos import Cosmos
from working_files import services as working_file_services
from working_files.models import WorkingFile


@pytest.fixture
def cosmos(shared_cosmos, db) -> Cosmos:
    """This test's own copy of the module's Cosmos Landromat."""
    return own_copy(shared_cosmos)


@pytest.fixture
def working_file(cosmos, admin) -> WorkingFile:
    """A working file of the Tree's Shaders task, with content facts (size, checksum)."""
    working_file = working_file_services.create_working_file(
        task=cosmos.asset_task, name="main", author=admin, caller=admin, software=cosmos.blender
    )
    working_file.size = 2048
    working_file.checksum = "ab" * 32
    working_file.save(update_fields=["size", "checksum"])
    return working_file


@pytest.fixture
def member(make_person, cosmos, client_for):
    """A client for a person of `role`, in the team (with an optional project role) or not,
    optionally assigned to the Tree's Shaders task."""

    def make(role=Role.ARTIST, *, inside=True, project_role=None, assigned_to=None):
        person = make_person(role)
        if inside:
            ProjectPersonLink.objects.create(
                project=cosmos.project, person=person, role=project_role
            )
        if assigned_to is not None:
            assigned_to.assignees.add(person)
        return client_for(person)

    return make
