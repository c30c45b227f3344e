from django.apps import AppConfig


class ThumbnailsConfig(AppConfig):
    name = "thumbnails"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Which stored pictures are this app's, for prune_storage (the plumbing imports no
        # app: kitsufiles/stores/inventory.py): avatars and attachment thumbnails, both
        # pictures `thumbnails-<id>` of the previews alias.
        from kitsufiles.stores import inventory
        from thumbnails import selectors

        inventory.refer("previews", "pictures", "thumbnails", selectors.ids_with_picture)
        inventory.expect("previews", selectors.rows_needing_pictures)
