"""The backends of the `files` and `previews` storage aliases: local disk (Django's
FileSystemStorage, Zou's layout), S3 and Swift (`objects.ObjectStorage`).

- `names.py`: Zou's bucket and key of a storage name.
- `objects.py`: the object-store base, its streamed reader (`RemoteFile`), upload sinks, and
  `FolderObjectStorage` (flat files: the object-store code paths without a server).
- `local.py`: the upload sink of local storage (a temporary file renamed into place).
- `aliases.py`: what callers use: the sink for an alias, whether an alias is an object store.

This package imports nothing of kitsufiles but `errors` and `uploads` (docs/architecture.md);
keep this file free of imports so that `kitsufiles.uploads` can import `stores.objects`.
"""
