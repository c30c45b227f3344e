"""CRUD of preview files (previews contract §6.14) on the generic layer."""

from kitsufiles.api.crud import CrudResource
from previews import services
from previews.models import PreviewFile
from production import permissions


def _update(person, preview, values):
    return services.update_preview(preview=preview, values=values)


def _delete(person, preview, params):
    services.delete_preview(preview=preview, force=params.get("force", "").lower() == "true")


RESOURCES = [
    CrudResource(
        PreviewFile,
        "preview-files",
        permissions.TaskPreviewPolicy(),
        update=_update,
        delete=_delete,
        # Processing bookkeeping is the server's; clients read it.
        input_exclude=("attempts", "attempt_started_at", "broken_reason"),
    )
]
