"""Every write route, walked with the rows of another project (issue 12: "a test module walks
every write route with a foreign key of another project, for each role").

Two productions, A and B, built once for the module with the same shape (assets, episode,
sequence, shots, tasks, a comment, previews, a working file, an output file, an asset instance,
an attachment). A's team holds one person of each role (manager, supervisor, artist, client,
vendor; the artist and the vendor are assigned to A's tasks); nobody of A is in B's team, and
the admin, whose role is global, only serves as the positive control.

`ROUTES` has one entry per write route (method and pattern as the URL resolver knows them):
how to make a valid request on A's rows, who of A's team may make it (the access table of
`production/permissions/__init__.py`), and every slot of the request (an id in the path, a
foreign key or a many-to-many list in the body) that can name a row of B. From it, for every
route:

- `test_write_route_on_own_rows`: the request on A's rows, for the admin and each role: a 2xx
  for those the access table lets in (so a refusal below comes from the slot, not from a
  malformed body), the role's refusal for the others, which then writes nothing;
- `test_write_route_with_a_row_of_another_project`: for each slot and each role, the same
  request with B's row in that slot: refused with the exact status of the slot's class, and
  nothing written (every row of every table, and the stored files, compared before and after).

The classes of refusal, and why each gets its status:

- 403: the caller lacks the rights the row needs where it would go (moving a row into B,
  naming B's task or entity as the row's place, acting on B's row through a path id). The
  same body is accepted from someone with rights in B (an admin), so it is a matter of rights,
  not of a malformed request (docs/compatibility.md#access-rules).
- 404: the route looks the row up among the rows of the URL's task or project (a comment or
  a preview of the task, the parent of a new shot, the episode of a new asset): a row of
  another task or project is not found there, as in Zou where it says so.
- 400: the body would link two productions whoever sends it (a task whose entity is in
  another project, a working file whose entity is not its task's project, an asset instance
  of another project's asset that is not shared): no rights make it valid
  (docs/compatibility.md#generic-crud-routes).
- ignored: the route does not read the slot (the body's `task_id` of a batch comment posted
  on the URL's task): the request succeeds and writes nothing that names a row of B.

Roles not allowed on A's rows get their 403 with B's row in a slot too, unless the slot says
otherwise (`denied`: a slot checked before the rights).

`EXCLUDED` lists the write routes with no slot that can name a project's row, with the
reason; `test_every_write_route_is_walked` fails on a write route under /api/ in neither
table, so a new route is walked (or explicitly excluded) from the day it is added. The admin
site (/admin/) is not walked: it is for admins only, who may write anywhere. `REFERENCES`
says, for every foreign key and many-to-many a CRUD body of a project's rows may carry, whether
it is walked as a slot or which rule holds for the global row it names (part 1's remaining
gap); `test_every_reference_in_a_crud_body_has_a_rule` fails on a new one.
"""

import base64
import io
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from PIL import Image
from rest_framework import serializers
from rest_framework.test import APIClient

from file_trees.shipped import shipped_tree
from kitsufiles.api.authentication import issue_tokens
from output_files.models import OutputFile
from previews.models import PreviewBackgroundFile, PreviewFile, PreviewStatus
from production import services
from production.models import (
    AttachmentFile,
    EntityType,
    FileStatus,
    OutputType,
    Person,
    ProjectPersonLink,
    Role,
    Software,
    TaskStatus,
    TaskType,
)
from tests.conftest import PASSWORD
from tests.zou_bodies import FORBIDDEN
from working_files.models import WorkingFile

