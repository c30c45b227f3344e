from django.urls import path

from kitsufiles.api.crud import crud_urls
from working_files import api

urlpatterns = [
    path("data/tasks/<str:task_id>/working-file-path", api.WorkingFilePathView.as_view()),
    path("data/tasks/<str:task_id>/working-files", api.TaskWorkingFilesView.as_view()),
    path("data/tasks/<str:task_id>/working-files/new", api.NewWorkingFileView.as_view()),
    path(
        "data/tasks/<str:task_id>/working-files/last-revisions",
        api.LastWorkingFilesView.as_view(),
    ),
    path("data/entities/<str:entity_id>/working-files", api.EntityWorkingFilesView.as_view()),
    path(
        "actions/working-files/<str:working_file_id>/comment",
        api.WorkingFileCommentView.as_view(),
    ),
    path(
        "actions/working-files/<str:working_file_id>/modified",
        api.WorkingFileModifiedView.as_view(),
    ),
    path("data/working-files/<str:working_file_id>/file", api.WorkingFileContentView.as_view()),
    *crud_urls(api.RESOURCES),
]
