"""The generic CRUD routes `/api/data/<collection>[/<id>]`, for every collection of
production.api.RESOURCES: Zou's JSON for each row, its error bodies, and what gazu sends.

One table (CASES) says, per collection, which row the read tests look at, a valid create body,
a partial update, a value of the wrong type, a body clashing with a unique key, a row that can
be deleted and a row that others reference; every generic test runs for every collection.
Model-specific rules (projects, persons, tasks, error routes) are in test_crud_rules.py.
"""

import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pytest
from django.db import models

from production import services
from production.api import RESOURCES
from production.models import (
    AssetInstance,
    AttachmentFile,
    Comment,
    Department,
    Entity,
    EntityType,
    FileStatus,
    Organisation,
    OutputType,
    Person,
    Project,
    ProjectPersonLink,
    ProjectStatus,
    Role,
    Software,
    Task,
    TaskStatus,
    TaskType,
)
from tests.conftest import PASSWORD, own_copy
from tests.zou_bodies import EMPTY_BODY, NOT_FOUND, REFERENCED, UNIQUE_VIOLATION

ZOU_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
ZOU_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HIDDEN_PERSON_KEYS = {"password", "last_login"}
ABSENT = object()  # a body key the response must not echo (a password)


# ---------------------------------------------------------------------------------------------
# Helpers shared by every test of the CRUD routes


def collection_url(collection: str) -> str:
    return f"/api/data/{collection}"


def instance_url(collection: str, instance_id) -> str:
    return f"/api/data/{collection}/{instance_id}"


def wrong_parameter(message: str) -> dict:
    return {"error": True, "message": message, "data": None}


def assert_not_found(response) -> None:
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def assert_validation_error(response, field_name: str) -> None:
    """Zou's pydantic body: 400 with one {field, message} entry per problem."""
    assert response.status_code == 400
    body = response.json()
    assert body["error"] is True
    assert body["message"] == "Validation error."
    errors = body["data"]["errors"]
    assert errors and all(set(error) == {"field", "message"} for error in errors)
    assert all(isinstance(error["message"], str) and error["message"] for error in errors)
    assert field_name in {error["field"] for error in errors}


def column_keys(model: type[models.Model]) -> set[str]:
    """Zou's JSON keys of a row: one per column (foreign keys as `<name>_id`), plus `type`."""
    keys = {f.attname for f in model._meta.concrete_fields} - HIDDEN_PERSON_KEYS
    if model is Person:
        keys.add("full_name")
    if model is Project:  # Zou's column, kept on previews' link table
        keys.add("default_preview_background_file_id")
    return keys | {"type"}


def relation_names(model: type[models.Model]) -> set[str]:
    """Many-to-many id lists, and the reverse relations a model lists (a comment's previews
    and attachment files)."""
    names = {f.name for f in model._meta.many_to_many} | set(
        getattr(model, "ZOU_REVERSE_RELATIONS", ())
    )
    if model is Project:  # previews adds it (previews.selectors.add_project_backgrounds)
        names.add("preview_background_files")
    return names


def is_uuid_string(value) -> bool:
    return isinstance(value, str) and str(uuid.UUID(value)) == value


def assert_zou_row(row: dict, model: type[models.Model], *, relations: bool) -> None:
    """Every column, ids as strings, `type`, Zou's datetimes; m2m id lists only if asked."""
    expected = column_keys(model) | (relation_names(model) if relations else set())
    assert set(row) == expected
    assert row["type"] == model.__name__
    assert is_uuid_string(row["id"])
    assert not HIDDEN_PERSON_KEYS & set(row)
    for model_field in model._meta.concrete_fields:
        value = row.get(model_field.attname)
        if value is None:
            continue
        if isinstance(model_field, models.DateTimeField):
            assert ZOU_DATETIME.match(value), (model_field.attname, value)
        elif isinstance(model_field, models.DateField):
            assert ZOU_DATE.match(value), (model_field.attname, value)
        elif model_field.is_relation or isinstance(model_field, models.UUIDField):
            assert is_uuid_string(value), (model_field.attname, value)
    if relations:
        for name in relation_names(model):
            assert isinstance(row[name], list)
            assert all(is_uuid_string(value) for value in row[name])


def assert_echoes(row: dict, body: dict, overrides: dict) -> None:
    """The answer carries what was sent (id lists in any order), bar the case's overrides."""
    for key, sent in body.items():
        expected = overrides.get(key, sent)
        if expected is ABSENT:
            assert key not in row
        elif isinstance(expected, list) and key in row and isinstance(row[key], list):
            assert sorted(map(str, row[key])) == sorted(map(str, expected)), key
        else:
            assert row.get(key) == expected, key


def stored_row(instance: models.Model) -> dict:
    """A row's columns as stored, to compare before and after a refused write."""
    fresh = type(instance)._default_manager.get(pk=instance.pk)
    return {f.attname: getattr(fresh, f.attname) for f in type(instance)._meta.concrete_fields}


def only_row(response, instance_id) -> dict:
    assert response.status_code == 200
    rows = [row for row in response.json() if row["id"] == str(instance_id)]
    assert len(rows) == 1
    return rows[0]


# ---------------------------------------------------------------------------------------------
# A production with a row of every model