WRITE_METHODS = ("post", "put", "patch", "delete")
ROLES = ("manager", "supervisor", "artist", "client", "vendor")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 1), (200, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()  # a project's picture

# Who of A's team may make a route's request on A's rows (the access table).
EVERYONE = frozenset(ROLES)
NOT_CLIENTS = EVERYONE - {"client"}  # Access.UPDATE, and choosing a main preview
MANAGERS = frozenset({"manager"})
ADMINS_ONLY: frozenset[str] = frozenset()
# An output file's update: managers, or a task on its (temporal) entity.
OUTPUT_HOLDERS = frozenset({"manager", "artist", "vendor"})
ANNOTATORS = frozenset({"manager", "supervisor", "client"})  # check_annotation_access
COMMENT_AUTHOR = frozenset({"artist"})  # A's comment is the artist's


# ---------------------------------------------------------------------------------------------
# The two productions


class Refs:
    """The ids of one production's rows by name (`refs.task`...), as strings. Global rows
    (types, statuses, people) have the same id on both sides: they are never a slot."""

    def __init__(self, ids: dict[str, str]):
        self.__dict__.update(ids)
        self.ids = ids

    def but(self, name: str, value: str) -> "Refs":
        return Refs({**self.ids, name: value})


@dataclass
class World:
    a: Refs
    b: Refs
    people: dict[str, Person]
    b_ids: frozenset[str]  # every row of B: an ignored slot must write none of them
    files: Path  # the `files` storage


def build_side(name: str, admin: Person, author: Person) -> dict[str, Any]:
    """One production: the rows its write routes act on, by name."""
    project = services.create_project(
        values={"name": name, "file_tree": shipped_tree("simple"), "production_type": "tvshow"}
    )
    ProjectPersonLink.objects.create(project=project, person=author)
    character = EntityType.objects.get(name="Character")
    prop = EntityType.objects.get(name="Prop")
    modeling = TaskType.objects.get(name="Modeling", for_entity="Asset")
    animation = TaskType.objects.get(name="Animation", for_entity="Shot")
    todo = TaskStatus.objects.get(short_name="todo")

    def asset(asset_name, asset_type=character):
        return services.create_asset(
            project=project, asset_type=asset_type, name=asset_name, created_by=admin
        )

    def temporal(kind, entity_name, parent=None):
        return services.create_temporal_entity(
            kind=kind, project=project, name=entity_name, parent=parent, created_by=admin
        )

    def task(entity, task_type, task_name="main"):
        return services.create_task(
            values={
                "name": task_name,
                "project": project,
                "entity": entity,
                "task_type": task_type,
                "task_status": todo,
            }
        )

    hero, sword = asset("Hero"), asset("Sword", prop)
    episode = temporal("Episode", "E01")
    sequence = temporal("Sequence", "S01", episode)
    shot = temporal("Shot", "P01", sequence)
    hero_task = task(hero, modeling)
    shot_task = task(shot, animation)
    spare_task = task(sword, modeling)  # nothing hangs on it: it can be deleted
    comment = services.create_comment(task=hero_task, task_status=todo, author=author)
    preview = PreviewFile.objects.create(
        name="v1",
        task=hero_task,
        revision=1,
        position=1,
        person=author,
        original_name="v1.png",
        extension="png",
        status=PreviewStatus.READY,
    )
    preview.comments.add(comment)
    empty_preview = PreviewFile.objects.create(name="v2", task=hero_task, revision=2)
    empty_preview.comments.add(comment)
    working_file = WorkingFile.objects.create(
        name="main", revision=1, task=hero_task, entity=hero, person=author, path="/x/main_v001"
    )
    output_file = OutputFile.objects.create(
        name="main",
        revision=1,
        entity=hero,
        file_status=FileStatus.objects.get(name="To review"),
        person=author,
    )
    instance = services.create_asset_instance(asset=hero, scene=shot)
    attachment = AttachmentFile.objects.create(
        name="notes.txt", extension="txt", mimetype="text/plain", comment=comment
    )
    # Leaves of each kind, without tasks or children: what the delete routes remove.
    spares = {
        "spare_asset": asset("Spare", prop),
        "spare_episode": temporal("Episode", "E99"),
        "spare_sequence": temporal("Sequence", "S99", episode),
        "spare_shot": temporal("Shot", "P99", sequence),
        "spare_scene": temporal("Scene", "SC99", sequence),
        "spare_edit": temporal("Edit", "ED99"),
        "spare_concept": temporal("Concept", "C99"),
    }
    return {
        "project": project,
        "asset": hero,
        "asset2": sword,
        "episode": episode,
        "sequence": sequence,
        "shot": shot,
        "task": hero_task,
        "shot_task": shot_task,
        "spare_task": spare_task,
        "comment": comment,
        "preview": preview,
        "empty_preview": empty_preview,
        "working_file": working_file,
        "output_file": output_file,
        "instance": instance,
        "attachment": attachment,
        **spares,
    }


def person(email: str, role: str) -> Person:
    return Person.objects.create_user(
        email=email, password=PASSWORD, role=role, first_name=role.capitalize()
    )


def build_world(files: Path) -> World:
    admin = person("walk-admin@studio.test", Role.ADMIN)
    people = {
        "admin": admin,
        "manager": person("walk-manager@studio.test", Role.MANAGER),
        "supervisor": person("walk-supervisor@studio.test", Role.SUPERVISOR),
        "artist": person("walk-artist@studio.test", Role.ARTIST),
        "client": person("walk-client@studio.test", Role.CLIENT),
        "vendor": person("walk-vendor@studio.test", Role.VENDOR),
    }
    a = build_side("Alpha", admin, people["artist"])
    b = build_side("Beta", admin, person("walk-beta@studio.test", Role.ARTIST))
    for role in ROLES:  # the artist is in already, as the author of A's rows
        ProjectPersonLink.objects.get_or_create(project=a["project"], person=people[role])
    for assignee in (people["artist"], people["vendor"]):
        a["task"].assignees.add(assignee)
        a["shot_task"].assignees.add(assignee)
    # Someone outside A's team (to add), someone in it (to remove); a closed production
    # nobody is in (only closed productions can be deleted).
    outsider = person("walk-outsider@studio.test", Role.ARTIST)
    member = person("walk-member@studio.test", Role.ARTIST)
    ProjectPersonLink.objects.create(project=a["project"], person=member)
    closed = services.create_project(
        values={
            "name": "Gamma",
            "project_status": services.ensure_project_status("Closed", "#000000"),
        }
    )
    common = {
        "todo": TaskStatus.objects.get(short_name="todo"),
        "modeling": TaskType.objects.get(name="Modeling", for_entity="Asset"),
        "animation": TaskType.objects.get(name="Animation", for_entity="Shot"),
        "character": EntityType.objects.get(name="Character"),
        "shot_type": EntityType.objects.get(name="Shot"),
        "geometry": OutputType.objects.create(name="Geometry", short_name="geo"),
        "file_status": FileStatus.objects.get(name="To review"),
        "blender": Software.objects.get_or_create(
            name="Blender", defaults={"short_name": "blender", "file_extension": ".blend"}
        )[0],
        "artist": people["artist"],
        # A global row (a preview background file): the same on both sides, never a slot.
        "background": PreviewBackgroundFile.objects.create(name="walk-background"),
        "outsider": outsider,
        "member": member,
    }

    def ids(rows: dict[str, Any]) -> dict[str, str]:
        return {key: str(row.pk) for key, row in rows.items()}

    b["project_to_delete"] = b["project"]
    return World(
        a=Refs(ids({**common, **a, "project_to_delete": closed})),
        b=Refs(ids({**common, **b})),
        people=people,
        b_ids=frozenset(ids(b).values()),
        files=files,
    )


@pytest.fixture(scope="module")
def world(module_transaction, django_db_blocker, tmp_path_factory):
    files = tmp_path_factory.mktemp("walk-files")
    storages = {
        "files": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(files)},
        }
    }
    with override_settings(FS_ROOT=files, STORAGES={**settings.STORAGES, **storages}):
        with django_db_blocker.unblock():
            built = build_world(files)
        yield built


# ---------------------------------------------------------------------------------------------
# The table of write routes


@dataclass(frozen=True)
class Call:
    path: str  # without /api/
    body: dict[str, Any] | None = None
    multipart: bool = False  # bytes values become file parts
    # A raw body (a tus chunk) sent with these headers instead of `body`.
    raw: bytes | None = None
    headers: dict[str, str] | None = None


def tus_creation(path: str, data: bytes, file_name: str) -> Call:
    """A resumable upload created with the whole file as its first chunk (tus
    creation-with-upload): it completes in the one request, as a multipart upload does."""
    name = base64.b64encode(file_name.encode()).decode()
    headers = {
        "HTTP_TUS_RESUMABLE": "1.0.0",
        "HTTP_UPLOAD_LENGTH": str(len(data)),
        "HTTP_UPLOAD_METADATA": f"filename {name}",
    }
    return Call(path, raw=data, headers=headers)


