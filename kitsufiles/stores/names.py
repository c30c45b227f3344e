"""Zou's object names: which bucket and key a storage name is on an object store.

Storage names are the same on every backend: the local layout, Zou's sharded one
(kitsufiles/media_store.py), `<bucket>/<folder>/<a>/<b>/<rest>` on the `previews` alias and
`<folder>/<a>/<b>/<rest>` on the `files` alias, whose bucket is always `files`. On an object
store the name becomes Zou's flat key `<folder>-<rest>` in the bucket
`<FS_BUCKET_PREFIX><bucket>` (zou-previews-contract §2.1, §2.3), so that a Zou deployment's
objects are read as they are:

    pictures/thumbnails/63e/453/63e453f1-...         → pictures, thumbnails-63e453f1-...
    pictures/thumbnails/squ/are/square-63e453f1-...  → pictures, thumbnails-square-63e453f1-...
    working/63e/453/63e453f1-... (files alias)       → files, working-63e453f1-...

A name of another form (a probe of `check_storage`) keeps its path as its key.
"""

from dataclasses import dataclass

# The buckets Zou configures (zou-previews-contract §2.1), without FS_BUCKET_PREFIX.
ZOU_BUCKETS = ("pictures", "movies", "files")


@dataclass(frozen=True)
class ObjectName:
    bucket: str  # the bucket's full name, FS_BUCKET_PREFIX included
    key: str


def object_of(name: str, *, bucket: str | None, bucket_prefix: str = "") -> ObjectName:
    """The object a storage name stands for. `bucket` is the alias's fixed bucket (`files`),
    or None when the name's first segment says it (`previews`)."""
    parts = name.strip("/").split("/")
    if bucket is None:
        if len(parts) < 2:
            raise ValueError(f"{name!r} names no bucket")
        bucket, parts = parts[0], parts[1:]
    if len(parts) == 4:
        folder, first, second, rest = parts
        if first == rest[:3] and second == rest[3:6]:
            return ObjectName(f"{bucket_prefix}{bucket}", f"{folder}-{rest}")
    return ObjectName(f"{bucket_prefix}{bucket}", "/".join(parts))


def name_of(obj: ObjectName, *, bucket: str | None, bucket_prefix: str = "") -> str:
    """The storage name of an object listed in a bucket (the reverse of `object_of`): Zou's
    rule, the key split on its first dash, the rest sharded by 3 and 3."""
    short_bucket = obj.bucket.removeprefix(bucket_prefix)
    head = "" if bucket is not None else f"{short_bucket}/"
    folder, dash, rest = obj.key.partition("-")
    if not dash or "/" in obj.key or len(rest) < 6:
        return f"{head}{obj.key}"
    return f"{head}{folder}/{rest[:3]}/{rest[3:6]}/{rest}"
