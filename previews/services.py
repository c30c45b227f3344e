"""Writes of previews: slots on comments, uploads, processing, main previews, deletion.

The flow (previews contract §4.1, §3): a comment gets an empty preview slot (revision and
position decided here, under a lock of the task row); the client uploads the media into it;
pictures and movies are processed by a Django Q job enqueued once the upload's transaction
has committed (previews.jobs); other files are stored as they are.
"""

import logging
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kitsufiles import records
from kitsufiles.errors import DomainError
from previews import errors, media, selectors, storage
from previews.models import PreviewFile, PreviewStatus
from production import services as production_services
from production.models import (
    AttachmentFile,
    Comment,
    Entity,
    Person,
    Task,
    TaskStatus,
    parse_frame_rate,
)
from thumbnails import images

logger = logging.getLogger(__name__)

PICTURE_EXTENSIONS = frozenset({"jpe", "jpeg", "jpg", "png"})
MOVIE_EXTENSIONS = frozenset({"avi", "m4v", "mkv", "mov", "mp4", "webm", "wmv"})
# fmt: off
OTHER_EXTENSIONS = frozenset({
    "ae", "ai", "blend", "clip", "comp", "diff", "exr", "fbx", "fla", "flv", "gif", "glb",
    "gltf", "hip", "kra", "ma", "mb", "md", "mp3", "obj", "pdf", "psd", "psb", "rar", "rev",
    "riv", "sai", "sai2", "sbbkp", "svg", "swf", "tvpp", "wav", "zip",
})
# fmt: on


# Decimal frame rates people type for the NTSC ratios: 23.976 means 24000/1001, not 2997/125.
NTSC_RATES = {
    Fraction("23.976"): Fraction(24000, 1001),
    Fraction("23.98"): Fraction(24000, 1001),
    Fraction("29.97"): Fraction(30000, 1001),
    Fraction("47.952"): Fraction(48000, 1001),
    Fraction("59.94"): Fraction(60000, 1001),
}
RESOLUTION = re.compile(r"^(\d{3,4})x(\d{3,4})$")
HEIGHT_ONLY = re.compile(r"^x(\d{3,4})$")


# ---------------------------------------------------------------------------------------------
# Slots on comments (§4.1)


def add_preview_slot(
    *,
    task: Task,
    comment: Comment,
    author: Person,
    revision: int | None = None,
    same_revision_as: PreviewFile | None = None,
) -> PreviewFile:
    """An empty preview (status processing) linked to `comment`, on `task`.

    Revisions are numbered under a lock of the task row, so two comments posted at once do
    not get the same revision (Zou computes them without a lock, bug §10.22)."""
    with transaction.atomic():
        task = (
            Task.objects.select_for_update(of=("self",)).select_related("project").get(pk=task.pk)
        )
        on_comment = PreviewFile.objects.filter(comments=comment).order_by("created_at")
        if same_revision_as is not None:
            revision = same_revision_as.revision
            position = selectors.count_in_revision(task, revision) + 1
        elif revision is None:
            first = on_comment.first()
            if first is None:
                revision, position = selectors.highest_revision(task) + 1, 1
            else:
                revision = first.revision
                position = selectors.count_in_revision(task, revision) + 1
        else:
            if (
                not on_comment.exists()
                and PreviewFile.objects.filter(task=task, revision=revision, position=1).exists()
            ):
                raise errors.RevisionTaken(revision)
            position = selectors.count_in_revision(task, revision) + 1
        if position > 1 and task.project.is_single_preview_per_revision:
            raise errors.SinglePreviewPerRevision()
        preview = PreviewFile.objects.create(
            name=str(uuid.uuid4())[:13],
            revision=revision,
            position=position,
            task=task,
            person=author,
            source="webgui",
            extension="mp4",
            status=PreviewStatus.PROCESSING,
        )
        preview.comments.add(comment)
    return preview


# ---------------------------------------------------------------------------------------------
# Uploads (§3.1)


def split_file_name(file_name: str) -> tuple[str, str]:
    """("shot.v001.mov") → ("shot.v001", "mov"); a name without a dot is all extension."""
    parts = Path(file_name or "").name.split(".")
    return ".".join(parts[:-1]), parts[-1].lower()