@dataclass
class World:
    admin: Person
    artist: Person
    organisation: Organisation
    modeling_department: Department
    open_status: ProjectStatus
    closed_status: ProjectStatus
    character: EntityType
    prop: EntityType
    task_type: TaskType
    task_status: TaskStatus
    software: Software
    output_type: OutputType
    file_status: FileStatus
    project: Project
    asset: Entity
    carrot: Entity
    sequence: Entity
    shot: Entity
    asset_instance: AssetInstance
    task: Task
    comment: Comment
    attachment: AttachmentFile
    make_person: Callable | None  # the test's own `make_person`


def build_world() -> World:
    """The world, written once per module (see `module_transaction`); its people have e-mail
    addresses of their own, so the `make_person` of a test never takes one of them."""
    admin = Person.objects.create_user(
        email="world-admin@studio.test",
        password=PASSWORD,
        role=Role.ADMIN,
        first_name="Admin",
        last_name="Number1",
    )
    artist = Person.objects.create_user(
        email="world-artist@studio.test",
        password=PASSWORD,
        role=Role.ARTIST,
        first_name="Ada",
        last_name="Lovelace",
    )
    project = services.create_project(values={"name": "Big Buck Bunny", "fps": "24000/1001"})
    character = EntityType.objects.get(name="Character")
    asset = services.create_asset(
        project=project, asset_type=character, name="Bunny", created_by=admin
    )
    sequence = services.create_temporal_entity(
        kind="Sequence", project=project, name="SQ01", created_by=admin
    )
    shot = services.create_temporal_entity(
        kind="Shot", project=project, name="SH010", parent=sequence, created_by=admin
    )
    task_type = TaskType.objects.get(name="Modeling", for_entity="Asset")
    task_status = TaskStatus.objects.get(short_name="todo")
    task = services.create_task(
        values={
            "name": "main",
            "project": project,
            "entity": asset,
            "task_type": task_type,
            "task_status": task_status,
        }
    )
    modeling = Department.objects.get(name="Modeling")
    artist.departments.add(modeling)
    ProjectPersonLink.objects.create(project=project, person=artist)
    character.task_types.add(task_type)
    prop = EntityType.objects.get(name="Prop")
    project.asset_types.add(character)
    project.task_statuses.add(task_status)
    services.add_task_type_to_project(project=project, task_type=task_type, priority=1)
    task.assignees.add(artist)
    carrot = services.create_asset(
        project=project, asset_type=prop, name="Carrot", created_by=admin
    )
    comment = services.create_comment(
        task=task, task_status=task_status, author=artist, text="First version"
    )
    return World(
        admin=admin,
        artist=artist,
        organisation=Organisation.objects.get(),
        modeling_department=modeling,
        open_status=ProjectStatus.objects.get(name="Open"),
        closed_status=ProjectStatus.objects.get(name="Closed"),
        character=character,
        prop=prop,
        task_type=task_type,
        task_status=task_status,
        software=Software.objects.create(
            name="Blender", short_name="blender", file_extension=".blend"
        ),
        output_type=OutputType.objects.create(name="Geometry", short_name="geo"),
        file_status=FileStatus.objects.get(name="To review"),
        project=project,
        asset=asset,
        carrot=carrot,
        sequence=sequence,
        shot=shot,
        asset_instance=services.create_asset_instance(asset=carrot, target_asset=asset),
        task=task,
        comment=comment,
        attachment=AttachmentFile.objects.create(
            name="notes.pdf", extension="pdf", mimetype="application/pdf", comment=comment
        ),
        make_person=None,
    )


@pytest.fixture(scope="module")
def shared_world(module_transaction, django_db_blocker) -> World:
    with django_db_blocker.unblock():
        return build_world()


@pytest.fixture
def world(shared_world, db, make_person) -> World:
    """This test's own copy of the module's world."""
    return replace(own_copy(shared_world), make_person=make_person)


@pytest.fixture
def admin(world) -> Person:
    """The world's admin: `admin_client` calls as them."""
    return world.admin


# ---------------------------------------------------------------------------------------------
# The table: one entry per collection


@dataclass(frozen=True)
class Case:
    collection: str
    model: type[models.Model]
    existing: Callable[[World], models.Model]  # the row the read tests look at
    create: Callable[[World], dict]  # a valid create body
    update: Callable[[World], dict]  # a valid partial update
    invalid: tuple[str, object]  # a key and a value of the wrong type or format
    duplicate: Callable[[World], dict] | None  # a create body clashing with a unique key
    deletable: Callable[[World], models.Model]  # a row nothing references
    referenced: Callable[[World], models.Model] | None  # a row others reference
    required: tuple[str, ...] = ()  # keys a create body cannot do without
    # What the answer holds instead of a sent value (aliases, secrets).
    echo_overrides: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.collection


def ids(*rows) -> list[str]:
    return [str(row.pk) for row in rows]


def pks(queryset) -> set[str]:
    return {str(pk) for pk in queryset.values_list("pk", flat=True)}


