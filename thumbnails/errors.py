"""What the avatar and thumbnail routes refuse; the one handler in kitsufiles/api/errors.py
turns each into Zou's status and body."""

from kitsufiles.errors import DomainError


class FileNotProvided(DomainError):
    """An upload request without its `file` part (Zou's text)."""

    default_message = "File not provided."


class NotAPicture(DomainError):
    """The upload is not a picture we read (PNG, JPEG, WebP, TIFF), or it has more pixels than
    MAX_IMAGE_PIXELS: 400 with what is wrong, and the previous picture stays."""
