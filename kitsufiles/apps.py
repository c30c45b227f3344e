"""The plumbing as an installed app, so that its system checks are registered at start-up,
log records carry the request id, the job queue's length is measured and an object store's
buckets are checked (it has no models and no migrations)."""

from django.apps import AppConfig
from django.core.signals import request_finished


class KitsufilesConfig(AppConfig):
    name = "kitsufiles"
    verbose_name = "kitsufiles plumbing"

    def ready(self) -> None:
        from django.conf import settings

        # checks: registering is the import's effect.
        from kitsufiles import checks, job_queue, log_context, metrics  # noqa: F401

        log_context.install_record_factory()
        request_finished.connect(log_context.end_request, dispatch_uid="kitsufiles-log-context")
        metrics.register("job_queue", job_queue.collect)

        if settings.FS_BACKEND != "local":
            # Every process (web, qcluster, commands) checks the object store's buckets before
            # it serves anything: a missing one is named at start, not at the first upload.
            from kitsufiles.stores.aliases import prepare_buckets

            prepare_buckets()
