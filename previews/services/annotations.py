"""Changing a preview's annotations: reviewers' drawings on its frames (Zou's
update-annotations, and the `annotations` of the generic PUT).

Each change runs in one transaction under the preview's row lock, from the row as the
previous writer left it: two reviewers saving at once queue up and both keep their drawings
(Zou takes a Redis lock and goes on without one when Redis is down). The rules of the list
itself are in previews/annotations.py.
"""

from typing import Any

from django.db import transaction

from kitsufiles.records import reload_locked
from kitsufiles.versions import IfMatch, check_version
from previews import annotations, rendering
from previews.models import PreviewFile


# No savepoint of its own: the route reads its answer in the same transaction, and a failure
# rolls the whole of it back (a savepoint would cost two round trips).
@transaction.atomic(savepoint=False)
def update_annotations(
    *,
    preview: PreviewFile,
    additions: Any = None,
    updates: Any = None,
    deletions: Any = None,
    if_match: IfMatch | None = None,
) -> PreviewFile:
    """Apply the changes to `preview` (its task, project and entity already read: they give
    the frame rate) and save it; refused as a whole when a change is malformed
    (InvalidAnnotations) or `if_match` names another version (PreconditionFailed)."""
    reload_locked(preview)
    check_version(if_match, preview)
    preview.annotations = annotations.apply_changes(
        preview.annotations,
        additions=additions,
        updates=updates,
        deletions=deletions,
        rate=rendering.preview_frame_rate(preview),
    )
    preview.save(update_fields=["annotations", "updated_at"])
    return preview


def normalized_annotations(preview: PreviewFile, value: Any) -> list[dict[str, Any]] | None:
    """A whole new list for `preview` (the generic PUT): checked, ids given, frames
    numbered, entries of one frame merged."""
    return annotations.normalized(value, rendering.preview_frame_rate(preview))
