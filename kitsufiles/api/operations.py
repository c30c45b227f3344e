"""Routes for whoever runs the service rather than for Kitsu: `/api/health` and
`/api/health/ready` for load balancers and orchestrators, `/metrics` for Prometheus.

The health routes take no credentials: a load balancer does not log in, and what they say
(the process answers; which dependency is unreachable) is meant for it. They query nothing but
what they check, and no log-in limit applies to them (docs/operations.md#health-endpoints).
`/metrics` is off unless METRICS_ENABLED, and asks for METRICS_TOKEN as a bearer token when
one is set (docs/operations.md#metrics).
"""

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from kitsufiles import health, metrics
from kitsufiles.api.auth_views import PublicView
from kitsufiles.api.errors import NOT_FOUND_MESSAGE, error_body

NO_STORE = {"Cache-Control": "no-store"}


class HealthView(PublicView):
    """The process answers: no database query, no store, no credentials."""

    @extend_schema(
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT, description='`{"status": "ok", "version": ...}`'
            )
        }
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok", "version": settings.API_VERSION}, headers=NO_STORE)


class ReadyView(PublicView):
    """The database, the content stores and the job queue answer (each within
    HEALTH_CHECK_TIMEOUT seconds): 200, or 503 naming what does not."""

    @extend_schema(
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='Ready: `{"status": "ready", "checks": {name: {"ok": true, ...}}}`.',
            ),
            503: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='Not ready: `{"error": true, "message": ..., "data": {"checks": '
                '{name: {"ok": false, "error": ...}}}}`.',
            ),
        }
    )
    def get(self, request: Request) -> Response:
        results = health.run_checks()
        checks = {name: result.as_json() for name, result in results.items()}
        failed = [name for name, result in results.items() if not result.ok]
        if failed:
            body = error_body(f"Not ready: {', '.join(failed)}.") | {"data": {"checks": checks}}
            return Response(body, status=503, headers=NO_STORE)
        return Response({"status": "ready", "checks": checks}, headers=NO_STORE)


@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus' scrape. A plain Django view: its answer is Prometheus' text format, not
    Zou's JSON, and it is not part of the API document."""
    if not settings.METRICS_ENABLED:
        return JsonResponse(error_body(NOT_FOUND_MESSAGE), status=404)
    token = settings.METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "")
        expected = f"Bearer {token}"
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            return JsonResponse(
                {"msg": "Missing or wrong metrics token"},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    body, content_type = metrics.exposition_text(request.headers.get("Accept"))
    return HttpResponse(body, content_type=content_type, headers=NO_STORE)
