from django.urls import path

from kitsufiles.api.crud import crud_urls
from output_files.api import entity_outputs, files, instance_outputs, paths

ENTITY = "data/entities/<str:entity_id>"
INSTANCE = "data/asset-instances/<str:instance_id>/entities/<str:temporal_entity_id>"

urlpatterns = [
    path(f"{ENTITY}/output-files/new", entity_outputs.NewEntityOutputFileView.as_view()),
    path(f"{ENTITY}/output-files/next-revision", entity_outputs.EntityNextRevisionView.as_view()),
    path(
        f"{ENTITY}/output-files/last-revisions",
        entity_outputs.EntityLastOutputRevisionsView.as_view(),
    ),
    path(f"{ENTITY}/output-files", entity_outputs.EntityOutputFilesView.as_view()),
    path(f"{ENTITY}/output-types", entity_outputs.EntityOutputTypesView.as_view()),
    path(
        f"{ENTITY}/output-types/<str:output_type_id>/output-files",
        entity_outputs.EntityOutputTypeFilesView.as_view(),
    ),
    path(
        "data/projects/<str:project_id>/output-files",
        entity_outputs.ProjectOutputFilesView.as_view(),
    ),
    path(f"{INSTANCE}/output-files/new", instance_outputs.NewInstanceOutputFileView.as_view()),
    path(
        f"{INSTANCE}/output-files/next-revision",
        instance_outputs.InstanceNextRevisionView.as_view(),
    ),
    path(
        f"{INSTANCE}/output-files/last-revisions",
        instance_outputs.InstanceLastOutputRevisionsView.as_view(),
    ),
    path(f"{INSTANCE}/output-types", instance_outputs.InstanceOutputTypesView.as_view()),
    path(
        f"{INSTANCE}/output-types/<str:output_type_id>/output-files",
        instance_outputs.InstanceOutputTypeFilesView.as_view(),
    ),
    path(
        "data/asset-instances/<str:instance_id>/output-files",
        instance_outputs.InstanceOutputFilesView.as_view(),
    ),
    path("data/files/<str:file_id>", files.FileView.as_view()),
    path(f"{ENTITY}/output-file-path", paths.EntityOutputFilePathView.as_view()),
    path(f"{INSTANCE}/output-file-path", paths.InstanceOutputFilePathView.as_view()),
    *crud_urls(files.RESOURCES),
]
