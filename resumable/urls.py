"""The routes of every registered upload target (resumable/targets.py), built once the apps
have registered theirs (URLs are loaded after every AppConfig.ready)."""

from django.urls import URLPattern, path

from resumable import api
from resumable.targets import registered


def _routes() -> list[URLPattern]:
    routes = []
    for target in registered():
        attributes = {"target": target, "schema_tag": target.tag}
        creation = type(f"{type(target).__name__}CreationView", (api.CreationView,), attributes)
        upload = type(f"{type(target).__name__}UploadView", (api.UploadView,), attributes)
        routes += [
            path(target.route, creation.as_view()),
            path(f"{target.route}/<str:upload_id>", upload.as_view()),
        ]
    return routes


urlpatterns = _routes()
