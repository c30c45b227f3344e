"""JSON request bodies, bounded before anything is read or written
(docs/compatibility.md#errors-and-identifiers).

Every JSON route parses its body here, so this is the one place that refuses what the service
could store but never answer again: a number beyond 64 bits (orjson cannot encode it, and
PostgreSQL's jsonb gives `1e20` back as an integer that size), a string with a lone surrogate
(not encodable as UTF-8), and nesting deeper than the renderer can follow. A body larger than
MAX_JSON_BODY_SIZE is refused with 413 before it is read.
"""

import json
import math
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from kitsufiles.errors import UploadTooLarge

# Far below orjson's own limit (255 levels), so that a stored value fits inside the rows and
# lists that carry it back out; no body Zou's clients send comes near it.
MAX_JSON_DEPTH = 64
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

NUMBER_OUT_OF_RANGE = "Numbers must lie between -2**63 and 2**63-1."
TOO_DEEP = f"JSON values may not be nested more than {MAX_JSON_DEPTH} levels deep."
INVALID_TEXT = "Text must be valid Unicode (no lone surrogates)."


def json_problem(value: Any, path: str = "", depth: int = 0) -> tuple[str, str] | None:
    """(where, why) for the first part of a parsed JSON value the API must not accept."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return None if INT64_MIN <= value <= INT64_MAX else (path, NUMBER_OUT_OF_RANGE)
    if isinstance(value, float):
        # A float this large is a whole number: PostgreSQL reads it back as a too-big int.
        ok = math.isfinite(value) and INT64_MIN <= value < INT64_MAX
        return None if ok else (path, NUMBER_OUT_OF_RANGE)
    if isinstance(value, str):
        return None if _is_valid_text(value) else (path, INVALID_TEXT)
    if isinstance(value, (list, dict)) and depth >= MAX_JSON_DEPTH:
        return (path, TOO_DEEP)
    if isinstance(value, list):
        for index, item in enumerate(value):
            problem = json_problem(item, _join(path, str(index)), depth + 1)
            if problem:
                return problem
    elif isinstance(value, dict):
        for key, item in value.items():
            if not _is_valid_text(key):
                return (path, INVALID_TEXT)
            problem = json_problem(item, _join(path, key), depth + 1)
            if problem:
                return problem
    return None


def check_json(value: Any) -> None:
    """Raise a validation error (Zou's 400 body, naming the field) if `value` is refused."""
    problem = json_problem(value)
    if problem:
        where, why = problem
        raise exceptions.ValidationError({where or "body": [why]})


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _is_valid_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _strict_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON.")


class ZouJSONParser(JSONParser):
    """DRF's JSON parser with a size bound, a depth bound and values every backend and the
    renderer can hold."""

    def parse(
        self,
        stream: IO[bytes] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.MAX_JSON_BODY_SIZE
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise UploadTooLarge()  # refused before a byte of it is read
        # Bounded even when the length is not declared or is wrong.
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise UploadTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            value = json.loads(raw.decode(encoding), parse_constant=_strict_constant)
        except RecursionError:
            raise exceptions.ValidationError({"body": [TOO_DEEP]}) from None
        except ValueError as error:  # UnicodeDecodeError included
            raise exceptions.ParseError(f"JSON parse error - {error}") from None
        check_json(value)
        return value