@dataclass(frozen=True)
class Slot:
    """A place of the request that can name a row of B: the `ref` it reads.

    `status` is the answer for the roles that may make the request on A's rows (None: the
    slot is ignored, the request succeeds and writes nothing of B); `denied` is the answer
    for the others when it is not their refusal of the route itself (a slot checked first).
    """

    ref: str
    where: str  # "path", "body" or "list" (a many-to-many, or a list of ids)
    status: int | None = 403
    denied: int | None = None

    @property
    def name(self) -> str:
        return f"{self.where}:{self.ref}"


def path(ref: str, status: int | None = 403, denied: int | None = None) -> Slot:
    return Slot(ref, "path", status, denied)


def body(ref: str, status: int | None = 403, denied: int | None = None) -> Slot:
    return Slot(ref, "body", status, denied)


def listed(ref: str, status: int | None = 403, denied: int | None = None) -> Slot:
    return Slot(ref, "list", status, denied)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # as the URL resolver writes it, without "api/"
    call: Callable[[Refs], Call]
    allowed: frozenset[str]  # roles of A whose request on A's rows succeeds
    ok: int
    slots: tuple[Slot, ...]
    uploads: bool = False  # compare the stored files too

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.pattern

    @property
    def label(self) -> str:
        return f"{self.method} {self.pattern.replace('<str:', '<')}"


def crud(collection: str) -> tuple[str, str]:
    return f"data/{collection}", f"data/{collection}/<str:instance_id>"


TREE = "actions/projects/<str:project_id>/set-file-tree"
TASK = "data/tasks/<str:task_id>"
WF = "<str:working_file_id>"
ENTITY = "data/entities/<str:entity_id>"
INSTANCE = "data/asset-instances/<str:instance_id>/entities/<str:temporal_entity_id>"
COMMENT = "actions/tasks/<str:task_id>/comments/<str:comment_id>"
PREVIEW = "preview-files/<str:preview_id>"
PROJECT = "data/projects/<str:project_id>"

KIND_COLLECTIONS = {
    "assets": "spare_asset",
    "sequences": "spare_sequence",
    "shots": "spare_shot",
    "episodes": "spare_episode",
    "scenes": "spare_scene",
    "edits": "spare_edit",
    "concepts": "spare_concept",
}
# The new entity of a kind, and the key naming its parent (looked up in the URL's project).
NEW_KIND_PARENT = {
    "sequences": ("episode_id", "episode"),
    "shots": ("sequence_id", "sequence"),
    "scenes": ("sequence_id", "sequence"),
    "episodes": None,
    "edits": None,
    "concepts": None,
}
SETTINGS = {
    "asset-types": ("asset_type_id", "character"),
    "task-types": ("task_type_id", "modeling"),
    "task-status": ("task_status_id", "todo"),
}


def publish_body(r: Refs, task_type: str) -> dict[str, Any]:
    return {
        "output_type_id": r.geometry,
        "task_type_id": getattr(r, task_type),
        "working_file_id": r.working_file,
    }


def batch_comment(url: str, task_id: str, r: Refs) -> Call:
    """gazu's multipart batch: the comments as JSON, a preview and an attachment for the
    first one (stored only if the batch is written)."""
    comment = {"task_id": task_id, "task_status_id": r.todo, "text": "walked"}
    return Call(
        url,
        {
            "comments": json.dumps([comment]),
            "preview_file-0-0": PDF,
            "attachment_file-0-0": b"notes",
        },
        multipart=True,
    )


def instance_path(r: Refs, end: str) -> str:
    return f"data/asset-instances/{r.instance}/entities/{r.shot}/{end}"


