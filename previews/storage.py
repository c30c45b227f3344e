"""Where preview media live: Zou's buckets and keys in the `previews` storage alias.

The storage itself (keys, Zou's sharded layout, storing, opening, deleting) is
kitsufiles/media_store.py, shared with the thumbnails app's avatars; this module adds the keys
of a preview's files and is what the previews app imports.
"""

from uuid import UUID

from kitsufiles.media_store import (
    Media,
    OpenedMedia,
    attachment,
    delete,
    local_copy,
    modified_at,
    open_media,
    open_stored,
    picture,
    readable_upload_sink,
    redirect_to_store,
    scratch_dir,
    size_of,
    store,
    upload_dir,
    upload_sink,
    work_dir,
)

# The storage alias of every file here.
ALIAS = "previews"

__all__ = [
    "ALIAS",
    "MOVIE_RENDITIONS",
    "PICTURE_UPLOAD",
    "PICTURE_VARIANTS",
    "Media",
    "OpenedMedia",
    "attachment",
    "background",
    "background_media",
    "delete",
    "local_copy",
    "media_of",
    "modified_at",
    "movie",
    "open_media",
    "open_stored",
    "other_file",
    "picture",
    "readable_upload_sink",
    "redirect_to_store",
    "required_media",
    "scratch_dir",
    "size_of",
    "store",
    "upload_dir",
    "upload_sink",
    "work_dir",
]


# The stored files of a preview, by what they hold (`picture` and `attachment`: media_store).
def movie(prefix: str, preview_id: UUID | str) -> Media:
    return Media("movies", prefix, str(preview_id))


def other_file(preview_id: UUID | str) -> Media:
    return Media("files", "previews", str(preview_id))


PICTURE_VARIANTS = ("original", "thumbnails", "thumbnails-square", "previews")
MOVIE_RENDITIONS = ("previews", "lowdef", "source")
# Our own key for an uploaded picture waiting for its job (Zou processes pictures inline).
PICTURE_UPLOAD = "source"


def media_of(preview_id: UUID | str, extension: str | None) -> list[Media]:
    """Every file a preview of this extension may have (for deletion). A picture or a movie
    may also have its upload kept as it came (a VFX picture, a sequence's archive)."""
    if extension == "png":
        return [picture(p, preview_id) for p in (*PICTURE_VARIANTS, PICTURE_UPLOAD)] + [
            other_file(preview_id)
        ]
    if extension == "mp4":
        return (
            [movie(p, preview_id) for p in MOVIE_RENDITIONS]
            + [picture(p, preview_id) for p in (*PICTURE_VARIANTS, "tiles")]
            + [other_file(preview_id)]
        )
    return [other_file(preview_id)]


# Preview background files: the uploaded bytes as they came (`preview-backgrounds-<id>`,
# stored by Zou under pictures/preview/bac/kgr/backgrounds-<id>) and their 300x200
# thumbnail (`thumbnails-<id>`, beside the previews' thumbnails: ids never collide).
def background(background_id: UUID | str) -> Media:
    return Media("pictures", "preview-backgrounds", str(background_id))


def background_media(background_id: UUID | str) -> list[Media]:
    return [background(background_id), picture("thumbnails", background_id)]


def required_media(
    preview_id: UUID | str, extension: str | None, *, kept_upload: bool = False
) -> tuple[tuple[Media, ...], ...]:
    """What a `ready` preview must have stored (prune_storage reports the rest missing): of
    each group, one file. Pictures and movies have the four pictures Zou makes of them
    (zou-previews-contract §3); a movie one of the movies its routes fall back between; any
    other file the file as uploaded, and so does a picture or movie made from an upload kept
    as it came (`kept_upload`: a VFX picture, a sequence's archive)."""
    if extension not in ("png", "mp4"):
        return ((other_file(preview_id),),)
    pictures = tuple((picture(prefix, preview_id),) for prefix in PICTURE_VARIANTS)
    kept = ((other_file(preview_id),),) if kept_upload else ()
    if extension == "png":
        return (*pictures, *kept)
    return (*pictures, tuple(movie(prefix, preview_id) for prefix in MOVIE_RENDITIONS), *kept)
