"""The working-file routes (files contract §3.1-§3.8, §4.2, §5.1, §5.2, Zou's test_files.py and
test_working_files.py §10.2/§10.3, the working-file half of test_files_service.py §10.6), the
permission table of new / list / comment per role (§2), and the task page of the admin.

The production is the one of Zou's tests: "Cosmos Landromat" on the `simple` tree, asset Tree
(Props) with a "Shaders" task, asset Rabbit (Character). Content upload/download, concurrency
and gazu are tested elsewhere.
"""

import datetime
import html
import re
import uuid
from dataclasses import dataclass

import orjson
import pytest
from django.test import Client
from django.utils import timezone

from file_trees.shipped import shipped_tree
from kitsufiles.api.serialization import serialize_instance
from output_files.models import OutputFile
from production import services as production_services
from production.models import (
    Department,
    Entity,
    EntityType,
    FileStatus,
    OutputType,
    Person,
    Project,
    ProjectPersonLink,
    Role,
    Software,
    Task,
    TaskStatus,
    TaskType,
)
from tests.conftest import PASSWORD
from working_files import selectors, services
from working_files.errors import WorkingFileExists
from working_files.models import WorkingFile

pytestmark = pytest.mark.django_db

ARTIST, SUPERVISOR, MANAGER = Role.ARTIST, Role.SUPERVISOR, Role.MANAGER
CLIENT, VENDOR, ADMIN = Role.CLIENT, Role.VENDOR, Role.ADMIN
SIBLING = "sibling"  # assigned to another task of the same entity

NOT_FOUND = {
    "error": True,
    "message": "404 Not Found: The requested URL was not found on the server. If you entered "
    "the URL manually please check your spelling and try again.",
}
FORBIDDEN = {
    "error": True,
    "message": "You don't have the permission to access the requested resource. It is either "
    "read-protected or not readable by the server.",
}
ALREADY_EXISTS = {"error": "The given working file already exists."}
UNIQUE_VIOLATION = {"message": "A record with the same unique values already exists."}
REFERENCED = {"message": "The change conflicts with records referencing this one."}

ROOT = "/simple/productions/cosmos_landromat"
TREE_FOLDER = f"{ROOT}/assets/props/tree/shaders"
TREE_FILE = "cosmos_landromat_props_tree_shaders"

# Keys of a working file's JSON (§1.1, plus `validation_status` of Zou 1.0.97).
WF_KEYS = {
    "id",
    "created_at",
    "updated_at",
    "shotgun_id",
    "name",
    "description",
    "comment",
    "revision",
    "size",
    "checksum",
    "path",
    "data",
    "validation_status",
    "task_id",
    "entity_id",
    "person_id",
    "software_id",
    "type",
}


# ---------------------------------------------------------------------------------------------
# The production


@dataclass
class Stage:
    project: Project
    tree: Entity
    rabbit: Entity
    task: Task  # Shaders on Tree, already assigned to `worker`
    modeling_task: Task  # a second task on Tree
    rabbit_task: Task  # Shaders on Rabbit
    shaders: TaskType
    modeling: Department
    max: Software
    worker: Person
    file_status: FileStatus
    geometry: OutputType


@pytest.fixture
def stage(default_data, admin, make_person) -> Stage:
    project = production_services.create_project(
        values={"name": "Cosmos Landromat", "file_tree": shipped_tree("simple")}
    )
    props = EntityType.objects.create(name="Props")
    character = EntityType.objects.get(name="Character")
    tree = production_services.create_asset(
        project=project, asset_type=props, name="Tree", created_by=admin
    )
    rabbit = production_services.create_asset(
        project=project, asset_type=character, name="Rabbit", created_by=admin
    )
    modeling = Department.objects.get(name="Modeling")
    shaders = TaskType.objects.create(
        name="Shaders", short_name="shd", for_entity="Asset", department=modeling
    )
    status = TaskStatus.objects.get(is_default=True)

    def task(entity, task_type):
        return production_services.create_task(
            values={
                "name": "main",
                "project": project,
                "entity": entity,
                "task_type": task_type,
                "task_status": status,
            }
        )

    the_task = task(tree, shaders)
    worker = make_person(ARTIST)
    ProjectPersonLink.objects.create(project=project, person=worker)
    the_task.assignees.add(worker)
    return Stage(
        project=project,
        tree=tree,
        rabbit=rabbit,
        task=the_task,
        modeling_task=task(tree, TaskType.objects.get(name="Modeling", for_entity="Asset")),
        rabbit_task=task(rabbit, shaders),
        shaders=shaders,
        modeling=modeling,
        max=Software.objects.create(name="3dsMax", short_name="max", file_extension=".max"),
        worker=worker,
        file_status=FileStatus.objects.get_or_create(
            name="To review", defaults={"color": "#FFFFFF"}
        )[0],
        geometry=OutputType.objects.create(name="Geometry", short_name="geo"),
    )


