"""The upload sink of local storage: the bytes go to a temporary file inside the storage's
folder, and committing renames it over the destination (kitsufiles.uploads.replace_file), so
they are written once (docs/decisions/upload-chunk-size.md)."""

import tempfile
from pathlib import Path
from typing import IO

from django.core.files.storage import FileSystemStorage

from kitsufiles.uploads import replace_file

INCOMING_FOLDER = ".incoming"


class LocalSink:
    def __init__(self, storage: FileSystemStorage) -> None:
        self.storage = storage
        self.size = 0
        folder = Path(storage.location) / INCOMING_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] | None = tempfile.NamedTemporaryFile(  # noqa: SIM115
            dir=folder, prefix=".upload-", delete=False
        )
        self.path = Path(self._file.name)

    def write(self, data: bytes) -> None:
        if self._file is None:
            raise ValueError("the sink is closed")
        self._file.write(data)
        self.size += len(data)

    def commit(self, name: str) -> None:
        if self._file is None:
            return
        self._file.close()
        self._file = None
        replace_file(str(self.path), self.storage.path(name))

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)
