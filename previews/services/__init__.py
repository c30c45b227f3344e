"""Writes of previews, one module per use case:

- `slots`: empty preview slots on comments, revisions and positions, main previews, deletion;
- `uploads`: receiving a preview's media into its slot;
- `processing`: the processing attempts run by the jobs;
- `frames`: frames and tile sheets made on demand from a stored movie, thumbnails from a frame;
- `batch`: several comments at once, with their attachments and previews;
- `annotations`: reviewers' drawings on a preview's frames;
- `annotated_frames`: the annotated frames rendered for download (reads only; imported as
  `previews.services.annotated_frames`).
- `imports`: a folder of movies and pictures attached to tasks by file name (import_previews;
  imported as `previews.services.imports`).

The names callers use are importable from here.
"""

from previews.services.annotations import update_annotations
from previews.services.batch import BatchComment, attach_files, post_comments
from previews.services.frames import (
    extract_tile,
    frame_of_preview,
    use_frame_as_thumbnail,
    write_frame,
)
from previews.services.processing import (
    attempt_failed,
    mark_broken,
    process,
    process_inline,
    requeue,
    start_attempt,
)
from previews.services.slots import (
    add_preview_slot,
    delete_preview,
    set_main_preview,
    set_task_main_preview,
    set_tasks_main_previews,
    update_position,
    update_preview,
)
from previews.services.uploads import media_kind, receive_media, upload_options, upload_sink

__all__ = [
    "BatchComment",
    "add_preview_slot",
    "attach_files",
    "attempt_failed",
    "delete_preview",
    "extract_tile",
    "frame_of_preview",
    "mark_broken",
    "media_kind",
    "post_comments",
    "process",
    "process_inline",
    "receive_media",
    "upload_options",
    "requeue",
    "set_main_preview",
    "set_task_main_preview",
    "set_tasks_main_previews",
    "start_attempt",
    "update_annotations",
    "update_position",
    "update_preview",
    "upload_sink",
    "use_frame_as_thumbnail",
    "write_frame",
]
