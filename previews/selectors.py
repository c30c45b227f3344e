"""Reads of previews: a task's revisions, the media a route may serve, listings."""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Count, F, Max, Q, QuerySet
from django.db.models.fields.json import KT
from slugify import slugify

from kitsufiles.api.serialization import Row, ZouDateTime
from kitsufiles.errors import NotFound, WrongParameter
from kitsufiles.lookups import parse_id
from kitsufiles.stores import inventory
from previews import storage
from previews.models import (
    PreviewBackgroundFile,
    PreviewFile,
    PreviewStatus,
    ProjectPreviewBackgroundFileLink,
    ValidationStatus,
)
from production import permissions
from production import selectors as production_selectors
from production.models import (
    AttachmentFile,
    Comment,
    Entity,
    EntityTypeNames,
    Organisation,
    Person,
    Project,
    Role,
    Task,
    TaskStatus,
    TaskType,
)

# What routes read of a preview's task, fetched in the same query as the preview.
TASK_RELATIONS = tuple(f"task__{name}" for name in permissions.TASK_RELATIONS)

# The movie files each route tries, in order: the high-def rendition, the low-def one, then
# the upload itself (a movie kept as uploaded has no rendition).
MOVIE_FALLBACKS = {
    "originals": ("previews", "lowdef", "source"),
    "low": ("lowdef", "previews", "source"),
    "source": ("source",),
}


# What the media routes read, in one narrow query (docs/decisions/media-delivery.md): of the
# preview, what the answer's headers need; of its task, what the access check reads (its
# project's and entity's ids, the entity's shared-asset columns). Every other column stays in
# the table: joining the task's eight relations with all their columns cost more to plan and
# fetch than the rest of the request.
MEDIA_FIELDS = (
    "status",
    "updated_at",
    "extension",
    "task__project",
    "task__entity__is_shared",
    "task__entity__preview_file_id",
)
# A download's name also reads the preview's revision line and the names of the task's
# project, type and entity (with its type and parents: full_entity_name); `data` says whether
# the upload was kept as it came (original_extension: a VFX picture, a sequence's archive).
DOWNLOAD_FIELDS = (
    *MEDIA_FIELDS,
    "data",
    "name",
    "original_name",
    "revision",
    "position",
    "task__project__name",
    "task__task_type__name",
    "task__entity__name",
    "task__entity__entity_type__name",
    "task__entity__parent__name",
    "task__entity__parent__parent__name",
)


def preview_for_media() -> QuerySet[PreviewFile]:
    return PreviewFile.objects.select_related("task__entity").only(*MEDIA_FIELDS)


def preview_for_download() -> QuerySet[PreviewFile]:
    return PreviewFile.objects.select_related(
        "task__project",
        "task__task_type",
        "task__entity__entity_type",
        "task__entity__parent__parent",
    ).only(*DOWNLOAD_FIELDS)


def preview_for_annotated_frames() -> QuerySet[PreviewFile]:
    """What the annotated-frame downloads read: the download name's columns, the drawings
    and the picture's size."""
    return preview_for_download().only(*DOWNLOAD_FIELDS, "annotations", "width", "height")


def preview_with_task(queryset: QuerySet[PreviewFile] | None = None) -> QuerySet[PreviewFile]:
    # `is None`, not `or`: testing a queryset's truth would run it.
    queryset = PreviewFile.objects.all() if queryset is None else queryset
    return queryset.select_related(*TASK_RELATIONS)


def with_ids(ids: Iterable[object]) -> QuerySet[PreviewFile]:
    return PreviewFile.objects.filter(pk__in=ids)


def in_project(previews: QuerySet[PreviewFile], project: Project | None) -> QuerySet[PreviewFile]:
    """`previews` narrowed to those of `project`'s tasks (all of them when None)."""
    return previews if project is None else previews.filter(task__project=project)


def previews_of_task(task: Task, *, hide_rejected: bool = False) -> QuerySet[PreviewFile]:
    """Newest revision first; inside a revision, by position (optionally without the
    rejected ones: `permissions.hides_rejected_previews`)."""
    queryset = PreviewFile.objects.filter(task=task)
    if hide_rejected:
        queryset = queryset.exclude(validation_status=ValidationStatus.REJECTED)
    return queryset.order_by("-revision", "position", "created_at")


def previews_of_project(project: Project) -> QuerySet[PreviewFile]:
    """Most recently changed first."""
    return PreviewFile.objects.filter(task__project=project).order_by("-updated_at", "pk")


def comments_of_task(task: Task) -> QuerySet[Comment]:
    """Newest first."""
    return Comment.objects.filter(object=task).order_by("-created_at")


