from django.urls import URLPattern, path

from kitsufiles.api.crud import crud_urls
from production.api import crud, entities, projects, tasks
from production.api.projects import PROJECT_SETTINGS
from production.shapes import ASSET

KIND_COLLECTIONS = {
    ASSET: "assets",
    "Sequence": "sequences",
    "Shot": "shots",
    "Episode": "episodes",
    "Scene": "scenes",
    "Edit": "edits",
    "Concept": "concepts",
}

# Specific routes first: `data/assets/all` must not be read as an entity id.
urlpatterns: list[URLPattern] = [
    path("data/projects/open", projects.OpenProjectsView.as_view()),
    path("data/asset-types", entities.AssetTypeListView.as_view()),
    path("data/asset-types/<str:asset_type_id>", entities.AssetTypeDetailView.as_view()),
    path("data/assets/all", entities.EntityKindListView.as_view(kind=ASSET)),
    path("data/shots/all", entities.EntityKindListView.as_view(kind="Shot")),
    path(
        "data/assets/<str:asset_id>/asset-asset-instances",
        entities.AssetAssetInstancesView.as_view(),
    ),
    path("data/tasks/<str:task_id>/full", tasks.TaskFullView.as_view()),
    path("data/projects/<str:project_id>/team", projects.ProjectTeamView.as_view()),
    path(
        "data/projects/<str:project_id>/team/<str:person_id>",
        projects.ProjectTeamMemberView.as_view(),
    ),
    path("data/projects/<str:project_id>/assets", entities.ProjectAssetsView.as_view()),
    path(
        "data/projects/<str:project_id>/asset-types/<str:asset_type_id>/assets/new",
        entities.NewAssetView.as_view(),
    ),
]
for kind, collection in KIND_COLLECTIONS.items():
    urlpatterns += [
        path(f"data/{collection}", entities.EntityKindListView.as_view(kind=kind)),
        path(
            f"data/{collection}/<str:entity_id>", entities.EntityKindDetailView.as_view(kind=kind)
        ),
        path(
            f"data/{collection}/<str:entity_id>/tasks", entities.EntityTasksView.as_view(kind=kind)
        ),
    ]
    if kind != ASSET:
        urlpatterns.append(
            path(
                f"data/projects/<str:project_id>/{collection}",
                entities.ProjectEntitiesView.as_view(kind=kind),
            )
        )
for segment, setting in PROJECT_SETTINGS.items():
    urlpatterns += [
        path(
            f"data/projects/<str:project_id>/settings/{segment}",
            projects.ProjectSettingView.as_view(setting=setting),
        ),
        path(
            f"data/projects/<str:project_id>/settings/{segment}/<str:object_id>",
            projects.ProjectSettingItemView.as_view(setting=setting),
        ),
        path(
            f"data/projects/<str:project_id>/{segment}",
            projects.ProjectRelatedListView.as_view(setting=setting),
        ),
    ]
urlpatterns += crud_urls(crud.RESOURCES)