def media_kind(extension: str) -> str | None:
    if extension in PICTURE_EXTENSIONS:
        return "picture"
    if extension in MOVIE_EXTENSIONS:
        return "movie"
    if extension in OTHER_EXTENSIONS:
        return "other"
    return None


def receive_media(
    *, preview: PreviewFile, upload, normalize: bool = True, inline: bool = False
) -> PreviewFile:
    """Store an uploaded file into an empty slot and start its processing (a job, unless
    `inline`: then the caller runs `process_inline`).

    A file of a kind we do not take deletes the slot (Zou: the client relies on the 400 and
    the preview's disappearance) and raises; so does an empty movie or picture. Returns the
    preview, with status `processing` for pictures and movies (a job makes them `ready`)."""
    original_name, extension = split_file_name(upload.name)
    kind = media_kind(extension)
    if kind is None:
        delete_preview(preview=preview, force=False)
        raise errors.WrongFileFormat(extension)
    if upload.size == 0 and kind != "other":
        delete_preview(preview=preview, force=True)
        raise errors.EmptyUpload(kind)
    upload_path = Path(upload.temporary_file_path())
    with transaction.atomic():
        preview = PreviewFile.objects.select_for_update().get(pk=preview.pk)
        if preview.is_uploaded:  # a second upload raced this one
            raise errors.AlreadyUploaded()
        preview.original_name = original_name
        preview.broken_reason = None
        preview.attempts = 0
        if kind == "other":
            preview.file_size = storage.store(storage.other_file(preview.pk), upload_path)
            preview.extension = extension
            preview.status = PreviewStatus.READY
        elif kind == "picture":
            storage.store(storage.picture(storage.PICTURE_UPLOAD, preview.pk), upload_path)
            preview.extension = "png"
            preview.status = PreviewStatus.PROCESSING
        else:
            storage.store(storage.movie("source", preview.pk), upload_path)
            preview.extension = "mp4"
            preview.status = PreviewStatus.PROCESSING
            preview.data = {
                **(preview.data or {}),
                "original_file_size": upload.size,
                "normalize": normalize,
            }
        preview.save()
        if kind != "other" and not inline:
            enqueue_processing(preview)
    return preview


def process_inline(*, preview: PreviewFile) -> None:
    """Process in the caller's thread (`no_job=true`); a failure leaves the preview broken
    with its reason rather than failing the request (the upload itself succeeded)."""
    try:
        process(preview_id=str(preview.pk), attempt=preview.attempts + 1)
    except Exception as error:  # noqa: BLE001 (any failure is reported on the preview)
        logger.exception("Processing preview %s failed", preview.pk)
        mark_broken(preview_id=preview.pk, reason=f"Processing failed: {error}")


def enqueue_processing(preview: PreviewFile) -> None:
    """Queue the next processing attempt once the current transaction commits (a job must
    never see a row or a file its request has not committed yet)."""
    from previews import jobs  # jobs call services: import here, not at module level

    preview_id, attempt = str(preview.pk), preview.attempts + 1
    transaction.on_commit(lambda: jobs.enqueue(preview_id, attempt))


# ---------------------------------------------------------------------------------------------
# Processing (§3.2-3.10), run by previews.jobs


def start_attempt(*, preview_id: str, attempt: int) -> PreviewFile | None:
    """Claim a processing attempt for the job queued as attempt number `attempt`; None when
    the job is stale: the preview is gone or no longer processing, or another job holds the
    attempt and is still within the job timeout. A job handed out again because its worker
    died (the previous holder is past the timeout) takes the next attempt."""
    with transaction.atomic():
        # Lock the preview row only: PostgreSQL cannot lock the nullable side of the outer
        # join to its task.
        preview = (
            PreviewFile.objects.select_for_update(of=("self",))
            .select_related("task__project", "task__entity")
            .filter(pk=preview_id)
            .first()
        )
        if preview is None or preview.status != PreviewStatus.PROCESSING:
            return None
        now = timezone.now()
        holder_dead = preview.attempt_started_at is None or (
            preview.attempt_started_at < now - timedelta(seconds=settings.Q_CLUSTER["timeout"])
        )
        if not (preview.attempts + 1 == attempt or (preview.attempts >= attempt and holder_dead)):
            return None
        if preview.attempts >= settings.PREVIEW_MAX_ATTEMPTS:
            reason = f"Processing did not finish in {preview.attempts} attempts."
            mark_broken(preview_id=preview.pk, reason=reason)
            return None
        preview.attempts += 1
        preview.attempt_started_at = now
        preview.save(update_fields=["attempts", "attempt_started_at", "updated_at"])
    return preview


