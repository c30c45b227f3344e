"""The permission matrix: every role (global, or overridden by a project role), inside and
outside the project's team, through real HTTP calls with real tokens.

Each matrix is a table `{role: (expected inside the team, expected outside it)}`; `matrix()`
turns it into one test per role × membership.
"""

from types import SimpleNamespace

import pytest

from production import services
from production.models import (
    Comment,
    EntityType,
    FileStatus,
    OutputType,
    Person,
    ProjectPersonLink,
    Role,
    Software,
    Task,
    TaskStatus,
    TaskType,
)
from tests.conftest import PASSWORD, own_copy
from tests.production.test_production_routes import (
    UNKNOWN_ID,
    expect,
    footprint,
    ids,
)

ARTIST, SUPERVISOR, MANAGER = Role.ARTIST, Role.SUPERVISOR, Role.MANAGER
CLIENT, VENDOR, ADMIN = Role.CLIENT, Role.VENDOR, Role.ADMIN


def matrix(table: dict) -> list:
    """(role, inside, expected) params from `{role: (expected inside, expected outside)}`."""
    return [
        pytest.param(
            role,
            inside,
            expected[0 if inside else 1],
            id=f"{Role(role).name.lower()}-{'inside' if inside else 'outside'}",
        )
        for role, expected in table.items()
        for inside in (True, False)
    ]


# ---------------------------------------------------------------------------------------------
# The stage: our project (Big Buck Bunny) with an asset, a sequence, a shot and a task on each,
# and another project (Sintel) with the same names, whose team the callers are never in.


def populate(project, admin, asset_type, task_status) -> SimpleNamespace:
    asset = services.create_asset(
        project=project, asset_type=asset_type, name="Bunny", created_by=admin
    )
    sequence = services.create_temporal_entity(
        kind="Sequence", project=project, name="SQ01", created_by=admin
    )
    shot = services.create_temporal_entity(
        kind="Shot", project=project, name="SH010", parent=sequence, created_by=admin
    )

    def task_on(entity, task_type):
        return services.create_task(
            values={
                "name": "main",
                "project": project,
                "entity": entity,
                "task_type": task_type,
                "task_status": task_status,
            }
        )

    return SimpleNamespace(
        project=project,
        asset=asset,
        sequence=sequence,
        shot=shot,
        task=task_on(asset, TaskType.objects.get(name="Modeling")),
        shot_task=task_on(shot, TaskType.objects.get(name="Animation")),
    )


def build_stage() -> SimpleNamespace:
    """The stage, written once per module (see `module_transaction`); its people have e-mail
    addresses of their own, so the `make_person` of a test never takes one of them."""

    def person(email: str, role: str) -> Person:
        return Person.objects.create_user(
            email=email, password=PASSWORD, role=role, first_name=role.capitalize()
        )

    admin = person("stage-admin@studio.test", ADMIN)
    project = services.create_project(values={"name": "Big Buck Bunny", "fps": "24000/1001"})
    asset_type = EntityType.objects.get(name="Character")
    task_status = TaskStatus.objects.get(short_name="todo")
    ours = populate(project, admin, asset_type, task_status)
    sintel = services.create_project(values={"name": "Sintel"})
    ours.elsewhere = populate(sintel, admin, asset_type, task_status)
    ours.asset_type = asset_type
    ours.task_status = task_status
    ours.newcomer = person("stage-newcomer@studio.test", ARTIST)
    ours.member = person("stage-member@studio.test", ARTIST)
    ProjectPersonLink.objects.create(project=project, person=ours.member)
    ours.prop = services.create_asset(
        project=project,
        asset_type=EntityType.objects.get(name="Prop"),
        name="Carrot",
        created_by=admin,
    )
    project.task_statuses.add(task_status)
    return ours


@pytest.fixture(scope="module")
def shared_stage(module_transaction, django_db_blocker) -> SimpleNamespace:
    with django_db_blocker.unblock():
        return build_stage()