ROUTES: list[Route] = [
    # File trees ------------------------------------------------------------------------------
    Route(
        "POST",
        TREE,
        lambda r: Call(f"actions/projects/{r.project}/set-file-tree", {"tree_name": "simple"}),
        MANAGERS,
        200,
        (path("project"),),
    ),
    *(
        Route(
            "POST",
            f"data/entities/{name}",
            lambda r, name=name: Call(
                f"data/entities/{name}",
                {"project_id": r.project, "file_path": "/simple/productions/alpha/assets"},
            ),
            EVERYONE,
            200,
            (body("project"),),
        )
        for name in ("guess-from-path", "guess_from_path")
    ),
    # Working files ---------------------------------------------------------------------------
    Route(
        "POST",
        f"{TASK}/working-file-path",
        lambda r: Call(f"data/tasks/{r.task}/working-file-path", {"name": "main"}),
        EVERYONE,
        200,
        (path("task"),),
    ),
    Route(
        "POST",
        f"{TASK}/working-files/new",
        lambda r: Call(f"data/tasks/{r.task}/working-files/new", {"name": "walk"}),
        EVERYONE,
        201,
        (path("task"),),
    ),
    *(
        Route(
            "PUT",
            f"actions/working-files/{WF}/{action}",
            lambda r, action=action, sent=sent: Call(
                f"actions/working-files/{r.working_file}/{action}", sent
            ),
            EVERYONE,
            200,
            (path("working_file"),),
        )
        for action, sent in (("comment", {"comment": "walked"}), ("modified", {"x": 1}))
    ),
    Route(
        "POST",
        f"data/working-files/{WF}/file",
        lambda r: Call(
            f"data/working-files/{r.working_file}/file", {"file": b"walked"}, multipart=True
        ),
        EVERYONE,
        201,
        (path("working_file"),),
        uploads=True,
    ),
    Route(
        "POST",
        f"data/working-files/{WF}/file/uploads",
        lambda r: tus_creation(
            f"data/working-files/{r.working_file}/file/uploads", b"walked", "scene.blend"
        ),
        EVERYONE,
        201,
        (path("working_file"),),
        uploads=True,
    ),
    Route(
        "POST",
        crud("working-files")[0],
        lambda r: Call(
            "data/working-files",
            {"name": "walk", "revision": 9, "task_id": r.task, "entity_id": r.asset},
        ),
        ADMINS_ONLY,
        201,
        (body("task"), body("asset")),
    ),
    Route(
        "PUT",
        crud("working-files")[1],
        lambda r: Call(
            f"data/working-files/{r.working_file}",
            {"comment": "walked", "task_id": r.shot_task, "entity_id": r.shot},
        ),
        EVERYONE,
        200,
        # Its task: action rights there; its entity: its task's project's (400 elsewhere).
        (path("working_file"), body("shot_task"), body("shot", 400)),
    ),
    Route(
        "DELETE",
        crud("working-files")[1],
        lambda r: Call(f"data/working-files/{r.working_file}"),
        ADMINS_ONLY,
        204,
        (path("working_file"),),
    ),
    # Output files ----------------------------------------------------------------------------
    Route(
        "POST",
        f"{ENTITY}/output-files/new",
        lambda r: Call(f"data/entities/{r.asset}/output-files/new", publish_body(r, "modeling")),
        EVERYONE,
        201,
        # The source working file: read access to it (its task), as for any use of its content.
        (path("asset"), body("working_file")),
    ),
    Route(
        "POST",
        f"{ENTITY}/output-files/next-revision",
        lambda r: Call(
            f"data/entities/{r.asset}/output-files/next-revision",
            {"output_type_id": r.geometry, "task_type_id": r.modeling},
        ),
        EVERYONE,
        200,
        (path("asset"),),
    ),
    Route(
        "POST",
        f"{INSTANCE}/output-files/new",
        lambda r: Call(instance_path(r, "output-files/new"), publish_body(r, "animation")),
        EVERYONE,
        201,
        # The temporal entity is where the output goes (its project's tree, its listings).
        (path("instance"), path("shot"), body("working_file")),
    ),
    Route(
        "POST",
        f"{INSTANCE}/output-files/next-revision",
        lambda r: Call(
            instance_path(r, "output-files/next-revision"),
            {"output_type_id": r.geometry, "task_type_id": r.animation},
        ),
        EVERYONE,
        200,
        (path("instance"), path("shot")),
    ),
    Route(
        "POST",
        f"{ENTITY}/output-file-path",
        lambda r: Call(
            f"data/entities/{r.asset}/output-file-path",
            {"output_type_id": r.geometry, "task_type_id": r.modeling},
        ),
        EVERYONE,
        200,
        (path("asset"),),
    ),
    Route(
        "POST",
        f"{INSTANCE}/output-file-path",
        lambda r: Call(
            instance_path(r, "output-file-path"),
            {"output_type_id": r.geometry, "task_type_id": r.animation},
        ),
        EVERYONE,
        200,
        (path("instance"), path("shot")),
    ),
    Route(
        "POST",
        crud("output-files")[0],
        lambda r: Call(
            "data/output-files",
            {"name": "walk", "revision": 7, "entity_id": r.asset, "file_status_id": r.file_status},
        ),
        ADMINS_ONLY,
        201,
        (body("asset"),),
    ),
    Route(
        "PUT",
        crud("output-files")[1],
        lambda r: Call(
            f"data/output-files/{r.output_file}",
            {
                "comment": "walked",
                "entity_id": r.asset,
                "asset_instance_id": r.instance,
                "temporal_entity_id": r.shot,
                "source_file_id": r.working_file,
            },
        ),
        OUTPUT_HOLDERS,
        200,
        (
            path("output_file"),
            body("asset"),
            body("instance", 400),  # an instance of its entity, or none
            body("shot"),
            body("working_file"),
        ),
    ),
    Route(
        "DELETE",
        crud("output-files")[1],
        lambda r: Call(f"data/output-files/{r.output_file}"),
        ADMINS_ONLY,
        204,
        (path("output_file"),),
    ),
    # Previews --------------------------------------------------------------------------------
    Route(
        "POST",
        f"{COMMENT}/add-preview",
        lambda r: Call(f"actions/tasks/{r.task}/comments/{r.comment}/add-preview", {}),
        EVERYONE,
        201,
        (path("task"), path("comment", 404)),
    ),
    Route(
        "POST",
        f"{COMMENT}/add-attachment",
        lambda r: Call(
            f"actions/tasks/{r.task}/comments/{r.comment}/add-attachment",
            {"file": b"notes"},
            multipart=True,
        ),
        COMMENT_AUTHOR | MANAGERS,  # its author, or the project's managers
        201,
        # The comment is looked up among the task's before the author is checked.
        (path("task"), path("comment", 404, denied=404)),
        uploads=True,
    ),
    Route(
        "POST",
        f"{COMMENT}/{PREVIEW}",
        lambda r: Call(
            f"actions/tasks/{r.task}/comments/{r.comment}/preview-files/{r.preview}", {}
        ),
        EVERYONE,
        201,
        (path("task"), path("comment", 404), path("preview", 404)),
    ),
    Route(
        "DELETE",
        f"{COMMENT}/{PREVIEW}",
        lambda r: Call(f"actions/tasks/{r.task}/comments/{r.comment}/preview-files/{r.preview}"),
        EVERYONE,
        204,
        # The preview must be the task's (checked before the rights: 404 to everyone).
        (path("task", 404, 404), path("comment", 404), path("preview", 404, 404)),
    ),
    Route(
        "POST",
        "actions/tasks/batch-comment",
        lambda r: batch_comment("actions/tasks/batch-comment", r.task, r),
        EVERYONE,
        201,
        (body("task"),),
        uploads=True,
    ),
    Route(
        "POST",
        "actions/tasks/<str:task_id>/batch-comment",
        lambda r: batch_comment(f"actions/tasks/{r.task}/batch-comment", r.shot_task, r),
        EVERYONE,
        201,
        # The URL's task takes every comment: a `task_id` in the body is not read (Zou).
        (path("task"), body("shot_task", None)),
        uploads=True,
    ),
    Route(
        "PUT",
        "actions/tasks/set-main-preview",
        lambda r: Call("actions/tasks/set-main-preview", {"task_ids": [r.task]}),
        NOT_CLIENTS,
        200,
        (listed("task"),),
    ),
    Route(
        "PUT",
        "actions/tasks/<str:task_id>/set-main-preview",
        lambda r: Call(f"actions/tasks/{r.task}/set-main-preview", {"x": 1}),
        NOT_CLIENTS,
        200,
        (path("task"),),
    ),
    Route(
        "PUT",
        f"actions/{PREVIEW}/set-main-preview",
        lambda r: Call(f"actions/preview-files/{r.preview}/set-main-preview", {"x": 1}),
        NOT_CLIENTS,
        200,
        (path("preview"),),
    ),
    Route(
        "PUT",
        f"actions/{PREVIEW}/update-position",
        lambda r: Call(f"actions/preview-files/{r.preview}/update-position", {"position": 1}),
        EVERYONE,
        200,
        (path("preview"),),
    ),
    Route(
        "PUT",
        f"actions/{PREVIEW}/update-annotations",
        lambda r: Call(
            f"actions/preview-files/{r.preview}/update-annotations",
            {"additions": [{"time": 0, "drawing": {"objects": [{"type": "rect"}]}}]},
        ),
        ANNOTATORS,
        200,
        (path("preview"),),
    ),
    Route(
        "POST",
        f"pictures/{PREVIEW}",
        lambda r: Call(f"pictures/preview-files/{r.empty_preview}", {"file": PDF}, multipart=True),
        EVERYONE,
        201,
        (path("empty_preview"),),
        uploads=True,
    ),
    Route(
        "POST",
        f"pictures/{PREVIEW}/uploads",
        lambda r: tus_creation(
            f"pictures/preview-files/{r.empty_preview}/uploads", PDF, "notes.pdf"
        ),
        EVERYONE,
        201,
        (path("empty_preview"),),
        uploads=True,
    ),
    Route(
        "POST",
        crud("preview-files")[0],
        lambda r: Call("data/preview-files", {"name": "walk", "task_id": r.task}),
        ADMINS_ONLY,
        201,
        (body("task"),),
    ),
    Route(
        "PUT",
        crud("preview-files")[1],
        lambda r: Call(
            f"data/preview-files/{r.preview}",
            {
                "description": "walked",
                "task_id": r.task,
                "comments": [r.comment],
                "source_file_id": r.output_file,
            },
        ),
        NOT_CLIENTS,
        200,
        (path("preview"), body("task"), listed("comment"), body("output_file")),
    ),
    Route(
        "DELETE",
        crud("preview-files")[1],
        lambda r: Call(f"data/preview-files/{r.preview}"),
        MANAGERS,
        204,
        (path("preview"),),
    ),
    # Production ------------------------------------------------------------------------------
    Route(
        "POST",
        "data/assets/<str:asset_id>/asset-asset-instances",
        lambda r: Call(
            f"data/assets/{r.asset}/asset-asset-instances", {"asset_to_instantiate_id": r.asset2}
        ),
        MANAGERS,
        201,
        # Another production's asset only if it is shared (B's is not).
        (path("asset"), body("asset2", 400)),
    ),
    Route(
        "POST",
        "actions/tasks/<str:task_id>/comment",
        # gazu's form of a comment with attachments (stored only if the comment is written).
        lambda r: Call(
            f"actions/tasks/{r.task}/comment",
            {"task_status_id": r.todo, "comment": "walked", "file": b"notes"},
            multipart=True,
        ),
        EVERYONE,
        201,
        (path("task"),),
        uploads=True,
    ),
    Route(
        "POST",
        f"{PROJECT}/team",
        lambda r: Call(f"data/projects/{r.project}/team", {"person_id": r.outsider}),
        MANAGERS,
        201,
        (path("project"),),
    ),
    Route(
        "DELETE",
        f"{PROJECT}/team/<str:person_id>",
        lambda r: Call(f"data/projects/{r.project}/team/{r.member}"),
        MANAGERS,
        204,
        (path("project"),),
    ),
    Route(
        "POST",
        f"{PROJECT}/asset-types/<str:asset_type_id>/assets/new",
        lambda r: Call(
            f"data/projects/{r.project}/asset-types/{r.character}/assets/new",
            {"name": "Walk", "episode_id": r.episode},
        ),
        MANAGERS,
        201,
        (path("project"), body("episode", 404)),
    ),
    *(
        Route(
            "DELETE",
            f"data/{collection}/<str:entity_id>",
            lambda r, collection=collection, spare=spare: Call(
                f"data/{collection}/{getattr(r, spare)}"
            ),
            MANAGERS,
            204,
            (path(spare),),
        )
        for collection, spare in KIND_COLLECTIONS.items()
    ),
    *(
        Route(
            "POST",
            f"{PROJECT}/{collection}",
            lambda r, collection=collection, parent=parent: Call(
                f"data/projects/{r.project}/{collection}",
                {"name": "Walk", **({parent[0]: getattr(r, parent[1])} if parent else {})},
            ),
            MANAGERS,
            201,
            (path("project"), *((body(parent[1], 404),) if parent else ())),
        )
        for collection, parent in NEW_KIND_PARENT.items()
    ),
    *(
        Route(
            "POST",
            f"{PROJECT}/settings/{segment}",
            lambda r, segment=segment, key=key, ref=ref: Call(
                f"data/projects/{r.project}/settings/{segment}", {key: getattr(r, ref)}
            ),
            MANAGERS,
            201,
            (path("project"),),
        )
        for segment, (key, ref) in SETTINGS.items()
    ),
    *(
        Route(
            "DELETE",
            f"{PROJECT}/settings/{segment}/<str:object_id>",
            lambda r, segment=segment, ref=ref: Call(
                f"data/projects/{r.project}/settings/{segment}/{getattr(r, ref)}"
            ),
            MANAGERS,
            204,
            (path("project"),),
        )
        for segment, (_, ref) in SETTINGS.items()
    ),
    # A project's preview background files ----------------------------------------------------
    Route(
        "POST",
        f"{PROJECT}/settings/preview-background-files",
        lambda r: Call(
            f"data/projects/{r.project}/settings/preview-background-files",
            {"preview_background_file_id": r.background},
        ),
        MANAGERS,
        201,
        (path("project"),),
    ),
    Route(
        "DELETE",
        f"{PROJECT}/settings/preview-background-files/<str:background_id>",
        lambda r: Call(
            f"data/projects/{r.project}/settings/preview-background-files/{r.background}"
        ),
        MANAGERS,
        204,
        (path("project"),),
    ),
    Route(
        "PUT",
        f"{PROJECT}/default-preview-background-file",
        lambda r: Call(
            f"data/projects/{r.project}/default-preview-background-file",
            {"default_preview_background_file_id": r.background},
        ),
        MANAGERS,
        200,
        (path("project"),),
    ),
    # Generic CRUD of production rows ---------------------------------------------------------
    Route(
        "PUT",
        crud("projects")[1],
        lambda r: Call(f"data/projects/{r.project}", {"description": "walked"}),
        MANAGERS,
        200,
        (path("project"),),
    ),
    Route(
        "DELETE",
        crud("projects")[1],
        lambda r: Call(f"data/projects/{r.project_to_delete}"),
        ADMINS_ONLY,
        204,
        (path("project_to_delete"),),
    ),
    Route(
        "POST",
        crud("entities")[0],
        lambda r: Call(
            "data/entities",
            {
                "name": "Walk",
                "project_id": r.project,
                "entity_type_id": r.shot_type,
                "parent_id": r.sequence,
                "source_id": r.episode,
            },
        ),
        MANAGERS,
        201,
        # Its parent and source: rows of its own project (400 elsewhere).
        (body("project"), body("sequence", 400), body("episode", 400)),
    ),
    Route(
        "PUT",
        crud("entities")[1],
        lambda r: Call(
            f"data/entities/{r.spare_shot}",
            {
                "description": "walked",
                "project_id": r.project,
                "parent_id": r.sequence,
                "source_id": r.episode,
            },
        ),
        MANAGERS,
        200,
        (path("spare_shot"), body("project"), body("sequence", 400), body("episode", 400)),
    ),
    Route(
        "DELETE",
        crud("entities")[1],
        lambda r: Call(f"data/entities/{r.spare_asset}"),
        MANAGERS,
        204,
        (path("spare_asset"),),
    ),
    Route(
        "POST",
        crud("asset-instances")[0],
        lambda r: Call(
            "data/asset-instances",
            {"asset_id": r.asset2, "scene_id": r.shot, "target_asset_id": r.asset, "number": 3},
        ),
        MANAGERS,
        201,
        # Where it is cast: the managers of that production too.
        (body("asset2"), body("shot"), body("asset")),
    ),
    Route(
        "PUT",
        crud("asset-instances")[1],
        lambda r: Call(
            f"data/asset-instances/{r.instance}",
            {
                "description": "walked",
                "asset_id": r.asset,
                "scene_id": r.shot,
                "target_asset_id": r.asset2,
            },
        ),
        MANAGERS,
        200,
        (path("instance"), body("asset"), body("shot"), body("asset2")),
    ),
    Route(
        "DELETE",
        crud("asset-instances")[1],
        lambda r: Call(f"data/asset-instances/{r.instance}"),
        MANAGERS,
        204,
        (path("instance"),),
    ),
    Route(
        "POST",
        crud("tasks")[0],
        lambda r: Call(
            "data/tasks",
            {
                "name": "walk",
                "project_id": r.project,
                "entity_id": r.asset,
                "task_type_id": r.modeling,
                "task_status_id": r.todo,
            },
        ),
        MANAGERS,
        201,
        (body("project"), body("asset", 400)),  # a task's entity is in its project
    ),
    Route(
        "PUT",
        crud("tasks")[1],
        lambda r: Call(
            f"data/tasks/{r.task}",
            {"description": "walked", "project_id": r.project, "entity_id": r.asset},
        ),
        MANAGERS,
        200,
        (path("task"), body("project"), body("asset")),
    ),
    Route(
        "DELETE",
        crud("tasks")[1],
        lambda r: Call(f"data/tasks/{r.spare_task}"),
        MANAGERS,
        204,
        (path("spare_task"),),
    ),
    Route(
        "POST",
        crud("comments")[0],
        lambda r: Call(
            "data/comments",
            {
                "object_id": r.task,
                "task_status_id": r.todo,
                "person_id": r.artist,
                "text": "walked",
            },
        ),
        ADMINS_ONLY,
        201,
        (body("task"),),
    ),
    Route(
        "PUT",
        crud("comments")[1],
        lambda r: Call(
            f"data/comments/{r.comment}",
            {"text": "walked", "object_id": r.task, "person_id": r.artist},
        ),
        COMMENT_AUTHOR,
        200,
        (path("comment"), body("task")),
    ),
    Route(
        "DELETE",
        crud("comments")[1],
        lambda r: Call(f"data/comments/{r.comment}"),
        ADMINS_ONLY,
        204,
        (path("comment"),),
    ),
    Route(
        "POST",
        crud("attachment-files")[0],
        lambda r: Call(
            "data/attachment-files",
            {
                "name": "walk.txt",
                "extension": "txt",
                "mimetype": "text/plain",
                "comment_id": r.comment,
            },
        ),
        ADMINS_ONLY,
        201,
        (body("comment"),),
    ),
    Route(
        "PUT",
        crud("attachment-files")[1],
        lambda r: Call(
            f"data/attachment-files/{r.attachment}", {"name": "walked.txt", "comment_id": r.comment}
        ),
        ADMINS_ONLY,
        200,
        (path("attachment"), body("comment")),
    ),
    Route(
        "DELETE",
        crud("attachment-files")[1],
        lambda r: Call(f"data/attachment-files/{r.attachment}"),
        ADMINS_ONLY,
        204,
        (path("attachment"),),
    ),
    # Avatars (thumbnails app) ----------------------------------------------------------------
    *(
        Route(
            "POST",
            f"pictures/thumbnails/projects/<str:project_id>{end}",
            lambda r, end=end: Call(
                f"pictures/thumbnails/projects/{r.project}{end}", {"file": PNG}, multipart=True
            ),
            allowed,
            201,
            (path("project"),),
            uploads=True,
        )
        for end, allowed in (("", MANAGERS), (".png", ADMINS_ONLY))
    ),
]