def process(*, preview_id: str, attempt: int) -> str:
    """One processing attempt. Media that cannot become a preview (corrupt, no video stream,
    too slow) end `broken` with the reason; other errors propagate so the job is retried."""
    preview = start_attempt(preview_id=preview_id, attempt=attempt)
    if preview is None:
        return "skipped"
    storage.work_dir().mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(dir=storage.work_dir(), prefix=f"{preview.pk}-"))
    try:
        if preview.extension == "png":
            values = _process_picture(preview, workdir)
        else:
            values = _process_movie(preview, workdir)
    except (images.PictureError, media.MediaError) as error:
        mark_broken(preview_id=preview.pk, reason=str(error))
        return PreviewStatus.BROKEN
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return finish(preview_id=preview.pk, values=values)


def _store_variants(preview_id, variants: "images.PictureVariants") -> None:
    storage.store(storage.picture("thumbnails", preview_id), variants.thumbnails)
    storage.store(storage.picture("thumbnails-square", preview_id), variants.thumbnails_square)
    storage.store(storage.picture("previews", preview_id), variants.previews)
    storage.store(storage.picture("original", preview_id), variants.original)


def _process_picture(preview: PreviewFile, workdir: Path) -> dict:
    upload = storage.picture(storage.PICTURE_UPLOAD, preview.pk)
    with storage.local_copy(upload) as source:
        variants = images.write_variants(source, workdir, max_pixels=settings.MAX_IMAGE_PIXELS)
    file_size = variants.original.stat().st_size
    _store_variants(preview.pk, variants)
    storage.delete(upload)  # the sRGB PNG `original` replaces it
    return {"width": variants.width, "height": variants.height, "file_size": file_size}


def movie_settings(task: Task) -> media.MovieSettings:
    """The project's resolution and frame rate, an entity's own overriding them (§4.3)."""
    project, entity = task.project, task.entity
    entity_data = entity.data if isinstance(entity.data, dict) else {}
    resolution = project.resolution or ""
    if RESOLUTION.match(str(entity_data.get("resolution") or "")):
        resolution = entity_data["resolution"]
    width, height = None, 1080
    if match := RESOLUTION.match(resolution):
        width, height = int(match[1]), int(match[2])
    elif match := HEIGHT_ONLY.match(resolution):
        height = int(match[1])
    return media.MovieSettings(
        width=width,
        height=height,
        frame_rate=frame_rate_of(entity_data.get("fps") or project.fps),
        hd_bitrate=project.hd_bitrate_compression or 28,
        ld_bitrate=project.ld_bitrate_compression or 6,
        hd_preset=settings.MOVIE_HIGHDEF_PRESET,
        ld_preset=settings.MOVIE_LOWDEF_PRESET,
        keyframe_interval=settings.MOVIE_KEYFRAME_INTERVAL,
    )


def frame_rate_of(value) -> Fraction:
    """A project's or entity's fps as an exact ratio; 25 when missing or malformed."""
    try:
        rate = parse_frame_rate(str(value).replace(",", ".")) if value else Fraction(25)
    except (ValueError, ZeroDivisionError):
        return Fraction(25)
    return NTSC_RATES.get(rate, rate)


