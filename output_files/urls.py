from django.urls import path

from kitsufiles.api.crud import crud_urls
from output_files import api

ENTITY = "data/entities/<str:entity_id>"
INSTANCE = "data/asset-instances/<str:instance_id>/entities/<str:temporal_entity_id>"

urlpatterns = [
    path(f"{ENTITY}/output-files/new", api.NewEntityOutputFileView.as_view()),
    path(f"{ENTITY}/output-files/next-revision", api.EntityNextRevisionView.as_view()),
    path(f"{ENTITY}/output-files/last-revisions", api.EntityLastOutputRevisionsView.as_view()),
    path(f"{ENTITY}/output-files", api.EntityOutputFilesView.as_view()),
    path(f"{ENTITY}/output-types", api.EntityOutputTypesView.as_view()),
    path(
        f"{ENTITY}/output-types/<str:output_type_id>/output-files",
        api.EntityOutputTypeFilesView.as_view(),
    ),
    path("data/projects/<str:project_id>/output-files", api.ProjectOutputFilesView.as_view()),
    path(f"{INSTANCE}/output-files/new", api.NewInstanceOutputFileView.as_view()),
    path(f"{INSTANCE}/output-files/next-revision", api.InstanceNextRevisionView.as_view()),
    path(f"{INSTANCE}/output-files/last-revisions", api.InstanceLastOutputRevisionsView.as_view()),
    path(f"{INSTANCE}/output-types", api.InstanceOutputTypesView.as_view()),
    path(
        f"{INSTANCE}/output-types/<str:output_type_id>/output-files",
        api.InstanceOutputTypeFilesView.as_view(),
    ),
    path(
        "data/asset-instances/<str:instance_id>/output-files",
        api.InstanceOutputFilesView.as_view(),
    ),
    path("data/files/<str:file_id>", api.FileView.as_view()),
    path("data/entities/<str:entity_id>/output-file-path", api.EntityOutputFilePathView.as_view()),
    path(
        "data/asset-instances/<str:instance_id>/entities/<str:temporal_entity_id>/output-file-path",
        api.InstanceOutputFilePathView.as_view(),
    ),
    *crud_urls(api.RESOURCES),
]