GLOBAL_DATA = (
    "global reference data (no project): any authenticated person reads it, admins write it; "
    "its foreign keys name other global rows"
)
EXCLUDED: dict[tuple[str, str], str] = {
    ("POST", "pictures/preview-background-files/<str:background_id>"): (
        "the file of a global preview background file (admins only): no row of a project"
    ),
    ("POST", "auth/login"): "authentication: no row of a project is named",
    **{
        (method, f"{target}/<str:upload_id>"): (
            "a resumable upload's own URL: only the person who created it reaches it (anyone "
            "else gets 404: tests/resumable), and its target's access is checked again by "
            "every chunk; creating one is walked above"
        )
        for target in (
            "data/working-files/<str:working_file_id>/file/uploads",
            "pictures/preview-files/<str:preview_id>/uploads",
        )
        for method in ("PATCH", "DELETE", "POST")
    },
    **{
        ("POST", f"pictures/thumbnails/{kind}/<str:{parameter}>{end}"): (
            "a person's or the organisation's picture: a global row, no row of a project"
        )
        for kind, parameter in (("persons", "person_id"), ("organisations", "organisation_id"))
        for end in ("", ".png")
    },
    ("DELETE", "actions/persons/<str:person_id>/clear-avatar"): (
        "a person's picture: a global row, no row of a project"
    ),
    ("POST", crud("projects")[0]): (
        "creates a production (admins only); its status, team, asset types, task types and "
        "task statuses are global rows"
    ),
    **{
        (method, pattern): GLOBAL_DATA
        for collection in (
            "organisations",
            "departments",
            "project-status",
            "entity-types",
            "task-types",
            "task-status",
            "softwares",
            "output-types",
            "file-status",
            "persons",
            "preview-background-files",
        )
        for method, pattern in (
            ("POST", crud(collection)[0]),
            ("PUT", crud(collection)[1]),
            ("DELETE", crud(collection)[1]),
        )
    },
}


