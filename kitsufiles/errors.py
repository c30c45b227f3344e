"""Domain errors: what services, selectors and permission checks raise when a request cannot
be honoured.

Framework-free on purpose: nothing here knows HTTP or DRF, so a service reads the same whether
a view, a job or a management command calls it. An error says *what* went wrong (its `kind`)
and which of Zou's body layouts a client expects for it (its `shape`); the one exception handler
in `kitsufiles/api/errors.py` turns the kind into a status code and the shape into a body. See
`docs/compatibility.md#errors-and-identifiers`.

Each app declares its own subclasses in `<app>/errors.py`, named after the situation
(`RevisionTaken`, `UnknownOutputType`...), carrying what the message needs.
"""

from enum import Enum
from typing import Any, ClassVar


class Kind(Enum):
    """What went wrong, in words every layer understands (the handler maps each to a status)."""

    INVALID = "invalid"  # the request itself is wrong (400)
    FORBIDDEN = "forbidden"  # the caller may not do this (403)
    NOT_FOUND = "not_found"  # no such row, or a malformed id (404)
    CONFLICT = "conflict"  # the request clashes with the current state (409)
    PRECONDITION_FAILED = "precondition_failed"  # a condition the client set does not hold (412)
    TOO_LARGE = "too_large"  # the body is larger than allowed (413)
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # a body of the wrong type (415)
    # A chunk whose checksum is not the one its request declared: tus' checksum extension
    # answers 460 (docs/resumable-uploads.md).
    CHECKSUM_MISMATCH = "checksum_mismatch"
    UNAVAILABLE = "unavailable"  # a dependency (storage, broker) is down: try again (503)


class Shape(Enum):
    """The layouts of Zou's error bodies; a client reads the key its route uses."""

    ERROR_MESSAGE = "error_message"  # {"error": true, "message": m}
    WRONG_PARAMETER = "wrong_parameter"  # {"error": true, "message": m, "data": null}
    MESSAGE = "message"  # {"message": m} (Zou's generic CRUD routes)
    ERROR = "error"  # {"error": m}


class DomainError(Exception):
    """Base of every error the layers below the API raise on purpose.

    `message` is the text the client reads; `None` means the standard text of the kind (Zou's
    404 or 403 wording). `extra` holds further keys of the body (e.g. the data a file-tree
    refusal received) and `shape` may be overridden for one raise where a route reads its own
    key."""

    kind: ClassVar[Kind] = Kind.INVALID
    default_shape: ClassVar[Shape] = Shape.ERROR_MESSAGE
    default_message: ClassVar[str | None] = None

    def __init__(
        self, message: str | None = None, *, shape: Shape | None = None, **extra: Any
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.shape = shape or self.default_shape
        self.extra = extra
        super().__init__(self.message or self.kind.value)

    def shaped(self, shape: Shape) -> "DomainError":
        """The same error in another body layout (routes that read `message` for `error`)."""
        self.shape = shape
        return self


class NotFound(DomainError):
    """No such row, or an id that is not one: Zou answers both with its standard 404."""

    kind = Kind.NOT_FOUND


class Forbidden(DomainError):
    """The caller's role, team or assignment does not allow this (Zou's standard 403)."""

    kind = Kind.FORBIDDEN


class WrongParameter(DomainError):
    """Zou's WrongParameterException: a parameter that cannot be honoured."""

    default_shape = Shape.WRONG_PARAMETER


# Zou's generic 400 text (werkzeug's), which several routes answer for a request they refuse.
BAD_REQUEST_MESSAGE = "The browser (or proxy) sent a request that this server could not understand."
UNIQUE_VIOLATION_MESSAGE = "A record with the same unique values already exists."


class DataConflict(DomainError):
    """A write refused by a data rule (a unique key taken), in Zou's CRUD layout. Zou answers
    400, not 409, for these: clients test for 400."""

    default_shape = Shape.MESSAGE
    default_message = UNIQUE_VIOLATION_MESSAGE


class UploadTooLarge(DomainError):
    """A body beyond MAX_UPLOAD_SIZE, refused before (or while) it is read."""

    kind = Kind.TOO_LARGE
    default_message = "The data value transmitted exceeds the capacity limit."


class UploadInterrupted(DomainError):
    """A multipart body that ended before its closing boundary or before the length it
    declared (the client went away mid-upload): nothing of it is kept or written."""

    default_message = "The upload was cut off before its end: send it again."


class PreconditionFailed(DomainError):
    """A write sent with `If-Match` whose tag is not the row's current one: someone changed
    the row since the client read it (optimistic concurrency, kitsufiles/versions.py)."""

    kind = Kind.PRECONDITION_FAILED
    default_message = (
        "The resource changed since the version named in If-Match: read it again, then "
        "retry the change."
    )


class ChecksumMismatch(DomainError):
    """The bytes received do not have the sha256 the client declared for the whole file
    (a multipart upload's digest, a resumable upload's metadata): nothing is stored, the
    previous content stays (docs/resumable-uploads.md)."""

    def __init__(self, *, declared: str, received: str) -> None:
        super().__init__(
            f"The file received does not match its declared checksum: sha256 {received} "
            f"received, {declared} declared. Nothing was stored; check the file and send it "
            "again.",
            # Both values as keys too, for a client that reads them rather than the text.
            declared_sha256=declared,
            received_sha256=received,
        )
        self.declared = declared
        self.received = received


class MalformedDigest(DomainError):
    """A stated checksum that cannot be read (a `Repr-Digest` or `Digest` header, or a
    `sha256` field): refused rather than ignored, since its sender meant the upload to be
    checked."""

    def __init__(self, source: str, why: str) -> None:
        super().__init__(
            f"{source} cannot be read: {why}. Send the whole file's sha256 as "
            "`Repr-Digest: sha-256=:<base64>:`, `Digest: SHA-256=<base64>` or a form field "
            "`sha256` (64 hexadecimal digits)."
        )
        self.source = source
        self.why = why