@pytest.fixture
def person_in(stage, make_person):
    """A person of `role`; `inside` puts them in the team (with an optional project role),
    `assigned` assigns them to the stage's task (`SIBLING`: to another task of its entity)."""

    def make(role=ARTIST, *, inside=True, assigned=False, project_role=None) -> Person:
        person = make_person(role)
        if inside:
            ProjectPersonLink.objects.create(
                project=stage.project, person=person, role=project_role
            )
        if assigned == SIBLING:
            stage.modeling_task.assignees.add(person)
        elif assigned:
            stage.task.assignees.add(person)
        return person

    return make


def make_file(task: Task, name: str = "main", revision: int = 1, **fields) -> WorkingFile:
    return WorkingFile.objects.create(
        task=task, entity=task.entity, name=name, revision=revision, **fields
    )


def make_output(stage: Stage, source: WorkingFile | None, revision: int = 1) -> OutputFile:
    return OutputFile.objects.create(
        name="main",
        revision=revision,
        file_status=stage.file_status,
        entity=stage.tree,
        output_type=stage.geometry,
        task_type=stage.shaders,
        source_file=source,
    )


def plain(working_file: WorkingFile, *, relations: bool = False) -> dict:
    """The model's own Zou serialization, as a client decodes it."""
    return orjson.loads(orjson.dumps(serialize_instance(working_file, relations=relations)))


def new_file(client, task, **body):
    return client.post(f"/api/data/tasks/{task.id}/working-files/new", body, format="json")


def task_files(client, task):
    return client.get(f"/api/data/tasks/{task.id}/working-files")


def last_revisions(client, task):
    return client.get(f"/api/data/tasks/{task.id}/working-files/last-revisions")


def entity_files(client, entity, **query):
    return client.get(f"/api/data/entities/{entity.id}/working-files", query)


def comment_on(client, working_file_id, body):
    url = f"/api/actions/working-files/{working_file_id}/comment"
    return client.put(url, body, format="json")


def touch(client, working_file_id):
    return client.put(f"/api/actions/working-files/{working_file_id}/modified", {}, format="json")


def assignee_ids(task: Task) -> set:
    return set(task.assignees.values_list("pk", flat=True))


def validation_fields(response) -> list[str]:
    body = response.json()
    assert body["error"] is True
    assert body["message"] == "Validation error."
    return [error["field"] for error in body["data"]["errors"]]


def parse_zou_datetime(text: str) -> datetime.datetime:
    assert len(text) == len("2024-01-02T03:04:05"), text  # no microseconds, no offset
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)


# ---------------------------------------------------------------------------------------------
# §3.1 GET data/files/<id> (Zou's test_get_working_file, test_get_output_file,
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


# ---------------------------------------------------------------------------------------------
# §3.2 GET data/tasks/<id>/working-files


def test_the_revisions_of_a_task_are_listed_newest_first(admin_client, stage):
    for revision in (1, 2, 3):
        make_file(stage.task, "main", revision)
    make_file(stage.task, "hotfix", 1)
    make_file(stage.task, "hotfix", 2)
    make_file(stage.modeling_task, "main", 9)
    response = task_files(admin_client, stage.task)
    assert response.status_code == 200
    rows = response.json()
    assert [row["revision"] for row in rows] == [3, 2, 2, 1, 1]
    assert {row["task_id"] for row in rows} == {str(stage.task.id)}
    assert all(set(row) == WF_KEYS for row in rows)  # no `outputs`
    by_id = {str(wf.id): wf for wf in WorkingFile.objects.filter(task=stage.task)}
    assert all(row == plain(by_id[row["id"]]) for row in rows)


def test_the_task_listing_hides_negative_revisions(admin_client, stage):
    make_file(stage.task, "main", 1)
    make_file(stage.task, "main", -1)
    make_file(stage.task, "trash", -3)
    rows = task_files(admin_client, stage.task).json()
    assert [(row["name"], row["revision"]) for row in rows] == [("main", 1)]