# ---------------------------------------------------------------------------------------------
# Every reference a CRUD body may carry, and its rule


@dataclass(frozen=True)
class Walked:
    """A reference to a project's row: walked above as a body slot reading one of `refs`."""

    refs: tuple[str, ...]


def walked(*refs: str) -> Walked:
    return Walked(refs)


GLOBAL_ROW = "a global row (reference data): any existing one, as in Zou"
AUTHOR = (
    "who made the row: changed by the project's managers and admins only "
    "(tests/production/test_references_in_writes.py)"
)
# (collection, body key) → how the key is checked: a walked slot, or the rule for a global row.
# Collections of global reference data are in EXCLUDED.
REFERENCES: dict[tuple[str, str], Walked | str] = {
    ("working-files", "task_id"): walked("task", "shot_task"),
    ("working-files", "entity_id"): walked("asset", "shot"),
    ("working-files", "person_id"): AUTHOR,
    ("working-files", "software_id"): GLOBAL_ROW,
    ("output-files", "entity_id"): walked("asset"),
    ("output-files", "asset_instance_id"): walked("instance"),
    ("output-files", "temporal_entity_id"): walked("shot"),
    ("output-files", "source_file_id"): walked("working_file"),
    ("output-files", "person_id"): AUTHOR,
    ("output-files", "file_status_id"): GLOBAL_ROW,
    ("output-files", "output_type_id"): GLOBAL_ROW,
    ("output-files", "task_type_id"): GLOBAL_ROW,
    ("preview-files", "task_id"): walked("task"),
    ("preview-files", "comments"): walked("comment"),
    ("preview-files", "source_file_id"): walked("output_file"),
    ("preview-files", "person_id"): AUTHOR,
    ("projects", "project_status_id"): GLOBAL_ROW + " (its managers may close it)",
    ("projects", "team"): "people: the project's managers choose its team, as on the team route",
    ("projects", "asset_types"): GLOBAL_ROW + " (the project's settings)",
    ("projects", "task_statuses"): GLOBAL_ROW + " (the project's settings)",
    ("projects", "task_types"): GLOBAL_ROW + " (the project's settings)",
    ("entities", "project_id"): walked("project"),
    ("entities", "parent_id"): walked("sequence"),
    ("entities", "source_id"): walked("episode"),
    ("entities", "entity_type_id"): GLOBAL_ROW,
    ("entities", "ready_for_id"): GLOBAL_ROW + " (a task type)",
    ("entities", "created_by_id"): AUTHOR + "; only they write entities",
    ("asset-instances", "asset_id"): walked("asset", "asset2"),
    ("asset-instances", "scene_id"): walked("shot"),
    ("asset-instances", "target_asset_id"): walked("asset", "asset2"),
    ("tasks", "project_id"): walked("project"),
    ("tasks", "entity_id"): walked("asset"),
    ("tasks", "task_type_id"): GLOBAL_ROW + ", in the project's settings or not",
    ("tasks", "task_status_id"): GLOBAL_ROW,
    ("tasks", "assigner_id"): AUTHOR + "; only they write tasks",
    ("tasks", "assignees"): (
        "people: any person, as in Zou (an assignee outside the team gets no access from it: "
        "every task rule asks for the team first)"
    ),
    ("comments", "object_id"): walked("task"),
    ("comments", "task_status_id"): (
        "a global row, one its author's role may comment with "
        "(tests/production/test_references_in_writes.py)"
    ),
    ("comments", "person_id"): "who wrote it: admins only",
    ("comments", "editor_id"): "who edited it: admins only",
    ("attachment-files", "comment_id"): walked("comment"),
}


