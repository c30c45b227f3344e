"""What file-tree services refuse (mapped to Zou's answers in kitsufiles/api/errors.py)."""

from typing import Any

from kitsufiles.errors import DomainError, Shape, WrongParameter


class TreeCannotRender(DomainError):
    """The project's tree cannot make this path (a missing mode, section or value). Zou
    answers the engine's message with the data it received."""

    default_shape = Shape.MESSAGE

    def __init__(self, message: str, *, received_data: Any) -> None:
        super().__init__(message, received_data=received_data)


class UnknownShippedTree(WrongParameter):
    default_message = "Selected tree is not available"