def _process_movie(preview: PreviewFile, workdir: Path) -> dict:
    """Normalized renditions, poster, thumbnails and tile; with `normalize=false` the upload
    is served as it is (the movie routes fall back to `source`) and only the pictures are
    made."""
    normalize = (preview.data or {}).get("normalize", True)
    with storage.local_copy(storage.movie("source", preview.pk)) as source:
        info = media.probe_movie(source)
        if normalize:
            made = media.render_movie(
                source,
                workdir,
                movie_settings(preview.task),
                timeout=settings.PREVIEW_PROCESSING_TIMEOUT,
                info=info,
            )
        else:
            made = media.render_stills(
                source, workdir, timeout=settings.PREVIEW_PROCESSING_TIMEOUT, info=info
            )
            file_size = source.stat().st_size
    variants = images.write_variants(made.poster, workdir, max_pixels=settings.MAX_IMAGE_PIXELS)
    if normalize:
        result = made.high_def_info
        file_size = storage.store(storage.movie("previews", preview.pk), made.high_def)
        storage.store(storage.movie("lowdef", preview.pk), made.low_def)
    else:
        result = info
    _store_variants(preview.pk, variants)
    if made.tile is not None:
        storage.store(storage.picture("tiles", preview.pk), made.tile)
    width, height = (
        (result.width, result.height)
        if normalize
        else (variants.width, variants.height)  # square pixels, as displayed
    )
    return {
        "width": width,
        "height": height,
        "duration": result.duration,
        "file_size": file_size,
        "data": {
            "original_width": info.width,
            "original_height": info.height,
            "original_duration": info.duration,
            "original_frame_rate": _ratio(info.frame_rate),
            "original_frame_count": info.frame_count,
            "frame_rate": _ratio(result.frame_rate),
            "frame_count": result.frame_count,
            "remuxed": getattr(made, "remuxed", False),
        },
    }


def _ratio(rate: Fraction) -> str:
    return str(rate.numerator) if rate.denominator == 1 else f"{rate}"


def finish(*, preview_id, values: dict) -> str:
    """Record the processed media and make the preview `ready`, then update its task."""
    with transaction.atomic():
        preview = (
            PreviewFile.objects.select_for_update(of=("self",))
            .select_related("task__project")
            .filter(pk=preview_id)
            .first()
        )
        if preview is None:  # deleted while processing: its media go with it
            for item in storage.media_of(preview_id, "mp4") + storage.media_of(preview_id, "png"):
                storage.delete(item)
            return "deleted"
        data = values.pop("data", None)
        if data:
            preview.data = {**(preview.data or {}), **data}
        for key, value in values.items():
            setattr(preview, key, value)
        preview.status = PreviewStatus.READY
        preview.broken_reason = None
        preview.save()
        update_task_preview(preview)
    return PreviewStatus.READY


def mark_broken(*, preview_id, reason: str) -> None:
    logger.warning("Preview %s is broken: %s", preview_id, reason)
    PreviewFile.objects.filter(pk=preview_id).exclude(status=PreviewStatus.READY).update(
        status=PreviewStatus.BROKEN, broken_reason=reason[:2000], updated_at=timezone.now()
    )


def attempt_failed(*, preview_id: str, reason: str) -> None:
    """A processing job raised, timed out or vanished: queue another attempt, or give up
    once PREVIEW_MAX_ATTEMPTS attempts have started."""
    with transaction.atomic():
        preview = PreviewFile.objects.select_for_update().filter(pk=preview_id).first()
        if preview is None or preview.status != PreviewStatus.PROCESSING:
            return
        if preview.attempts >= settings.PREVIEW_MAX_ATTEMPTS:
            mark_broken(
                preview_id=preview.pk,
                reason=f"Processing failed {preview.attempts} times; last error: {reason}",
            )
            return
        preview.broken_reason = f"Attempt {preview.attempts} failed, retrying: {reason}"[:2000]
        preview.save(update_fields=["broken_reason", "updated_at"])
        enqueue_processing(preview)