def previews_on_comments(task: Task, *, hide_rejected: bool) -> QuerySet[PreviewFile]:
    """The previews linked to the task's comments (optionally without the rejected ones)."""
    queryset = PreviewFile.objects.filter(comments__object=task).distinct()
    if hide_rejected:
        queryset = queryset.exclude(validation_status=ValidationStatus.REJECTED)
    return queryset.order_by("revision", "position")


def first_preview_on_comment(comment: Comment) -> PreviewFile | None:
    return PreviewFile.objects.filter(comments=comment).order_by("created_at").first()


def highest_revision(task: Task) -> int:
    top: int | None = PreviewFile.objects.filter(task=task).aggregate(top=Max("revision"))["top"]
    return top or 0


def count_in_revision(task: Task, revision: int) -> int:
    return PreviewFile.objects.filter(task=task, revision=revision).count()


def revision_taken(task_id: UUID, revision: int) -> bool:
    """Whether the task has a main (position 1) preview in `revision`."""
    return PreviewFile.objects.filter(task_id=task_id, revision=revision, position=1).exists()


def revision_line(preview: PreviewFile) -> list[PreviewFile]:
    """The previews of the same task and revision, in their order."""
    return list(
        PreviewFile.objects.filter(task=preview.task_id, revision=preview.revision).order_by(
            "position", "created_at"
        )
    )


def last_main_preview(task: Task) -> PreviewFile | None:
    """The task's main preview of its highest revision (the position-1 one)."""
    return (
        PreviewFile.objects.filter(task=task)
        .order_by("-revision", "created_at")
        .only("id", "revision")
        .first()
    )


def is_last_preview_of_task(task_id: UUID, preview_id: UUID) -> bool:
    return Task.objects.filter(pk=task_id, last_preview_file_id=preview_id).exists()


def latest_media_preview(task_id: UUID) -> PreviewFile | None:
    """The most recent picture or movie of the task (what last_preview_file_id points at)."""
    return (
        PreviewFile.objects.filter(task_id=task_id, extension__in=("png", "mp4"))
        .order_by("-created_at")
        .first()
    )


def stored_movie(preview: PreviewFile, route: str) -> tuple[storage.Media, int] | None:
    """The first movie file present for `route` and its size."""
    for prefix in MOVIE_FALLBACKS[route]:
        found = stored(storage.movie(prefix, preview.pk))
        if found is not None:
            return found
    return None


def opened_movie(preview: PreviewFile, route: str) -> storage.OpenedMedia | None:
    """The movie file a route serves, opened (one open per file tried). While processing, the
    raw upload is no stand-in for the renditions being made (any container, maybe not
    playable, and it would be cached for days under their URL): only the source route serves
    it then."""
    for prefix in MOVIE_FALLBACKS[route]:
        opened = storage.open_stored(storage.movie(prefix, preview.pk))
        if opened is None:
            continue
        if route != "source" and prefix == "source" and preview.status == PreviewStatus.PROCESSING:
            opened.file.close()
            return None
        return opened
    return None


def stored(media: storage.Media) -> tuple[storage.Media, int] | None:
    size = storage.size_of(media)
    return (media, size) if size else None


def unfinished(*, stuck_before: object = None) -> QuerySet[PreviewFile]:
    """Previews whose media came but processing has not finished (optionally: not touched
    since `stuck_before`)."""
    queryset = PreviewFile.objects.filter(
        status=PreviewStatus.PROCESSING, original_name__isnull=False
    ).exclude(original_name="")
    if stuck_before is not None:
        queryset = queryset.filter(
            Q(attempt_started_at__lt=stuck_before)
            | Q(attempt_started_at__isnull=True, updated_at__lt=stuck_before)
        )
    return queryset


def job_states(*, job_timeout_seconds: int, now: datetime) -> dict[str, int]:
    """How many previews are in each state of processing, in one query (the metrics read it at
    every scrape, docs/decisions/metrics.md): `queued` (media uploaded, no attempt started
    yet), `running` (an attempt started within the job timeout; this includes the moment
    between a failed attempt and its retry starting), `stuck` (the attempt's job is past its
    timeout: lost, until the sweep retries it), `failed` (broken)."""
    started_since = now - timedelta(seconds=job_timeout_seconds)
    uploaded = Q(status=PreviewStatus.PROCESSING, original_name__isnull=False) & ~Q(
        original_name=""
    )
    # Only unfinished rows can count: the WHERE lets an index on them serve (see the decision).
    unfinished_rows = PreviewFile.objects.filter(
        status__in=(PreviewStatus.PROCESSING, PreviewStatus.BROKEN)
    )
    counts = unfinished_rows.aggregate(
        queued=Count("pk", filter=uploaded & Q(attempt_started_at__isnull=True)),
        running=Count("pk", filter=uploaded & Q(attempt_started_at__gte=started_since)),
        stuck=Count("pk", filter=uploaded & Q(attempt_started_at__lt=started_since)),
        failed=Count("pk", filter=Q(status=PreviewStatus.BROKEN)),
    )
    return {state: int(count or 0) for state, count in counts.items()}


