"""The browsable pages' working-file download, at the site's root (kitsufiles/urls.py)."""

from django.urls import path

from working_files import views

urlpatterns = [
    path(
        "working-files/<str:working_file_id>/download",
        views.WorkingFileDownloadView.as_view(),
        name="pages-working-file-download",
    ),
]
