"""What preview services and routes refuse; the one handler in kitsufiles/api/errors.py turns
each into Zou's status and body."""

from kitsufiles.errors import (
    BAD_REQUEST_MESSAGE,
    DomainError,
    Kind,
    NotFound,
    Shape,
    WrongParameter,
)


class RevisionTaken(DomainError):
    """A preview asked for a revision that another comment already holds."""

    def __init__(self, revision: int) -> None:
        super().__init__(
            f"Revision {revision} already exists for this task. Choose a different revision "
            "number, or omit it to let the revision auto-increment."
        )
        self.revision = revision


class SinglePreviewPerRevision(DomainError):
    """The project allows one preview per revision and this revision has one."""

    default_message = "Only one preview file is allowed per revision for this project."


class WrongFileFormat(DomainError):
    def __init__(self, extension: str) -> None:
        super().__init__(f"Wrong file format, extension: {extension}")
        self.extension = extension


class EmptyUpload(DomainError):
    """A movie or picture of zero bytes (Zou's two messages)."""

    def __init__(self, kind: str) -> None:
        super().__init__(
            "Uploaded movie could not be written to temporary storage or is empty; aborting "
            "before dispatching normalization."
            if kind == "movie"
            else "Uploaded file is not a readable picture."
        )


class AlreadyUploaded(DomainError):
    """A second upload into a slot that has its content. Zou answers its generic 400."""

    default_message = BAD_REQUEST_MESSAGE


class BinaryNotAvailable(NotFound):
    """The preview's stored movie is missing (never uploaded, or removed)."""

    default_shape = Shape.ERROR
    default_message = "preview file binary is not available"


class FrameBeyondEnd(DomainError):
    """A frame number past the end of the movie: the message says how many frames it has."""

    def __init__(self, frame_number: int, frame_count: int) -> None:
        super().__init__(
            f"Frame {frame_number} is beyond the end of the movie, which has {frame_count} "
            f"frame{'s' if frame_count != 1 else ''} (numbered from 1)."
        )
        self.frame_number = frame_number
        self.frame_count = frame_count


class NotAMovie(DomainError):
    """extract-tile on a preview that is not a movie (Zou's message)."""

    default_message = "Preview file is not a movie"


class MovieUnreadable(DomainError):
    """The stored movie of a preview cannot be decoded (a damaged file): nothing the request
    can change, so a conflict with the stored state rather than a 500."""

    kind = Kind.CONFLICT

    def __init__(self, reason: str) -> None:
        super().__init__(reason)  # the MediaError's text: "Unreadable movie: <why>"


class FrameOnNonMovie(DomainError):
    """A frame number given for a preview that is not a movie."""

    default_message = "Can't use a given frame on non movie preview"


class FileNotProvided(DomainError):
    """An upload request without its `file` part."""

    default_message = "File not provided."


class ExtensionNotAllowed(DomainError):
    """The originals route serves pictures and other files, not movies or unknown kinds."""

    def __init__(self, extension: str) -> None:
        super().__init__(f"Extension not allowed: {extension}")
        self.extension = extension


class PreviewNotOnTask(NotFound):
    """A route names a task and a preview of another task (or none)."""

    default_message = "Preview file not found."


class TaskHasNoPreview(DomainError):
    """Setting a task's main preview when the task has no preview."""

    default_message = "This task has no preview file to set as the main preview."


class BackgroundNameTaken(DomainError):
    """Zou's message for a background file name already in use (its CRUD answers 400)."""

    default_message = "A preview background file with similar name already exists"


class NotABackgroundPicture(DomainError):
    """An upload whose content is not a picture of the kind its extension says."""

    default_message = "Uploaded file is not a readable picture."


class InvalidAnnotations(DomainError):
    """Annotations (or annotation changes) that are not in Zou's shape: nothing is written.
    Zou answers these with a 500; the message says which entry is wrong and how."""


# Annotated frames (contract §4.5, §6.12)


class MovieFrameNumberRequired(WrongParameter):
    default_message = "frame_number is required for movie previews"


class NoAnnotationForFrame(DomainError):
    """extract-annotated-frame of a movie at a frame no annotation was made on: Zou's
    AnnotationNotFoundException, as NoAnnotationOnPicture (a BadRequest: no `data` key)."""

    def __init__(self, frame_number: int) -> None:
        super().__init__(f"No annotation found for frame {frame_number}")


class NoAnnotationOnPicture(DomainError):
    """Zou's AnnotationNotFoundException (a BadRequest: no `data` key)."""

    default_message = "No annotation found on picture preview"


class CannotExtractAnnotatedFrame(WrongParameter):
    def __init__(self, extension: str) -> None:
        super().__init__(
            f"Cannot extract annotated frame from preview with extension '{extension}'"
        )
        self.extension = extension


class NoAnnotations(WrongParameter):
    default_message = "Preview file has no annotations"


class NoAnnotatedFrame(WrongParameter):
    default_message = "No annotated frame could be extracted from this preview"


# ---------------------------------------------------------------------------------------------
# import_previews (services/imports.py): refusals of the command's input, before any file


class BadNamePattern(WrongParameter):
    """A --pattern import_previews cannot read names with (name_patterns.PatternError's text)."""


class FolderNotFound(NotFound):
    def __init__(self, folder: str) -> None:
        super().__init__(f"No folder {folder!r} to import previews from.")


class UnknownTaskStatus(NotFound):
    def __init__(self, named: str) -> None:
        super().__init__(f"No task status is named {named!r} (give its short name or name).")


class NoImportAuthor(DomainError):
    """Imported previews hang on comments, which need an author."""

    def __init__(self, named: str | None) -> None:
        super().__init__(
            f"No active person with the e-mail {named!r}."
            if named
            else "No active admin to sign the comments: give --author EMAIL."
        )