CASES = [
    Case(
        "organisations",
        Organisation,
        existing=lambda w: w.organisation,
        create=lambda w: {"name": "Blender Studio", "hours_by_day": 7.5, "hd_by_default": True},
        update=lambda w: {"hours_by_day": 6.0, "timesheets_locked": True},
        invalid=("hours_by_day", "lots"),
        duplicate=lambda w: {"name": w.organisation.name},
        deletable=lambda w: w.organisation,
        referenced=None,
        required=("name",),
    ),
    Case(
        "departments",
        Department,
        existing=lambda w: w.modeling_department,
        create=lambda w: {"name": "Storyboard", "color": "#123456"},
        update=lambda w: {"color": "#ABCDEF", "archived": True},
        invalid=("color", "red"),
        duplicate=lambda w: {"name": "Modeling", "color": "#000000"},
        deletable=lambda w: Department.objects.create(name="Editing", color="#000000"),
        referenced=lambda w: w.modeling_department,  # task types belong to it
        required=("name", "color"),
    ),
    Case(
        "project-status",
        ProjectStatus,
        existing=lambda w: w.open_status,
        create=lambda w: {"name": "Paused", "color": "#FFAA00"},
        update=lambda w: {"color": "#00FF00"},
        invalid=("color", "#GGGGGG"),
        duplicate=lambda w: {"name": "Open", "color": "#FFFFFF"},
        deletable=lambda w: ProjectStatus.objects.create(name="Archived", color="#000000"),
        referenced=lambda w: w.open_status,  # the project's status
        required=("name", "color"),
    ),
    Case(
        "entity-types",
        EntityType,
        existing=lambda w: w.character,
        create=lambda w: {"name": "Vehicle", "short_name": "veh", "task_types": ids(w.task_type)},
        update=lambda w: {"short_name": "chr", "description": "People and animals"},
        invalid=("task_types", ["not-a-uuid"]),
        duplicate=lambda w: {"name": "Character"},
        deletable=lambda w: EntityType.objects.create(name="Set"),
        referenced=lambda w: w.character,  # the asset's type
        required=("name",),
    ),
    Case(
        "task-types",
        TaskType,
        existing=lambda w: w.task_type,
        create=lambda w: {
            "name": "Grooming",
            "short_name": "grm",
            "for_entity": "Asset",
            "color": "#AA00AA",
            "department_id": str(w.modeling_department.pk),
        },
        update=lambda w: {"priority": 5, "allow_timelog": False, "department_id": None},
        invalid=("priority", "high"),
        duplicate=lambda w: {
            "name": "Modeling",
            "for_entity": "Asset",
            "department_id": str(w.modeling_department.pk),
        },
        deletable=lambda w: TaskType.objects.create(name="Matte painting", for_entity="Shot"),
        referenced=lambda w: w.task_type,  # the task's type
        required=("name",),
    ),
    Case(
        "task-status",
        TaskStatus,
        existing=lambda w: w.task_status,
        create=lambda w: {
            "name": "On Hold",
            "short_name": "hold",
            "color": "#999999",
            "is_artist_allowed": False,
        },
        update=lambda w: {"color": "#00FF00", "is_wip": True, "priority": 3},
        invalid=("is_done", "perhaps"),
        duplicate=lambda w: {"name": "Another todo", "short_name": "todo", "color": "#000000"},
        deletable=lambda w: TaskStatus.objects.create(
            name="Omit", short_name="omit", color="#000000"
        ),
        referenced=lambda w: w.task_status,  # the task's status
        required=("name", "short_name", "color"),
    ),
    Case(
        "softwares",
        Software,
        existing=lambda w: w.software,
        create=lambda w: {"name": "3dsMax", "short_name": "max", "file_extension": ".max"},
        update=lambda w: {"version": "4.2", "secondary_extensions": [".blend1"]},
        invalid=("monthly_cost", 3.5),
        duplicate=lambda w: {"name": "Blender", "short_name": "b", "file_extension": ".blend"},
        deletable=lambda w: w.software,
        referenced=None,
        required=("name", "short_name", "file_extension"),
    ),
    Case(
        "output-types",
        OutputType,
        existing=lambda w: w.output_type,
        create=lambda w: {"name": "Cache", "short_name": "cache"},
        update=lambda w: {"short_name": "mesh"},
        invalid=("short_name", "x" * 21),
        duplicate=lambda w: {"name": "Geometry"},
        deletable=lambda w: w.output_type,
        referenced=None,
        required=("name",),
    ),
    Case(
        "file-status",
        FileStatus,
        existing=lambda w: w.file_status,
        create=lambda w: {"name": "Approved", "color": "#22D160"},
        update=lambda w: {"color": "#000000"},
        invalid=("color", 12),
        duplicate=lambda w: {"name": "To review", "color": "#000000"},
        deletable=lambda w: w.file_status,
        referenced=None,
        required=("name", "color"),
    ),
    Case(
        "persons",
        Person,
        existing=lambda w: w.artist,
        create=lambda w: {
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@studio.test",
            "phone": "555-0100",
            "role": "artist",
            "desktop_login": "grace",
            "departments": ids(w.modeling_department),
            "password": "cobol forever",
            "active": True,
            "contract_type": "freelance",
        },
        update=lambda w: {"phone": "555-0199", "role": "supervisor", "timezone": "Europe/Paris"},
        invalid=("email", "not-an-email"),
        duplicate=lambda w: {"first_name": "Same", "email": w.artist.email},
        deletable=lambda w: w.make_person(),
        referenced=lambda w: w.artist,  # the comment's author
        echo_overrides={"role": "user", "password": ABSENT},
    ),
    Case(
        "projects",
        Project,
        existing=lambda w: w.project,
        create=lambda w: {
            "name": "Spring",
            "production_type": "tvshow",
            "production_style": "2d3d",
            "fps": "24000/1001",
            "start_date": "2025-01-06",
            "team": ids(w.artist),
            "asset_types": ids(w.character),
            "task_statuses": ids(w.task_status),
            "task_types": ids(w.task_type),
        },
        update=lambda w: {"fps": "25", "description": "A rabbit's revenge", "max_retakes": 3},
        invalid=("fps", "abc"),
        duplicate=lambda w: {"name": w.project.name},
        deletable=lambda w: services.create_project(
            values={"name": "Old", "project_status": w.closed_status}
        ),
        referenced=None,  # see test_crud_rules: open projects and projects with entities
        required=("name",),
    ),
    Case(
        "entities",
        Entity,
        existing=lambda w: w.asset,
        create=lambda w: {
            "name": "Burrow",
            "project_id": str(w.project.pk),
            "entity_type_id": str(w.prop.pk),
            "description": "Where the bunny sleeps",
            "data": {"height": 2},
        },
        update=lambda w: {"description": "A big rabbit", "nb_frames": 48, "status": "complete"},
        invalid=("project_id", "not-a-uuid"),
        duplicate=lambda w: {
            "name": w.asset.name,
            "project_id": str(w.project.pk),
            "entity_type_id": str(w.character.pk),
        },
        deletable=lambda w: w.shot,
        referenced=lambda w: w.sequence,  # the shot's parent
        required=("name", "project_id", "entity_type_id"),
    ),
    Case(
        "asset-instances",
        AssetInstance,
        existing=lambda w: w.asset_instance,
        create=lambda w: {
            "asset_id": str(w.carrot.pk),
            "target_asset_id": str(w.asset.pk),
            "number": 2,
            "name": "Carrot_0002",
        },
        update=lambda w: {"description": "In the burrow", "active": False},
        invalid=("number", "one"),
        duplicate=lambda w: {
            "asset_id": str(w.carrot.pk),
            "target_asset_id": str(w.asset.pk),
            "number": w.asset_instance.number,
        },
        deletable=lambda w: w.asset_instance,
        referenced=None,
        required=("asset_id",),
    ),
    Case(
        "tasks",
        Task,
        existing=lambda w: w.task,
        create=lambda w: {
            "name": "hotfix",
            "project_id": str(w.project.pk),
            "task_type_id": str(w.task_type.pk),
            "task_status_id": str(w.task_status.pk),
            "entity_id": str(w.asset.pk),
            "assignees": ids(w.artist),
            "estimation": 2.5,
            "due_date": "2025-02-01T10:00:00",
        },
        update=lambda w: {"priority": 2, "estimation": 3.5, "assignees": ids(w.admin)},
        invalid=("estimation", "long"),
        duplicate=lambda w: {
            "name": w.task.name,
            "project_id": str(w.project.pk),
            "task_type_id": str(w.task_type.pk),
            "task_status_id": str(w.task_status.pk),
            "entity_id": str(w.asset.pk),
        },
        deletable=lambda w: w.task,
        referenced=None,
        required=("name", "project_id", "task_type_id", "task_status_id", "entity_id"),
    ),
    Case(
        "comments",
        Comment,
        existing=lambda w: w.comment,
        create=lambda w: {
            "object_id": str(w.task.pk),
            "task_status_id": str(w.task_status.pk),
            "person_id": str(w.admin.pk),
            "text": "Looks good",
            "checklist": [{"text": "ears", "checked": False}],
        },
        update=lambda w: {"text": "Edited", "pinned": True},
        invalid=("pinned", "sometimes"),
        duplicate=None,
        deletable=lambda w: w.comment,
        referenced=None,
        required=("object_id", "task_status_id", "person_id"),
    ),
    Case(
        "attachment-files",
        AttachmentFile,
        existing=lambda w: w.attachment,
        create=lambda w: {
            "name": "reference.png",
            "extension": "png",
            "mimetype": "image/png",
            "comment_id": str(w.comment.pk),
        },
        # `size` is measured when the file is stored (docs/compatibility.md#generic-crud-routes)
        update=lambda w: {"mimetype": "image/jpeg"},
        invalid=("extension", "toolong"),
        duplicate=lambda w: {
            "name": w.attachment.name,
            "extension": "pdf",
            "mimetype": "application/pdf",
            "comment_id": str(w.comment.pk),
        },
        deletable=lambda w: w.attachment,
        referenced=None,
        required=("name", "extension", "mimetype", "comment_id"),
    ),
]