def test_a_task_with_one_working_file_lists_one(admin_client, stage):
    make_file(stage.task)
    assert len(task_files(admin_client, stage.task).json()) == 1


def test_a_task_without_working_file_lists_none(admin_client, stage):
    response = task_files(admin_client, stage.task)
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize("task_id", ["random", "malformed", "task type"])
def test_the_task_listing_of_no_task_is_a_404(admin_client, stage, task_id):
    task_id = {
        "random": uuid.uuid4(),
        "malformed": "nope",
        "task type": stage.shaders.id,
    }[task_id]
    response = admin_client.get(f"/api/data/tasks/{task_id}/working-files")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# ---------------------------------------------------------------------------------------------
# §3.3 POST data/tasks/<id>/working-files/new (Zou's test_new_working_file and
# test_create_same_working_file)


def test_new_working_files_number_themselves_and_assign_the_caller(admin_client, admin, stage):
    assert assignee_ids(stage.task) == {stage.worker.pk}
    body = {"name": "main", "description": "a description", "comment": "a comment"}
    first = new_file(admin_client, stage.task, **body)
    assert first.status_code == 201
    assert first.json()["revision"] == 1
    assert assignee_ids(stage.task) == {stage.worker.pk, admin.pk}
    second = new_file(admin_client, stage.task, **body)
    third = new_file(admin_client, stage.task, **body)
    assert (second.status_code, third.status_code) == (201, 201)
    assert (second.json()["revision"], third.json()["revision"]) == (2, 3)
    assert third.json()["path"] == f"{TREE_FOLDER}/blender/{TREE_FILE}_main_v003"
    assert WorkingFile.objects.filter(task=stage.task).count() == 3
    assert assignee_ids(stage.task) == {stage.worker.pk, admin.pk}  # assigned once


def test_a_new_working_file_answers_its_plain_json(admin_client, admin, stage):
    response = new_file(admin_client, stage.task, name="main", comment="first try")
    assert response.status_code == 201
    body = response.json()
    working_file = WorkingFile.objects.get(pk=body["id"])
    assert body == plain(working_file)
    assert set(body) == WF_KEYS  # no `outputs`
    assert body["type"] == "WorkingFile"
    assert body["name"] == "main"
    assert body["comment"] == "first try"
    assert body["task_id"] == str(stage.task.id)
    assert body["entity_id"] == str(stage.tree.id)
    assert body["person_id"] == str(admin.id)
    assert body["path"] == f"{TREE_FOLDER}/blender/{TREE_FILE}_main_v001"


def test_a_forced_revision_is_kept_and_the_next_one_follows_it(admin_client, stage):
    forced = new_file(admin_client, stage.task, name="main", revision=66)
    assert forced.status_code == 201
    assert forced.json()["revision"] == 66
    assert forced.json()["path"].endswith("_main_v066")
    following = new_file(admin_client, stage.task, name="main")
    assert following.status_code == 201
    assert following.json()["revision"] == 67
    assert following.json()["path"].endswith("_main_v067")


def test_a_revision_already_taken_is_refused_and_nothing_is_written(
    admin_client, stage, client_for, person_in
):
    assert new_file(admin_client, stage.task, name="main", revision=66).status_code == 201
    artist = person_in(ARTIST)
    before = WorkingFile.objects.count()
    response = new_file(client_for(artist), stage.task, name="main", revision=66)
    assert response.status_code == 400
    assert response.json() == ALREADY_EXISTS
    assert WorkingFile.objects.count() == before
    assert artist.pk not in assignee_ids(stage.task)  # not assigned on failure


def test_the_same_revision_of_another_name_is_not_a_conflict(admin_client, stage):
    assert new_file(admin_client, stage.task, name="main", revision=2).status_code == 201
    response = new_file(admin_client, stage.task, name="hotfix", revision=2)
    assert response.status_code == 201
    assert response.json()["path"] == f"{TREE_FOLDER}/blender/{TREE_FILE}_hotfix_v002"


