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

        # Which stored files are this app's, for prune_storage (the plumbing imports no app:
        # kitsufiles/stores/inventory.py). Thumbnails are keyed by the id of whatever they
        # show: a preview's, a background file's (and the thumbnails app's avatars').
        from kitsufiles.stores import inventory
        from previews import storage

        for bucket, prefix in selectors.PREVIEW_MEDIA:
            inventory.refer(storage.ALIAS, bucket, prefix, selectors.existing_previews)
        backgrounds = selectors.existing_backgrounds
        inventory.refer(storage.ALIAS, "pictures", "preview-backgrounds", backgrounds)
        inventory.refer(storage.ALIAS, "pictures", "thumbnails", backgrounds)
        inventory.refer(storage.ALIAS, "files", "attachments", selectors.existing_attachments)
        inventory.expect(storage.ALIAS, selectors.rows_needing_media)

        # Its media may also come in chunks (tus: docs/resumable-uploads.md).
        from previews.resumable import PreviewMedia
        from resumable import targets

        targets.register(PreviewMedia())