def crud_resources() -> dict[str, Any]:
    """The generic CRUD resources by collection, from the URL resolver."""
    resources = {}
    for _, entry in url_entries():
        resource = (getattr(entry.callback, "view_initkwargs", None) or {}).get("resource")
        if resource is not None:
            resources[resource.collection] = resource
    return resources


def body_references(resource) -> set[str]:
    """The keys of a CRUD body that name rows: foreign keys and many-to-many lists."""
    relations = (serializers.PrimaryKeyRelatedField, serializers.ManyRelatedField)
    fields = resource.input_serializer().fields
    return {name for name, field in fields.items() if isinstance(field, relations)}


def test_every_reference_in_a_crud_body_has_a_rule():
    """A new foreign key or many-to-many on a model written by a project's people fails here
    until it is walked as a slot or its rule is written down."""
    for collection, resource in crud_resources().items():
        if ("PUT", crud(collection)[1]) in EXCLUDED:
            continue  # global reference data
        known = {key for (each, key) in REFERENCES if each == collection}
        assert body_references(resource) == known, collection
    slots = {
        (collection, slot.ref)
        for collection in crud_resources()
        for route in ROUTES
        if route.pattern in crud(collection)
        for slot in route.slots
        if slot.where != "path"
    }
    for (collection, key), rule in REFERENCES.items():
        if isinstance(rule, Walked):
            assert any((collection, ref) in slots for ref in rule.refs), (collection, key)


