"""Writes of resumable uploads: creating one, receiving a chunk, ending one, expiring them
(the tus protocol's behaviour: docs/resumable-uploads.md).

An upload's bytes go straight into a resumable sink (kitsufiles/stores/resumable.py) in their
final place; its row keeps how many have arrived (`offset`), the sink's saved state and the
SHA-256 of those bytes so far, so that the next chunk may arrive on any machine, after any
restart. When the last byte arrives, the whole file's sha256 is checked against the one the
client declared, and the upload's target makes the bytes its content (resumable/targets.py).

Two requests never write one upload at once: a request sending bytes holds a lease on the row
(a token and an expiry, taken by a conditional UPDATE, not a database lock held through a
transfer that may last minutes). It renews the lease as bytes come, and writes only while it
holds it; a request whose client vanished without closing its connection (a VPN drop) stops
renewing, and after RESUMABLE_UPLOAD_LEASE the client's next attempt takes the upload over.
"""

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from kitsufiles.errors import ChecksumMismatch, DomainError, Kind
from kitsufiles.resumable_sha256 import ResumableSha256
from kitsufiles.stores.objects import StoreUnavailable
from kitsufiles.stores.resumable import ResumableSink, open_resumable_sink
from production.models import Person
from resumable import errors, selectors, tus
from resumable.models import ResumableUpload
from resumable.targets import UploadTarget, target_of

logger = logging.getLogger(__name__)


def _expiry() -> datetime:
    return timezone.now() + settings.RESUMABLE_UPLOAD_EXPIRY


# ---------------------------------------------------------------------------------------------
# Creation


def create_upload(
    *,
    person: Person,
    target: UploadTarget,
    target_id: str,
    length: int,
    metadata: dict[str, str],
    query: Mapping[str, str],
) -> ResumableUpload:
    """A new upload of `length` bytes to the target, after the target's access check. The
    whole file's sha256 may come in the metadata (`sha256`, hex): it is checked when the last
    byte arrives."""
    limit = settings.MAX_UPLOAD_SIZE
    if length > limit:
        raise errors.UploadLengthExceeded(length, limit)
    expected = None
    if "sha256" in metadata:
        try:
            expected = tus.parse_sha256_hex(metadata["sha256"])
        except tus.ProtocolError as error:
            raise errors.BadUploadRequest(str(error)) from None
    stored_id, destination = target.destination(person, target_id, metadata)
    return ResumableUpload.objects.create(
        person=person,
        target_kind=target.kind,
        target_id=stored_id,
        alias=destination.alias,
        destination=destination.name,
        length=length,
        metadata=metadata,
        options=target.options(query),
        expected_sha256=expected,
        hash_state=ResumableSha256().state(),
        expires_at=_expiry(),
    )


# ---------------------------------------------------------------------------------------------
# The lease


class _Lease:
    """The right to write an upload's bytes, held by one request (see the module's
    docstring). Every operation is one conditional UPDATE of the row."""

    def __init__(self, upload: ResumableUpload, *, offset: int | None) -> None:
        """Take the lease of an upload at `offset` (any offset when None) that nobody holds,
        or whose holder stopped renewing it; the row is read again once it is held."""
        self.upload = upload
        self.token = uuid.uuid4()
        now = timezone.now()
        free = ResumableUpload.objects.filter(pk=upload.pk, expires_at__gt=now).exclude(
            lease_expires__gt=now
        )
        if offset is not None:
            free = free.filter(offset=offset, completed_at__isnull=True)
        if not free.update(lease_token=self.token, lease_expires=now + self._duration):
            self._refuse(offset)
        self._renew_at = now + self._duration / 3
        upload.refresh_from_db()

    @property
    def _duration(self) -> Any:
        return settings.RESUMABLE_UPLOAD_LEASE

    def _refuse(self, offset: int | None) -> None:
        current = ResumableUpload.objects.filter(
            pk=self.upload.pk, expires_at__gt=timezone.now()
        ).first()
        if current is None:
            raise errors.UploadNotFound()
        if offset is not None and current.completed_at is not None:
            raise errors.UploadAlreadyComplete()
        if offset is not None and current.offset != offset:
            raise errors.OffsetMismatch(offset, current.offset)
        raise errors.UploadBusy()

    def _mine(self) -> Any:
        return ResumableUpload.objects.filter(pk=self.upload.pk, lease_token=self.token)

    def keep(self) -> None:
        """Before writing: renew the lease when a third of it has passed; UploadBusy if
        another request took it over meanwhile (this one stalled past its expiry)."""
        now = timezone.now()
        if now < self._renew_at:
            return
        if not self._mine().update(lease_expires=now + self._duration):
            raise errors.UploadBusy()
        self._renew_at = now + self._duration / 3

    def save(self, **values: Any) -> None:
        """Record the upload's new state and give the lease back, in one UPDATE."""
        if not self._mine().update(
            lease_token=None, lease_expires=None, updated_at=timezone.now(), **values
        ):
            raise errors.UploadBusy()

    def release(self) -> None:
        with suppress(Exception):  # on the way out of a failure: never hide it
            self._mine().update(lease_token=None, lease_expires=None)


