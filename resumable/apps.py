from django.apps import AppConfig


class ResumableConfig(AppConfig):
    name = "resumable"
    verbose_name = "Resumable uploads"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The storage sweep keeps the bytes of live uploads and expires the others first
        # (prune_storage; the plumbing imports no app: kitsufiles/stores/inventory.py).
        from kitsufiles.stores import inventory
        from resumable import selectors, services

        inventory.register_live_uploads(selectors.live_uploads)
        inventory.register_expiry(services.sweep_expired)
