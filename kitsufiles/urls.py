from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularSwaggerView,
    SpectacularYAMLAPIView,
)

from kitsufiles.api import auth_views, operations, schema  # noqa: F401 (schema: the JWT scheme)
from kitsufiles.api.errors import json_not_found

# Every API path is declared without a trailing slash; ZouPathMiddleware drops one if sent.
api_patterns: list[URLPattern | URLResolver] = [
    path("", auth_views.ApiRootView.as_view(), name="api-root"),
    path("auth/login", auth_views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh-token", auth_views.RefreshTokenView.as_view(), name="auth-refresh"),
    path("auth/logout", auth_views.LogoutView.as_view(), name="auth-logout"),
    path("auth/authenticated", auth_views.AuthenticatedView.as_view(), name="auth-authenticated"),
    # For load balancers and orchestrators: no credentials (docs/operations.md).
    path("health", operations.HealthView.as_view(), name="health"),
    path("health/ready", operations.ReadyView.as_view(), name="health-ready"),
    # The document as its name says (JSON, what clients and schemathesis load), and as YAML.
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi-schema"),
    path("openapi.yaml", SpectacularYAMLAPIView.as_view(), name="openapi-schema-yaml"),
    path("docs", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="openapi-docs"),
    # Resumable (tus) uploads beside the multipart routes of their targets.
    path("", include("resumable.urls")),
    path("", include("file_trees.urls")),  # before production's data/entities/<id>
    path("", include("working_files.urls")),
    path("", include("output_files.urls")),
    path("", include("previews.urls")),
    path("", include("production.urls")),
    # Avatars and attachment thumbnails (thumbnails app)
    path("", include("thumbnails.urls")),
    re_path(r"^.*$", json_not_found),  # unknown API URL: Zou's JSON 404, with or without DEBUG
]

urlpatterns = [
    path("api", auth_views.ApiRootWithoutSlashView.as_view()),
    path("api/", include(api_patterns)),
    path("admin/", admin.site.urls),
    # The browsable pages (Django sessions; docs/architecture.md).
    path("", include("production.page_urls")),
    path("", include("previews.page_urls")),
    path("", include("working_files.page_urls")),
    path("", include("output_files.page_urls")),
    # Prometheus' scrape, outside /api/ (not a Zou route); off unless METRICS_ENABLED.
    path("metrics", operations.metrics_view, name="metrics"),
]

# JSON under /api/, an HTML page for the browsable pages (kitsufiles/error_pages.py).
handler404 = "kitsufiles.error_pages.not_found"
handler403 = "kitsufiles.error_pages.forbidden"
handler500 = "kitsufiles.api.errors.json_server_error"