# ---------------------------------------------------------------------------------------------
# Receiving bytes


@dataclass
class _Received:
    """Every byte of an upload, checked, in its sink: what the target commits
    (targets.ReceivedUpload)."""

    sink: ResumableSink
    name: str | None
    content_type: str | None
    size: int
    sha256: str

    def commit(self, name: str) -> None:
        self.sink.commit(name)


def _open_sink(upload: ResumableUpload) -> ResumableSink:
    try:
        return open_resumable_sink(
            upload.alias,
            upload.destination,
            upload.sink_state,
            upload_id=upload.pk,
            length=upload.length,
        )
    except FileNotFoundError:
        # Its bytes are gone (swept, or moved into place by a completion that failed after):
        # it cannot go on.
        ResumableUpload.objects.filter(pk=upload.pk).delete()
        raise errors.UploadNotFound() from None


def _check_destination(target: UploadTarget, person: Person, upload: ResumableUpload) -> None:
    """The target's access check again (a person may lose access mid-upload), and the place
    of the bytes must not have changed."""
    stored_id, destination = target.destination(person, str(upload.target_id), upload.metadata)
    if (destination.alias, destination.name) != (upload.alias, upload.destination):
        raise errors.BadUploadRequest(
            "The upload's target changed since the upload was created: create a new upload."
        )


def receive_chunk(
    *,
    person: Person,
    upload: ResumableUpload,
    offset: int,
    declared_length: int | None,
    chunks: Iterable[bytes],
    body_complete: Callable[[], bool],
    checksum: tus.ChunkChecksum | None,
) -> ResumableUpload:
    """Append a chunk (the bytes `chunks` yields, read from the request as they come) at
    `offset`, which must be the upload's offset; a chunk that declares more bytes than are
    left is refused before a byte is read.

    - If the chunk declared a checksum (tus' checksum extension), it is kept only if its
      bytes match: else it is dropped and the offset stays (ChunkChecksumMismatch, 460).
    - A body cut short (the client went away) keeps the bytes that came, unless a checksum
      was declared (they cannot be checked).
    - When the last byte arrives, the whole file's sha256 must be the declared one (else
      ChecksumMismatch: the upload is dropped, the target keeps its previous content), and
      the target makes the bytes its content. If that fails because a store is down, the
      chunk is dropped and may be sent again; any other refusal drops the upload.
    Returns the upload as saved."""
    target = target_of(upload.target_kind)
    if upload.completed_at is not None:
        raise errors.UploadAlreadyComplete()
    if offset != upload.offset:
        raise errors.OffsetMismatch(offset, upload.offset)
    remaining = upload.length - upload.offset
    if declared_length is not None and declared_length > remaining:
        raise errors.BadUploadRequest(
            f"The chunk ({declared_length} bytes) goes past Upload-Length: {remaining} bytes "
            f"are left to send from offset {upload.offset}."
        )
    try:
        _check_destination(target, person, upload)
    except DomainError as refusal:
        if refusal.kind in (Kind.INVALID, Kind.NOT_FOUND):
            # The target cannot take these bytes any more (its row is gone, a preview slot
            # was filled by another upload): the upload could never complete.
            _forget_refused(upload)
        raise
    lease = _Lease(upload, offset=offset)
    try:
        sink = _open_sink(upload)
    except BaseException:
        lease.release()
        raise
    whole = ResumableSha256(bytes(upload.hash_state))
    chunk_hash = checksum.hasher() if checksum is not None else None
    try:
        for data in chunks:
            lease.keep()
            sink.write(data)
            whole.update(data)
            if chunk_hash is not None:
                chunk_hash.update(data)
    except BaseException:
        _forget_chunk(sink, lease)
        raise
    if chunk_hash is not None and checksum is not None:
        if not body_complete():
            # What came cannot be checked against a checksum of the whole chunk.
            _forget_chunk(sink, lease)
            upload.refresh_from_db()
            return upload
        if chunk_hash.digest() != checksum.digest:
            _forget_chunk(sink, lease)
            raise errors.ChunkChecksumMismatch(checksum.algorithm)
    if sink.size < upload.length:
        try:
            state = sink.checkpoint()
            lease.save(
                offset=sink.size,
                sink_state=state,
                hash_state=whole.state(),
                expires_at=_expiry(),
            )
        except BaseException:
            _forget_chunk(sink, lease)
            raise
        upload.refresh_from_db()
        return upload
    return _complete(person, target, upload, sink, whole.hexdigest(), lease)


