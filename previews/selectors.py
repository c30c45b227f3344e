"""Reads of previews: a task's revisions, the media a route may serve, listings."""

from django.db.models import Max, Q, QuerySet
from slugify import slugify

from previews import storage
from previews.models import PreviewFile, PreviewStatus, ValidationStatus
from production.models import Organisation, Task

TASK_RELATIONS = (
    "task__project",
    "task__task_type__department",
    "task__entity__entity_type",
    "task__entity__parent__parent",
)

# The movie files each route tries, in order (previews contract §6.3).
MOVIE_FALLBACKS = {
    "originals": ("previews", "lowdef", "source"),
    "low": ("lowdef", "previews", "source"),
    "source": ("source",),
}


def preview_with_task(queryset: QuerySet | None = None) -> QuerySet:
    # `is None`, not `or`: testing a queryset's truth would run it.
    queryset = PreviewFile.objects.all() if queryset is None else queryset
    return queryset.select_related(*TASK_RELATIONS)


def previews_of_task(task: Task) -> QuerySet:
    """Newest revision first; inside a revision, by position."""
    return PreviewFile.objects.filter(task=task).order_by("-revision", "position", "created_at")


def previews_on_comments(task: Task, *, hide_rejected: bool) -> QuerySet:
    """The previews linked to the task's comments (clients are not shown rejected ones)."""
    queryset = PreviewFile.objects.filter(comments__object=task).distinct()
    if hide_rejected:
        queryset = queryset.exclude(validation_status=ValidationStatus.REJECTED)
    return queryset.order_by("revision", "position")


def highest_revision(task: Task) -> int:
    return PreviewFile.objects.filter(task=task).aggregate(top=Max("revision"))["top"] or 0


def count_in_revision(task: Task, revision: int) -> int:
    return PreviewFile.objects.filter(task=task, revision=revision).count()


def revision_line(preview: PreviewFile) -> list[PreviewFile]:
    """The previews of the same task and revision, in their order."""
    return list(
        PreviewFile.objects.filter(task_id=preview.task_id, revision=preview.revision).order_by(
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


def latest_media_preview(task: Task) -> PreviewFile | None:
    """The most recent picture or movie of the task (what last_preview_file_id points at)."""
    return (
        PreviewFile.objects.filter(task=task, extension__in=("png", "mp4"))
        .order_by("-created_at")
        .first()
    )


def stored_movie(preview: PreviewFile, route: str) -> tuple[storage.Media, int] | None:
    """The first movie file present for `route` and its size."""
    for prefix in MOVIE_FALLBACKS[route]:
        media = storage.movie(prefix, preview.pk)
        size = storage.size_of(media)
        if size:
            return media, size
    return None


def stored(media: storage.Media) -> tuple[storage.Media, int] | None:
    size = storage.size_of(media)
    return (media, size) if size else None


def unfinished(*, stuck_before=None) -> QuerySet:
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


def running() -> QuerySet:
    """Previews not (or no longer) ready, of tasks of open projects (§4.7), newest first."""
    return PreviewFile.objects.filter(
        status__in=(PreviewStatus.PROCESSING, PreviewStatus.BROKEN, PreviewStatus.MISSING),
        task__project__project_status__name__iregex=r"^(open|active)$",
    ).order_by("-created_at")


# ---------------------------------------------------------------------------------------------
# Names


def download_name(preview: PreviewFile) -> str:
    """`<project>_<entity>_<task type>_v<revision>[-<position>].<extension>` in slug form, or
    the uploaded name when the organisation asks for original names (§4.9)."""
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
    return f"{name}.{preview.extension}"


def full_entity_name(entity) -> str:
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
