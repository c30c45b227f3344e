from django.urls import path

from kitsufiles.api.crud import crud_urls
from previews.api import (
    annotations,
    backgrounds,
    batch,
    comments,
    extraction,
    listings,
    media,
    records,
    slots,
)
from production.shapes import ASSET

PREVIEW = "preview-files/<str:preview_id>"
COMMENT = "actions/tasks/<str:task_id>/comments/<str:comment_id>"

urlpatterns = [
    # Slots on comments, batch comments, task-level routes
    path(f"{COMMENT}/add-preview", slots.AddPreviewView.as_view()),
    path(f"{COMMENT}/preview-files/<str:preview_id>", slots.ExtraPreviewView.as_view()),
    path("actions/tasks/batch-comment", batch.BatchCommentView.as_view()),
    path("actions/tasks/set-main-preview", slots.TasksSetMainPreviewView.as_view()),
    path("actions/tasks/<str:task_id>/batch-comment", batch.BatchCommentView.as_view()),
    path("actions/tasks/<str:task_id>/set-main-preview", slots.TaskSetMainPreviewView.as_view()),
    path("data/tasks/<str:task_id>/previews", listings.TaskPreviewsView.as_view()),
    path("data/tasks/<str:task_id>/comments", listings.TaskCommentsView.as_view()),
    path(f"actions/{PREVIEW}/set-main-preview", slots.PreviewSetMainPreviewView.as_view()),
    path(f"actions/{PREVIEW}/update-position", slots.UpdatePositionView.as_view()),
    path(
        "data/projects/<str:project_id>/preview-files", listings.ProjectPreviewFilesView.as_view()
    ),
    path("data/playlists/preview-files/running", listings.RunningPreviewsView.as_view()),
    # Upload and delivery of the media
    path(f"pictures/{PREVIEW}", media.UploadView.as_view()),
    path(f"movies/originals/{PREVIEW}.mp4", media.MovieView.as_view(route="originals")),
    path(
        f"movies/originals/{PREVIEW}/download",
        media.MovieView.as_view(route="originals", attachment=True),
    ),
    path(f"movies/low/{PREVIEW}.mp4", media.MovieView.as_view(route="low")),
    path(f"movies/source/{PREVIEW}.mp4", media.MovieView.as_view(route="source")),
    path(
        f"movies/tiles/{PREVIEW}.png",
        media.PictureView.as_view(prefix="tiles", shared_asset_rule=False),
    ),
    path(f"pictures/thumbnails/{PREVIEW}.png", media.PictureView.as_view(prefix="thumbnails")),
    path(
        f"pictures/thumbnails-square/{PREVIEW}.png",
        media.PictureView.as_view(prefix="thumbnails-square"),
    ),
    path(f"pictures/originals/{PREVIEW}.png", media.PictureView.as_view(prefix="original")),
    path(
        f"pictures/previews/{PREVIEW}.png",
        media.PictureView.as_view(prefix="previews", shared_asset_rule=False),
    ),
    path(f"pictures/originals/{PREVIEW}/download", media.OriginalDownloadView.as_view()),
    path(
        "pictures/originals/preview-files/<str:preview_id>.<str:extension>",
        media.OriginalFileView.as_view(),
    ),
    *crud_urls(records.RESOURCES),
    # Frames and tile sheets made on demand from the stored movie
    path(f"actions/{PREVIEW}/extract-frame", extraction.ExtractFrameView.as_view()),
    path(f"actions/{PREVIEW}/extract-tile", extraction.ExtractTileView.as_view()),
    # Entity preview listings and attachments (issue 13, part 5); the comment route is here
    # because attachments are stored with the previews' media.
    path("actions/tasks/<str:task_id>/comment", comments.CommentTaskView.as_view()),
    path(f"{COMMENT}/add-attachment", comments.AddAttachmentView.as_view()),
    path("data/tasks/<str:task_id>/attachment-files", listings.TaskAttachmentFilesView.as_view()),
    path(
        "data/projects/<str:project_id>/attachment-files",
        listings.ProjectAttachmentFilesView.as_view(),
    ),
    path(
        "data/attachment-files/<str:attachment_id>/file/<path:file_name>",
        comments.AttachmentFileView.as_view(),
    ),
    path(
        "data/playlists/entities/<str:entity_id>/preview-files",
        listings.EntityPreviewFilesView.as_view(kind=None),
    ),
    *(
        path(
            f"data/{collection}/<str:entity_id>/preview-files",
            listings.EntityPreviewFilesView.as_view(kind=kind),
        )
        for kind, collection in (
            (ASSET, "assets"),
            ("Shot", "shots"),
            ("Edit", "edits"),
            ("Concept", "concepts"),
        )
    ),  # fmt: skip
    # Annotated frames (contract §4.5): pictures now, movies once frames are extracted
    path(f"actions/{PREVIEW}/extract-annotated-frame", media.AnnotatedFrameView.as_view()),
    path(f"actions/{PREVIEW}/extract-annotated-frames", media.AnnotatedFramesView.as_view()),
    path(
        f"actions/{PREVIEW}/extract-annotated-frames-pdf",
        media.AnnotatedFramesView.as_view(pdf=True),
    ),
]

# Preview background files (HDR environments for the 3D viewer)
BACKGROUND = "preview-background-files/<str:background_id>"
urlpatterns += [
    # (the download first: the upload's `<id>` would take "<id>.hdr" whole)
    path(
        "pictures/preview-background-files/<str:background_id>.<str:extension>",
        backgrounds.FileView.as_view(),
    ),
    path(f"pictures/{BACKGROUND}", backgrounds.UploadView.as_view()),
    path(f"pictures/thumbnails/{BACKGROUND}.png", backgrounds.ThumbnailView.as_view()),
    path(
        "data/projects/<str:project_id>/settings/preview-background-files",
        backgrounds.ProjectBackgroundsView.as_view(),
    ),
    path(
        f"data/projects/<str:project_id>/settings/{BACKGROUND}",
        backgrounds.ProjectBackgroundView.as_view(),
    ),
    path(
        "data/projects/<str:project_id>/default-preview-background-file",
        backgrounds.ProjectDefaultBackgroundView.as_view(),
    ),
    *crud_urls(backgrounds.RESOURCES),
]

# Annotations (reviewers' drawings on a preview's frames)
urlpatterns += [
    path(f"actions/{PREVIEW}/update-annotations", annotations.UpdateAnnotationsView.as_view()),
]
