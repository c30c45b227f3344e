"""Query-count bounds of the routes (issue 18: a route's query count does not grow with the
rows it returns). Each test module parametrizes its routes over `SIZES` and asserts one bound
for both sizes, so a query per row fails at the larger one.

A bound counts every query of the request, authentication and access check included: one
for the caller (authentication), one for the row the route names with the caller's team
link, then the route's own reads (docs/decisions/last-revisions.md)."""

from collections.abc import Callable
from typing import Any

# A few rows, and enough that one query per row cannot hide under a bound.
SIZES = [2, 30]


def bounded(assert_max_num_queries: Any, bound: int, request: Callable[[], Any]) -> Any:
    """The response of `request`, which must succeed in at most `bound` queries."""
    with assert_max_num_queries(bound):
        response = request()
    assert response.status_code in (200, 201), response.content[:500]
    return response