def cases(predicate: Callable[[Case], bool] = lambda case: True) -> list:
    return [pytest.param(case, id=case.collection) for case in CASES if predicate(case)]


def first_field(model, kind) -> models.Field | None:
    """The model's first column of a kind (a boolean, a foreign key...), for filter tests."""
    hidden = set(getattr(model, "ZOU_HIDDEN_FIELDS", ()))
    for model_field in model._meta.concrete_fields:
        if isinstance(model_field, kind) and model_field.name not in hidden:
            return model_field
    return None


def has_column(name: str) -> Callable[[Case], bool]:
    return lambda case: any(f.name == name for f in case.model._meta.concrete_fields)


def test_the_table_covers_every_collection():
    assert [case.collection for case in CASES] == [r.collection for r in RESOURCES]
    assert all(case.model is r.model for case, r in zip(CASES, RESOURCES, strict=True))


# ---------------------------------------------------------------------------------------------
# GET collection


@pytest.mark.parametrize("case", cases())
def test_list_returns_every_row_in_zou_shape(admin_client, world, case):
    response = admin_client.get(collection_url(case.collection))

    assert response.status_code == 200
    rows = response.json()
    assert isinstance(rows, list)
    assert {row["id"] for row in rows} == pks(case.model.objects.all())
    for row in rows:
        assert_zou_row(row, case.model, relations=False)
    existing = case.existing(world)
    existing.refresh_from_db()
    row = only_row(response, existing.pk)
    assert row["created_at"] == existing.created_at.strftime("%Y-%m-%dT%H:%M:%S")
    assert row["updated_at"] == existing.updated_at.strftime("%Y-%m-%dT%H:%M:%S")


