"""Django Q jobs of previews: thin wrappers around previews.services.

A preview's processing is a numbered attempt queued by previews.queue: the job only runs if the
preview is still processing and its number is the preview's next attempt, so a job handed out
twice (a broker re-delivery, a requeue while the first copy waits in the queue) runs once.
"""

import logging
import time
from datetime import timedelta

from django.utils import timezone
from django_q.models import Task as QueuedTask

from kitsufiles import log_context, metrics
from previews import queue, selectors, services

logger = logging.getLogger(__name__)


# The outcomes `services.process` returns; anything else is labelled "other" (bounded labels).
OUTCOMES = frozenset({"ready", "broken", "skipped", "deleted"})


def process_preview(preview_id: str, attempt: int) -> str:
    """One attempt. Its log lines name the preview (log_context) and it is timed for the
    metrics (`kitsufiles_job_duration_seconds{job="preview"}`, docs/operations.md)."""
    with log_context.bound(f"preview:{preview_id}"):
        started = time.monotonic()
        outcome = "error"
        logger.info("Processing preview %s, attempt %s", preview_id, attempt)
        try:
            result = str(services.process(preview_id=preview_id, attempt=attempt))
            outcome = result if result in OUTCOMES else "other"
            return result
        finally:
            seconds = time.monotonic() - started
            metrics.observe_job(job="preview", outcome=outcome, seconds=seconds)
            logger.info(
                "Preview %s, attempt %s: %s after %.1f s", preview_id, attempt, outcome, seconds
            )


def record_outcome(task: QueuedTask) -> None:
    """Django Q's hook, called in the cluster once a job has finished, failed or timed out."""
    if task.success:
        return
    lines = str(task.result or "the job stopped").strip().splitlines()
    with log_context.bound(f"preview:{task.args[0]}"):
        services.attempt_failed(preview_id=task.args[0], reason=lines[0] if lines else "unknown")


def sweep_stuck_previews() -> int:
    """Scheduled every few minutes (by the data migration that created the schedule):
    previews whose job vanished get another attempt, or are marked broken once
    PREVIEW_MAX_ATTEMPTS attempts have started. Nothing stays processing forever."""
    horizon = queue.lost_job_seconds()
    stuck_before = timezone.now() - timedelta(seconds=horizon)
    count = 0
    for preview in selectors.unfinished(stuck_before=stuck_before):
        services.attempt_failed(
            preview_id=preview.pk, reason=f"no result after {horizon} s (the job was lost)"
        )
        count += 1
    return count
