from django.apps import AppConfig


class PreviewsConfig(AppConfig):
    name = "previews"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A project's rows carry its backgrounds, which previews keeps (production may not
        # import previews: docs/architecture.md).
        from kitsufiles import metrics
        from kitsufiles.api import serialization
        from previews import monitoring, selectors
        from production.models import Project

        serialization.extend_rows(Project, selectors.add_project_backgrounds)
        # The preview jobs' gauges, read at each scrape (the plumbing imports no app).
        metrics.register("preview_jobs", monitoring.collect)