def broken() -> QuerySet[PreviewFile]:
    """Oldest first."""
    return PreviewFile.objects.filter(status=PreviewStatus.BROKEN).order_by("created_at")


def running() -> QuerySet[PreviewFile]:
    """Previews not (or no longer) ready, of tasks of open projects, newest first."""
    return PreviewFile.objects.filter(
        status__in=(PreviewStatus.PROCESSING, PreviewStatus.BROKEN, PreviewStatus.MISSING),
        task__project__in=production_selectors.open_projects().values("pk"),
    ).order_by("-created_at")


def running_page(*, cursor: str | None, limit: str | None) -> list[PreviewFile]:
    """`running()` from the query parameters of its route, with the tasks the listing names:
    only previews created before the `cursor` preview, at most `limit` of them. Raises
    WrongParameter for a malformed or unknown cursor and a limit that is not a number."""
    queryset = running()
    if cursor:
        try:
            cursor_row = PreviewFile.objects.filter(pk=parse_id(cursor)).first()
        except NotFound:  # a malformed id
            raise WrongParameter("The cursor_preview_file_id parameter is not a valid id") from None
        if cursor_row is None:
            raise WrongParameter(f"No preview file found with id: {cursor}")
        queryset = queryset.filter(created_at__lt=cursor_row.created_at)
    if limit:
        try:
            queryset = queryset[: max(int(limit), 0)]
        except ValueError:
            raise WrongParameter("Wrong value for parameter limit.") from None
    return list(preview_with_task(queryset))


# ---------------------------------------------------------------------------------------------
# Names


def kept_upload_extension(preview: PreviewFile) -> str | None:
    """The extension of the upload a picture or movie preview was made from and keeps as it
    came (a VFX picture: "exr"; an image sequence: "zip"), or None."""
    if preview.extension not in ("png", "mp4") or not isinstance(preview.data, dict):
        return None
    extension = preview.data.get("original_extension")
    return extension if isinstance(extension, str) and extension else None


def kept_upload_summary(preview: PreviewFile) -> dict[str, Any] | None:
    """What the preview page says of the upload a VFX picture or a sequence was made from
    (kept, and downloadable as it came): its format, the colour transform, the layer and the
    frames (docs/compatibility.md#vfx-pictures-and-image-sequences). None for other
    previews."""
    extension = kept_upload_extension(preview)
    if extension is None:
        return None
    data = preview.data if isinstance(preview.data, dict) else {}
    recorded = data.get("color_transform")
    transform: dict[str, Any] = recorded if isinstance(recorded, dict) else {}
    listed = data.get("layers")
    layers: list[Any] = listed if isinstance(listed, list) else []
    return {
        "extension": extension,
        "size": data.get("original_file_size"),
        "color_space": transform.get("color_space"),
        "view": transform.get("view"),
        "display": transform.get("display"),
        "guessed_from": transform.get("guessed_from"),
        "layer": data.get("layer") if len(layers) > 1 else None,
        "layers": layers,
        "frame_start": data.get("frame_start"),
        "frame_end": data.get("frame_end"),
        "missing_count": data.get("missing_frame_count") or 0,
        "missing": data.get("missing_frames") or [],
    }


def download_name(preview: PreviewFile, extension: str | None = None) -> str:
    """`<project>_<entity>_<task type>_v<revision>[-<position>].<extension>` in slug form, or
    the uploaded name when the organisation asks for original names; `extension`: another
    than the preview's (its kept upload's)."""
    organisation = Organisation.objects.only("use_original_file_name").first()
    if organisation and organisation.use_original_file_name and preview.original_name:
        name = preview.original_name
    else:
        task = preview.task
        # A row made through the CRUD without a task is named after itself.
        owner = (
            f"{task.project.name}_{full_entity_name(task.entity)}_{task.task_type.name}"
            if task is not None
            else preview.name
        )
        name = slugify(f"{owner}_v{preview.revision}", separator="_")
        if preview.position and preview.position > 1:
            name = f"{name}-{preview.position}"
    return f"{name}.{extension or preview.extension}"


