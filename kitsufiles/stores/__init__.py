"""The backends of the `files` and `previews` storage aliases: local disk (Django's
FileSystemStorage, Zou's layout), S3 and Swift (`objects.ObjectStorage`).

- `names.py`: Zou's bucket and key of a storage name.
- `objects.py`: the object-store base, its streamed reader (`RemoteFile`), upload sinks, and
  `FolderObjectStorage` (flat files: the object-store code paths without a server).
- `local.py`: the upload sinks whose bytes are a local file (local storage's, renamed into
  place by `replace_file`; and the one for pictures a request decodes before storing them).
- `aliases.py`: what callers use: the sink for an alias, whether an alias is an object store.
- `probe.py`: the round trip of `check_storage` (a test object written, read, ranged, deleted).
- `inventory.py`, `prune.py`: what `prune_storage` walks (stored files against the rows the
  apps say refer to them) and its run.

This package imports nothing of kitsufiles but `errors` (docs/architecture.md): the upload
handler (`kitsufiles.uploads`) and the media store import it, never the other way round; keep
this file free of imports.
"""
