from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase

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
