"""The job queue of preview processing (Django Q).

Jobs are named by their dotted path, so this module imports neither the jobs nor the services:
services enqueue through it, jobs call services, and neither imports the other.

A preview's processing is a numbered attempt: attempt n is queued as `(preview id, n)` and only
runs if n is still the preview's next attempt (see `services.processing.start_attempt`).
"""

from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import transaction
from django_q.tasks import async_task

if TYPE_CHECKING:
    from previews.models import PreviewFile

PROCESS_JOB = "previews.jobs.process_preview"
OUTCOME_HOOK = "previews.jobs.record_outcome"

# A preview still processing this long after its last attempt started has lost its job (the
# worker died or the broker dropped it): the sweep and the requeue command pick it up.
STUCK_GRACE_SECONDS = 300


def lost_job_seconds() -> int:
    """How long after its last attempt started a processing preview counts as stuck."""
    return settings.PREVIEW_PROCESSING_TIMEOUT + STUCK_GRACE_SECONDS


def job_timeout_seconds() -> int:
    """How long a job may run before the cluster stops it (its holder is then dead)."""
    return cast(int, settings.Q_CLUSTER["timeout"])


def enqueue(preview_id: str, attempt: int) -> None:
    async_task(
        PROCESS_JOB,
        preview_id,
        attempt,
        hook=OUTCOME_HOOK,
        timeout=job_timeout_seconds(),
        task_name=f"preview {preview_id} attempt {attempt}",
        ack_failure=True,
    )


def enqueue_processing(preview: "PreviewFile") -> None:
    """Queue the preview's next processing attempt once the current transaction commits (a job
    must never see a row or a file its request has not committed yet)."""
    preview_id, attempt = str(preview.pk), preview.attempts + 1
    transaction.on_commit(lambda: enqueue(preview_id, attempt))