@pytest.mark.parametrize("case", cases())
def test_list_accepts_a_trailing_slash(admin_client, world, case):
    plain = admin_client.get(collection_url(case.collection))
    slashed = admin_client.get(collection_url(case.collection) + "/")

    assert slashed.status_code == 200
    assert slashed.json() == plain.json()


def test_list_of_persons_carries_full_name_and_never_the_password(admin_client, world):
    rows = admin_client.get(collection_url("persons"), {"relations": "true"}).json()

    ada = next(row for row in rows if row["id"] == str(world.artist.pk))
    assert ada["full_name"] == "Ada Lovelace"
    assert ada["email"] == world.artist.email
    assert ada["departments"] == [str(world.modeling_department.pk)]
    assert all(not HIDDEN_PERSON_KEYS & set(row) for row in rows)


def test_exact_keys_of_the_files_reference_models(admin_client, world):
    """Zou's JSON keys for output types, file statuses and softwares."""
    common = {"id", "created_at", "updated_at", "type"}
    expected = {
        "output-types": common | {"name", "short_name"},
        "file-status": common | {"name", "color"},
        "softwares": common
        | {
            "name",
            "short_name",
            "archived",
            "version",
            "file_extension",
            "secondary_extensions",
            "monthly_cost",
            "inventory_amount",
        },
    }
    for collection, keys in expected.items():
        for row in admin_client.get(collection_url(collection)).json():
            assert set(row) == keys, collection


# ---------------------------------------------------------------------------------------------
# Filters (query parameters naming columns, as gazu sends them)


@pytest.mark.parametrize("case", cases())
def test_filter_by_a_json_list_or_repeated_ids(admin_client, world, case):
    first = case.existing(world)
    second = admin_client.post(collection_url(case.collection), case.create(world), format="json")
    assert second.status_code == 201
    wanted = {str(first.pk), second.json()["id"]}
    url = collection_url(case.collection)

    as_json = admin_client.get(url, {"id": f'["{first.pk}", "{second.json()["id"]}"]'})
    repeated = admin_client.get(url, {"id": sorted(wanted)})
    single = admin_client.get(url, {"id": str(first.pk)})

    assert {row["id"] for row in as_json.json()} == wanted
    assert {row["id"] for row in repeated.json()} == wanted
    assert [row["id"] for row in single.json()] == [str(first.pk)]
    assert admin_client.get(url, {"id": str(uuid.uuid4())}).json() == []


@pytest.mark.parametrize("case", cases())
def test_filter_by_a_malformed_uuid_is_a_400(admin_client, world, case):
    url = collection_url(case.collection)

    for value in ("not-a-uuid", "123"):
        response = admin_client.get(url, {"id": value})
        assert response.status_code == 400
        assert response.json() == wrong_parameter(f"Invalid UUID value: {value}")
    in_a_list = admin_client.get(url, {"id": f'["{case.existing(world).pk}", "nope"]'})
    assert in_a_list.status_code == 400
    assert in_a_list.json() == wrong_parameter("Invalid UUID value: nope")


@pytest.mark.parametrize("case", cases())
def test_malformed_list_filter_is_a_400(admin_client, world, case):
    response = admin_client.get(collection_url(case.collection), {"id": "[not json"})

    assert response.status_code == 400
    assert response.json() == wrong_parameter("Malformed list filter for field id.")


@pytest.mark.parametrize("case", cases())
def test_unknown_query_keys_are_ignored(admin_client, world, case):
    url = collection_url(case.collection)
    everything = admin_client.get(url).json()

    response = admin_client.get(url, {"no_such_column": "x", "colour": "?", "force": "true"})

    assert response.status_code == 200
    assert response.json() == everything


@pytest.mark.parametrize("case", cases(has_column("name")))
def test_filter_by_name_ignores_case(admin_client, world, case):
    existing = case.existing(world)
    url = collection_url(case.collection)

    for name in (existing.name, existing.name.upper(), existing.name.lower()):
        rows = admin_client.get(url, {"name": name}).json()
        assert str(existing.pk) in {row["id"] for row in rows}
        assert all(row["name"].lower() == existing.name.lower() for row in rows)
    assert admin_client.get(url, {"name": "nothing is called this"}).json() == []


@pytest.mark.parametrize("case", cases(lambda case: first_field(case.model, models.BooleanField)))
def test_filter_by_a_boolean_as_gazu_sends_it(admin_client, world, case):
    column = first_field(case.model, models.BooleanField).name
    url = collection_url(case.collection)

    for sent, value in (("True", True), ("False", False), ("true", True), ("false", False)):
        rows = admin_client.get(url, {column: sent}).json()
        assert {row["id"] for row in rows} == pks(case.model.objects.filter(**{column: value}))
        assert all(row[column] is value for row in rows)
    response = admin_client.get(url, {column: "maybe"})
    assert response.status_code == 400
    assert response.json() == wrong_parameter("Invalid boolean value: maybe")


