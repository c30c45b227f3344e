from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework.renderers import BaseRenderer


class ZouJSONRenderer(BaseRenderer):
    """JSON through orjson, the encoder Zou uses; UUIDs and naive datetimes are native to it."""

    media_type = "application/json"
    format = "json"
    charset = None

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS, default=_fallback)


def _fallback(value: object) -> str:
    # Lazy translation strings, Decimals and other rarities end here.
    return str(value)
