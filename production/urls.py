from django.urls import path

from kitsufiles.api.crud import crud_urls
from production import api

KIND_COLLECTIONS = {
    "Asset": "assets",
    "Sequence": "sequences",
    "Shot": "shots",
    "Episode": "episodes",
    "Scene": "scenes",
    "Edit": "edits",
    "Concept": "concepts",
}
SETTINGS = {
    "asset-types": "asset_types",
    "task-types": "task_types",
    "task-status": "task_statuses",
}

# Specific routes first: `data/assets/all` must not be read as an entity id.
urlpatterns = [
    path("data/projects/open", api.OpenProjectsView.as_view()),
    path("data/asset-types", api.AssetTypeListView.as_view()),
    path("data/asset-types/<str:asset_type_id>", api.AssetTypeDetailView.as_view()),
    path("data/assets/all", api.EntityKindListView.as_view(kind="Asset")),
    path("data/shots/all", api.EntityKindListView.as_view(kind="Shot")),
    path("data/assets/<str:asset_id>/asset-asset-instances", api.AssetAssetInstancesView.as_view()),
    path("data/tasks/<str:task_id>/full", api.TaskFullView.as_view()),
    path("actions/tasks/<str:task_id>/comment", api.CommentTaskView.as_view()),
    path("data/projects/<str:project_id>/team", api.ProjectTeamView.as_view()),
    path(
        "data/projects/<str:project_id>/team/<str:person_id>", api.ProjectTeamMemberView.as_view()
    ),
    path("data/projects/<str:project_id>/assets", api.ProjectAssetsView.as_view()),
    path(
        "data/projects/<str:project_id>/asset-types/<str:asset_type_id>/assets/new",
        api.NewAssetView.as_view(),
    ),
]
for kind, collection in KIND_COLLECTIONS.items():
    urlpatterns += [
        path(f"data/{collection}", api.EntityKindListView.as_view(kind=kind)),
        path(f"data/{collection}/<str:entity_id>", api.EntityKindDetailView.as_view(kind=kind)),
        path(f"data/{collection}/<str:entity_id>/tasks", api.EntityTasksView.as_view(kind=kind)),
    ]
    if kind != "Asset":
        urlpatterns.append(
            path(
                f"data/projects/<str:project_id>/{collection}",
                api.ProjectEntitiesView.as_view(kind=kind),
            )
        )
for segment, setting in SETTINGS.items():
    urlpatterns += [
        path(
            f"data/projects/<str:project_id>/settings/{segment}",
            api.ProjectSettingView.as_view(setting=setting),
        ),
        path(
            f"data/projects/<str:project_id>/settings/{segment}/<str:object_id>",
            api.ProjectSettingItemView.as_view(setting=setting),
        ),
        path(
            f"data/projects/<str:project_id>/{segment}",
            api.ProjectRelatedListView.as_view(setting=setting),
        ),
    ]
urlpatterns += crud_urls(api.RESOURCES)
