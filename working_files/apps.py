from django.apps import AppConfig


class WorkingFilesConfig(AppConfig):
    name = "working_files"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Which stored files are this app's, for prune_storage (the plumbing imports no app:
        # kitsufiles/stores/inventory.py).
        from kitsufiles.stores import inventory
        from resumable import targets
        from working_files import selectors
        from working_files.resumable import WorkingFileContent

        alias = selectors.STORAGE_ALIAS
        inventory.refer(alias, "files", selectors.CONTENT_FOLDER, selectors.ids_with_content_row)
        inventory.expect(alias, selectors.rows_needing_content)
        # Its content may also come in chunks (tus: docs/resumable-uploads.md).
        targets.register(WorkingFileContent())