@pytest.fixture
def stage(shared_stage, db) -> SimpleNamespace:
    """This test's own copy of the module's stage."""
    return own_copy(shared_stage)


@pytest.fixture
def project(stage):
    """The stage's project: `add_to_team` adds people to it."""
    return stage.project


@pytest.fixture
def caller(make_person, add_to_team, client_for):
    """An API client for a new person of `role`, in the project's team when `inside`."""

    def make(role: str, inside: bool = True, project_role: str | None = None):
        person = make_person(role)
        if inside:
            add_to_team(person, project_role)
        client = client_for(person)
        client.person = person
        return client

    return make


def route(template: str, stage) -> str:
    return template.format(
        project=stage.project.id,
        asset=stage.asset.id,
        sequence=stage.sequence.id,
        shot=stage.shot.id,
        task=stage.task.id,
    )


def rows_of(response) -> list[dict]:
    body = response.json()
    return body["data"] if isinstance(body, dict) else body


# ---------------------------------------------------------------------------------------------
# Reads of one object

PROJECT_READ = {
    ARTIST: (200, 403),
    SUPERVISOR: (200, 403),
    MANAGER: (200, 403),
    CLIENT: (200, 403),
    VENDOR: (200, 403),
    ADMIN: (200, 200),
}
# Vendors only reach entities and tasks with a task assigned to them (none here).
ENTITY_READ = {**PROJECT_READ, VENDOR: (403, 403)}

PROJECT_ROUTES = [
    "/api/data/projects/{project}",
    "/api/data/projects/{project}/team",
    "/api/data/projects/{project}/assets",
    "/api/data/projects/{project}/sequences",
    "/api/data/projects/{project}/shots",
    "/api/data/projects/{project}/task-types",
    "/api/data/projects/{project}/asset-types",
    "/api/data/projects/{project}/task-status",
    "/api/data/projects/{project}/settings/task-status",
]
ENTITY_ROUTES = [
    "/api/data/assets/{asset}",
    "/api/data/entities/{asset}",
    "/api/data/assets/{asset}/tasks",
    "/api/data/assets/{asset}/asset-asset-instances",
    "/api/data/shots/{shot}",
    "/api/data/entities/{shot}",
    "/api/data/sequences/{sequence}",
    "/api/data/tasks/{task}",
    "/api/data/tasks/{task}/full",
    "/api/data/tasks/{task}/comments",
]


@pytest.mark.parametrize("template", PROJECT_ROUTES)
@pytest.mark.parametrize(("role", "inside", "status"), matrix(PROJECT_READ))
def test_reading_the_project(stage, caller, role, inside, status, template):
    expect(caller(role, inside).get(route(template, stage)), status)


@pytest.mark.parametrize("template", ENTITY_ROUTES)
@pytest.mark.parametrize(("role", "inside", "status"), matrix(ENTITY_READ))
def test_reading_entities_and_tasks(stage, caller, role, inside, status, template):
    expect(caller(role, inside).get(route(template, stage)), status)


@pytest.mark.parametrize("role", [ARTIST, SUPERVISOR, MANAGER, CLIENT, VENDOR, ADMIN])
def test_unknown_rows_are_not_found_whatever_the_role(stage, caller, role):
    """As in Zou, the lookup comes before the membership test: 404, not 403."""
    client = caller(role)
    for path in (
        f"/api/data/projects/{UNKNOWN_ID}",
        f"/api/data/projects/{UNKNOWN_ID}/team",
        f"/api/data/assets/{UNKNOWN_ID}",
        f"/api/data/tasks/{UNKNOWN_ID}/full",
    ):
        expect(client.get(path), 404)
    before = footprint()
    expect(client.post(f"/api/data/projects/{UNKNOWN_ID}/sequences", {"name": "SQ09"}), 404)
    assert footprint() == before


# ---------------------------------------------------------------------------------------------
# Listings: rows of a project one is not in never appear, whatever the filters say