def test_revisions_are_numbered_per_task(admin_client, stage):
    make_file(stage.modeling_task, "main", 7)
    response = new_file(admin_client, stage.task, name="main")
    assert response.json()["revision"] == 1


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"comment": "no name"}, {"name": None}],
    ids=["empty", "empty-name", "no-name", "null-name"],
)
def test_a_new_working_file_needs_a_name(admin_client, admin, stage, body):
    response = new_file(admin_client, stage.task, **body)
    assert response.status_code == 400
    assert validation_fields(response) == ["name"]
    assert not WorkingFile.objects.exists()
    assert admin.pk not in assignee_ids(stage.task)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "main", "revision": "three"}, "revision"),
        ({"name": "main", "revision": 2.5}, "revision"),
        ({"name": "main", "revision": -1}, "revision"),
        ({"name": "main", "revision": None}, "revision"),
    ],
    ids=["word-revision", "fraction-revision", "negative-revision", "null-revision"],
)
def test_a_new_working_file_with_wrong_types_is_a_validation_error(
    admin_client, stage, body, field
):
    response = new_file(admin_client, stage.task, **body)
    assert response.status_code == 400
    assert field in validation_fields(response)
    assert not WorkingFile.objects.exists()


def test_validation_comes_before_the_task_lookup(admin_client):
    response = admin_client.post(
        f"/api/data/tasks/{uuid.uuid4()}/working-files/new", {}, format="json"
    )
    assert response.status_code == 400
    assert validation_fields(response) == ["name"]


@pytest.mark.parametrize("software_id", ["random", "malformed"])
def test_an_unknown_software_is_refused_and_nothing_is_written(
    stage, client_for, person_in, software_id
):
    software_id = {"random": str(uuid.uuid4()), "malformed": "blender"}[software_id]
    artist = person_in(ARTIST)
    response = new_file(client_for(artist), stage.task, name="main", software_id=software_id)
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": f"Unknown software: {software_id}",
        "data": None,
    }
    assert not WorkingFile.objects.exists()
    assert artist.pk not in assignee_ids(stage.task)
    assert not Software.objects.filter(name="Blender").exists()


def test_a_given_software_is_stored_and_named_in_the_path(admin_client, stage):
    response = new_file(admin_client, stage.task, name="main", software_id=str(stage.max.id))
    assert response.status_code == 201
    assert response.json()["software_id"] == str(stage.max.id)
    assert response.json()["path"] == f"{TREE_FOLDER}/3dsmax/{TREE_FILE}_main_v001"
    assert not Software.objects.filter(name="Blender").exists()


def test_without_software_blender_is_created_once_and_used(admin_client, stage):
    assert not Software.objects.filter(name="Blender").exists()
    first = new_file(admin_client, stage.task, name="main")
    blender = Software.objects.get(name="Blender")
    assert (blender.short_name, blender.file_extension) == ("blender", ".blend")
    assert first.json()["software_id"] == str(blender.id)
    second = new_file(admin_client, stage.task, name="main", software_id=None)
    assert second.status_code == 201
    assert second.json()["software_id"] == str(blender.id)
    assert Software.objects.filter(name="Blender").count() == 1


def test_an_existing_blender_is_reused(admin_client, stage):
    blender = Software.objects.create(name="Blender", short_name="bdr", file_extension=".blender")
    response = new_file(admin_client, stage.task, name="main")
    assert response.json()["software_id"] == str(blender.id)
    assert Software.objects.filter(name="Blender").count() == 1


def test_the_description_is_dropped(admin_client, stage):
    response = new_file(admin_client, stage.task, name="main", description="never stored")
    assert response.status_code == 201
    assert response.json()["description"] is None
    assert WorkingFile.objects.get().description is None


def test_the_given_person_is_stored_as_author(admin_client, admin, stage, make_person):
    author = make_person(ARTIST)
    response = new_file(admin_client, stage.task, name="main", person_id=str(author.id))
    assert response.status_code == 201
    assert response.json()["person_id"] == str(author.id)
    assert WorkingFile.objects.get().person_id == author.pk
    # The caller, not the author, is assigned.
    assert assignee_ids(stage.task) == {stage.worker.pk, admin.pk}


@pytest.mark.parametrize("person_id", ["random", "malformed"])
def test_an_unknown_author_is_refused_and_nothing_is_written(admin_client, admin, stage, person_id):
    """Zou answers "already exists" (a random id) or 500 (a malformed one): a 400 naming the
    key, before anything is written (§11.13 leaves the wording to the team)."""
    person_id = {"random": str(uuid.uuid4()), "malformed": "nobody"}[person_id]
    response = new_file(admin_client, stage.task, name="main", person_id=person_id)
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": f"Unknown person: {person_id}",
        "data": None,
    }
    assert not WorkingFile.objects.exists()
    assert admin.pk not in assignee_ids(stage.task)


