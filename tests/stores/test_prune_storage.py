"""prune_storage on each backend, on orphans seeded through the real services: working-file
content whose row is gone, the media of a preview deleted with REMOVE_FILES off, an attachment
and an avatar left behind, stray files; rows whose content is missing; leftovers of uploads
and jobs. It lists exactly those, removes with --delete exactly the orphans older than the
limit and nothing referenced, and a second run finds nothing."""

import io
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from kitsufiles import media_store
from kitsufiles.stores import inventory
from kitsufiles.stores.objects import FolderObjectStorage
from previews import services as preview_services
from previews import storage as preview_storage
from previews.models import PreviewFile
from production import services as production_services
from production.models import AttachmentFile, Person
from tests.previews import vfx_media
from tests.previews.helpers import png_bytes
from tests.stores.content import CONTENT_BACKENDS, incoming_folder
from thumbnails import services as thumbnail_services
from working_files import selectors as working_selectors
from working_files.models import WorkingFile

pytestmark = pytest.mark.django_db

HOUR = 3600


@pytest.fixture
def backend(content_backend) -> str:
    """The name of this test's content backend (tests/stores/content.py)."""
    return content_backend.name


@pytest.fixture
def stores(content_backend, settings, tmp_path) -> dict[str, Storage]:
    settings.REMOVE_FILES = False
    settings.DATA_DIR = tmp_path / "data"
    return {alias: storages[alias] for alias in ("files", "previews")}


# ---------------------------------------------------------------------------------------------
# What is seeded


@dataclass
class Seeded:
    orphans: dict[str, set[str]] = field(
        default_factory=lambda: {"files": set(), "previews": set()}
    )
    referenced: dict[str, set[str]] = field(
        default_factory=lambda: {"files": set(), "previews": set()}
    )
    unknown: dict[str, set[str]] = field(
        default_factory=lambda: {"files": set(), "previews": set()}
    )
    missing: dict[str, set[str]] = field(
        default_factory=lambda: {"files": set(), "previews": set()}
    )
    old_leftovers: dict[str, set[str]] = field(
        default_factory=lambda: {"files": set(), "previews": set()}
    )
    new_leftovers: dict[str, set[str]] = field(
        default_factory=lambda: {"files": set(), "previews": set()}
    )
    rows: dict[str, int] = field(default_factory=dict)


def upload_content(client, working_file: WorkingFile, content: bytes) -> None:
    part = SimpleUploadedFile("scene.blend", content, "application/octet-stream")
    response = client.post(
        f"/api/data/working-files/{working_file.pk}/file", {"file": part}, format="multipart"
    )
    assert response.status_code == 201, response.content


def working_file(task, name: str) -> WorkingFile:
    return WorkingFile.objects.create(task=task, entity=task.entity, name=name, revision=1)


