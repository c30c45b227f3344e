"""What an upload's bytes are for: the targets apps register (a working file's content, a
preview slot's media).

The resumable app sits below the apps whose files it receives (it may not import them), so each
of them registers a target from its AppConfig.ready: how a person may start an upload to one of
its rows and where the bytes go, and what to do with them once they have all arrived (the same
service its multipart route calls). A target also names the URL of its uploads, beside the
route of its multipart upload (resumable/urls.py builds the routes from the registry).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from production.models import Person


@dataclass(frozen=True)
class Destination:
    """Where an upload's bytes go: a storage alias and a name in it."""

    alias: str
    name: str


class ReceivedUpload(Protocol):
    """Every byte of an upload, received and checked, not yet in its place: what the target's
    `complete` commits (the same surface as a multipart upload's file: kitsufiles/uploads.py)."""

    name: str | None  # the file name the client gave (Upload-Metadata `filename`)
    content_type: str | None  # Upload-Metadata `filetype`
    size: int
    sha256: str

    def commit(self, name: str) -> None: ...


class UploadTarget(Protocol):
    # The kind stored in each upload's row, and the route of its uploads under /api/ with the
    # target's id as `id_parameter` (e.g. "data/working-files/<str:working_file_id>/file/uploads",
    # named as the app's other routes name it).
    kind: str
    route: str
    id_parameter: str
    # The tag of its routes in the OpenAPI document.
    tag: str

    def destination(
        self, person: Person, target_id: str, metadata: Mapping[str, str]
    ) -> tuple[str, Destination]:
        """Check that `person` may upload to the target now (domain errors: NotFound,
        Forbidden, a slot already filled...) and say where the bytes go; returns the target's
        id as stored (its row's key, as text). Called when the upload is created and again by
        every request that sends bytes (a person may lose access mid-way)."""
        ...

    def options(self, query: Mapping[str, str]) -> dict[str, Any]:
        """The target's options taken from the creation request's query string (kept with the
        upload, handed to `complete`)."""
        ...

    def complete(
        self, person: Person, target_id: str, upload: ReceivedUpload, options: Mapping[str, Any]
    ) -> None:
        """Make the bytes the target's content (commit them under the target row's lock, record
        size and checksum, queue processing): what the multipart route does with its file."""
        ...


_TARGETS: dict[str, UploadTarget] = {}


def register(target: UploadTarget) -> None:
    _TARGETS[target.kind] = target


def registered() -> list[UploadTarget]:
    return list(_TARGETS.values())


def target_of(kind: str) -> UploadTarget:
    return _TARGETS[kind]