def test_a_new_working_file_accepts_a_trailing_slash_and_a_form_body(admin_client, stage):
    url = f"/api/data/tasks/{stage.task.id}/working-files/new/"
    response = admin_client.post(url, {"name": "main", "revision": "4"})
    assert response.status_code == 201
    assert response.json()["revision"] == 4
    assert response.json()["path"] == f"{TREE_FOLDER}/blender/{TREE_FILE}_main_v004"


def test_without_person_the_caller_is_the_author(stage, client_for, person_in):
    artist = person_in(ARTIST)
    response = new_file(client_for(artist), stage.task, name="main")
    assert response.status_code == 201
    assert response.json()["person_id"] == str(artist.id)


def test_the_separator_joins_folder_and_file_name_only(admin_client, stage):
    response = new_file(admin_client, stage.task, name="main", sep="\\")
    assert response.status_code == 201
    assert response.json()["path"] == f"{TREE_FOLDER}/blender\\{TREE_FILE}_main_v001"


def test_the_comment_defaults_to_empty(admin_client, stage):
    assert new_file(admin_client, stage.task, name="main").json()["comment"] == ""


@pytest.mark.parametrize("task_id", ["random", "malformed", "task type"])
def test_a_new_working_file_for_no_task_is_a_404(admin_client, admin, stage, task_id):
    task_id = {"random": uuid.uuid4(), "malformed": "nope", "task type": stage.shaders.id}[task_id]
    response = admin_client.post(
        f"/api/data/tasks/{task_id}/working-files/new", {"name": "main"}, format="json"
    )
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    assert not WorkingFile.objects.exists()


def test_a_project_without_file_tree_refuses_a_new_working_file(stage, client_for, person_in):
    """Zou answers 500 here (§3.3, §11.15): a 400 that writes nothing."""
    Project.objects.filter(pk=stage.project.pk).update(file_tree=None)
    artist = person_in(ARTIST)
    body = {"name": "main"}
    response = new_file(client_for(artist), stage.task, **body)
    assert response.status_code == 400
    assert response.json() == {
        "message": "No tree can be found for given project.",
        "received_data": body,
    }
    assert not WorkingFile.objects.exists()
    assert artist.pk not in assignee_ids(stage.task)
    assert not Software.objects.filter(name="Blender").exists()


def test_an_unknown_mode_refuses_a_new_working_file(admin_client, admin, stage):
    body = {"name": "main", "mode": "unknown"}
    response = new_file(admin_client, stage.task, **body)
    assert response.status_code == 400
    assert response.json() == {
        "message": "Mode unknown cannot be found on given tree.",
        "received_data": body,
    }
    assert not WorkingFile.objects.exists()
    assert admin.pk not in assignee_ids(stage.task)
    assert not Software.objects.filter(name="Blender").exists()


# ---------------------------------------------------------------------------------------------
# §3.4 GET data/tasks/<id>/working-files/last-revisions (Zou's test_get_last_working_files)


def test_the_last_revisions_are_keyed_by_name(admin_client, stage):
    files = {}
    for name, count in (("main", 5), ("hotfix", 3), ("wip", 1)):
        for revision in range(1, count + 1):
            files[name, revision] = make_file(stage.task, name, revision)
    make_file(stage.modeling_task, "main", 9)
    response = last_revisions(admin_client, stage.task)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"main", "hotfix", "wip"}
    assert body["main"] == plain(files["main", 5])
    assert body["hotfix"] == plain(files["hotfix", 3])
    assert body["wip"] == plain(files["wip", 1])
    assert all("outputs" not in row for row in body.values())


def test_a_task_without_working_file_has_no_last_revision(admin_client, stage):
    response = last_revisions(admin_client, stage.task)
    assert response.status_code == 200
    assert response.json() == {}


def test_the_last_revisions_do_not_filter_negative_revisions(admin_client, stage):
    trash = make_file(stage.task, "trash", -2)
    make_file(stage.task, "trash", -5)
    body = last_revisions(admin_client, stage.task).json()
    assert body == {"trash": plain(trash)}


