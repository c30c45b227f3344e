"""What a publish body names, resolved to rows: plain Python over the values the API validated.

Zou's order of refusals is kept: an unknown output type, then an unknown task type, then an
unknown person. The refusals are this app's errors (output_files.errors); the route that
answers them chooses their body's key through their shape."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models

from file_trees.inputs import optional_row
from kitsufiles.errors import NotFound
from kitsufiles.lookups import get_or_404
from output_files.errors import UnknownOutputType, UnknownPerson
from production.models import FileStatus, OutputType, Person, TaskType
from working_files.models import WorkingFile

Row = TypeVar("Row", bound=models.Model)

# The body keys a publish takes as they are.
PLAIN_KEYS = (
    "name",
    "comment",
    "revision",
    "extension",
    "representation",
    "nb_elements",
    "sep",
)


@dataclass(frozen=True)
class PublishArguments:
    """What a publish names besides its revision line. `revision` < 1 means the next one;
    `nb_elements` > 1 marks an image sequence; `sep` joins the folder and the file name."""

    output_type: OutputType
    task_type: TaskType
    person: Person
    working_file: WorkingFile | None = None
    file_status: FileStatus | None = None
    name: str = "main"
    comment: str = ""
    revision: int = 0
    extension: str = ""
    representation: str = ""
    nb_elements: int = 1
    sep: str = "/"


def _row_or_none(model: type[Row], value: object) -> Row | None:
    """The row a body id names, or None for an empty, malformed or unknown id."""
    try:
        return get_or_404(model, value) if value else None
    except NotFound:
        return None


def resolve_publish(values: Mapping[str, Any], caller: Person) -> PublishArguments:
    """The arguments of validated publish body `values` sent by `caller`.

    An unknown output type is UnknownOutputType and an unknown person UnknownPerson (400s),
    an unknown task type NotFound (404), an unknown file status UnknownRow (400). The author
    is the caller unless the body names someone. An unknown or malformed working file is
    silently no source, as in Zou."""
    try:
        output_type = get_or_404(OutputType, values["output_type_id"])
    except NotFound:
        raise UnknownOutputType() from None
    task_type = get_or_404(TaskType.objects.select_related("department"), values["task_type_id"])
    person = caller
    if values.get("person_id"):
        named = _row_or_none(Person, values["person_id"])
        if named is None:
            raise UnknownPerson()
        person = named
    return PublishArguments(
        output_type=output_type,
        task_type=task_type,
        person=person,
        working_file=_row_or_none(WorkingFile, values.get("working_file_id")),
        file_status=optional_row(FileStatus, values, "file_status_id", "file status"),
        **{key: values[key] for key in PLAIN_KEYS},
    )
