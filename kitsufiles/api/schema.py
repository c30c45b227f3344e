"""The OpenAPI document (drf-spectacular) for views that are plain APIViews.

Zou's answers are built from model rows, not DRF serializers, so responses are documented as
JSON objects (or lists of them) and requests by the serializer a view validates with: the CRUD
resource's input serializer, or the view's `Input` class.
"""

import re
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse


class ZouJWTScheme(OpenApiAuthenticationExtension):
    target_class = "kitsufiles.api.authentication.ZouJWTAuthentication"
    name = "jwt"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Access token from /api/auth/login (or the access_token_cookie "
            "cookie on GET requests).",
        }


class ZouAutoSchema(AutoSchema):
    # drf-spectacular accepts more than its annotations say (a serializer class or instance,
    # an OpenApiTypes value, a {status: response} dict): these hooks answer Any.
    def get_request_serializer(self) -> Any:
        if self.method not in ("POST", "PUT", "PATCH"):
            return None
        resource = getattr(self.view, "resource", None)
        if resource is not None:
            return resource.input_serializer
        return getattr(self.view, "Input", None)

    def get_response_serializers(self) -> Any:
        if self.method == "DELETE":
            return {204: OpenApiResponse(description="Deleted (empty body).")}
        return OpenApiTypes.OBJECT

    def get_operation_id(self) -> str:
        # "/api/data/tasks/{instance_id}" + GET → "data_tasks_by_instance_id_get": unique per
        # route, where the default cannot tell a list from a detail on plain APIViews.
        path = re.sub(r"\{(\w+)\}", r"by_\1", self.path.removeprefix("/api/"))
        words = re.sub(r"[^0-9a-zA-Z]+", "_", path).strip("_") or "root"
        return f"{words}_{self.method.lower()}"

    def _get_serializer_name(
        self, serializer: Any, direction: str, bypass_extensions: bool = False
    ) -> str:
        # Views name their body serializer `Input`: qualify it by the view ("LoginViewInput").
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        owner = type(serializer).__qualname__.split(".")[0]
        if type(serializer).__name__ == "Input" and owner != "Input":
            return f"{owner}Input"
        return name