# Whether the caller sees our project's rows.
PROJECT_VISIBLE = {
    ARTIST: (True, False),
    SUPERVISOR: (True, False),
    MANAGER: (True, False),
    CLIENT: (True, False),
    VENDOR: (True, False),
    ADMIN: (True, True),
}
ENTITY_VISIBLE = {**PROJECT_VISIBLE, VENDOR: (False, False)}

ENTITY_LISTINGS = [
    "/api/data/entities",
    "/api/data/assets",
    "/api/data/assets/all",
    "/api/data/sequences",
    "/api/data/shots",
    "/api/data/shots/all",
    "/api/data/tasks",
]


def listing_filters(stage) -> list[tuple[dict, bool]]:
    """(query, whether it may select our rows); Sintel's rows share our names. Keys that are
    not columns of the listed model are ignored, as in Zou (so `entity_id` may select ours)."""
    theirs = stage.elsewhere
    return [
        ({}, True),
        ({"project_id": str(stage.project.id)}, True),
        ({"relations": "true"}, True),
        ({"page": "1"}, True),
        ({"page": "1", "limit": "1000", "relations": "true"}, True),
        ({"project_id": str(theirs.project.id)}, False),
        ({"project_id": f'["{stage.project.id}", "{theirs.project.id}"]'}, True),
        ({"id": str(theirs.asset.id)}, False),
        ({"id": str(theirs.task.id)}, False),
        ({"entity_id": str(theirs.asset.id)}, True),
        ({"name": "Bunny"}, True),
        ({"name": "main"}, True),
        ({"entity_type_id": str(stage.asset_type.id)}, True),
    ]


@pytest.mark.parametrize("path", ENTITY_LISTINGS)
@pytest.mark.parametrize(("role", "inside", "visible"), matrix(ENTITY_VISIBLE))
def test_entity_and_task_listings(stage, caller, role, inside, visible, path):
    client = caller(role, inside)
    ours, theirs = str(stage.project.id), str(stage.elsewhere.project.id)
    saw_ours = False
    for query, selects_ours in listing_filters(stage):
        response = client.get(path, query)
        assert response.status_code == 200, (query, response.content)
        projects = {row["project_id"] for row in rows_of(response)}
        if role != ADMIN:
            assert theirs not in projects, query
        if not (visible and selects_ours):
            assert ours not in projects, query
        saw_ours |= ours in projects
    # Whoever may see our rows does see them (the unfiltered listing at least).
    assert saw_ours == visible


@pytest.mark.parametrize("path", ["/api/data/projects", "/api/data/projects/open"])
@pytest.mark.parametrize(("role", "inside", "visible"), matrix(PROJECT_VISIBLE))
def test_project_listings(stage, caller, role, inside, visible, path):
    client = caller(role, inside)
    theirs = stage.elsewhere.project
    for query in ({}, {"name": theirs.name}, {"id": str(theirs.id)}, {"page": "1"}):
        response = client.get(path, query)
        assert response.status_code == 200
        assert (str(theirs.id) in {row["id"] for row in rows_of(response)}) == (role == ADMIN)
    names = {row["name"] for row in client.get(path).json()}
    assert (stage.project.name in names) == visible


def test_vendor_sees_only_what_is_assigned_to_them(stage, caller):
    client = caller(VENDOR)
    stage.task.assignees.add(client.person)

    for template in ("/api/data/assets/{asset}", "/api/data/entities/{asset}"):
        expect(client.get(route(template, stage)), 200)
    for template in ("/api/data/tasks/{task}", "/api/data/tasks/{task}/full"):
        expect(client.get(route(template, stage)), 200)
    expect(client.get(f"/api/data/tasks/{stage.shot_task.id}"), 403)
    expect(client.get(route("/api/data/shots/{shot}", stage)), 403)

    assert ids(client.get("/api/data/entities").json()) == [str(stage.asset.id)]
    assert ids(client.get("/api/data/tasks").json()) == [str(stage.task.id)]
    assert client.get("/api/data/shots/all").json() == []
    asset_tasks = client.get(route("/api/data/assets/{asset}/tasks", stage)).json()
    assert ids(asset_tasks) == [str(stage.task.id)]


