import time
from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase

from kitsufiles import log_context, metrics
from kitsufiles.api.errors import json_not_found

GetResponse = Callable[[HttpRequest], HttpResponseBase]


class ZouPathMiddleware:
    """Accept a trailing slash on every API route, as Zou does (`strict_slashes` off).

    Routes are declared without the slash; the slash is dropped before URL resolution, so
    there is no redirect (a redirected POST would lose its body).
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path_info
        if path.startswith("/api/") and path.endswith("/"):
            request.path_info = path.rstrip("/") or "/"
        return self.get_response(request)


class ZouSecurityHeadersMiddleware:
    """The one header of Zou's set that Django's SecurityMiddleware does not write."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
        return response


REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Give every request an id, sent back in `X-Request-ID` and carried by every log record
    made while the request is handled (kitsufiles/log_context.py), the error handler's
    included. A client's (or proxy's) own `X-Request-ID` is kept when it is sane: short, no
    spaces or control characters; anything else is replaced (docs/operations.md#request-ids).
    Outermost, so that what the other middlewares log carries the id too."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        sent = request.headers.get(REQUEST_ID_HEADER)
        request_id = log_context.sane_request_id(sent) or log_context.new_request_id()
        log_context.start_request(request_id)  # ended on request_finished (see apps.py)
        response = self.get_response(request)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response


class RequestMetricsMiddleware:
    """The latency of every request, labelled by the route that answered it: the URL pattern
    (`api/data/tasks/<str:instance_id>`), never the path, so that ids do not make a label value
    each (kitsufiles/metrics.py)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        metrics.observe_request(
            route=route_of(request),
            method=request.method or "",
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response


def route_of(request: HttpRequest) -> str | None:
    """The URL pattern that matched `request`; None when none did, or only the catch-all that
    answers unknown API URLs (json_not_found)."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.func is json_not_found:
        return None
    return match.route or None
