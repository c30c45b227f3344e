"""The browsable pages of a task's history and its previews, at the site's root
(kitsufiles/urls.py). Ids are matched as text: the access entry point answers 404 for a
malformed one, as for an unknown one."""

from django.urls import path

from previews import views

urlpatterns = [
    path("tasks/<str:task_id>/", views.TaskPageView.as_view(), name="pages-task"),
    path("previews/<str:preview_id>/", views.PreviewPageView.as_view(), name="pages-preview"),
    path(
        "previews/<str:preview_id>/movie.mp4",
        views.PreviewMediaView.as_view(kind="movie.mp4"),
        name="pages-preview-movie",
    ),
    path(
        "previews/<str:preview_id>/tiles.png",
        views.PreviewMediaView.as_view(kind="tiles.png"),
        name="pages-preview-tiles",
    ),
    path(
        "previews/<str:preview_id>/picture.png",
        views.PreviewMediaView.as_view(kind="picture.png"),
        name="pages-preview-picture",
    ),
    path(
        "previews/<str:preview_id>/thumbnail.png",
        views.PreviewMediaView.as_view(kind="thumbnail.png"),
        name="pages-preview-thumbnail",
    ),
]