@pytest.mark.parametrize("case", cases(lambda case: first_field(case.model, models.ForeignKey)))
def test_filter_by_a_foreign_key_id(admin_client, world, case):
    existing = case.existing(world)
    column = next(
        f.attname
        for f in case.model._meta.concrete_fields
        if f.is_relation and getattr(existing, f.attname) is not None
    )
    value = getattr(existing, column)
    url = collection_url(case.collection)

    rows = admin_client.get(url, {column: str(value)}).json()

    assert str(existing.pk) in {row["id"] for row in rows}
    assert {row["id"] for row in rows} == pks(case.model.objects.filter(**{column: value}))
    assert admin_client.get(url, {column: str(uuid.uuid4())}).json() == []
    malformed = admin_client.get(url, {column: "42"})
    assert malformed.status_code == 400
    assert malformed.json() == wrong_parameter("Invalid UUID value: 42")


@pytest.mark.parametrize("case", cases(lambda case: relation_names(case.model)))
def test_relations_true_adds_the_many_to_many_id_lists(admin_client, world, case):
    existing = case.existing(world)
    url = collection_url(case.collection)

    plain = only_row(admin_client.get(url, {"id": str(existing.pk)}), existing.pk)
    related = only_row(
        admin_client.get(url, {"id": str(existing.pk), "relations": "true"}), existing.pk
    )

    assert not relation_names(case.model) & set(plain)
    assert_zou_row(related, case.model, relations=True)
    for name in relation_names(case.model):
        if name == "preview_background_files":  # a project's, through previews' link table
            links = existing.preview_background_links.all()
            rows = [link.preview_background_file for link in links]
        else:
            rows = list(getattr(existing, name).all())
        assert sorted(related[name]) == sorted(ids(*rows)), name
    for m2m in case.model._meta.many_to_many:
        assert related[m2m.name], f"the fixture leaves {m2m.name} empty"
    assert {key: value for key, value in related.items() if key in plain} == plain


@pytest.mark.parametrize("case", cases())
def test_fields_keeps_only_the_asked_keys(admin_client, world, case):
    column = "name" if has_column("name")(case) else first_field(case.model, models.CharField).name
    url = collection_url(case.collection)

    rows = admin_client.get(url, {"fields": column}).json()

    assert rows
    assert all(set(row) == {column, "id", "type"} for row in rows)
    existing = case.existing(world)
    row = only_row(admin_client.get(url, {"fields": column, "id": str(existing.pk)}), existing.pk)
    assert row == {
        "id": str(existing.pk),
        "type": case.model.__name__,
        column: getattr(existing, column),
    }


@pytest.mark.parametrize("case", cases())
def test_pagination(admin_client, world, case):
    created = admin_client.post(collection_url(case.collection), case.create(world), format="json")
    assert created.status_code == 201
    total = case.model.objects.count()
    assert total >= 2
    url = collection_url(case.collection)

    first = admin_client.get(url, {"page": 1, "limit": 2}).json()
    second = admin_client.get(url, {"page": 2, "limit": 2}).json()
    past_the_end = admin_client.get(url, {"page": total + 1, "limit": 2}).json()

    assert set(first) == {"data", "total", "nb_pages", "limit", "offset", "page"}
    assert first["total"] == total
    assert first["nb_pages"] == math.ceil(total / 2)
    assert (first["limit"], first["offset"], first["page"]) == (2, 0, 1)
    assert len(first["data"]) == 2
    assert first["data"][0]["id"] == created.json()["id"]  # most recently updated first
    for row in first["data"]:
        assert_zou_row(row, case.model, relations=False)
    assert (second["offset"], second["page"]) == (2, 2)
    assert len(second["data"]) == min(2, total - 2)
    assert not {row["id"] for row in first["data"]} & {row["id"] for row in second["data"]}
    assert (past_the_end["data"], past_the_end["page"]) == ([], total + 1)


@pytest.mark.parametrize("case", cases())
def test_pagination_combines_with_filters_and_fields(admin_client, world, case):
    existing = case.existing(world)

    body = admin_client.get(
        collection_url(case.collection), {"page": "1", "id": str(existing.pk), "fields": "id"}
    ).json()

    assert body == {
        "data": [{"id": str(existing.pk), "type": case.model.__name__}],
        "total": 1,
        "nb_pages": 1,
        "limit": 100,
        "offset": 0,
        "page": 1,
    }


@pytest.mark.parametrize("page", ["0", "-1"])
def test_a_page_below_one_is_empty(admin_client, world, page):
    response = admin_client.get(collection_url("projects"), {"page": page})

    assert response.status_code == 200
    assert response.json()["data"] == []
    assert response.json()["total"] == Project.objects.count()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"page": "x"}, "page should be a positive integer."),
        ({"page": "1", "limit": "0"}, "limit should be a positive integer."),
        ({"page": "1", "limit": "many"}, "limit should be a positive integer."),
    ],
)
def test_a_page_or_limit_that_is_not_a_number_is_a_400(admin_client, world, params, message):
    response = admin_client.get(collection_url("projects"), params)

    assert response.status_code == 400
    assert response.json() == wrong_parameter(message)


# ---------------------------------------------------------------------------------------------
# GET instance


@pytest.mark.parametrize("case", cases())
def test_get_one_is_the_list_item_with_its_relations(admin_client, world, case):
    existing = case.existing(world)
    url = collection_url(case.collection)

    response = admin_client.get(instance_url(case.collection, existing.pk))

    assert response.status_code == 200
    row = response.json()
    assert_zou_row(row, case.model, relations=True)
    assert row == only_row(admin_client.get(url, {"relations": "true"}), existing.pk)
    without = admin_client.get(instance_url(case.collection, existing.pk), {"relations": "false"})
    assert without.json() == only_row(admin_client.get(url), existing.pk)