def test_the_last_revisions_of_no_task_is_a_404(admin_client):
    response = admin_client.get(f"/api/data/tasks/{uuid.uuid4()}/working-files/last-revisions")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


# ---------------------------------------------------------------------------------------------
# §3.6 GET data/entities/<id>/working-files (Zou's test_get_working_files_for_entity)


def test_the_working_files_of_an_entity_are_only_its_own(admin_client, stage):
    make_file(stage.task, "main", 1)
    make_file(stage.modeling_task, "main", 1)
    make_file(stage.rabbit_task, "main", 1)
    response = entity_files(admin_client, stage.tree)
    assert response.status_code == 200
    rows = response.json()
    assert len(rows) == 2
    assert {row["entity_id"] for row in rows} == {str(stage.tree.id)}
    assert all(set(row) == WF_KEYS for row in rows)  # no `outputs` without relations


def test_the_entity_listing_is_newest_first_without_negative_revisions(admin_client, stage):
    for revision in (2, 1, 3, -1):
        make_file(stage.task, "main", revision)
    rows = entity_files(admin_client, stage.tree).json()
    assert [row["revision"] for row in rows] == [3, 2, 1]


def test_the_entity_listing_is_filtered_by_task(admin_client, stage):
    make_file(stage.task, "main", 1)
    make_file(stage.task, "main", 2)
    make_file(stage.modeling_task, "main", 1)
    rows = entity_files(admin_client, stage.tree, task_id=str(stage.modeling_task.id)).json()
    assert [(row["task_id"], row["revision"]) for row in rows] == [(str(stage.modeling_task.id), 1)]


def test_the_entity_listing_is_filtered_by_name(admin_client, stage):
    make_file(stage.task, "main", 1)
    make_file(stage.task, "hotfix", 1)
    make_file(stage.task, "hotfix", 2)
    rows = entity_files(admin_client, stage.tree, name="hotfix").json()
    assert [(row["name"], row["revision"]) for row in rows] == [("hotfix", 2), ("hotfix", 1)]
    assert entity_files(admin_client, stage.tree, name="HOTFIX").json() == []  # exact match


def test_the_entity_listing_filters_combine(admin_client, stage):
    make_file(stage.task, "main", 1)
    make_file(stage.task, "hotfix", 1)
    make_file(stage.modeling_task, "hotfix", 4)
    rows = entity_files(admin_client, stage.tree, task_id=str(stage.task.id), name="hotfix").json()
    assert [(row["name"], row["revision"]) for row in rows] == [("hotfix", 1)]


@pytest.mark.parametrize("query", ["other task", "unknown task", "unknown name"])
def test_an_entity_listing_matching_nothing_is_empty(admin_client, stage, query):
    make_file(stage.task, "main", 1)
    query = {
        "other task": {"task_id": str(stage.rabbit_task.id)},
        "unknown task": {"task_id": str(uuid.uuid4())},
        "unknown name": {"name": "unknown"},
    }[query]
    response = entity_files(admin_client, stage.tree, **query)
    assert response.status_code == 200
    assert response.json() == []


def test_the_entity_listing_with_relations_lists_outputs(admin_client, stage):
    working_file = make_file(stage.task, "main", 1)
    lonely = make_file(stage.task, "main", 2)
    output = make_output(stage, working_file)
    rows = entity_files(admin_client, stage.tree, relations="true").json()
    assert {row["id"]: row["outputs"] for row in rows} == {
        str(lonely.id): [],
        str(working_file.id): [str(output.id)],
    }
    assert rows[1] == plain(working_file, relations=True)
    assert all("outputs" not in row for row in entity_files(admin_client, stage.tree).json())


def test_the_entity_listing_with_a_malformed_task_filter_is_a_404(admin_client, stage):
    make_file(stage.task)
    response = entity_files(admin_client, stage.tree, task_id="nope")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("entity_id", ["random", "malformed"])
def test_the_entity_listing_of_no_entity_is_a_404(admin_client, entity_id):
    entity_id = {"random": uuid.uuid4(), "malformed": "nope"}[entity_id]
    response = admin_client.get(f"/api/data/entities/{entity_id}/working-files")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_the_entity_listing_is_refused_outside_the_team(stage, client_for, make_person):
    make_file(stage.task)
    artist = make_person(ARTIST)
    response = entity_files(client_for(artist), stage.tree)
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    ProjectPersonLink.objects.create(project=stage.project, person=artist)
    assert len(entity_files(client_for(artist), stage.tree).json()) == 1


