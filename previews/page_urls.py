"""The browsable pages of a task's history and its previews, at the site's root
(kitsufiles/urls.py). Ids are matched as text: the access entry point answers 404 for a
malformed one, as for an unknown one."""

from django.urls import path

from previews import views

urlpatterns = [
    path("tasks/<str:task_id>/", views.TaskPageView.as_view(), name="pages-task"),
    path("previews/<str:preview_id>/", views.PreviewPageView.as_view(), name="pages-preview"),
]