def requeue(*, preview: PreviewFile) -> bool:
    """Start processing a broken or stuck preview again from its stored upload, with a fresh
    count of attempts. False when there is nothing to process (no upload, other file)."""
    if preview.extension not in ("png", "mp4") or not preview.is_uploaded:
        return False
    upload = (
        storage.movie("source", preview.pk)
        if preview.extension == "mp4"
        else storage.picture(storage.PICTURE_UPLOAD, preview.pk)
    )
    if storage.size_of(upload) is None:
        if preview.extension == "png" and storage.size_of(storage.picture("original", preview.pk)):
            # A processed picture keeps only its sRGB PNG original: rebuild from that.
            staging = storage.work_dir() / f"requeue-{preview.pk}.png"
            staging.parent.mkdir(parents=True, exist_ok=True)
            with storage.local_copy(storage.picture("original", preview.pk)) as original:
                shutil.copyfile(original, staging)
            storage.store(upload, staging)
        else:
            PreviewFile.objects.filter(pk=preview.pk).update(
                status=PreviewStatus.MISSING,
                broken_reason="The uploaded media is no longer stored.",
                updated_at=timezone.now(),
            )
            return False
    with transaction.atomic():
        preview = PreviewFile.objects.select_for_update().get(pk=preview.pk)
        preview.status = PreviewStatus.PROCESSING
        preview.broken_reason = None
        preview.attempts = 0
        preview.attempt_started_at = None
        preview.save(
            update_fields=[
                "status",
                "broken_reason",
                "attempts",
                "attempt_started_at",
                "updated_at",
            ]
        )
        enqueue_processing(preview)
    return True


# ---------------------------------------------------------------------------------------------
# Task and entity links (§4.1 task info update, §4.4 main preview)


def update_task_preview(preview: PreviewFile) -> None:
    """A new main (position 1) picture or movie becomes the task's last preview, and the
    entity's main preview on projects that automate it."""
    if preview.position != 1 or preview.task_id is None:
        return
    Task.objects.filter(pk=preview.task_id).update(
        last_preview_file_id=preview.pk, updated_at=timezone.now()
    )
    task = preview.task
    if task.project.is_set_preview_automated:
        Entity.objects.filter(pk=task.entity_id).update(
            preview_file_id=preview.pk, updated_at=timezone.now()
        )


def set_main_preview(*, preview: PreviewFile) -> Entity:
    """Make `preview` the thumbnail of its task's entity; returns the entity."""
    entity = Entity.objects.get(pk=preview.task.entity_id)
    entity.preview_file_id = preview.pk
    entity.save(update_fields=["preview_file_id", "updated_at"])
    return entity


def update_position(*, preview: PreviewFile, position: int) -> list[PreviewFile]:
    """Move a preview inside its revision and renumber 1..n (§4.2); out of range: no change.
    Returns the revision's previews in their (new) order."""
    with transaction.atomic():
        Task.objects.select_for_update().filter(pk=preview.task_id).first()
        line = selectors.revision_line(preview)
        if 1 <= position <= len(line):
            moved = next(item for item in line if item.pk == preview.pk)
            line.remove(moved)
            line.insert(position - 1, moved)
            for number, item in enumerate(line, start=1):
                if item.position != number:
                    item.position = number
                    item.save(update_fields=["position", "updated_at"])
    return line


def update_preview(*, preview: PreviewFile, values: dict) -> PreviewFile:
    """CRUD update. A new revision on a main preview is checked like a new slot and carries
    the revision's extra previews along (§6.14)."""
    with transaction.atomic():
        new_revision = values.get("revision")
        if (
            new_revision is not None
            and new_revision != preview.revision
            and preview.position == 1
            and preview.task_id is not None
        ):
            Task.objects.select_for_update().filter(pk=preview.task_id).first()
            if PreviewFile.objects.filter(
                task_id=preview.task_id, revision=new_revision, position=1
            ).exists():
                raise errors.RevisionTaken(new_revision)
            PreviewFile.objects.filter(task_id=preview.task_id, revision=preview.revision).exclude(
                pk=preview.pk
            ).update(revision=new_revision, updated_at=timezone.now())
        return records.update_record(preview, values)  # columns, and the comment links


# ---------------------------------------------------------------------------------------------
# Deletion (§4.8)


def delete_preview(*, preview: PreviewFile, force: bool) -> None:
    """Remove a preview: unset it as main preview and as the task's last preview (the most
    recent remaining one takes its place), then delete its media when REMOVE_FILES or
    `force` (after the transaction commits: a rolled-back deletion keeps its media)."""
    with transaction.atomic():
        task_id = preview.task_id
        Entity.objects.filter(preview_file_id=preview.pk).update(
            preview_file_id=None, updated_at=timezone.now()
        )
        preview.comments.clear()
        preview_id, extension = preview.pk, preview.extension
        preview.delete()
        if task_id is not None:
            task = Task.objects.select_related("project").filter(pk=task_id).first()
            if task is not None and task.last_preview_file_id == preview_id:
                replacement = selectors.latest_media_preview(task)
                Task.objects.filter(pk=task_id).update(
                    last_preview_file_id=replacement.pk if replacement else None,
                    updated_at=timezone.now(),
                )
        if force or settings.REMOVE_FILES:
            items = storage.media_of(preview_id, extension)
            transaction.on_commit(lambda: [storage.delete(item) for item in items])