def full_entity_name(entity: Entity) -> str:
    """ "Props / Tree", "SQ01 / SH010", "E01 / SQ01 / SH010": how Kitsu names an entity."""
    if entity.parent_id is None:
        if entity.entity_type.name in ("Shot", "Sequence", "Episode", "Edit", "Scene"):
            return entity.name
        return f"{entity.entity_type.name} / {entity.name}"
    names = [entity.name]
    parent = entity.parent
    while parent is not None and len(names) < 3:
        names.insert(0, parent.name)
        parent = parent.parent
    return " / ".join(names)


# ---------------------------------------------------------------------------------------------
# Preview background files


def project_backgrounds(project_id: Any) -> QuerySet[PreviewBackgroundFile]:
    """The backgrounds a project offers (its settings listing)."""
    return PreviewBackgroundFile.objects.filter(project_links__project_id=project_id)


def add_project_backgrounds(rows: list[Row], ids: Any, relations: bool) -> None:
    """Complete project rows as Zou writes them: `default_preview_background_file_id` (a
    column of Zou's project) always, `preview_background_files` (ids, in the order they were
    linked) with the relations. One query for all the rows (a `serialization.extend_rows`
    extension, registered by previews.apps)."""
    links = ProjectPreviewBackgroundFileLink.objects.filter(project_id__in=ids).order_by("id")
    backgrounds: defaultdict[Any, list[str]] = defaultdict(list)
    defaults: dict[Any, str] = {}
    for project_id, background_id, is_default in links.values_list(
        "project_id", "preview_background_file_id", "is_default"
    ):
        backgrounds[project_id].append(str(background_id))
        if is_default:
            defaults[project_id] = str(background_id)
    for row in rows:
        row["default_preview_background_file_id"] = defaults.get(row["id"])
        if relations:
            row["preview_background_files"] = backgrounds.get(row["id"], [])


# ---------------------------------------------------------------------------------------------
# An entity's previews grouped by task type, and attachments (data/shots|assets|edits|concepts/
# <id>/preview-files, data/playlists/entities/<id>/preview-files, data/tasks|projects/<id>/
# attachment-files)

# The keys of each revision's entry (zou-previews-contract.md §6.16); the revision's other
# positions, under `previews`, carry the same keys.
ENTITY_PREVIEW_KEYS = (
    "id", "revision", "original_name", "extension", "width", "height", "duration", "status",
    "annotations", "created_at", "task_id",
)  # fmt: skip
ORIGINAL_KEYS = ("original_width", "original_height", "original_duration", "original_file_size")


def previews_by_task_type(entity_id: UUID) -> dict[str, list[dict[str, object]]]:
    """The entity's previews, keyed by the id of their task's type: one entry per revision
    of each task, newest revision first, the revision's main preview (position 1) holding
    the other positions, in order, under `previews`. One query, whatever the number of
    previews (docs/compatibility.md#entity-preview-listings)."""
    rows = (
        PreviewFile.objects.filter(task__entity_id=entity_id)
        .order_by("-revision", "task__created_at", "task_id", "position", "created_at")
        .values(
            *(key for key in ENTITY_PREVIEW_KEYS if key != "created_at"),
            "data",
            task_type_id=F("task__task_type_id"),
            created=ZouDateTime("created_at"),
        )
    )
    grouped: dict[str, list[dict[str, object]]] = {}
    mains: dict[tuple[object, int], dict[str, object]] = {}
    for row in rows:
        data = row["data"] if isinstance(row["data"], dict) else {}
        entry: dict[str, object] = {key: row.get(key) for key in ENTITY_PREVIEW_KEYS}
        entry["created_at"] = row["created"]
        entry.update({key: data.get(key) for key in ORIGINAL_KEYS})
        main = mains.get((row["task_id"], row["revision"]))
        if main is None:
            entry["previews"] = []
            mains[(row["task_id"], row["revision"])] = entry
            grouped.setdefault(str(row["task_type_id"]), []).append(entry)
        else:
            main["previews"].append(entry)  # type: ignore[attr-defined]
    return grouped


def attachments_of_task(task: Task) -> QuerySet[AttachmentFile]:
    """Oldest comment first, then by name."""
    return AttachmentFile.objects.filter(comment__object=task).order_by(
        "comment__created_at", "name", "pk"
    )


def attachments_of_project(project: Project) -> QuerySet[AttachmentFile]:
    """Oldest comment first, then by name."""
    return AttachmentFile.objects.filter(comment__object__project=project).order_by(
        "comment__created_at", "name", "pk"
    )


# ---------------------------------------------------------------------------------------------
# Stored media against rows (prune_storage, kitsufiles/stores/inventory.py)

