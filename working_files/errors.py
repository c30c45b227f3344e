"""What working-file services refuse (mapped to Zou's answers in kitsufiles/api/errors.py)."""

from kitsufiles.errors import DomainError, Shape


class WorkingFileExists(DomainError):
    """The (task, name, revision) line already has this revision."""

    default_shape = Shape.ERROR
    default_message = "The given working file already exists."
