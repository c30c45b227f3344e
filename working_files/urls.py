from django.urls import path

from working_files import api

urlpatterns = [
    path("data/tasks/<str:task_id>/working-file-path", api.WorkingFilePathView.as_view()),
]
