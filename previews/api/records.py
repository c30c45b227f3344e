"""The generic CRUD of preview files, /api/data/preview-files; its access rules are
production.permissions.TaskPreviewPolicy."""

from typing import Any

from django.http import QueryDict

from kitsufiles.api.crud import CrudResource
from kitsufiles.api.filters import query_flag
from previews import services
from previews.models import PreviewFile
from production import permissions


def _update(*, person: Any, instance: PreviewFile, values: dict[str, Any]) -> PreviewFile:
    return services.update_preview(preview=instance, values=values)


def _delete(*, person: Any, instance: PreviewFile, force: bool) -> None:
    services.delete_preview(preview=instance, force=force)


def _force(params: QueryDict) -> bool:
    return query_flag(params, "force")


RESOURCES = [
    CrudResource(
        PreviewFile,
        "preview-files",
        permissions.TaskPreviewPolicy(),
        update=_update,
        delete=_delete,
        read_force=_force,
        versioned=True,  # ETag and If-Match (docs/compatibility.md#optimistic-concurrency)
    )
]
