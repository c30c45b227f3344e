"""Processing a preview's media: the attempt state machine run by the jobs, pictures and
movies turned into the files the routes serve (frames and tiles made on demand: frames.py).

Each processing job is a numbered attempt (see previews.queue). `start_attempt` claims it,
`finish` records the result, `mark_broken` and `attempt_failed` end or retry it; each of these
writes in its own transaction. Media that cannot become a preview (corrupt, no video stream,
too slow) end `broken` with the reason; other failures are retried up to PREVIEW_MAX_ATTEMPTS
attempts (docs/compatibility.md#previews).
"""

import logging
import shutil
import time
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kitsufiles.stores.objects import StoreUnavailable
from previews import media, queue, rendering, storage
from previews.models import PreviewFile, PreviewStatus
from previews.services import slots
from thumbnails import images

logger = logging.getLogger(__name__)

MAX_REASON_LENGTH = 2000


def _locked_preview(preview_id: UUID | str, *related: str) -> PreviewFile | None:
    """The preview row, locked until the transaction ends (None if it is gone). Only the
    preview row is locked: PostgreSQL cannot lock the nullable side of the outer join to its
    task."""
    return (
        PreviewFile.objects.select_for_update(of=("self",))
        .select_related(*related)
        .filter(pk=preview_id)
        .first()
    )


# ---------------------------------------------------------------------------------------------
# Attempts


