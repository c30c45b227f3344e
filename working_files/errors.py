"""What working-file services and routes refuse (turned into Zou's answers by the API layer)."""

from kitsufiles.errors import BAD_REQUEST_MESSAGE, DomainError, NotFound, Shape


class WorkingFileExists(DomainError):
    """The (task, name, revision) line already has this revision."""

    default_shape = Shape.ERROR
    default_message = "The given working file already exists."


class ContentNotFound(NotFound):
    """The working file has no stored content, or an empty one (Zou: one 404 for both)."""

    def __init__(self, working_file_id: object) -> None:
        super().__init__(f"Working file not found for: {working_file_id}")


class NoFileSent(DomainError):
    """An upload whose multipart body has no `file` part: Zou's generic 400."""

    default_message = BAD_REQUEST_MESSAGE
