"""What file-tree services and selectors refuse (turned into Zou's answers by the API layer)."""

from kitsufiles.errors import DomainError, NotFound, Shape, WrongParameter


class TreeCannotRender(DomainError):
    """The project's tree cannot make this path (a missing mode, section, template or value).

    Zou answers the tree's message as `{"message": ...}` plus, on most routes, the body it
    received: a route adds it with `received(data)` (see file_trees.services.path_answer)."""

    default_shape = Shape.MESSAGE

    def received(self, data: object) -> "TreeCannotRender":
        """The same refusal, carrying the data the route received."""
        self.extra["received_data"] = data
        return self


class TreeCannotParse(WrongParameter):
    """A path cannot be read back against the project's tree (there is none, or it lacks the
    mode or template the path needs)."""


class UnknownShippedTree(WrongParameter):
    default_message = "Selected tree is not available"


class UnknownRow(WrongParameter):
    """A request body names a row by an id that is unknown or malformed. An id in a body is
    bad input, so a 400 that says which key (ids in the URL stay 404s):
    docs/compatibility.md#file-trees."""

    def __init__(self, label: str, value: object) -> None:
        super().__init__(f"Unknown {label}: {value}")


class WrongPathFormat(WrongParameter):
    """A path that does not have the shape of the tree's template, or names nothing."""


class TaskNotFound(NotFound):
    """The path names an entity and a task type, but no such task exists yet."""