# ---------------------------------------------------------------------------------------------
# Thumbnails from a chosen frame (§4.4), comment attachments


def use_frame_as_thumbnail(*, preview: PreviewFile, frame_number: int) -> None:
    """Rebuild a movie preview's pictures (original, thumbnails, previews) from frame
    `frame_number` (1-based; 0 and below mean the first) of its stored movie. The row's
    updated_at moves, so browsers holding the old thumbnail see a new Last-Modified."""
    found = selectors.stored_movie(preview, "originals")
    if found is None:
        raise errors.BinaryNotAvailable()
    storage.work_dir().mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(dir=storage.work_dir(), prefix=f"{preview.pk}-frame-"))
    try:
        frame = workdir / "frame.png"
        with storage.local_copy(found[0]) as movie_path:
            written = media.extract_frame(
                movie_path, frame_number=max(frame_number, 1), output=frame
            )
        if not written:
            raise errors.FrameBeyondEnd(frame_number)
        variants = images.write_variants(frame, workdir, max_pixels=settings.MAX_IMAGE_PIXELS)
        _store_variants(preview.pk, variants)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    PreviewFile.objects.filter(pk=preview.pk).update(updated_at=timezone.now())


def attach_file(*, comment: Comment, upload) -> AttachmentFile:
    """Store a comment attachment (files bucket, `attachments-<id>`) and its row."""
    original_name, extension = split_file_name(upload.name)
    attachment = AttachmentFile.objects.create(
        name=Path(upload.name).name[:250],
        size=upload.size,
        extension=extension[:6],
        mimetype=(upload.content_type or "application/octet-stream")[:255],
        comment=comment,
    )
    storage.store(storage.attachment(attachment.pk), Path(upload.temporary_file_path()))
    return attachment


# ---------------------------------------------------------------------------------------------
# Batch comments (§6.2)


@dataclass
class BatchComment:
    """One comment of a batch, checked by the caller, with its uploaded file parts."""

    task: Task
    task_status: TaskStatus
    author: Person
    text: str
    checklist: list
    links: list
    created_at: object = None
    attachments: list = field(default_factory=list)
    previews: list = field(default_factory=list)
    # Filled by post_comments:
    comment: Comment | None = None
    attachment_files: list = field(default_factory=list)
    preview_files: list = field(default_factory=list)


def post_comments(entries: list[BatchComment]) -> list[BatchComment]:
    """Write the comments of a batch with their attachments and previews, all or none.

    A preview file we cannot take is dropped, as Zou does in batches. If the batch fails,
    the media already moved into storage are deleted with the rolled-back rows."""
    stored: list[storage.Media] = []
    try:
        with transaction.atomic():
            for entry in entries:
                _post_comment(entry, stored)
    except BaseException:
        for item in stored:
            storage.delete(item)
        raise
    return entries


def _post_comment(entry: BatchComment, stored: list) -> None:
    entry.comment = production_services.create_comment(
        task=entry.task,
        task_status=entry.task_status,
        author=entry.author,
        text=entry.text,
        checklist=entry.checklist,
        links=entry.links,
        created_at=entry.created_at,
    )
    for upload in entry.attachments:
        attachment = attach_file(comment=entry.comment, upload=upload)
        entry.attachment_files.append(attachment)
        stored.append(storage.attachment(attachment.pk))
    for upload in entry.previews:
        slot = add_preview_slot(task=entry.task, comment=entry.comment, author=entry.author)
        try:
            preview = receive_media(preview=slot, upload=upload)
        except DomainError:  # Zou skips a preview it cannot take and keeps the comment
            continue
        entry.preview_files.append(preview)
        stored.extend(storage.media_of(slot.pk, preview.extension))
    entry.comment.refresh_from_db()
