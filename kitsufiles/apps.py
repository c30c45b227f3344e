"""The plumbing as an installed app, so that its system checks are registered at start-up,
log records carry the request id and the job queue's length is measured (it has no models and
no migrations)."""

from django.apps import AppConfig
from django.core.signals import request_finished


class KitsufilesConfig(AppConfig):
    name = "kitsufiles"
    verbose_name = "kitsufiles plumbing"

    def ready(self) -> None:
        # checks: registering is the import's effect.
        from kitsufiles import checks, job_queue, log_context, metrics  # noqa: F401

        log_context.install_record_factory()
        request_finished.connect(log_context.end_request, dispatch_uid="kitsufiles-log-context")
        metrics.register("job_queue", job_queue.collect)