# ---------------------------------------------------------------------------------------------
# Enumerating the write routes


def url_entries(patterns=None, prefix=""):
    """(route, URL pattern) of every route the URL resolver knows."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from url_entries(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def write_routes() -> set[tuple[str, str]]:
    """(METHOD, pattern) of every write route under /api/, from the URL resolver."""
    found = set()
    for route, entry in url_entries():
        if not route.startswith("api/"):
            continue  # the admin site: sessions of admins only
        view = getattr(entry.callback, "view_class", None)
        if view is None:
            continue  # the JSON 404 of unknown URLs
        for method in WRITE_METHODS:
            if hasattr(view, method):
                found.add((method.upper(), route.removeprefix("api/")))
    return found


def test_every_write_route_is_walked():
    walked = {route.key for route in ROUTES}
    assert len(walked) == len(ROUTES), "a route is in the table twice"
    assert not walked & EXCLUDED.keys(), "a route is both walked and excluded"
    routes = write_routes()
    missing = sorted(routes - walked - EXCLUDED.keys())
    assert not missing, f"write routes in neither ROUTES nor EXCLUDED: {missing}"
    stale = sorted((walked | EXCLUDED.keys()) - routes)
    assert not stale, f"routes in the table that the resolver does not know: {stale}"


# ---------------------------------------------------------------------------------------------
# Sending a request, and what it wrote


def send(world: World, role: str, route: Route, refs: Refs):
    call = route.call(refs)
    client = APIClient()
    access, _ = issue_tokens(world.people[role])
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    if call.raw is not None:
        return client.generic(
            route.method,
            f"/api/{call.path}",
            call.raw,
            content_type="application/offset+octet-stream",
            **(call.headers or {}),
        )
    sent = call.body
    if call.multipart:
        sent = {
            key: SimpleUploadedFile(f"{key}.pdf", value) if isinstance(value, bytes) else value
            for key, value in (sent or {}).items()
        }
    method = getattr(client, route.method.lower())
    return method(f"/api/{call.path}", sent, format="multipart" if call.multipart else "json")


def tables() -> list[str]:
    """Every table of the apps, the many-to-many link tables included."""
    labels = ("production", "working_files", "output_files", "previews", "resumable")
    return [
        model._meta.db_table
        for label in labels
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]


def footprint() -> dict[str, set[tuple]]:
    """Every row of every table, as the database holds it (raw values: quick to read, and
    compared only with each other)."""
    state = {}
    with connection.cursor() as cursor:
        for table in tables():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            state[table] = set(cursor.fetchall())
    return state


def stored_files(world: World) -> dict[str, tuple[int, int]]:
    """The files of both storages (working files' content, previews' media): name → (size,
    modification time)."""
    found = {}
    for root in (world.files, Path(settings.PREVIEW_FOLDER)):
        if root.exists():
            for item in root.rglob("*"):
                if item.is_file():
                    stat = item.stat()
                    found[str(item)] = (stat.st_size, stat.st_mtime_ns)
    return found


def changed_rows(before: dict, after: dict) -> dict[str, tuple[list, list]]:
    """Per table, (rows gone or changed, rows new or changed)."""
    changes = {}
    for table, rows in after.items():
        if rows != before[table]:
            changes[table] = (
                sorted(before[table] - rows, key=str),
                sorted(rows - before[table], key=str),
            )
    return changes


def check_refused(response, status: int, before, files_before, world: World, uploads: bool):
    assert response.status_code == status, (status, response.status_code, response.content)
    if status == 403:
        assert response.json() == FORBIDDEN
    else:
        assert response.json()  # an error body, never empty
    changes = changed_rows(before, footprint())
    assert not changes, f"a refused request wrote: {changes}"
    if uploads:
        assert stored_files(world) == files_before, "a refused request changed stored files"


# ---------------------------------------------------------------------------------------------
# The walk


def own_rows_cases():
    for route in ROUTES:
        for role in ("admin", *ROLES):
            yield pytest.param(route, role, id=f"{route.label}|{role}")


def foreign_rows_cases():
    for route, slot in ((each, slot) for each in ROUTES for slot in each.slots):
        for role in ROLES:
            yield pytest.param(route, slot, role, id=f"{route.label}|{slot.name}|{role}")


@pytest.mark.parametrize(("route", "role"), own_rows_cases())
def test_write_route_on_own_rows(world, db, route, role):
    """The request on A's rows: accepted from the admin and the roles the access table lets
    in, refused to the others with nothing written."""
    before, files_before = footprint(), stored_files(world)
    response = send(world, role, route, world.a)
    if role == "admin" or role in route.allowed:
        assert response.status_code == route.ok, response.content
    else:
        check_refused(response, 403, before, files_before, world, route.uploads)


@pytest.mark.parametrize(("route", "slot", "role"), foreign_rows_cases())
def test_write_route_with_a_row_of_another_project(world, db, route, slot, role):
    """B's row in one slot of the request: refused with the slot's status and nothing
    written, or (an ignored slot) accepted with nothing of B written."""
    refs = world.a.but(slot.ref, getattr(world.b, slot.ref))
    allowed = role in route.allowed
    status = slot.status if allowed else (slot.denied or 403)
    before, files_before = footprint(), stored_files(world)
    response = send(world, role, route, refs)
    if status is not None:
        check_refused(response, status, before, files_before, world, route.uploads)
        return
    assert response.status_code == route.ok, response.content
    for table, (gone, new) in changed_rows(before, footprint()).items():
        for row in itertools.chain(gone, new):
            named = {str(value) for value in row} & world.b_ids
            assert not named, f"{table}: an ignored slot wrote a row naming B's {named}"
