"""Django Q jobs of previews: thin wrappers around previews.services.

A preview's processing is a numbered attempt queued by previews.queue: the job only runs if the
preview is still processing and its number is the preview's next attempt, so a job handed out
twice (a broker re-delivery, a requeue while the first copy waits in the queue) runs once.
"""

from datetime import timedelta

from django.utils import timezone
from django_q.models import Task as QueuedTask

from previews import queue, selectors, services


def process_preview(preview_id: str, attempt: int) -> str:
    return services.process(preview_id=preview_id, attempt=attempt)


def record_outcome(task: QueuedTask) -> None:
    """Django Q's hook, called in the cluster once a job has finished, failed or timed out."""
    if task.success:
        return
    lines = str(task.result or "the job stopped").strip().splitlines()
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