def uploaded_picture(client, task, comment, capture, name="frame.png", content=None) -> str:
    with capture(execute=True):
        slot = client.post(
            f"/api/actions/tasks/{task.pk}/comments/{comment.pk}/add-preview", {}, format="json"
        ).json()
        response = client.post(
            f"/api/pictures/preview-files/{slot['id']}",
            {"file": SimpleUploadedFile(name, content or png_bytes())},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    assert PreviewFile.objects.get(pk=slot["id"]).status == "ready"
    return slot["id"]


def stored_attachment(comment, name: str) -> AttachmentFile:
    row = AttachmentFile.objects.create(
        name=name, size=5, extension="txt", mimetype="text/plain", comment=comment
    )
    source = media_store.upload_dir()
    source.mkdir(parents=True, exist_ok=True)
    (source / f"{row.pk}.tmp").write_bytes(b"bytes")
    media_store.store(preview_storage.attachment(row.pk), source / f"{row.pk}.tmp")
    return row


def with_avatar(make_person, tmp_path) -> Person:
    person = make_person()
    picture = tmp_path / f"{person.pk}.png"
    picture.write_bytes(png_bytes(500, 300))
    thumbnail_services.set_avatar(row=person, upload=picture)
    return person


def picture_names(preview_id) -> set[str]:
    return {media.name for media in preview_storage.media_of(preview_id, "png")[:4]}


def leftover(folder: Path, name: str, *, age: float = 0, folder_entry: bool = False) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if folder_entry:
        (path / "part").mkdir(parents=True)
        inner = path / "part" / "frame.png"
        inner.write_bytes(b"x" * 10)
        touched = [inner, path / "part", path]
    else:
        path.write_bytes(b"x" * 10)
        touched = [path]
    when = time.time() - age
    for item in touched:
        os.utime(item, (when, when))
    return str(path.resolve())


@pytest.fixture
def seeded(
    stores, settings, task, task_status, admin, admin_client, make_person, tmp_path,
    django_capture_on_commit_callbacks,
) -> Seeded:  # fmt: skip
    seeded = Seeded()
    capture = django_capture_on_commit_callbacks
    comment = production_services.create_comment(task=task, task_status=task_status, author=admin)

    # Working files: one kept, one whose row is deleted (as an admin tool would, outside the
    # service that removes its content), one whose content is lost.
    kept, gone, lost = (working_file(task, name) for name in ("kept", "gone", "lost"))
    for row in (kept, gone, lost):
        upload_content(admin_client, row, b"scene " * 100)
    seeded.referenced["files"].add(working_selectors.content_key(kept))
    seeded.orphans["files"].add(working_selectors.content_key(gone))
    WorkingFile.objects.filter(pk=gone.pk).delete()
    stores["files"].delete(working_selectors.content_key(lost))
    seeded.missing["files"].add(f"working file {lost.pk}")
    working_file(task, "never-uploaded")  # size 0: no content expected

    # Previews: one kept, one deleted with REMOVE_FILES off (its four pictures stay), one
    # that lost a rendition it must have.
    kept_preview = uploaded_picture(admin_client, task, comment, capture)
    seeded.referenced["previews"] |= picture_names(kept_preview)
    gone_preview = uploaded_picture(admin_client, task, comment, capture)
    seeded.orphans["previews"] |= picture_names(gone_preview)
    with capture(execute=True):
        preview_services.delete_preview(
            preview=PreviewFile.objects.get(pk=gone_preview), force=False
        )
    lost_preview = uploaded_picture(admin_client, task, comment, capture)
    seeded.referenced["previews"] |= picture_names(lost_preview) - {
        preview_storage.picture("previews", lost_preview).name
    }
    media_store.delete(preview_storage.picture("previews", lost_preview))
    seeded.missing["previews"].add(f"preview {lost_preview}")
    # An EXR picture keeps its upload beside its pictures: one kept, one whose upload is lost.
    render = vfx_media.write_exr(tmp_path / "plate.exr", vfx_media.linear_ramp()).read_bytes()
    kept_render, lost_render = (
        uploaded_picture(admin_client, task, comment, capture, "plate.exr", render)
        for _ in range(2)
    )
    seeded.referenced["previews"] |= picture_names(kept_render) | picture_names(lost_render)
    seeded.referenced["previews"].add(preview_storage.other_file(kept_render).name)
    media_store.delete(preview_storage.other_file(lost_render))
    seeded.missing["previews"].add(f"preview {lost_render}")
    # A preview whose data says its media live elsewhere is not expected to have any here.
    PreviewFile.objects.create(
        task=task, revision=9, status="ready", extension="png", data={"imported_only": True}
    )

    # Attachments: kept, row gone, bytes gone.
    kept_attachment = stored_attachment(comment, "kept.txt")
    seeded.referenced["previews"].add(preview_storage.attachment(kept_attachment.pk).name)
    gone_attachment = stored_attachment(comment, "gone.txt")
    seeded.orphans["previews"].add(preview_storage.attachment(gone_attachment.pk).name)
    AttachmentFile.objects.filter(pk=gone_attachment.pk).delete()
    lost_attachment = stored_attachment(comment, "lost.txt")
    media_store.delete(preview_storage.attachment(lost_attachment.pk))
    seeded.missing["previews"].add(f"attachment file {lost_attachment.pk}")

    # Avatars: kept, flag cleared without its picture removed, flag set without a picture.
    kept_avatar = with_avatar(make_person, tmp_path)
    seeded.referenced["previews"].add(preview_storage.picture("thumbnails", kept_avatar.pk).name)
    stale_avatar = with_avatar(make_person, tmp_path)
    Person.objects.filter(pk=stale_avatar.pk).update(has_avatar=False)
    seeded.orphans["previews"].add(preview_storage.picture("thumbnails", stale_avatar.pk).name)
    lost_avatar = make_person()
    Person.objects.filter(pk=lost_avatar.pk).update(has_avatar=True)
    seeded.missing["previews"].add(f"person {lost_avatar.pk} (has_avatar)")

    # Stray files: Zou's names of rows that never existed (orphans), and names kitsufiles
    # never writes (unknown: left alone).
    stray = preview_storage.movie("lowdef", uuid.uuid4()).name
    stores["previews"].save(stray, ContentFile(b"stray movie"))
    seeded.orphans["previews"].add(stray)
    stray_content = f"working/abc/def/abcdef{uuid.uuid4()}"[:-6]  # not an id: unknown
    stores["files"].save(stray_content, ContentFile(b"?"))
    seeded.unknown["files"].add(stray_content)
    stores["previews"].save("pictures/notes.txt", ContentFile(b"notes"))
    seeded.unknown["previews"].add("pictures/notes.txt")

    # Leftovers of uploads and jobs, on local disk whatever the backend: old ones and
    # recent ones (an upload in flight, a job writing).
    incoming = incoming_folder("files")  # local storage's, the folder store's staging
    if incoming is not None:
        seeded.old_leftovers["files"].add(leftover(incoming, "old-upload", age=2 * HOUR))
        seeded.new_leftovers["files"].add(leftover(incoming, "new-upload"))
    work = Path(settings.PREVIEW_WORK_DIR)
    seeded.old_leftovers["previews"].add(leftover(work, "old-job", age=2 * HOUR, folder_entry=True))
    seeded.new_leftovers["previews"].add(leftover(work, "new-job", folder_entry=True))
    uploads = media_store.upload_dir()
    seeded.old_leftovers["previews"].add(leftover(uploads, "old-part", age=2 * HOUR))

    if isinstance(stores["previews"], FileSystemStorage):
        # An unfinished copy beside the media (media_store.store across file systems).
        shard = Path(stores["previews"].location) / "pictures" / "thumbnails" / "abc" / "def"
        leftover(shard, ".abcdef.partial", age=2 * HOUR)
        seeded.old_leftovers["previews"].add("pictures/thumbnails/abc/def/.abcdef.partial")

    seeded.rows = row_counts()
    return seeded


def row_counts() -> dict[str, int]:
    models = (WorkingFile, PreviewFile, AttachmentFile)
    counts = {model.__name__: model.objects.count() for model in models}
    counts["avatars"] = Person.objects.filter(has_avatar=True).count()
    return counts


# ---------------------------------------------------------------------------------------------
# Running it


@dataclass
class Report:
    lines: dict[str, dict[str, dict[str, str]]]  # kind → alias → name → the rest of the line
    out: str
    err: str

    def names(self, kind: str, alias: str) -> set[str]:
        return set(self.lines.get(kind, {}).get(alias, {}))

    def action(self, kind: str, alias: str, name: str) -> str:
        return self.lines[kind][alias][name]


def prune(*args: str) -> Report:
    out, err = io.StringIO(), io.StringIO()
    call_command("prune_storage", *args, stdout=out, stderr=err)
    lines: dict[str, dict[str, dict[str, str]]] = {}
    for line in out.getvalue().splitlines():
        words = line.split(None, 2)
        if len(words) < 3 or words[0] not in ("orphan", "unknown", "leftover", "missing"):
            continue
        kind, alias, rest = words
        if kind == "missing":
            name, _, rest = rest.partition(":")
        else:
            name, _, rest = rest.partition(" ")
        lines.setdefault(kind, {}).setdefault(alias, {})[name] = rest
    return Report(lines, out.getvalue(), err.getvalue())


def exists(stores, alias: str, name: str) -> bool:
    return stores[alias].exists(name)


def leftover_exists(stores, alias: str, name: str) -> bool:
    """A leftover is a local path (scratch folders) or a name beside the media."""
    return Path(name).exists() if name.startswith("/") else exists(stores, alias, name)


def test_lists_the_orphans_and_the_rows_whose_content_is_missing(seeded, stores):
    report = prune("--older-than", "0")
    for alias in ("files", "previews"):
        assert report.names("orphan", alias) == seeded.orphans[alias], alias
        assert report.names("unknown", alias) == seeded.unknown[alias], alias
        assert report.names("missing", alias) == seeded.missing[alias], alias
        leftovers = seeded.old_leftovers[alias] | seeded.new_leftovers[alias]
        assert report.names("leftover", alias) == leftovers, alias
        for name in seeded.orphans[alias]:
            assert "(would be removed)" in report.action("orphan", alias, name)
    # A dry run: everything is still there, rows included.
    for alias in ("files", "previews"):
        for name in seeded.orphans[alias] | seeded.referenced[alias] | seeded.unknown[alias]:
            assert exists(stores, alias, name), name
        for path in seeded.old_leftovers[alias]:
            assert leftover_exists(stores, alias, path)
    assert row_counts() == seeded.rows
    # Progress on stderr, the summary on stdout.
    assert "listed" in report.err and "rows checked" in report.err
    assert "Summary:" in report.out
    orphans = len(seeded.orphans["previews"])
    assert f"orphans {orphans} (" in report.out
    assert "would be removed with --delete" in report.out


def test_delete_removes_exactly_the_orphans_older_than_the_limit(seeded, stores):
    # Every stored orphan is minutes old: with a limit of an hour only the old leftovers go.
    report = prune("--delete", "--older-than", "1")
    for alias in ("files", "previews"):
        assert report.names("orphan", alias) == seeded.orphans[alias]
        for name in seeded.orphans[alias]:
            assert "(kept: too recent)" in report.action("orphan", alias, name)
            assert exists(stores, alias, name)
        for path in seeded.old_leftovers[alias]:
            assert "(removed)" in report.action("leftover", alias, path)
            assert not leftover_exists(stores, alias, path)
        for path in seeded.new_leftovers[alias]:
            assert "(kept: too recent)" in report.action("leftover", alias, path)
            assert leftover_exists(stores, alias, path)

    report = prune("--delete", "--older-than", "0")
    for alias in ("files", "previews"):
        assert report.names("orphan", alias) == seeded.orphans[alias]
        for name in seeded.orphans[alias]:
            assert "(removed)" in report.action("orphan", alias, name)
            assert not exists(stores, alias, name), name
        for name in seeded.referenced[alias] | seeded.unknown[alias]:
            assert exists(stores, alias, name), name
        # Rows are reported, never changed.
        assert report.names("missing", alias) == seeded.missing[alias]
    assert row_counts() == seeded.rows
    assert "removed (orphans and leftovers)" in report.out

    # Idempotent: nothing left to remove, the same rows still reported.
    again = prune("--delete", "--older-than", "0")
    for alias in ("files", "previews"):
        assert again.names("orphan", alias) == set()
        assert again.names("leftover", alias) == set()
        assert again.names("unknown", alias) == seeded.unknown[alias]
        assert again.names("missing", alias) == seeded.missing[alias]
    assert "removed (orphans and leftovers) 0 (0 B)" in again.out


def test_one_alias(seeded):
    report = prune("--alias", "files", "--older-than", "0")
    assert report.names("orphan", "files") == seeded.orphans["files"]
    assert report.names("orphan", "previews") == set()
    assert "previews:" not in report.out


def backdate(storage: Storage, name: str, seconds: float) -> None:
    """Make a stored file look `seconds` old (local disk and the folder store only: an object
    store's time is its server's)."""
    if isinstance(storage, FileSystemStorage):
        path = Path(storage.path(name))
    else:
        assert isinstance(storage, FolderObjectStorage)
        path = storage._file(storage.object_name(name))
    when = time.time() - seconds
    os.utime(path, (when, when))


@pytest.mark.parametrize("content_backend", ["local", "folder"], indirect=True)
def test_the_age_limit_is_per_file(seeded, stores):
    old = sorted(seeded.orphans["previews"])[0]
    backdate(stores["previews"], old, 3 * HOUR)
    report = prune("--delete", "--older-than", "2", "--alias", "previews")
    assert "(removed)" in report.action("orphan", "previews", old)
    assert not exists(stores, "previews", old)
    for name in seeded.orphans["previews"] - {old}:
        assert "(kept: too recent)" in report.action("orphan", "previews", name)
        assert exists(stores, "previews", name)


def test_names_are_checked_a_batch_at_a_time(stores, monkeypatch, db):
    """One query per kind of file in a batch of names, never one per file."""
    for _ in range(25):
        stores["files"].save(
            working_selectors.content_key(WorkingFile(pk=uuid.uuid4())), ContentFile(b"x")
        )
    monkeypatch.setattr(inventory, "BATCH", 10)
    content_queries: list[str] = []

    def record(execute, sql, params, many, context):
        if '"working_files_workingfile"' in sql:
            content_queries.append(sql)
        return execute(sql, params, many, context)

    # (Not CaptureQueriesContext: the walk empties Django's query log after each batch.)
    with connection.execute_wrapper(record):
        report = prune("--alias", "files", "--older-than", "0")
    assert len(report.names("orphan", "files")) == 25
    # Three batches of names, and one page of rows that must have content.
    assert len(content_queries) == 4, content_queries


def test_an_empty_store(stores):
    report = prune("--delete")
    assert report.lines == {}
    assert "stored files 0 (0 B)" in report.out


def test_what_a_ready_preview_must_have():
    preview_id = uuid.uuid4()
    names = {
        extension: [[media.name for media in group] for group in groups]
        for extension in ("png", "mp4", "pdf")
        for groups in [preview_storage.required_media(preview_id, extension)]
    }
    pictures = [[preview_storage.picture(prefix, preview_id).name] for prefix in
                ("original", "thumbnails", "thumbnails-square", "previews")]  # fmt: skip
    assert names["png"] == pictures
    movies = [preview_storage.movie(prefix, preview_id).name for prefix in
              ("previews", "lowdef", "source")]  # fmt: skip
    assert names["mp4"] == [*pictures, movies]  # any one of the movies
    assert names["pdf"] == [[preview_storage.other_file(preview_id).name]]
    # A VFX picture or an image sequence also keeps its upload.
    kept = [preview_storage.other_file(preview_id).name]
    for extension, groups in (("png", pictures), ("mp4", [*pictures, movies])):
        required = preview_storage.required_media(preview_id, extension, kept_upload=True)
        assert [[media.name for media in group] for group in required] == [*groups, kept]


@pytest.mark.parametrize("content_backend", ["local"], indirect=True)
def test_a_previews_folder_inside_the_files_folder_is_walked_once(stores, settings, tmp_path):
    root = Path(stores["files"].location)
    settings.PREVIEW_FOLDER = root / "previews"
    settings.PREVIEW_WORK_DIR = root / "previews" / ".work"
    settings.STORAGES = {
        **settings.STORAGES,
        "previews": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root / "previews")},
        },
    }
    stray = preview_storage.movie("lowdef", uuid.uuid4()).name
    media_store.upload_dir().mkdir(parents=True)
    source = media_store.upload_dir() / "stray"
    source.write_bytes(b"stray")
    media_store.store(preview_storage.movie("lowdef", stray.rsplit("/", 1)[1]), source)
    report = prune("--older-than", "0")
    assert report.names("orphan", "previews") == {stray}
    assert report.names("unknown", "files") == set()
    assert report.names("orphan", "files") == set()


@pytest.mark.parametrize(
    "content_backend", [name for name in CONTENT_BACKENDS if name != "local"], indirect=True
)
def test_uploads_staged_on_an_object_store_are_leftovers(stores):
    """What a crashed process left where an object store stages uploads whose destination
    is not known yet (`incoming/` in the files bucket, kitsufiles/stores/s3.py)."""
    staged = f"{inventory.STAGED_KEYS}{uuid.uuid4().hex}"
    stores["files"].save(staged, ContentFile(b"half an upload"))
    report = prune("--older-than", "1")
    assert report.names("leftover", "files") == {staged}
    assert report.names("unknown", "previews") == report.names("leftover", "previews") == set()
    assert "(kept: too recent)" in report.action("leftover", "files", staged)
    report = prune("--delete", "--older-than", "0")
    assert "(removed)" in report.action("leftover", "files", staged)
    assert not stores["files"].exists(staged)