def test_a_vendor_of_the_team_lists_the_working_files_of_any_entity(stage, client_for, person_in):
    """Route 3.6 checks project access only (no vendor check)."""
    make_file(stage.task)
    response = entity_files(client_for(person_in(VENDOR)), stage.tree)
    assert response.status_code == 200
    assert len(response.json()) == 1


# ---------------------------------------------------------------------------------------------
# §3.7 PUT actions/working-files/<id>/comment (Zou's test_comment_working_file,
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
# §3.8 PUT actions/working-files/<id>/modified (Zou's test_update_modification_date)


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


# ---------------------------------------------------------------------------------------------
# The permission table (§2, §3): new (project + entity access), list (task access), comment
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
    # Entity access: a task of the same entity is enough (§2 check_entity_access).
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


# ---------------------------------------------------------------------------------------------
# §4.2 CRUD routes data/working-files


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
    """§11.30: the single read ignores `relations`; the working file always has `outputs`."""
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
    assert (body["name"], body["revision"], body["size"]) == ("main", 3, 2048)
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


# ---------------------------------------------------------------------------------------------
# §10.6 / §5.1 / §5.2 services and selectors


def test_the_revisions_of_a_task_come_newest_first(stage):
    for revision in (3, 1, 5, 2, 4):
        make_file(stage.task, "main", revision)
    revisions = [wf.revision for wf in selectors.revisions_of_task(stage.task)]
    assert revisions == [5, 4, 3, 2, 1]


def test_the_last_revision_is_read_per_name_and_per_task(stage):
    for revision in range(1, 6):
        make_file(stage.task, "main", revision)
    for revision in range(1, 4):
        make_file(stage.task, "hotfix", revision)
    make_file(stage.modeling_task, "main", 9)
    last = {wf.name: wf.revision for wf in selectors.last_revisions_of_task(stage.task)}
    assert last == {"main": 5, "hotfix": 3}
    other = {wf.name: wf.revision for wf in selectors.last_revisions_of_task(stage.modeling_task)}
    assert other == {"main": 9}


def test_the_next_revision_follows_the_last_one_of_the_name(stage):
    make_file(stage.task, "main", 1)
    make_file(stage.task, "hotfix", 7)
    assert selectors.next_revision(stage.task, "main") == 2
    assert selectors.next_revision(stage.task, "hotfix") == 8
    assert selectors.next_revision(stage.task, "unknown") == 1
    # The other helper: from the last-revisions map.
    last = {wf.name: wf.revision for wf in selectors.last_revisions_of_task(stage.task)}
    assert {name: last.get(name, 0) + 1 for name in ("main", "hotfix", "unknown")} == {
        "main": 2,
        "hotfix": 8,
        "unknown": 1,
    }


def test_a_new_revision_numbers_itself(stage, admin):
    first = services.create_working_file(task=stage.task, name="main", author=admin, caller=admin)
    second = services.create_working_file(task=stage.task, name="main", author=admin, caller=admin)
    assert (first.revision, second.revision) == (1, 2)
    assert first.entity_id == stage.tree.pk
    assert second.path == f"{TREE_FOLDER}/blender/{TREE_FILE}_main_v002"
    assert admin.pk in assignee_ids(stage.task)


def test_a_revision_already_taken_is_refused(stage, admin, make_person):
    services.create_working_file(task=stage.task, name="main", author=admin, caller=admin)
    caller = make_person(ARTIST)
    with pytest.raises(WorkingFileExists) as refused:
        services.create_working_file(
            task=stage.task, name="main", author=admin, caller=caller, revision=1
        )
    assert refused.value.message == ALREADY_EXISTS["error"]
    assert WorkingFile.objects.count() == 1
    assert caller.pk not in assignee_ids(stage.task)


def test_the_revisions_of_an_entity_are_narrowed_by_task_and_name(stage):
    make_file(stage.task, "main", 1)
    make_file(stage.task, "main", 2)
    make_file(stage.task, "hotfix", 1)
    make_file(stage.modeling_task, "main", 1)
    make_file(stage.rabbit_task, "main", 1)

    def revisions(**filters):
        return [
            (wf.task_id, wf.name, wf.revision)
            for wf in selectors.revisions_of_entity(stage.tree, **filters)
        ]

    assert len(revisions()) == 4
    assert revisions(task_id=stage.task.pk, name="main") == [
        (stage.task.pk, "main", 2),
        (stage.task.pk, "main", 1),
    ]
    assert revisions(name="hotfix") == [(stage.task.pk, "hotfix", 1)]
    assert revisions(task_id=stage.modeling_task.pk) == [(stage.modeling_task.pk, "main", 1)]
    assert revisions(task_id=stage.rabbit_task.pk) == []
    assert revisions(name="unknown") == []


