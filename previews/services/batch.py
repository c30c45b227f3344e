"""Batch comments: several comments at once, each with its attachments and previews, all
written or none (docs/compatibility.md#previews)."""

import mimetypes
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction

from kitsufiles.errors import DomainError, WrongParameter
from kitsufiles.stores.objects import StoreUnavailable
from kitsufiles.uploads import HashedUploadedFile
from previews import storage
from previews.models import PreviewFile
from previews.services import slots, uploads
from production import services as production_services
from production.models import AttachmentFile, Comment, Person, Task, TaskStatus

GENERIC_TYPE = "application/octet-stream"


@dataclass
class BatchComment:
    """One comment of a batch, checked by the caller, with its uploaded file parts."""

    task: Task
    task_status: TaskStatus
    author: Person
    text: str
    checklist: list[Any]
    links: list[Any]
    created_at: datetime | None = None
    for_client: bool = False
    attachments: list[HashedUploadedFile] = field(default_factory=list)
    previews: list[HashedUploadedFile] = field(default_factory=list)
    # Filled by post_comments:
    comment: Comment | None = None
    attachment_files: list[AttachmentFile] = field(default_factory=list)
    preview_files: list[PreviewFile] = field(default_factory=list)


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


def _post_comment(entry: BatchComment, stored: list[storage.Media]) -> None:
    comment = production_services.create_comment(
        task=entry.task,
        task_status=entry.task_status,
        author=entry.author,
        text=entry.text,
        checklist=entry.checklist,
        links=entry.links,
        for_client=entry.for_client,
        created_at=entry.created_at,
    )
    entry.comment = comment
    for upload in entry.attachments:
        attachment = attach_file(comment=comment, upload=upload)
        entry.attachment_files.append(attachment)
        stored.append(storage.attachment(attachment.pk))
    for upload in entry.previews:
        slot = slots.add_preview_slot(task=entry.task, comment=comment, author=entry.author)
        try:
            preview = uploads.receive_media(preview=slot, upload=upload)
        except StoreUnavailable:  # not the preview's fault: the whole batch fails (503)
            raise
        except DomainError:  # Zou skips a preview it cannot take and keeps the comment
            continue
        entry.preview_files.append(preview)
        stored.extend(storage.media_of(slot.pk, preview.extension))
    comment.refresh_from_db()


def attach_files(*, comment: Comment, uploads: list[HashedUploadedFile]) -> list[AttachmentFile]:
    """Add attachments to an existing comment, all or none: if one is refused, the files
    already moved into storage are deleted with the rolled-back rows."""
    stored: list[storage.Media] = []
    attachments: list[AttachmentFile] = []
    try:
        with transaction.atomic():
            for upload in uploads:
                attachment = attach_file(comment=comment, upload=upload)
                attachments.append(attachment)
                stored.append(storage.attachment(attachment.pk))
    except BaseException:
        for item in stored:
            storage.delete(item)
        raise
    return attachments


def attach_file(*, comment: Comment, upload: HashedUploadedFile) -> AttachmentFile:
    """Store a comment attachment (files bucket, `attachments-<id>`) and its row. The bytes
    are the upload's as received (streamed into a sink, then committed: never decoded nor
    held in memory); its size is the measured one. The row is written first (its id is the
    key) in the caller's transaction: a store that fails rolls it back. Two attachments of
    one comment with the same name are refused (400): the second would replace the first
    under its name."""
    name = Path(upload.name or "").name[:250]
    if not name:
        raise WrongParameter("An attachment needs a file name.")
    if AttachmentFile.objects.filter(comment=comment, name=name).exists():
        raise WrongParameter(f"The comment already has an attachment named {name}.")
    _, extension = uploads.split_file_name(name)
    attachment = AttachmentFile.objects.create(
        name=name,
        size=upload.size or 0,
        extension=extension[:6],
        mimetype=_mimetype(upload.content_type, name)[:255],
        comment=comment,
    )
    upload.commit(storage.attachment(attachment.pk).name)
    return attachment


def _mimetype(sent: str | None, name: str) -> str:
    """The type the client sent; when it sent none (gazu's parts carry no Content-Type) or
    only "bytes", the one the file name says, so that a picture is served as one."""
    if sent and sent != GENERIC_TYPE:
        return sent
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or GENERIC_TYPE
