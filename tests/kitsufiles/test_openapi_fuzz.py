"""schemathesis over the OpenAPI document (/api/openapi.json): every operation, as an admin and
as an artist of one project, then the stateful links (create a row, then use it), in-process
through Django's WSGI handler on the test database. No answer may be a server error.

What it checks (`CHECKS`): no 5xx (an exception the app does not turn into an answer fails the
example with its traceback: DEBUG_PROPAGATE_EXCEPTIONS); a success answers a status and media
type the document gives for the route; every other answer is Zou's JSON error body; along the
links, a row just created can be read and a row just deleted cannot. Bodies of successes are
documented as JSON of any shape (Zou's rows are not DRF serializers), so checking them against
the schema would check nothing and is left out; so is schemathesis' `status_code_conformance`
for errors, as the document lists no error statuses.

Path parameters and the ids in bodies and list filters are drawn mostly from the rows of a
seeded production (`World`), so that requests reach the code behind the 404s; the rest is left
to schemathesis.

Budget (docs/architecture.md#tests): FUZZ_EXAMPLES examples per operation and role, and
FUZZ_STATEFUL_RUNS scenarios of at most FUZZ_STATEFUL_STEPS steps; derandomized, so CI runs the
same requests each time. Raise them to look harder, e.g. `FUZZ_EXAMPLES=200 FUZZ_RANDOM=1`.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.wsgi import get_wsgi_application
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.test.utils import override_settings
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    status_code_conformance,
    use_after_free,
)

from file_trees.shipped import shipped_tree
from kitsufiles.api.authentication import issue_tokens
from kitsufiles.api.schema import PARAMETER_KINDS as LINKED_PARAMETER_KINDS
from output_files.models import OutputFile
from previews.jobs import process_preview
from previews.models import PreviewBackgroundFile, PreviewFile, PreviewStatus
from production import services
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
from tests.conftest import PASSWORD
from tests.cosmos import build_cosmos
from tests.previews.clips import make_counting_clip
from tests.previews.helpers import png_bytes
from working_files.models import WorkingFile

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
ARTIST_EXAMPLES = int(os.environ.get("FUZZ_ARTIST_EXAMPLES", str(max(EXAMPLES // 2, 1))))
STATEFUL_RUNS = int(os.environ.get("FUZZ_STATEFUL_RUNS", "16"))
STATEFUL_STEPS = int(os.environ.get("FUZZ_STATEFUL_STEPS", "6"))
RANDOM = os.environ.get("FUZZ_RANDOM", "") not in ("", "0")
# FUZZ_REPORT=<file>: each process appends one JSON line per answer (operation, status), to
# see what the fuzz reached.
REPORT = os.environ.get("FUZZ_REPORT")


def hypothesis_settings(max_examples: int, **more) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=not RANDOM,
        database=None,  # no example database: each run is the same run
        # No shrinking: a failure is reported as found, with its traceback and curl line.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        **more,
    )


# ---------------------------------------------------------------------------------------------
# The application, in-process


# A tus chunk (resumable uploads, docs/resumable-uploads.md) is raw bytes, as a file is.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")


HANDLER = get_wsgi_application()


def APP(environ, start_response):
    """Django's WSGI handler, except that the database connection stays open: the handler
    closes it at the start and end of each request, and the test's transaction lives on it
    (Django's test client does the same). The answer is read whole before it is closed.

    Each request runs in a savepoint. A database error the API answers with a 400 (a value a
    column cannot hold, kitsufiles/api/errors.py) ends a request's statement, not the server
    in production, where requests run in autocommit; inside the test's transaction it would
    abort every later query. So the savepoint is rolled back then, and the request noted in
    the FUZZ_REPORT ("database_error")."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # (Loading the document at import time runs outside any transaction.)
    savepoint = transaction.savepoint() if connection.in_atomic_block else None
    try:
        response = HANDLER(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            response.close()
    finally:
        try:
            if savepoint is not None:
                transaction.savepoint_commit(savepoint)
        except DatabaseError:
            transaction.savepoint_rollback(savepoint)
            _note({"database_error": environ["REQUEST_METHOD"] + " " + environ["PATH_INFO"]})
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _note(line: dict) -> None:
    if REPORT:
        with open(REPORT, "a") as report:
            report.write(json.dumps(line) + "\n")


CONFIG = schemathesis.Config.from_dict(
    {
        # Valid and invalid input. Requests without the token are left to the auth tests
        # (tests/kitsufiles/test_auth*.py): here they would be a quarter of the budget.
        "generation": {"mode": "all", "with-security-parameters": False},
        # The coverage phase sends dozens of boundary cases per operation: over budget here;
        # FUZZ_EXAMPLES covers more ground per second. The examples phase has no examples.
        "phases": {"coverage": {"enabled": False}, "examples": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", APP, config=CONFIG)


# ---------------------------------------------------------------------------------------------
# Checks


def success_as_documented(ctx, response, case):
    """A success answers a status and a media type the document gives for the route."""
    if 200 <= response.status_code < 300:
        status_code_conformance(ctx, response, case)
        content_type_conformance(ctx, response, case)
    return None


def errors_are_zou_json(ctx, response, case):
    """A refusal is one of Zou's JSON error bodies: an object with a `message` or an `error`
    (its routes), or a `msg` (its token checks, flask-jwt-extended's)."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered as {content_type!r}"
    )
    body = json.loads(response.content)
    assert isinstance(body, dict) and body.keys() & {"message", "error", "msg"}, body
    return None


CHECKS = [not_a_server_error, success_as_documented, errors_are_zou_json]
# Along the links: a row just created can be read, a row just deleted cannot.
STATEFUL_CHECKS = [*CHECKS, use_after_free, ensure_resource_availability]


# ---------------------------------------------------------------------------------------------
# The production the requests are about


@dataclass
class World:
    admin_token: str
    artist_token: str
    # Row ids by what a path parameter or a body key names ("tasks", "entity-types", ...).
    ids: dict[str, list[str]] = field(default_factory=dict)
    # Path parameters that go together (a comment and its task...), by their sorted names.
    together: dict[tuple[str, ...], list[dict[str, str]]] = field(default_factory=dict)

    def pool(self, kind: str | None) -> list[str]:
        return self.ids.get(kind or "", []) or self.ids["all"]


WORLD: World | None = None  # set by the `world` fixture, read by the hooks below


def _ids(queryset) -> list[str]:
    return sorted(str(pk) for pk in queryset.values_list("pk", flat=True))


def _seed(admin: Person, artist: Person) -> None:
    """A production with a file of every kind, built through the API like a studio would."""
    cosmos = build_cosmos(admin)
    ProjectPersonLink.objects.create(project=cosmos.project, person=artist)
    for task in (cosmos.asset_task, cosmos.shot_task):
        task.assignees.add(artist)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_tokens(admin)[0]}")

    def ok(response, status=201):
        assert response.status_code == status, response.content
        return response.json()

    task = cosmos.asset_task
    working = ok(
        client.post(
            f"/api/data/tasks/{task.pk}/working-files/new",
            {"name": "main", "software_id": str(cosmos.blender.pk)},
            format="json",
        )
    )
    ok(
        client.post(
            f"/api/data/working-files/{working['id']}/file",
            {"file": _named("tree.blend", b"blender bytes" * 100)},
            format="multipart",
        )
    )
    ok(
        client.post(
            f"/api/data/entities/{cosmos.tree.pk}/output-files/new",
            {
                "output_type_id": str(cosmos.texture.pk),
                "task_type_id": str(cosmos.shaders.pk),
                "working_file_id": working["id"],
            },
            format="json",
        )
    )
    ok(
        client.post(
            f"/api/data/asset-instances/{cosmos.shot_instance.pk}/entities/{cosmos.shot.pk}"
            "/output-files/new",
            {"output_type_id": str(cosmos.cache.pk), "task_type_id": str(cosmos.animation.pk)},
            format="json",
        )
    )
    status = TaskStatus.objects.get(is_default=True)
    comment = ok(
        client.post(
            f"/api/actions/tasks/{task.pk}/comment",
            {"task_status_id": str(status.pk), "comment": "first pass"},
            format="json",
        )
    )
    slot = f"/api/actions/tasks/{task.pk}/comments/{comment['id']}/add-preview"
    picture = ok(client.post(slot, {}, format="json"))
    ok(
        client.post(
            f"/api/pictures/preview-files/{picture['id']}?no_job=true",
            {"file": _named("tree.png", png_bytes())},
            format="multipart",
        )
    )
    ok(client.post(slot, {}, format="json"))  # an empty slot
    # A movie, processed here (its job would be queued when the module's transaction commits,
    # which it never does), so that extract-frame, extract-tile and the annotated frames meet
    # ffmpeg and a real movie.
    cosmos.project.resolution = "320x180"
    cosmos.project.save(update_fields=["resolution"])
    movie = ok(client.post(slot, {}, format="json"))
    with tempfile.TemporaryDirectory() as folder:
        clip = make_counting_clip(Path(folder) / "shot.mp4", frames=12).read_bytes()
    ok(
        client.post(
            f"/api/pictures/preview-files/{movie['id']}",
            {"file": _named("shot.mp4", clip)},
            format="multipart",
        )
    )
    attempt = PreviewFile.objects.get(pk=movie["id"]).attempts + 1
    process_preview(movie["id"], attempt)
    processed = PreviewFile.objects.get(pk=movie["id"])
    assert processed.status == PreviewStatus.READY, processed.broken_reason
    ok(
        client.post(
            f"/api/actions/tasks/{cosmos.shot_task.pk}/batch-comment",
            {
                "comments": json.dumps([{"task_status_id": str(status.pk), "text": "notes"}]),
                "attachment_file-0-0": _named("notes.txt", b"notes"),
            },
            format="multipart",
        )
    )
    for kind, name in (("Edit", "Trailer"), ("Concept", "Mood")):
        ok(
            client.post(
                f"/api/data/projects/{cosmos.project.pk}/{kind.lower()}s",
                {"name": name},
                format="json",
            )
        )
    # A preview background file with its picture, offered by the production.
    background = ok(
        client.post("/api/data/preview-background-files", {"name": "Studio"}, format="json")
    )
    ok(
        client.post(
            f"/api/pictures/preview-background-files/{background['id']}",
            {"file": _named("studio.png", png_bytes())},
            format="multipart",
        )
    )
    ok(
        client.post(
            f"/api/data/projects/{cosmos.project.pk}/settings/preview-background-files",
            {"preview_background_file_id": background["id"]},
            format="json",
        )
    )
    # Another production, that the artist is not part of.
    sintel = services.create_project(values={"name": "Sintel", "file_tree": shipped_tree("simple")})
    dragon = services.create_asset(
        project=sintel,
        asset_type=EntityType.objects.get(name="Character"),
        name="Dragon",
        created_by=admin,
    )
    sintel_task = services.create_task(
        values={
            "name": "main",
            "project": sintel,
            "entity": dragon,
            "task_type": cosmos.shaders,
            "task_status": status,
        }
    )
    elsewhere = ok(
        client.post(
            f"/api/data/tasks/{sintel_task.pk}/working-files/new", {"name": "main"}, format="json"
        )
    )
    ok(
        client.post(
            f"/api/data/working-files/{elsewhere['id']}/file",
            {"file": _named("dragon.blend", b"dragon bytes")},
            format="multipart",
        )
    )


def _named(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _together() -> dict[tuple[str, ...], list[dict[str, str]]]:
    """Path parameters that only mean something together, as rows pair them."""

    def rows(queryset, **names):
        values = queryset.values_list(*names.values())
        return sorted(
            ({name: str(value) for name, value in zip(names, row, strict=True)} for row in values),
            key=lambda row: sorted(row.items()),
        )

    comments = Comment.objects.filter(object_type="Task")
    previews = PreviewFile.comments.through.objects.filter(previewfile__task__isnull=False)
    return {
        ("comment_id", "task_id"): rows(comments, task_id="object_id", comment_id="pk"),
        ("comment_id", "preview_id", "task_id"): rows(
            previews,
            task_id="previewfile__task_id",
            comment_id="comment_id",
            preview_id="previewfile_id",
        ),
        ("instance_id", "temporal_entity_id"): rows(
            AssetInstance.objects.filter(scene__isnull=False),
            instance_id="pk",
            temporal_entity_id="scene_id",
        ),
        ("asset_type_id", "project_id"): rows(
            Entity.objects.filter(project__isnull=False).exclude(
                entity_type__name__in=["Shot", "Sequence", "Episode", "Scene", "Edit", "Concept"]
            ),
            project_id="project_id",
            asset_type_id="entity_type_id",
        ),
        ("person_id", "project_id"): rows(
            ProjectPersonLink.objects.all(), project_id="project_id", person_id="person_id"
        ),
    }


def _collect_ids() -> dict[str, list[str]]:
    ids = {
        "asset-instances": _ids(AssetInstance.objects.all()),
        "attachment-files": _ids(AttachmentFile.objects.all()),
        "comments": _ids(Comment.objects.all()),
        "departments": _ids(Department.objects.all()),
        "entities": _ids(Entity.objects.all()),
        "entity-types": _ids(EntityType.objects.all()),
        "file-status": _ids(FileStatus.objects.all()),
        "organisations": _ids(Organisation.objects.all()),
        "output-files": _ids(OutputFile.objects.all()),
        "output-types": _ids(OutputType.objects.all()),
        "persons": _ids(Person.objects.all()),
        "preview-files": _ids(PreviewFile.objects.all()),
        "preview-background-files": _ids(PreviewBackgroundFile.objects.all()),
        "project-status": _ids(ProjectStatus.objects.all()),
        "projects": _ids(Project.objects.all()),
        "softwares": _ids(Software.objects.all()),
        "task-status": _ids(TaskStatus.objects.all()),
        "task-types": _ids(TaskType.objects.all()),
        "tasks": _ids(Task.objects.all()),
        "working-files": _ids(WorkingFile.objects.all()),
    }
    kinds = {"assets": None, "shots": "Shot", "sequences": "Sequence", "episodes": "Episode"}
    kinds |= {"scenes": "Scene", "edits": "Edit", "concepts": "Concept"}
    temporal = Entity.objects.filter(entity_type__name__in=[k for k in kinds.values() if k])
    for collection, type_name in kinds.items():
        entities = (
            Entity.objects.exclude(pk__in=temporal.values("pk"))
            if type_name is None
            else Entity.objects.filter(entity_type__name=type_name)
        )
        ids[collection] = _ids(entities)
    ids["all"] = sorted({pk for values in ids.values() for pk in values})
    return ids


@pytest.fixture(scope="module")
def storage_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz-storage")


@pytest.fixture(scope="module")
def module_storages(storage_root):
    """File and preview storage for the whole module: the seeded files stay readable."""
    files, previews = storage_root / "files", storage_root / "previews"
    with override_settings(
        FS_ROOT=files,
        PREVIEW_FOLDER=previews,
        PREVIEW_WORK_DIR=previews / ".work",
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            "files": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(files)},
            },
            "previews": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(previews)},
            },
        },
        # A 500 raises where it happens, so the failure shows the traceback.
        DEBUG_PROPAGATE_EXCEPTIONS=True,
    ):
        yield


@pytest.fixture
def preview_storage(module_storages, storage_root):
    """Overrides tests/conftest.py's per-test folder: the module's storage is used."""
    return storage_root / "previews"


@pytest.fixture(scope="module")
def world(module_transaction, module_storages, django_db_blocker) -> World:
    global WORLD
    with django_db_blocker.unblock():
        admin = Person.objects.create_user(
            email="fuzz-admin@studio.test", password=PASSWORD, role=Role.ADMIN
        )
        artist = Person.objects.create_user(
            email="fuzz-artist@studio.test", password=PASSWORD, role=Role.ARTIST
        )
        _seed(admin, artist)
        WORLD = World(
            admin_token=issue_tokens(admin)[0],
            artist_token=issue_tokens(artist)[0],
            ids=_collect_ids(),
            together=_together(),
        )
    try:
        yield WORLD
    finally:
        WORLD = None


# ---------------------------------------------------------------------------------------------
# Real ids where schemathesis would invent them

# Path parameters that name a row, by name (`instance_id` and `entity_id` are read from the
# path: data/<collection>/{instance_id}): those the document's links know, plus the temporal
# entity, which no answer creates along a link but the world has.
PARAMETER_KINDS = {**LINKED_PARAMETER_KINDS, "temporal_entity_id": "entities"}
SETTING_KINDS = {"asset-types": "entity-types", "task-types": "task-types"}
SETTING_KINDS |= {"task-status": "task-status"}
# Body keys that name a row (the column without `_id`, or a many-to-many).
BODY_KINDS = {
    "project": "projects",
    "task": "tasks",
    "entity": "entities",
    "parent": "entities",
    "source": "entities",
    "asset": "entities",
    "target_asset": "entities",
    "scene": "entities",
    "temporal_entity": "entities",
    "object": "tasks",
    "task_type": "task-types",
    "task_status": "task-status",
    "person": "persons",
    "author": "persons",
    "assigner": "persons",
    "software": "softwares",
    "output_type": "output-types",
    "file_status": "file-status",
    "working_file": "working-files",
    "output_file": "output-files",
    "preview_file": "preview-files",
    "preview_background_file": "preview-background-files",
    "default_preview_background_file": "preview-background-files",
    "comment": "comments",
    "department": "departments",
    "entity_type": "entity-types",
    "asset_type": "entity-types",
    "project_status": "project-status",
    "asset_instance": "asset-instances",
    "team": "persons",
    "assignees": "persons",
    "asset_types": "entity-types",
    "task_types": "task-types",
    "task_statuses": "task-status",
    "previews": "preview-files",
    "attachment_files": "attachment-files",
    "mentions": "persons",
    "departments": "departments",
    "entities_out": "entities",
    "instance_casting": "entities",
}
EXTENSIONS = ["png", "PNG", "pdf", "mp4", "glb", "exe", "hdr"]


def _real_or(kind: str | None, generated):
    """A real id of `kind`, or (as often as any one of them) what schemathesis generated: an
    invented id only ever meets the 404 of the first lookup."""
    assert WORLD is not None, "the `world` fixture seeds the production first"
    return st.sampled_from([*WORLD.pool(kind), generated])


def _path_kind(path: str, name: str) -> str | None:
    if name in ("instance_id", "entity_id"):
        segments = path.strip("/").split("/")
        marker = "{" + name + "}"
        if marker in segments:
            index = segments.index(marker)
            if index >= 2 and segments[index - 2] == "data":
                return segments[index - 1]
        return "entities"
    if name == "object_id":  # data/projects/{project_id}/settings/<setting>/{object_id}
        return SETTING_KINDS.get(path.strip("/").split("/")[-2])
    return PARAMETER_KINDS.get(name)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    path = context.operation.path
    drawn = {}
    for name, value in path_parameters.items():
        if name == "extension":
            drawn[name] = st.sampled_from([*EXTENSIONS, value])
        else:
            drawn[name] = _real_or(_path_kind(path, name), value)
    each_alone = st.fixed_dictionaries(drawn)
    assert WORLD is not None
    pairs = WORLD.together.get(tuple(sorted(path_parameters)))
    if not pairs:
        return each_alone
    # Mostly parameters that belong together (a comment of that task); else drawn apart.
    together = st.sampled_from(pairs).map(lambda pair: {**path_parameters, **pair})
    return st.one_of(together, together, each_alone)


def _body_kind(key: str) -> str | None:
    return BODY_KINDS.get(key.removesuffix("_id"))


@schema.hook
def flatmap_body(context, body):
    if not isinstance(body, dict):
        return st.just(body)
    drawn = {}
    for key, value in body.items():
        if not isinstance(key, str):
            drawn[key] = st.just(value)
            continue
        kind = _body_kind(key)
        if key == "color":
            drawn[key] = st.sampled_from(["#00FF00", "#a1b2c3", value])
        elif key.endswith("_id") and (kind or isinstance(value, str | None)):
            drawn[key] = _real_or(kind, value)
        elif kind is not None and isinstance(value, list):
            assert WORLD is not None
            ids = st.lists(st.sampled_from(WORLD.pool(kind)), max_size=3, unique=True)
            drawn[key] = st.one_of(ids, st.just(value))
        else:
            drawn[key] = st.just(value)
    return st.fixed_dictionaries(drawn)


@schema.hook
def after_call(context, case, response):
    if REPORT:
        _note(
            {
                "operation": case.operation.label,
                "status": response.status_code,
                "path": case.formatted_path,
                "mode": str(case.meta.generation.mode) if case.meta else None,
                "phase": str(case.meta.phase.name) if case.meta else None,
                "answer": response.content[:200].decode(errors="replace"),
            }
        )


@schema.hook
def flatmap_query(context, query):
    # The list filters name rows the way bodies do (`?project_id=`).
    return flatmap_body(context, query)


# ---------------------------------------------------------------------------------------------
# Every operation, stateless


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@hypothesis_settings(EXAMPLES)
def test_no_operation_answers_a_server_error_to_an_admin(case, world, db):
    case.call_and_validate(headers=_bearer(world.admin_token), checks=CHECKS)


@schema.parametrize()
@hypothesis_settings(ARTIST_EXAMPLES)
def test_no_operation_answers_a_server_error_to_an_artist(case, world, db):
    case.call_and_validate(headers=_bearer(world.artist_token), checks=CHECKS)


# ---------------------------------------------------------------------------------------------
# Stateful: the document's links (create a row, then read, change, use or delete it)


class Workflow(schema.as_state_machine()):  # type: ignore[misc]
    """Each scenario starts from the seeded production: what one wrote is rolled back before
    the next (Hypothesis replays scenarios, and an answer that depended on an earlier
    scenario's rows would make its replay differ)."""

    token = ""

    def setup(self):
        self.savepoint = transaction.savepoint()

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    def get_call_kwargs(self, case):
        return {"headers": _bearer(self.token)}

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(
            response, checks=STATEFUL_CHECKS, transport_kwargs=kwargs, recorder=self.recorder
        )


@pytest.mark.parametrize("role", ["admin", "artist"])
def test_linked_operations_answer_no_server_error(role, world, db):
    Workflow.token = world.admin_token if role == "admin" else world.artist_token
    Workflow.run(
        settings=hypothesis_settings(
            STATEFUL_RUNS if role == "admin" else max(STATEFUL_RUNS // 2, 1),
            stateful_step_count=STATEFUL_STEPS,
        )
    )