# The stored files of previews, by bucket and key prefix (previews.storage).
PREVIEW_MEDIA = (
    *(("pictures", prefix) for prefix in (*storage.PICTURE_VARIANTS, "tiles")),
    ("pictures", storage.PICTURE_UPLOAD),
    *(("movies", prefix) for prefix in storage.MOVIE_RENDITIONS),
    ("files", "previews"),
)


def existing_previews(ids: list[UUID]) -> list[UUID]:
    return list(PreviewFile.objects.filter(pk__in=ids).values_list("pk", flat=True))


def existing_backgrounds(ids: list[UUID]) -> list[UUID]:
    return list(PreviewBackgroundFile.objects.filter(pk__in=ids).values_list("pk", flat=True))


def existing_attachments(ids: list[UUID]) -> list[UUID]:
    return list(AttachmentFile.objects.filter(pk__in=ids).values_list("pk", flat=True))


def _expected(row: str, groups: Iterable[Iterable[storage.Media]]) -> inventory.Expected:
    needs = tuple(tuple(media.name for media in group) for group in groups)
    return inventory.Expected(storage.ALIAS, row, needs)


def rows_needing_media(batch: int) -> Iterator[list[inventory.Expected]]:
    """Ready previews (but those imported as metadata only: their media are elsewhere),
    background files that recorded an upload, and every attachment: what each must have
    stored, a page at a time."""
    # The two flags are read as text and tested here: `.exclude(data__imported_only=True)`
    # also dropped every row whose data lacks the key (NOT of a NULL comparison is NULL in
    # SQL), so no movie preview was ever checked.
    previews = (
        PreviewFile.objects.filter(status=PreviewStatus.READY)
        .annotate(
            imported_only=KT("data__imported_only"), kept_upload=KT("data__original_extension")
        )
        .only("pk", "extension")
    )
    for page in inventory.in_pages(previews, batch):
        yield [
            _expected(
                f"preview {row.pk}",
                storage.required_media(
                    row.pk,
                    row.extension,
                    kept_upload=bool(row.kept_upload),  # type: ignore[attr-defined]
                ),
            )
            for row in page
            if str(row.imported_only).lower() not in ("true", "1")  # type: ignore[attr-defined]
        ]
    backgrounds = PreviewBackgroundFile.objects.filter(file_size__gt=0).only("pk")
    for backgrounds_page in inventory.in_pages(backgrounds, batch):
        yield [
            _expected(f"preview background file {row.pk}", [[storage.background(row.pk)]])
            for row in backgrounds_page
        ]
    attachments = AttachmentFile.objects.only("pk")
    for attachments_page in inventory.in_pages(attachments, batch):
        yield [
            _expected(f"attachment file {row.pk}", [[storage.attachment(row.pk)]])
            for row in attachments_page
        ]


# ---------------------------------------------------------------------------------------------
# import_previews (services/imports.py): what a project's file names may point at, read once
# per run (a query per file would be thousands of queries on a studio's folder).


def import_entities(project: Project) -> QuerySet[Entity]:
    """The project's shots and assets (not canceled), with the sequence and episode a shot's
    name may be qualified by."""
    return (
        Entity.objects.filter(project=project, canceled=False)
        .exclude(
            entity_type__name__in=[
                name for name in EntityTypeNames.TEMPORAL if name != EntityTypeNames.SHOT
            ]
        )
        .select_related("entity_type", "parent", "parent__parent")
    )


def import_tasks(project: Project) -> QuerySet[Task]:
    """The project's tasks, with what a comment on them and its preview read."""
    return Task.objects.filter(project=project).select_related(
        "project", "task_type", "task_status", "entity"
    )


def import_task_types() -> QuerySet[TaskType]:
    return TaskType.objects.all()


def imported_previews(project: Project) -> QuerySet[PreviewFile]:
    """(task, original name, revision) of the project's previews that received a file: what
    import_previews recognises a file already attached by."""
    return (
        PreviewFile.objects.filter(task__project=project, original_name__isnull=False)
        .exclude(original_name="")
        .only("task_id", "original_name", "revision")
    )


def task_status_named(named: str) -> TaskStatus | None:
    """A task status by its short name, else its name (any case)."""
    return (
        TaskStatus.objects.filter(short_name__iexact=named.strip()).first()
        or TaskStatus.objects.filter(name__iexact=named.strip()).order_by("created_at").first()
    )


def active_person(email: str | None) -> Person | None:
    """The active person with this e-mail (any case); without one, the oldest active admin."""
    people = Person.objects.filter(active=True, archived=False)
    if email:
        return people.filter(email__iexact=email.strip()).first()
    return people.filter(role=Role.ADMIN).order_by("created_at").first()
