"""What output-file services refuse (mapped to Zou's answers in kitsufiles/api/errors.py)."""

from kitsufiles.errors import DomainError, Shape


class OutputFileExists(DomainError):
    """The revision asked for is already taken on its output line. The entity route answers
    `{"error": ...}`, the asset-instance route `{"message": ...}` (Zou's two bodies)."""

    default_shape = Shape.ERROR
    default_message = "The given output file already exists."
