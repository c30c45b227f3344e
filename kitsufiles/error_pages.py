"""The error answers of URLs outside a view's own handling (Django's handler404/handler403):
Zou's JSON under /api/ (what every client of the API reads, tests/kitsufiles), and an HTML
page everywhere else (the browsable pages: templates/404.html, templates/403.html)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from kitsufiles.api.errors import FORBIDDEN_MESSAGE, error_body, json_not_found


def is_api(request: HttpRequest) -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return json_not_found(request, exception)
    return defaults.page_not_found(request, exception or Exception())


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api(request):
        return JsonResponse(error_body(FORBIDDEN_MESSAGE), status=403)
    return defaults.permission_denied(request, exception or Exception())
