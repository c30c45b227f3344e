"""The plumbing as an installed app, only so that its system checks are registered at start-up
(it has no models and no migrations)."""

from django.apps import AppConfig


class KitsufilesConfig(AppConfig):
    name = "kitsufiles"
    verbose_name = "kitsufiles plumbing"

    def ready(self) -> None:
        from kitsufiles import checks  # noqa: F401  (registering is the import's effect)