@pytest.mark.parametrize("case", cases())
def test_get_one_accepts_a_trailing_slash(admin_client, world, case):
    existing = case.existing(world)

    response = admin_client.get(instance_url(case.collection, existing.pk) + "/")

    assert response.status_code == 200
    assert response.json()["id"] == str(existing.pk)


@pytest.mark.parametrize("case", cases())
@pytest.mark.parametrize("bad_id", ["unknown", "not-a-uuid", "123", "0" * 40])
def test_get_one_unknown_or_malformed_id_is_a_404(admin_client, world, case, bad_id):
    instance_id = uuid.uuid4() if bad_id == "unknown" else bad_id

    assert_not_found(admin_client.get(instance_url(case.collection, instance_id)))


# ---------------------------------------------------------------------------------------------
# POST collection (create)


@pytest.mark.parametrize("case", cases())
def test_create(admin_client, world, case):
    body = case.create(world)
    before = case.model.objects.count()

    response = admin_client.post(collection_url(case.collection), body, format="json")

    assert response.status_code == 201
    row = response.json()
    assert_zou_row(row, case.model, relations=True)
    assert_echoes(row, body, case.echo_overrides)
    assert case.model.objects.count() == before + 1
    created = case.model.objects.get(pk=row["id"])
    assert row == admin_client.get(instance_url(case.collection, created.pk)).json()


@pytest.mark.parametrize("case", cases())
def test_create_ignores_unknown_keys_and_read_only_columns(admin_client, world, case):
    forced_id = uuid.uuid4()
    body = {
        **case.create(world),
        "id": str(forced_id),
        "created_at": "2001-02-03T04:05:06",
        "updated_at": "2001-02-03T04:05:06",
        "no_such_column": "ignored",
        "type": "Nonsense",
    }

    response = admin_client.post(collection_url(case.collection), body, format="json")

    assert response.status_code == 201
    row = response.json()
    assert row["id"] != str(forced_id)
    assert not case.model.objects.filter(pk=forced_id).exists()
    assert not row["created_at"].startswith("2001")
    assert not row["updated_at"].startswith("2001")
    assert "no_such_column" not in row
    assert row["type"] == case.model.__name__


@pytest.mark.parametrize("case", cases())
def test_create_with_a_wrong_type_is_a_validation_error(admin_client, world, case):
    key, value = case.invalid
    before = case.model.objects.count()

    response = admin_client.post(
        collection_url(case.collection), {**case.create(world), key: value}, format="json"
    )

    assert_validation_error(response, key)
    assert case.model.objects.count() == before


@pytest.mark.parametrize("case", cases(lambda case: case.required))
def test_create_without_a_required_column_is_a_validation_error(admin_client, world, case):
    body = case.create(world)
    before = case.model.objects.count()
    url = collection_url(case.collection)

    for key in case.required:
        response = admin_client.post(url, {k: v for k, v in body.items() if k != key}, "json")
        assert_validation_error(response, key)
    nothing_usable = admin_client.post(url, {"no_such_column": 1}, format="json")
    for key in case.required:
        assert_validation_error(nothing_usable, key)
    assert case.model.objects.count() == before


@pytest.mark.parametrize("case", cases())
@pytest.mark.parametrize("body", [None, {}, []])
def test_create_with_an_empty_body_is_a_400(admin_client, world, case, body):
    before = case.model.objects.count()

    response = admin_client.post(collection_url(case.collection), body, format="json")

    assert response.status_code == 400
    assert response.json() == EMPTY_BODY
    assert case.model.objects.count() == before


@pytest.mark.parametrize("case", cases())
def test_create_with_a_body_that_is_not_json_is_a_400(admin_client, world, case):
    before = case.model.objects.count()

    response = admin_client.post(
        collection_url(case.collection), "{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"] is True
    assert case.model.objects.count() == before


@pytest.mark.parametrize("case", cases(lambda case: case.duplicate))
def test_create_a_duplicate_is_a_400_and_writes_nothing(admin_client, world, case):
    before = case.model.objects.count()

    response = admin_client.post(collection_url(case.collection), case.duplicate(world), "json")

    assert response.status_code == 400
    assert response.json() == UNIQUE_VIOLATION
    assert case.model.objects.count() == before


@pytest.mark.parametrize("case", cases(lambda case: case.duplicate))
def test_create_twice_the_same_body_is_refused_the_second_time(admin_client, world, case):
    body = case.create(world)
    url = collection_url(case.collection)
    assert admin_client.post(url, body, format="json").status_code == 201
    after_first = case.model.objects.count()

    response = admin_client.post(url, body, format="json")

    assert response.status_code == 400
    assert response.json() == UNIQUE_VIOLATION
    assert case.model.objects.count() == after_first


# ---------------------------------------------------------------------------------------------
# PUT instance (update)


