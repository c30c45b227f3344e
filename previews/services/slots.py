"""Preview slots on comments, their revisions and positions, the main previews of tasks and
entities, and deleting a preview.

A comment gets an empty preview slot (status `processing`) whose revision and position are
decided here, under the task's row lock; the client then uploads the media into it
(`uploads.py`). Revisions are allocated under that lock so that two comments posted at once do
not share one (docs/compatibility.md#previews).
"""

import uuid
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kitsufiles import records
from kitsufiles.errors import NotFound
from kitsufiles.records import lock_row, reload_locked
from kitsufiles.versions import IfMatch, check_version
from previews import errors, selectors, storage
from previews.models import PreviewFile, PreviewStatus
from previews.services.annotations import normalized_annotations
from production.models import Comment, Entity, Person, Task


@transaction.atomic
def add_preview_slot(
    *,
    task: Task,
    comment: Comment,
    author: Person,
    revision: int | None = None,
    same_revision_as: PreviewFile | None = None,
) -> PreviewFile:
    """An empty preview (status processing) linked to `comment`, on `task`: in the revision of
    `same_revision_as`, or `revision`, or the comment's revision, or a new one."""
    lock_row(Task, task.pk)
    revision, position = _place_of_new_slot(task, comment, revision, same_revision_as)
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


def _place_of_new_slot(
    task: Task, comment: Comment, revision: int | None, same_revision_as: PreviewFile | None
) -> tuple[int, int]:
    """(revision, position) of a new slot. The first preview of a comment opens a new revision
    (or takes the one asked for, if no other comment holds it); the next ones join it."""
    if same_revision_as is not None:
        revision = same_revision_as.revision
    elif revision is None:
        first = selectors.first_preview_on_comment(comment)
        if first is None:
            return selectors.highest_revision(task) + 1, 1
        revision = first.revision
    elif selectors.first_preview_on_comment(comment) is None and selectors.revision_taken(
        task.pk, revision
    ):
        raise errors.RevisionTaken(revision)
    return revision, selectors.count_in_revision(task, revision) + 1


@transaction.atomic(savepoint=False)  # the route's transaction rolls back whole on a refusal
def update_position(
    *, preview: PreviewFile, position: int, if_match: IfMatch | None = None
) -> list[PreviewFile]:
    """Move a preview inside its revision and renumber 1..n; out of range: no change. Returns
    the revision's previews in their (new) order. With `if_match`, refused (412) unless it
    names the preview's current version (docs/compatibility.md#optimistic-concurrency)."""
    if if_match is not None:
        # The preview's lock before the task's, the order of every path that takes both
        # (processing, the generic PUT of a new revision): no deadlock between them.
        reload_locked(preview)
        check_version(if_match, preview)
    lock_row(Task, preview.task_id)
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


@transaction.atomic
def update_preview(*, preview: PreviewFile, values: dict[str, Any]) -> PreviewFile:
    """The generic CRUD update. A new revision on a main preview is checked like a new slot,
    and the revision's extra previews move along with it. A new `annotations` list replaces
    the old one whole, once checked, with ids and frame numbers (annotations.py)."""
    if "annotations" in values:
        values = {**values, "annotations": normalized_annotations(preview, values["annotations"])}
    new_revision = values.get("revision")
    if (
        new_revision is not None
        and new_revision != preview.revision
        and preview.position == 1
        and preview.task_id is not None
    ):
        lock_row(Task, preview.task_id)
        if selectors.revision_taken(preview.task_id, new_revision):
            raise errors.RevisionTaken(new_revision)
        PreviewFile.objects.filter(task_id=preview.task_id, revision=preview.revision).exclude(
            pk=preview.pk
        ).update(revision=new_revision, updated_at=timezone.now())
    records.update_record(preview, values)  # columns, and the comment links
    return preview


# ---------------------------------------------------------------------------------------------
# Main previews: the task's last preview and the entity's thumbnail


def update_task_preview(preview: PreviewFile) -> None:
    """A new main (position 1) picture or movie becomes the task's last preview, and the
    entity's main preview on projects that automate it. Runs inside the caller's transaction."""
    task = preview.task
    if preview.position != 1 or task is None:
        return
    Task.objects.filter(pk=task.pk).update(
        last_preview_file_id=preview.pk, updated_at=timezone.now()
    )
    if task.project.is_set_preview_automated:
        Entity.objects.filter(pk=task.entity_id).update(
            preview_file_id=preview.pk, updated_at=timezone.now()
        )


def _make_main_preview(preview_id: UUID, entity_id: UUID) -> Entity:
    entity = Entity.objects.get(pk=entity_id)
    entity.preview_file_id = preview_id
    entity.save(update_fields=["preview_file_id", "updated_at"])
    return entity


@transaction.atomic
def set_main_preview(*, preview: PreviewFile) -> Entity:
    """Make `preview` the thumbnail of its task's entity; returns the entity. A preview made
    without a task (through the generic CRUD) has no entity to show it."""
    if preview.task is None:
        raise NotFound()
    return _make_main_preview(preview.pk, preview.task.entity_id)


@transaction.atomic
def set_task_main_preview(*, task: Task) -> Entity:
    """The task's main preview of its highest revision becomes its entity's thumbnail."""
    preview = selectors.last_main_preview(task)
    if preview is None:
        raise errors.TaskHasNoPreview()
    return _make_main_preview(preview.pk, task.entity_id)


@transaction.atomic
def set_tasks_main_previews(*, tasks: list[Task]) -> list[Entity]:
    """`set_task_main_preview` for several tasks, all or nothing; tasks without a preview are
    skipped. Returns the entities changed, in the order of `tasks`."""
    entities = []
    for task in tasks:
        preview = selectors.last_main_preview(task)
        if preview is not None:
            entities.append(_make_main_preview(preview.pk, task.entity_id))
    return entities


# ---------------------------------------------------------------------------------------------
# Deletion


@transaction.atomic
def delete_preview(*, preview: PreviewFile, force: bool) -> None:
    """Remove a preview: unset it as main preview and as the task's last preview (the most
    recent remaining one takes its place), then delete its media when REMOVE_FILES or
    `force` (after the transaction commits: a rolled-back deletion keeps its media)."""
    task_id, preview_id, extension = preview.task_id, preview.pk, preview.extension
    Entity.objects.filter(preview_file_id=preview_id).update(
        preview_file_id=None, updated_at=timezone.now()
    )
    preview.comments.clear()
    preview.delete()
    if task_id is not None and selectors.is_last_preview_of_task(task_id, preview_id):
        replacement = selectors.latest_media_preview(task_id)
        Task.objects.filter(pk=task_id).update(
            last_preview_file_id=replacement.pk if replacement else None,
            updated_at=timezone.now(),
        )
    if force or settings.REMOVE_FILES:
        items = storage.media_of(preview_id, extension)

        def delete_media() -> None:
            for item in items:
                storage.delete(item)

        transaction.on_commit(delete_media)