# ---------------------------------------------------------------------------------------------
# Production writes: admins and the project's managers

# Whether the role may write the project's production data (inside, outside the team).
PRODUCTION_WRITE = {
    ARTIST: (False, False),
    SUPERVISOR: (False, False),
    MANAGER: (True, False),
    CLIENT: (False, False),
    VENDOR: (False, False),
    ADMIN: (True, True),
}


def _task_type(name: str) -> str:
    return str(TaskType.objects.get(name=name).id)


# kind → stage → (method, path, body, status when allowed)
WRITES = {
    "create asset": lambda s: (
        "post",
        f"/api/data/projects/{s.project.id}/asset-types/{s.asset_type.id}/assets/new",
        {"name": "Tree", "data": {}, "is_shared": False},
        201,
    ),
    "create sequence": lambda s: (
        "post",
        f"/api/data/projects/{s.project.id}/sequences",
        {"name": "SQ02"},
        201,
    ),
    "create shot": lambda s: (
        "post",
        f"/api/data/projects/{s.project.id}/shots",
        {"name": "SH020", "sequence_id": str(s.sequence.id), "data": {"frame_in": 1}},
        201,
    ),
    "create task": lambda s: (
        "post",
        "/api/data/tasks",
        {
            "project_id": str(s.project.id),
            "entity_id": str(s.asset.id),
            "task_type_id": _task_type("Shading"),
            "task_status_id": str(s.task_status.id),
            "assignees": [],
            "name": "main",
        },
        201,
    ),
    "add team member": lambda s: (
        "post",
        f"/api/data/projects/{s.project.id}/team",
        {"person_id": str(s.newcomer.id)},
        201,
    ),
    "remove team member": lambda s: (
        "delete",
        f"/api/data/projects/{s.project.id}/team/{s.member.id}",
        None,
        204,
    ),
    "add asset type": lambda s: (
        "post",
        f"/api/data/projects/{s.project.id}/settings/asset-types",
        {"asset_type_id": str(s.prop.entity_type_id)},
        201,
    ),
    "add task type": lambda s: (
        "post",
        f"/api/data/projects/{s.project.id}/settings/task-types",
        {"task_type_id": _task_type("Layout"), "priority": 2},
        201,
    ),
    "remove task status": lambda s: (
        "delete",
        f"/api/data/projects/{s.project.id}/settings/task-status/{s.task_status.id}",
        None,
        204,
    ),
    "delete asset": lambda s: ("delete", f"/api/data/assets/{s.asset.id}?force=true", None, 204),
    "instantiate asset": lambda s: (
        "post",
        f"/api/data/assets/{s.asset.id}/asset-asset-instances",
        {"asset_to_instantiate_id": str(s.prop.id)},
        201,
    ),
}


def check_write(client, stage, kind: str, allowed: bool) -> None:
    method, path, body, success = WRITES[kind](stage)
    before = footprint()
    expect(getattr(client, method)(path, body, format="json"), success if allowed else 403)
    if allowed:
        assert footprint() != before
    else:
        assert footprint() == before  # nothing written on a refusal


@pytest.mark.parametrize("kind", WRITES)
@pytest.mark.parametrize(("role", "inside", "allowed"), matrix(PRODUCTION_WRITE))
def test_production_writes(stage, caller, role, inside, allowed, kind):
    check_write(caller(role, inside), stage, kind, allowed)


# A team member's project role overrides the global role; `admin` cannot be given per project.
ROLE_OVERRIDES = [
    pytest.param(ARTIST, MANAGER, True, id="artist-as-manager"),
    pytest.param(SUPERVISOR, MANAGER, True, id="supervisor-as-manager"),
    pytest.param(MANAGER, ARTIST, False, id="manager-as-artist"),
    pytest.param(MANAGER, SUPERVISOR, False, id="manager-as-supervisor"),
    pytest.param(MANAGER, CLIENT, False, id="manager-as-client"),
    pytest.param(ARTIST, ADMIN, False, id="artist-as-admin-ignored"),
    pytest.param(MANAGER, ADMIN, True, id="manager-as-admin-ignored"),
    pytest.param(ADMIN, ARTIST, True, id="admin-is-global"),
]