@pytest.mark.parametrize("case", cases())
def test_update(admin_client, world, case):
    existing = case.existing(world)
    body = case.update(world)

    response = admin_client.put(instance_url(case.collection, existing.pk), body, format="json")

    assert response.status_code == 200
    row = response.json()
    assert_zou_row(row, case.model, relations=False)  # no relation lists after an update
    assert_echoes(row, {k: v for k, v in body.items() if k not in relation_names(case.model)}, {})
    assert row["id"] == str(existing.pk)
    stored = case.model.objects.get(pk=existing.pk)
    for key, value in body.items():
        if key in relation_names(case.model):
            assert sorted(ids(*getattr(stored, key).all())) == sorted(value)
    fresh = admin_client.get(instance_url(case.collection, existing.pk), {"relations": "false"})
    assert fresh.json() == row


@pytest.mark.parametrize("case", cases())
def test_update_keeps_the_columns_not_sent(admin_client, world, case):
    existing = case.existing(world)
    before = stored_row(existing)
    body = case.update(world)

    response = admin_client.put(instance_url(case.collection, existing.pk), body, format="json")

    assert response.status_code == 200
    after = stored_row(existing)
    sent = {case.model._meta.get_field(key.removesuffix("_id")).attname for key in body}
    untouched = set(before) - sent - {"updated_at"}
    assert {key: after[key] for key in untouched} == {key: before[key] for key in untouched}
    assert after["updated_at"] >= before["updated_at"]


@pytest.mark.parametrize("case", cases())
def test_update_ignores_unknown_keys_and_read_only_columns(admin_client, world, case):
    existing = case.existing(world)
    before = stored_row(existing)
    body = {"id": str(uuid.uuid4()), "created_at": "2001-02-03T04:05:06", "no_such_column": 1}

    response = admin_client.put(instance_url(case.collection, existing.pk), body, format="json")

    assert response.status_code == 200
    assert response.json()["id"] == str(existing.pk)
    after = stored_row(existing)
    assert after["id"] == before["id"]
    assert after["created_at"] == before["created_at"]


@pytest.mark.parametrize("case", cases())
def test_update_with_a_wrong_type_is_a_400_and_changes_nothing(admin_client, world, case):
    existing = case.existing(world)
    key, value = case.invalid
    before = stored_row(existing)
    body = {**case.update(world), key: value}

    response = admin_client.put(instance_url(case.collection, existing.pk), body, format="json")

    assert_validation_error(response, key)
    assert stored_row(existing) == before


@pytest.mark.parametrize("case", cases(lambda case: case.duplicate))
def test_update_into_a_duplicate_is_a_400_and_changes_nothing(admin_client, world, case):
    created = admin_client.post(collection_url(case.collection), case.create(world), "json")
    assert created.status_code == 201
    instance = case.model.objects.get(pk=created.json()["id"])
    before = stored_row(instance)
    response = admin_client.put(
        instance_url(case.collection, instance.pk), case.duplicate(world), format="json"
    )

    assert response.status_code == 400
    assert response.json() == UNIQUE_VIOLATION
    assert stored_row(instance) == before


@pytest.mark.parametrize("case", cases())
@pytest.mark.parametrize("bad_id", ["unknown", "not-a-uuid"])
def test_update_unknown_or_malformed_id_is_a_404(admin_client, world, case, bad_id):
    instance_id = uuid.uuid4() if bad_id == "unknown" else bad_id

    response = admin_client.put(
        instance_url(case.collection, instance_id), case.update(world), format="json"
    )

    assert_not_found(response)


@pytest.mark.parametrize("case", cases())
def test_update_with_an_empty_body_is_a_400(admin_client, world, case):
    existing = case.existing(world)
    before = stored_row(existing)

    response = admin_client.put(instance_url(case.collection, existing.pk), {}, format="json")

    assert response.status_code == 400
    assert response.json() == EMPTY_BODY
    assert stored_row(existing) == before


# ---------------------------------------------------------------------------------------------
# DELETE instance


@pytest.mark.parametrize("case", cases())
def test_delete(admin_client, world, case):
    row = case.deletable(world)
    url = instance_url(case.collection, row.pk)

    response = admin_client.delete(url)

    assert response.status_code == 204
    assert response.content == b""
    assert not case.model.objects.filter(pk=row.pk).exists()
    assert_not_found(admin_client.get(url))
    assert_not_found(admin_client.delete(url))


@pytest.mark.parametrize("case", cases())
def test_delete_a_created_row(admin_client, world, case):
    """What the API creates, the API removes (a project once it is closed)."""
    created = admin_client.post(collection_url(case.collection), case.create(world), "json")
    url = instance_url(case.collection, created.json()["id"])
    if case.model is Project:
        closed = {"project_status_id": str(world.closed_status.pk)}
        assert admin_client.put(url, closed, format="json").status_code == 200

    assert admin_client.delete(url).status_code == 204
    assert_not_found(admin_client.get(url))


@pytest.mark.parametrize("case", cases(lambda case: case.referenced))
def test_delete_a_referenced_row_is_a_400_and_keeps_it(admin_client, world, case):
    row = case.referenced(world)
    before = stored_row(row)

    response = admin_client.delete(instance_url(case.collection, row.pk))

    assert response.status_code == 400
    assert response.json() == REFERENCED
    assert stored_row(row) == before


@pytest.mark.parametrize("case", cases())
@pytest.mark.parametrize("bad_id", ["unknown", "not-a-uuid", "123"])
def test_delete_unknown_or_malformed_id_is_a_404(admin_client, world, case, bad_id):
    instance_id = uuid.uuid4() if bad_id == "unknown" else bad_id
    before = case.model.objects.count()

    assert_not_found(admin_client.delete(instance_url(case.collection, instance_id)))
    assert case.model.objects.count() == before
