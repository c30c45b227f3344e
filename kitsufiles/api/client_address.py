"""The address a request comes from, as far as the deployment lets us know it.

Behind the buffering reverse proxy the README's production section asks for, REMOTE_ADDR is
the proxy's for every client, so a per-address limit (the failed log-in counters,
kitsufiles/login_failures.py) would count every client together. With TRUSTED_PROXIES = n,
the n proxies nearest to us are trusted to append, each in turn, the address they received
the request from to X-Forwarded-For; the client is then the n-th entry from the right.
Entries further left were written by the client itself and prove nothing, so they are never
used; nor is the header at all when TRUSTED_PROXIES is 0 (the default: no proxy).
"""

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request


def client_address(request: HttpRequest | Request) -> str:
    direct = request.META.get("REMOTE_ADDR") or ""
    hops = settings.TRUSTED_PROXIES
    if hops == 0:
        return direct
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if len(forwarded) < hops:
        # Not through every proxy (a direct request, or a proxy that does not set the
        # header): what the header says was not written by a trusted proxy.
        return direct
    return forwarded[-hops]
