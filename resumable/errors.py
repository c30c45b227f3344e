"""What the resumable-upload services and routes refuse (turned into answers by the API layer;
the statuses tus gives them are in docs/resumable-uploads.md)."""

from kitsufiles.errors import DomainError, Kind, NotFound, PreconditionFailed


class UploadNotFound(NotFound):
    """No such upload, or one of another person's (never told apart), or an expired one."""

    def __init__(self) -> None:
        super().__init__(
            "Upload not found: it does not exist, has expired or was ended. Create a new one."
        )


class ProtocolMismatch(PreconditionFailed):
    """A request without `Tus-Resumable: 1.0.0` (tus answers 412 with the versions it speaks)."""

    def __init__(self, sent: str | None) -> None:
        super().__init__(
            f"This server speaks tus 1.0.0 (Tus-Resumable: 1.0.0); the request sent {sent!r}."
        )


class BadUploadRequest(DomainError):
    """A header that does not follow the protocol, or a request the upload cannot take."""


class WrongChunkType(DomainError):
    """A chunk whose Content-Type is not application/offset+octet-stream (415)."""

    kind = Kind.UNSUPPORTED_MEDIA_TYPE
    default_message = "A chunk is sent with Content-Type: application/offset+octet-stream."


class OffsetMismatch(DomainError):
    """The chunk starts at another offset than the bytes received so far (409): the client
    asks for the offset (HEAD) and sends from there."""

    kind = Kind.CONFLICT

    def __init__(self, sent: int, offset: int) -> None:
        super().__init__(
            f"Upload-Offset {sent} is not the upload's offset ({offset}): ask for it with "
            "HEAD and send the bytes from there."
        )


class UploadBusy(DomainError):
    """Another request is sending this upload's bytes (409)."""

    kind = Kind.CONFLICT
    default_message = (
        "Another request is sending this upload's bytes. If it was yours and its connection "
        "dropped, wait a few seconds, ask for the offset with HEAD and go on from there."
    )


class UploadAlreadyComplete(DomainError):
    kind = Kind.CONFLICT
    default_message = "Every byte of this upload has been received: there is nothing to send."


class ChunkChecksumMismatch(DomainError):
    """The chunk's bytes do not have the checksum its request declared (tus: 460). The chunk
    is dropped and the offset stays where it was."""

    kind = Kind.CHECKSUM_MISMATCH

    def __init__(self, algorithm: str) -> None:
        super().__init__(
            f"The chunk's {algorithm} is not the one declared in Upload-Checksum: it was "
            "dropped and the offset is unchanged; send it again."
        )


class UploadLengthExceeded(DomainError):
    kind = Kind.TOO_LARGE

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"Upload-Length {length} is above the largest upload accepted ({limit} bytes: "
            "Tus-Max-Size)."
        )