def _forget_refused(upload: ResumableUpload) -> None:
    try:
        lease = _Lease(upload, offset=None)
    except DomainError:  # a request is sending bytes: it meets the same refusal
        return
    try:
        _forget(upload)
    finally:
        lease.release()


def _forget_chunk(sink: ResumableSink, lease: _Lease) -> None:
    """Drop the bytes written since the last saved state, and give the lease back."""
    try:
        sink.rollback()
    except (StoreUnavailable, OSError) as error:
        # The saved state is what the next request starts from: it overwrites these bytes.
        logger.warning("A chunk could not be rolled back: %s", error)
    finally:
        lease.release()


def _complete(
    person: Person,
    target: UploadTarget,
    upload: ResumableUpload,
    sink: ResumableSink,
    sha256: str,
    lease: _Lease,
) -> ResumableUpload:
    if upload.expected_sha256 and sha256 != upload.expected_sha256:
        _drop(upload, sink)
        raise ChecksumMismatch(declared=upload.expected_sha256, received=sha256)
    received = _Received(
        sink=sink,
        name=upload.metadata.get("filename"),
        content_type=upload.metadata.get("filetype"),
        size=sink.size,
        sha256=sha256,
    )
    try:
        target.complete(person, str(upload.target_id), received, upload.options)
    except StoreUnavailable:
        _forget_chunk(sink, lease)  # the client sends the last chunk again later
        raise
    except DomainError:
        _drop(upload, sink)
        raise
    except BaseException:
        _forget_chunk(sink, lease)
        raise
    lease.save(
        offset=upload.length,
        sink_state=None,
        hash_state=ResumableSha256().state(),
        completed_at=timezone.now(),
        expires_at=_expiry(),
    )
    upload.refresh_from_db()
    return upload


def _drop(upload: ResumableUpload, sink: ResumableSink) -> None:
    """Forget an upload and its bytes (the row first: no request finds it any more)."""
    ResumableUpload.objects.filter(pk=upload.pk).delete()
    try:
        sink.abort()
    except (StoreUnavailable, OSError) as error:
        # Named after the upload, whose row is gone: prune_storage removes them later.
        logger.warning("The bytes of upload %s could not be removed: %s", upload.pk, error)


# ---------------------------------------------------------------------------------------------
# Termination and expiry


def terminate(*, upload: ResumableUpload) -> None:
    """End an upload and forget its bytes (tus' termination). Refused while a request is
    sending its bytes (UploadBusy)."""
    lease = _Lease(upload, offset=None)
    try:
        _forget(upload)
    except BaseException:
        lease.release()
        raise


def _forget(upload: ResumableUpload) -> None:
    """Delete the upload and whatever it keeps. A completed upload keeps nothing; one with
    no saved state may still have bytes a request wrote before failing: the sink of a new
    state has the same names (the upload's id), and aborting it removes them."""
    state = upload.sink_state if upload.completed_at is None else None
    try:
        sink = open_resumable_sink(
            upload.alias, upload.destination, state, upload_id=upload.pk, length=upload.length
        )
    except FileNotFoundError:
        ResumableUpload.objects.filter(pk=upload.pk).delete()
        return
    _drop(upload, sink)


def sweep_expired(delete: bool) -> int:
    """What prune_storage calls before its sweep (kitsufiles/stores/inventory.py): expire
    the uploads past their time with `delete`, else count them."""
    if delete:
        return expire_uploads()
    return len(selectors.expired_uploads())


def expire_uploads() -> int:
    """Forget the uploads past their expiry, with their bytes. Returns how many were
    expired."""
    expired = 0
    for upload in selectors.expired_uploads():
        now = timezone.now()
        # Taken like a lease, so that a request that started sending meanwhile keeps it.
        claimed = (
            ResumableUpload.objects.filter(pk=upload.pk, expires_at__lte=now)
            .exclude(lease_expires__gt=now)
            .update(lease_token=uuid.uuid4(), lease_expires=now + settings.RESUMABLE_UPLOAD_LEASE)
        )
        if claimed:
            _forget(upload)
            expired += 1
    return expired
