"""Django Q jobs of previews: thin wrappers around previews.services.

A preview's processing is a numbered attempt: `enqueue(id, n)` queues attempt n, and the job
only runs if the preview is still processing and n is its next attempt, so a job handed out
twice (a broker re-delivery, a requeue while the first copy waits in the queue) runs once.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_q.tasks import async_task

from previews import selectors, services

logger = logging.getLogger(__name__)

# A preview still processing this long after its last attempt started has lost its job (the
# worker died or the broker dropped it): the sweep gives it another attempt.
STUCK_GRACE_SECONDS = 300


def enqueue(preview_id: str, attempt: int) -> None:
    async_task(
        "previews.jobs.process_preview",
        preview_id,
        attempt,
        hook="previews.jobs.record_outcome",
        timeout=settings.Q_CLUSTER["timeout"],
        task_name=f"preview {preview_id} attempt {attempt}",
        ack_failure=True,
    )


def process_preview(preview_id: str, attempt: int) -> str:
    return services.process(preview_id=preview_id, attempt=attempt)


def record_outcome(task) -> None:
    """Django Q's hook, called in the cluster once a job has finished, failed or timed out."""
    if task.success:
        return
    lines = str(task.result or "the job stopped").strip().splitlines()
    services.attempt_failed(preview_id=task.args[0], reason=lines[0] if lines else "unknown")


def sweep_stuck_previews() -> int:
    """Scheduled every few minutes: previews whose job vanished get another attempt, or are
    marked broken once PREVIEW_MAX_ATTEMPTS attempts have started. Nothing stays processing
    forever."""
    horizon = settings.PREVIEW_PROCESSING_TIMEOUT + STUCK_GRACE_SECONDS
    stuck_before = timezone.now() - timedelta(seconds=horizon)
    count = 0
    for preview in selectors.unfinished(stuck_before=stuck_before):
        services.attempt_failed(
            preview_id=preview.pk, reason=f"no result after {horizon} s (the job was lost)"
        )
        count += 1
    return count
