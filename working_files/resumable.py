"""The content of a working file as the target of resumable (tus) uploads
(resumable/targets.py, docs/resumable-uploads.md): the same access rule and the same
`store_content` as the multipart route `POST data/working-files/<id>/file`."""

from collections.abc import Mapping
from typing import Any

from production import permissions
from production.models import Person
from resumable.targets import Destination, ReceivedUpload
from working_files import selectors, services
from working_files.models import WorkingFile


def _uploadable(person: Person, working_file_id: str) -> WorkingFile:
    """The working file, if `person` may upload its content (the multipart route's rule)."""
    working_file = permissions.fetch(
        person, selectors.with_task(), working_file_id, project="task__project_id"
    )
    permissions.check_task_or_admin(person, working_file.task, permissions.Access.TASK)
    return working_file


class WorkingFileContent:
    kind = "working-file"
    route = "data/working-files/<str:working_file_id>/file/uploads"
    id_parameter = "working_file_id"
    tag = "working files"

    def destination(
        self, person: Person, target_id: str, metadata: Mapping[str, str]
    ) -> tuple[str, Destination]:
        working_file = _uploadable(person, target_id)
        return str(working_file.pk), Destination(
            selectors.STORAGE_ALIAS, selectors.content_key(working_file)
        )

    def options(self, query: Mapping[str, str]) -> dict[str, Any]:
        return {}

    def complete(
        self, person: Person, target_id: str, upload: ReceivedUpload, options: Mapping[str, Any]
    ) -> None:
        working_file = _uploadable(person, target_id)
        services.store_content(working_file=working_file, upload=upload)