@transaction.atomic
def start_attempt(*, preview_id: UUID | str, attempt: int) -> PreviewFile | None:
    """Claim a processing attempt for the job queued as attempt number `attempt`; None when
    the job is stale: the preview is gone or no longer processing, or another job holds the
    attempt and is still within the job timeout. A job handed out again because its worker
    died (the previous holder is past the timeout) takes the next attempt."""
    preview = _locked_preview(preview_id, "task__project", "task__entity")
    if preview is None or preview.status != PreviewStatus.PROCESSING:
        return None
    now = timezone.now()
    holder_dead = preview.attempt_started_at is None or (
        preview.attempt_started_at < now - timedelta(seconds=queue.job_timeout_seconds())
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


def process(*, preview_id: UUID | str, attempt: int) -> str:
    """One processing attempt. Media that cannot become a preview end `broken` with the
    reason; other errors propagate so the job is retried: a store that is down
    (StoreUnavailable, while the source is read or an output stored) fails the attempt, and
    the job's hook queues the next one within PREVIEW_MAX_ATTEMPTS. The source is read from
    the store into the work folder and every output put into the store: a job needs no disk
    shared with the web servers (docs/decisions/object-storage.md)."""
    preview = start_attempt(preview_id=preview_id, attempt=attempt)
    if preview is None:
        return "skipped"
    with storage.scratch_dir(prefix=f"{preview.pk}-") as workdir:
        try:
            if is_kept_upload(preview):
                values = _process_kept_upload(preview, workdir)
            elif preview.extension == "png":
                values = _process_picture(preview, workdir)
            else:
                values = _process_movie(preview, workdir)
        except (images.PictureError, media.MediaError) as error:
            mark_broken(preview_id=preview.pk, reason=str(error))
            return PreviewStatus.BROKEN
    return finish(preview_id=preview.pk, values=values)


def process_inline(*, preview: PreviewFile) -> PreviewFile:
    """Process in the caller's thread (`no_job=true`) a preview whose upload has committed; a
    failure leaves the preview broken with its reason rather than failing the request (the
    upload itself succeeded), but a store that is down queues a job for another attempt.
    Returns the preview as it now is."""
    if preview.status != PreviewStatus.PROCESSING:
        return preview
    try:
        process(preview_id=str(preview.pk), attempt=preview.attempts + 1)
    except StoreUnavailable as error:  # not the media's fault: a job tries again later
        logger.warning("Processing preview %s met a store that is down: %s", preview.pk, error)
        attempt_failed(preview_id=preview.pk, reason=str(error))
    except Exception as error:  # noqa: BLE001 (any failure is reported on the preview)
        logger.exception("Processing preview %s failed", preview.pk)
        mark_broken(preview_id=preview.pk, reason=f"Processing failed: {error}")
    preview.refresh_from_db()
    return preview


@transaction.atomic
def finish(*, preview_id: UUID | str, values: dict[str, Any]) -> str:
    """Record the processed media and make the preview `ready`, then update its task."""
    preview = _locked_preview(preview_id, "task__project")
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
    slots.update_task_preview(preview)
    return PreviewStatus.READY


@transaction.atomic
def mark_broken(*, preview_id: UUID | str, reason: str) -> None:
    """End processing with `reason` (a preview already ready stays ready)."""
    logger.warning("Preview %s is broken: %s", preview_id, reason)
    PreviewFile.objects.filter(pk=preview_id).exclude(status=PreviewStatus.READY).update(
        status=PreviewStatus.BROKEN,
        broken_reason=reason[:MAX_REASON_LENGTH],
        updated_at=timezone.now(),
    )


@transaction.atomic
def attempt_failed(*, preview_id: UUID | str, reason: str) -> None:
    """A processing job raised, timed out or vanished: queue another attempt, or give up
    once PREVIEW_MAX_ATTEMPTS attempts have started."""
    preview = _locked_preview(preview_id)
    if preview is None or preview.status != PreviewStatus.PROCESSING:
        return
    if preview.attempts >= settings.PREVIEW_MAX_ATTEMPTS:
        mark_broken(
            preview_id=preview.pk,
            reason=f"Processing failed {preview.attempts} times; last error: {reason}",
        )
        return
    preview.broken_reason = f"Attempt {preview.attempts} failed, retrying: {reason}"[
        :MAX_REASON_LENGTH
    ]
    preview.save(update_fields=["broken_reason", "updated_at"])
    queue.enqueue_processing(preview)


def requeue(*, preview: PreviewFile) -> bool:
    """Start processing a broken or stuck preview again from its stored upload, with a fresh
    count of attempts. False when there is nothing to process (no upload, other file); a
    preview whose upload is gone becomes `missing`."""
    if preview.extension not in ("png", "mp4") or not preview.is_uploaded:
        return False
    if not _upload_restored(preview):
        with transaction.atomic():
            PreviewFile.objects.filter(pk=preview.pk).update(
                status=PreviewStatus.MISSING,
                broken_reason="The uploaded media is no longer stored.",
                updated_at=timezone.now(),
            )
        return False
    with transaction.atomic():
        locked = _locked_preview(preview.pk)
        if locked is None:
            return False
        locked.status = PreviewStatus.PROCESSING
        locked.broken_reason = None
        locked.attempts = 0
        locked.attempt_started_at = None
        locked.save(
            update_fields=[
                "status",
                "broken_reason",
                "attempts",
                "attempt_started_at",
                "updated_at",
            ]
        )
        queue.enqueue_processing(locked)
    return True


def _upload_restored(preview: PreviewFile) -> bool:
    """Whether the upload a job processes is stored. A processed picture keeps only its sRGB
    PNG original: the upload is rebuilt from that (a VFX picture's, or a sequence's archive,
    is kept as it came)."""
    if is_kept_upload(preview):
        return storage.size_of(storage.other_file(preview.pk)) is not None
    upload = (
        storage.movie("source", preview.pk)
        if preview.extension == "mp4"
        else storage.picture(storage.PICTURE_UPLOAD, preview.pk)
    )
    if storage.size_of(upload) is not None:
        return True
    original = storage.picture("original", preview.pk)
    if preview.extension != "png" or not storage.size_of(original):
        return False
    with storage.scratch_dir(prefix=f"requeue-{preview.pk}-") as workdir:
        staging = workdir / "upload.png"
        with storage.local_copy(original) as source:
            shutil.copyfile(source, staging)
        storage.store(upload, staging)
    return True


# ---------------------------------------------------------------------------------------------
# Pictures and movies


@dataclass(frozen=True)
class StoredPictures:
    width: int  # of the original
    height: int
    original_size: int  # bytes of the sRGB PNG original


def store_pictures(preview_id: UUID | str, picture: Path, workdir: Path) -> StoredPictures:
    """The four pictures of a preview (original, thumbnails, thumbnails-square, previews)
    made from `picture` and stored."""
    variants = images.write_variants(picture, workdir, max_pixels=settings.MAX_IMAGE_PIXELS)
    storage.store(storage.picture("thumbnails", preview_id), variants.thumbnails)
    storage.store(storage.picture("thumbnails-square", preview_id), variants.thumbnails_square)
    storage.store(storage.picture("previews", preview_id), variants.previews)
    original_size = storage.store(storage.picture("original", preview_id), variants.original)
    return StoredPictures(variants.width, variants.height, original_size)


def _process_picture(preview: PreviewFile, workdir: Path) -> dict[str, Any]:
    upload = storage.picture(storage.PICTURE_UPLOAD, preview.pk)
    with storage.local_copy(upload) as source:
        pictures = store_pictures(preview.pk, source, workdir)
    storage.delete(upload)  # the sRGB PNG `original` replaces it
    return {"width": pictures.width, "height": pictures.height, "file_size": pictures.original_size}


def is_kept_upload(preview: PreviewFile) -> bool:
    """Whether the preview was made from an upload kept as it came (a VFX picture, an image
    sequence's archive: previews.services.uploads), which its originals' routes serve."""
    return bool((preview.data or {}).get("original_extension")) and preview.extension in (
        "png",
        "mp4",
    )


def colour_request(preview: PreviewFile) -> media.ColourRequest:
    """The colour asked for a preview's pictures: the settings' config, display and view;
    the upload's, else the project's `data.color_space` (docs/decisions/vfx-pictures.md)."""
    project = preview.task.project if preview.task is not None else None
    project_data = project.data if project is not None and isinstance(project.data, dict) else {}
    return media.ColourRequest(
        config=settings.PREVIEW_OCIO_CONFIG or media.DEFAULT_CONFIG,
        display=settings.PREVIEW_OCIO_DISPLAY or None,
        view=settings.PREVIEW_OCIO_VIEW or None,
        upload_color_space=_text((preview.data or {}).get("color_space")),
        project_color_space=_text(project_data.get("color_space")),
    )


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _process_kept_upload(preview: PreviewFile, workdir: Path) -> dict[str, Any]:
    """A VFX picture, or an image sequence, from its upload kept in the files bucket."""
    data = preview.data or {}
    extension = str(data["original_extension"])
    layer = _text(data.get("layer"))
    with storage.local_copy(storage.other_file(preview.pk)) as source:
        if preview.extension == "png":
            # OpenImageIO knows a format by its file's extension first.
            named = workdir / f"upload.{extension}"
            _link_or_copy(source, named)
            picture = media.write_display_png(
                named,
                workdir / "display.png",
                colour=colour_request(preview),
                max_pixels=settings.MAX_IMAGE_PIXELS,
                layer=layer,
            )
            named.unlink()
            pictures = store_pictures(preview.pk, picture.path, workdir)
            return {
                "width": pictures.width,
                "height": pictures.height,
                "file_size": pictures.original_size,
                "data": picture.as_data(),
            }
        return _process_sequence(preview, source, extension, layer, workdir)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        target.hardlink_to(source)
    except OSError:  # another file system, or a store's temporary copy
        shutil.copyfile(source, target)


def _process_sequence(
    preview: PreviewFile, archive: Path, extension: str, layer: str | None, workdir: Path
) -> dict[str, Any]:
    """An archive of numbered pictures: one movie frame per picture at the project's frame
    rate, then the renditions, poster and tile sheet of any normalized movie."""
    if preview.task is None:
        raise media.MediaError("A sequence without a task has no project to give its rate.")
    kind = media.archive_kind(extension)
    if kind is None:
        raise media.MediaError(f"A .{extension} file is not an archive of pictures.")
    started = time.monotonic()
    sequence = media.read_sequence(archive, kind)
    movie_settings = rendering.movie_settings_for(preview.task)
    encoded = media.encode_sequence(
        archive,
        kind,
        sequence,
        workdir,
        frame_rate=movie_settings.frame_rate,
        colour=colour_request(preview),
        max_pixels=settings.MAX_IMAGE_PIXELS,
        timeout=settings.PREVIEW_PROCESSING_TIMEOUT,
        layer=layer,
    )
    info = media.probe_movie(encoded.movie)
    # One limit for the whole job: the renditions get what the frames left of it.
    left = settings.PREVIEW_PROCESSING_TIMEOUT - (time.monotonic() - started)
    served = _normalize_movie(preview, encoded.movie, info, workdir, timeout=max(1.0, left))
    encoded.movie.unlink(missing_ok=True)
    return served.values(
        {
            **sequence.as_data(),
            "color_transform": encoded.transform.as_data(),
            "layer": encoded.layer,
            "layers": list(encoded.layers),
            "original_width": encoded.width,
            "original_height": encoded.height,
        }
    )


@dataclass(frozen=True)
class ServedMovie:
    """The movie the routes serve for a preview, as the preview records it."""

    width: int
    height: int
    duration: float
    frame_rate: Fraction
    frame_count: int
    file_size: int
    remuxed: bool  # the upload was web-ready and copied, not encoded again

    @classmethod
    def of(
        cls,
        info: media.MovieInfo,
        *,
        file_size: int,
        remuxed: bool,
        size: tuple[int, int] | None = None,
    ) -> "ServedMovie":
        """The figures of the movie `info` describes; `size` when it is displayed at another
        size than it is stored."""
        width, height = size or (info.width, info.height)
        return cls(
            width=width,
            height=height,
            duration=info.duration,
            frame_rate=info.frame_rate,
            frame_count=info.frame_count,
            file_size=file_size,
            remuxed=remuxed,
        )

    def values(self, data: dict[str, Any]) -> dict[str, Any]:
        """What `finish` records of this movie, with `data` about its source."""
        return {
            "width": self.width,
            "height": self.height,
            "duration": self.duration,
            "file_size": self.file_size,
            "data": {
                **data,
                "frame_rate": rendering.frame_rate_text(self.frame_rate),
                "frame_count": self.frame_count,
                "remuxed": self.remuxed,
            },
        }


def _process_movie(preview: PreviewFile, workdir: Path) -> dict[str, Any]:
    """The renditions (or, with `normalize=false`, the upload as it is), the poster's four
    pictures and the tile sheet; the figures of what is served and of the upload."""
    normalize = (preview.data or {}).get("normalize", True)
    with storage.local_copy(storage.movie("source", preview.pk)) as source:
        upload = media.probe_movie(source)
        if normalize:
            served = _normalize_movie(preview, source, upload, workdir)
        else:
            served = _keep_movie(preview, source, upload, workdir)
    return served.values(
        {
            "original_width": upload.width,
            "original_height": upload.height,
            "original_duration": upload.duration,
            "original_frame_rate": rendering.frame_rate_text(upload.frame_rate),
            "original_frame_count": upload.frame_count,
        }
    )


def _normalize_movie(
    preview: PreviewFile,
    source: Path,
    upload: media.MovieInfo,
    workdir: Path,
    *,
    timeout: float | None = None,
) -> ServedMovie:
    """High-def and low-def renditions at the project's settings; the high-def one is served.
    `timeout`: the seconds left (default: PREVIEW_PROCESSING_TIMEOUT)."""
    if preview.task is None:
        raise media.MediaError("A movie without a task has no project to give its size and rate.")
    made = media.render_movie(
        source,
        workdir,
        rendering.movie_settings_for(preview.task),
        timeout=timeout if timeout is not None else settings.PREVIEW_PROCESSING_TIMEOUT,
        info=upload,
    )
    store_pictures(preview.pk, made.poster, workdir)
    _store_tile(preview.pk, made.tile)
    file_size = storage.store(storage.movie("previews", preview.pk), made.high_def)
    storage.store(storage.movie("lowdef", preview.pk), made.low_def)
    return ServedMovie.of(made.high_def_info, file_size=file_size, remuxed=made.remuxed)


def _keep_movie(
    preview: PreviewFile, source: Path, upload: media.MovieInfo, workdir: Path
) -> ServedMovie:
    """`normalize=false`: the upload is served as it is (the movie routes fall back to
    `source`); only the pictures and the tile sheet are made."""
    made = media.render_stills(
        source, workdir, timeout=settings.PREVIEW_PROCESSING_TIMEOUT, info=upload
    )
    pictures = store_pictures(preview.pk, made.poster, workdir)
    _store_tile(preview.pk, made.tile)
    return ServedMovie.of(
        upload,
        file_size=source.stat().st_size,
        remuxed=False,
        size=(pictures.width, pictures.height),  # square pixels, as displayed
    )


def _store_tile(preview_id: UUID | str, tile: Path | None) -> None:
    if tile is not None:
        storage.store(storage.picture("tiles", preview_id), tile)