@pytest.mark.parametrize("kind", WRITES)
@pytest.mark.parametrize(("role", "project_role", "allowed"), ROLE_OVERRIDES)
def test_project_role_overrides(stage, caller, role, project_role, allowed, kind):
    check_write(caller(role, project_role=project_role), stage, kind, allowed)


def test_manager_of_another_project_cannot_write_here(stage, caller, add_to_team):
    client = caller(MANAGER, inside=False)
    add_to_team(client.person, to=stage.elsewhere.project)
    for kind in WRITES:
        check_write(client, stage, kind, allowed=False)


# ---------------------------------------------------------------------------------------------
# Reference data: admins only (gazu's recorded run: 403 for a non-admin creating software)

REFERENCE_WRITE = {
    ARTIST: (403, 403),
    SUPERVISOR: (403, 403),
    MANAGER: (403, 403),
    CLIENT: (403, 403),
    VENDOR: (403, 403),
    ADMIN: (201, 201),
}
# collection → (model, body, the key that names the new row)
REFERENCE_BODIES = {
    "softwares": (
        Software,
        {"name": "3dsMax", "short_name": "max", "file_extension": ".max"},
        "name",
    ),
    "task-types": (
        TaskType,
        {"name": "Grooming", "color": "#000000", "for_entity": "Asset"},
        "name",
    ),
    "task-status": (
        TaskStatus,
        {"name": "Blocked", "short_name": "blk", "color": "#FF0000"},
        "short_name",
    ),
    "entity-types": (EntityType, {"name": "Vehicle"}, "name"),
    "output-types": (OutputType, {"name": "Cache", "short_name": "abc"}, "name"),
    "file-status": (FileStatus, {"name": "Approved", "color": "#00FF00"}, "name"),
    "persons": (
        Person,
        {"first_name": "Jane", "last_name": "Doe", "email": "jane@studio.test", "role": "user"},
        "email",
    ),
}


@pytest.mark.parametrize("collection", REFERENCE_BODIES)
@pytest.mark.parametrize(("role", "inside", "status"), matrix(REFERENCE_WRITE))
def test_reference_data_writes(stage, caller, role, inside, status, collection):
    """Non-admins are refused even as the project's managers."""
    model, body, key = REFERENCE_BODIES[collection]
    client = caller(role, inside, project_role=None if role == ADMIN else MANAGER)
    before = model.objects.count()
    response = client.post(f"/api/data/{collection}", body, format="json")
    expect(response, status)
    assert model.objects.filter(**{key: body[key]}).exists() == (status == 201)
    assert model.objects.count() == before + (status == 201)
    if status == 201:
        assert response.json()[key] == body[key]


# ---------------------------------------------------------------------------------------------
# Anonymous calls

ANONYMOUS_CALLS = [
    ("get", "/api/data/projects", None),
    ("get", "/api/data/projects/{project}", None),
    ("get", "/api/data/assets/{asset}", None),
    ("get", "/api/data/assets/all", None),
    ("get", "/api/data/tasks/{task}/full", None),
    ("post", "/api/data/projects/{project}/sequences", {"name": "SQ02"}),
    ("post", "/api/data/softwares", {"name": "Maya", "short_name": "ma", "file_extension": "ma"}),
    ("post", "/api/actions/tasks/{task}/comment", {"task_status_id": "x", "comment": "hi"}),
]


@pytest.mark.parametrize(("method", "template", "body"), ANONYMOUS_CALLS)
def test_anonymous_calls_are_refused_with_401(stage, client_for, method, template, body):
    before = footprint(), Comment.objects.count(), Software.objects.count()
    response = getattr(client_for(None), method)(route(template, stage), body, format="json")
    assert response.status_code == 401
    assert list(response.json()) == ["msg"]
    assert (footprint(), Comment.objects.count(), Software.objects.count()) == before


