from django.urls import path

from file_trees import api

urlpatterns = [
    path("actions/projects/<str:project_id>/set-file-tree", api.SetFileTreeView.as_view()),
    path("data/entities/guess-from-path", api.GuessFromPathView.as_view()),
    path("data/entities/guess_from_path", api.GuessFromPathAliasView.as_view()),
]
