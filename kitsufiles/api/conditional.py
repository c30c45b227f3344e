"""Conditional requests on JSON answers: the `ETag` of a versioned row and the `If-Match` of a
write (kitsufiles/versions.py; docs/compatibility.md#optimistic-concurrency)."""

from typing import TypeVar

from rest_framework.request import Request
from rest_framework.response import Response

from kitsufiles.versions import IfMatch, Versioned, row_version

R = TypeVar("R", bound=Response)


def if_match(request: Request) -> IfMatch | None:
    """The request's `If-Match`, or None when it has none (Zou's unconditional write).

    `*` accepts any current version. Tags are compared strongly (RFC 9110 §13.1.1): a weak
    tag (`W/"..."`) never matches; a bare token is read as the tag it spells, for clients
    that forget the quotes."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tags = set()
    for item in header.split(","):
        tag = item.strip()
        if tag == "*":
            return IfMatch(frozenset(), any_version=True)
        if not tag or tag.startswith("W/"):
            continue
        tags.add(tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else tag)
    return IfMatch(frozenset(tags))


def with_version(response: R, row: Versioned) -> R:
    """`response` carrying `row`'s version as its strong `ETag`."""
    response["ETag"] = f'"{row_version(row)}"'
    return response
