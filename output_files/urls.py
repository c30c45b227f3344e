from django.urls import path

from output_files import api

urlpatterns = [
    path("data/files/<str:file_id>", api.FileView.as_view()),
    path("data/entities/<str:entity_id>/output-file-path", api.EntityOutputFilePathView.as_view()),
    path(
        "data/asset-instances/<str:instance_id>/entities/<str:temporal_entity_id>/output-file-path",
        api.InstanceOutputFilePathView.as_view(),
    ),
]
