"""What production's services refuse (turned into Zou's answers by the API layer)."""

import uuid
from typing import Protocol

from kitsufiles.errors import DomainError, NotFound, WrongParameter


class InAnotherProject(WrongParameter):
    """A write would link a row to a row of another production (a task to another project's
    entity, a shot to another project's sequence): no rights make such a row consistent, so
    it is a 400 whoever asks (docs/compatibility.md#generic-crud-routes)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"The {what} belongs to another project.")


class InAProject(Protocol):
    """A row of a project: an entity, a task."""

    @property
    def project_id(self) -> uuid.UUID: ...


def check_same_project(row: InAProject | None, project_id: uuid.UUID, what: str) -> None:
    """Refuse (InAnotherProject, naming `what`) unless `row`, when there is one, is a row of
    project `project_id`."""
    if row is not None and row.project_id != project_id:
        raise InAnotherProject(what)


class UnknownProject(NotFound):
    """A project named (by id or name) on a command line that does not exist."""

    def __init__(self, named: str) -> None:
        super().__init__(
            f"No project is named {named!r} (give its name, as Kitsu shows it, or its id)."
        )


class AmbiguousProject(DomainError):
    """A name that several projects share (names are unique only per studio habit)."""

    def __init__(self, named: str, ids: list[str]) -> None:
        super().__init__(
            f"Several projects are named {named!r} ({', '.join(ids)}): give the id instead."
        )


class BadProductionFile(WrongParameter):
    """A production file (import_production) that cannot be read at all: not UTF-8, empty,
    malformed CSV or JSON, a header that names no known layout (docs/batch-imports.md)."""

    def __init__(self, why: str, *, line: int | None = None) -> None:
        where = f" (line {line})" if line is not None else ""
        super().__init__(f"The file cannot be imported{where}: {why}. Nothing was written.")
        self.line = line
        self.why = why


class BadProductionLines(WrongParameter):
    """Lines of a production file that cannot be honoured (an unknown asset type, a shot
    without a sequence, a bad number...). Every line is checked before anything is written,
    so all of them are reported at once and nothing of the file is written."""

    SHOWN = 50  # a file wrong on every line should not flood the terminal

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = sorted(problems)
        lines = [f"line {line}: {why}" for line, why in self.problems[: self.SHOWN]]
        if len(self.problems) > self.SHOWN:
            lines.append(f"... and {len(self.problems) - self.SHOWN} more")
        count = len(self.problems)
        super().__init__(
            f"{count} bad line{'s' if count > 1 else ''} in the file, nothing was written:\n"
            + "\n".join(lines)
        )
