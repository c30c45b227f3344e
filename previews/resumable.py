"""A preview slot as the target of resumable (tus) uploads (resumable/targets.py,
docs/resumable-uploads.md): the same rules as the multipart route
`POST pictures/preview-files/<id>`, and the same `receive_media` once every byte is in.

The file name (Upload-Metadata `filename`) is needed at creation: its extension says whether
the bytes are a picture, a movie or another file, hence where they go. A kind we do not take is
refused then, before any byte is sent, and the slot is kept (the multipart route deletes it,
as Zou does: it learns the kind only with the bytes; docs/compatibility.md)."""

from collections.abc import Mapping
from typing import Any

from kitsufiles.errors import WrongParameter
from kitsufiles.lookups import get_or_404
from previews import errors, selectors, storage
from previews.models import PreviewFile
from previews.services import uploads
from production import permissions
from production.models import Person
from resumable.targets import Destination, ReceivedUpload


def _empty_slot(person: Person, target_id: str) -> PreviewFile:
    preview = get_or_404(selectors.preview_with_task(), target_id)
    if preview.is_uploaded:
        raise errors.AlreadyUploaded()
    permissions.check_task_or_admin(person, preview.task, permissions.Access.ACTION)
    return preview


class PreviewMedia:
    kind = "preview-file"
    route = "pictures/preview-files/<str:preview_id>/uploads"
    id_parameter = "preview_id"
    tag = "previews"

    def destination(
        self, person: Person, target_id: str, metadata: Mapping[str, str]
    ) -> tuple[str, Destination]:
        preview = _empty_slot(person, target_id)
        file_name = metadata.get("filename")
        if not file_name:
            raise WrongParameter(
                "A preview's upload needs its file name in Upload-Metadata (`filename`): its "
                "extension says whether it is a picture, a movie or another file."
            )
        destination = uploads.upload_destination(preview.pk, file_name)
        if destination is None:
            raise errors.WrongFileFormat(uploads.split_file_name(file_name)[1])
        return str(preview.pk), Destination(storage.ALIAS, destination.name)

    def options(self, query: Mapping[str, str]) -> dict[str, Any]:
        # The multipart route's query options (`?normalize=false`, `?sequence=true`,
        # `?color_space=`, `?layer=`), read the same way.
        return uploads.upload_options(query)

    def complete(
        self, person: Person, target_id: str, upload: ReceivedUpload, options: Mapping[str, Any]
    ) -> None:
        preview = _empty_slot(person, target_id)
        uploads.receive_media(
            preview=preview,
            upload=upload,
            normalize=bool(options.get("normalize", True)),
            sequence=options.get("sequence"),
            color_space=options.get("color_space"),
            layer=options.get("layer"),
        )