def test_a_comment_and_a_touch_through_the_services(stage):
    working_file = make_file(stage.task)
    earlier = timezone.now() - datetime.timedelta(minutes=5)
    WorkingFile.objects.filter(pk=working_file.pk).update(updated_at=earlier)
    working_file.refresh_from_db()
    services.set_comment(working_file=working_file, comment="noted")
    working_file.refresh_from_db()
    assert working_file.comment == "noted"
    assert working_file.updated_at > earlier
    commented_at = working_file.updated_at
    services.mark_modified(working_file=working_file)
    working_file.refresh_from_db()
    assert working_file.updated_at >= commented_at


# ---------------------------------------------------------------------------------------------
# The admin: a task's page shows its revision history


HISTORY_COLUMNS = ("name", "revision", "human_size", "checksum", "person", "comment")


def text_of(cell: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()


def history_of(page: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """(column headers, rows) of the revision-history inline of an admin task page."""
    start = page.index('id="working_files-heading"')
    table = page[start : page.index("</table>", start)]
    headers = [
        re.sub(r"\s+", " ", header).strip()
        for header in re.findall(r'<th class="column-[^"]*">(.*?)</th>', table, re.S)
    ]
    rows = []
    for row in re.findall(
        r'<tr class="form-row[^"]*"\s+id="working_files-\d+">(.*?)</tr>', table, re.S
    ):
        cells = dict(re.findall(r'<td class="field-([a-z_]+)">\s*<p>(.*?)</p>', row, re.S))
        rows.append(tuple(text_of(cells[column]) for column in HISTORY_COLUMNS))
    return headers, rows


def test_the_task_page_of_the_admin_shows_the_revision_history(admin, stage, make_person):
    author = make_person(ARTIST, first_name="Ada", last_name="Lovelace")
    for name, revision, size, checksum, comment in [
        ("main", 2, 4096, "b" * 64, "main second"),
        ("hotfix", 1, 1024, "c" * 64, "hotfix first"),
        ("main", 1, 2048, "a" * 64, "main first"),
    ]:
        make_file(
            stage.task,
            name,
            revision,
            size=size,
            checksum=checksum,
            comment=comment,
            person=author,
        )
    make_file(stage.modeling_task, "main", 9, comment="a revision of modeling")
    browser = Client()
    assert browser.login(email=admin.email, password=PASSWORD)
    response = browser.get(f"/admin/production/task/{stage.task.id}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Revision history" in page
    headers, rows = history_of(page)
    assert headers[: len(HISTORY_COLUMNS)] == [
        "Name",
        "Revision",
        "Size",
        "Checksum",
        "Person",
        "Comment",
    ]
    # Line by line (name), then revision by revision; only this task's revisions.
    assert rows == [
        ("hotfix", "1", "1.0\xa0KB", "c" * 64, str(author), "hotfix first"),
        ("main", "1", "2.0\xa0KB", "a" * 64, str(author), "main first"),
        ("main", "2", "4.0\xa0KB", "b" * 64, str(author), "main second"),
    ]
    assert "a revision of modeling" not in page


def test_the_revision_history_is_read_only(admin, stage):
    working_file = make_file(stage.task, "main", 1, comment="as it was")
    browser = Client()
    assert browser.login(email=admin.email, password=PASSWORD)
    page = browser.get(f"/admin/production/task/{stage.task.id}/change/").content.decode()
    assert 'name="working_files-0-comment"' not in page
    assert 'name="working_files-TOTAL_FORMS" value="1"' in page
    assert f"/admin/working_files/workingfile/{working_file.id}/change/" in page


def test_the_admin_lists_working_files(admin, stage):
    make_file(stage.task, "main", 1, checksum="d" * 64)
    browser = Client()
    assert browser.login(email=admin.email, password=PASSWORD)
    response = browser.get("/admin/working_files/workingfile/", {"q": "main"})
    assert response.status_code == 200
    assert "d" * 64 in response.content.decode()