# ---------------------------------------------------------------------------------------------
# Commenting

COMMENT = {
    ARTIST: (201, 403),
    SUPERVISOR: (201, 403),
    MANAGER: (201, 403),
    CLIENT: (201, 403),
    VENDOR: (403, 403),  # not assigned to the task
    ADMIN: (201, 201),
}


def comment(client, task, task_status, status: int) -> None:
    before = Comment.objects.count()
    previous_status = Task.objects.get(pk=task.pk).task_status_id
    response = client.post(
        f"/api/actions/tasks/{task.id}/comment",
        {"task_status_id": str(task_status.id), "comment": "Looks good"},
        format="json",
    )
    expect(response, status)
    task.refresh_from_db()
    if status == 201:
        assert response.json()["person_id"] == str(client.person.id)
        assert task.task_status_id == task_status.pk
    else:
        assert Comment.objects.count() == before
        assert task.task_status_id == previous_status


@pytest.fixture
def wip(default_data) -> TaskStatus:
    return TaskStatus.objects.get(short_name="wip")


@pytest.mark.parametrize(("role", "inside", "status"), matrix(COMMENT))
def test_commenting(stage, caller, wip, role, inside, status):
    comment(caller(role, inside), stage.task, wip, status)


def test_vendor_comments_only_on_tasks_assigned_to_them(stage, caller, wip):
    client = caller(VENDOR)
    stage.task.assignees.add(client.person)
    comment(client, stage.task, wip, 201)
    comment(client, stage.shot_task, wip, 403)


@pytest.fixture
def restricted_statuses(default_data) -> dict[str, TaskStatus]:
    return {
        "not for artists": TaskStatus.objects.create(
            name="Approved", short_name="app", color="#00FF00", is_artist_allowed=False
        ),
        "not for clients": TaskStatus.objects.create(
            name="Client Review", short_name="crv", color="#0000FF", is_client_allowed=False
        ),
    }


# (global role, project role) → status when setting (not-for-artists, not-for-clients).
STATUS_RIGHTS = [
    pytest.param(ARTIST, None, (403, 201), id="artist"),
    pytest.param(CLIENT, None, (201, 403), id="client"),
    pytest.param(SUPERVISOR, None, (201, 201), id="supervisor"),
    pytest.param(MANAGER, None, (201, 201), id="manager"),
    pytest.param(ADMIN, None, (201, 201), id="admin"),
    pytest.param(MANAGER, ARTIST, (403, 201), id="manager-as-artist"),
    pytest.param(ARTIST, CLIENT, (201, 403), id="artist-as-client"),
    pytest.param(ARTIST, SUPERVISOR, (201, 201), id="artist-as-supervisor"),
]


@pytest.mark.parametrize(("role", "project_role", "statuses"), STATUS_RIGHTS)
def test_status_a_role_may_set(stage, caller, restricted_statuses, role, project_role, statuses):
    client = caller(role, project_role=project_role)
    for task_status, status in zip(restricted_statuses.values(), statuses, strict=True):
        comment(client, stage.task, task_status, status)


def test_managers_cannot_reach_into_another_project_through_a_body(stage, caller):
    """A task of our project on Sintel's asset, a shot under Sintel's sequence: refused."""
    client = caller(MANAGER)
    theirs = stage.elsewhere
    path, body = WRITES["create task"](stage)[1:3]
    before = footprint()
    expect(client.post(path, {**body, "entity_id": str(theirs.asset.id)}, format="json"), 400)
    expect(client.post(path, {**body, "project_id": str(theirs.project.id)}, format="json"), 403)
    path, body = WRITES["create shot"](stage)[1:3]
    expect(client.post(path, {**body, "sequence_id": str(theirs.sequence.id)}, format="json"), 404)
    path = f"/api/data/assets/{stage.asset.id}/asset-asset-instances"
    expect(client.post(path, {"asset_to_instantiate_id": str(theirs.asset.id)}, format="json"), 400)
    assert footprint() == before
