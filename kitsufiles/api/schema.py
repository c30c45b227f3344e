"""The OpenAPI document (drf-spectacular) for views that are plain APIViews.

Zou's answers are built from model rows, not DRF serializers, so answers are documented as
JSON values of any shape (a row, a list of rows, a page) with the status the route answers,
and requests by the serializer a view validates with: the CRUD resource's input serializer,
or the view's `Input` class. Routes that answer a file or take one say so with `file_answer`
and `upload_body`; POST routes answer 201 unless they say otherwise with `answers`.

Every operation carries one tag, its domain (`ZouAutoSchema.get_tags`): the app that owns the
route's rows (a generic CRUD route's model), else the app its view lives in, so that a new
route is grouped without a word in its view. The tags' names and sentences are
SPECTACULAR_SETTINGS["TAGS"]; tests/kitsufiles/test_api_docs.py checks they match.

`add_links` (a postprocessing hook, see SPECTACULAR_SETTINGS) adds OpenAPI links from the
routes that create a row to the routes that use it, which stateful clients and schemathesis
follow (docs/architecture.md#the-openapi-document).
"""

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from kitsufiles.api.crud import DEFAULT_PAGE_SIZE, never_forced
from kitsufiles.api.filters import filterable_fields

JSON_ANSWER = OpenApiResponse(OpenApiTypes.ANY, description="Zou's JSON answer.")
PROCESSING = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="The file is still being made; poll again after `Retry-After` seconds "
    "(answered to clients that prefer JSON).",
)


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


class PageSessionScheme(OpenApiAuthenticationExtension):
    """The browsable pages' session, accepted by the media routes on GET and HEAD
    (docs/compatibility.md#authentication)."""

    target_class = "kitsufiles.api.authentication.PageSessionAuthentication"
    name = "pageSession"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The session of the browsable pages (log in at /login/): GET and "
            "HEAD on the media routes only.",
        }


# The domain of a route, by the app (or plumbing module, or view) it belongs to: the most
# specific name wins (a view's "module.Class", its module, then its package's first name).
DOMAINS = {
    "production": "production data",
    "thumbnails": "production data",  # the pictures of persons, projects, attachments
    "file_trees": "file trees",
    "working_files": "working files",
    "output_files": "output files",
    "previews": "previews",
    "kitsufiles.api.auth_views": "auth",
    "kitsufiles.api.auth_views.ApiRootView": "operations",
    "kitsufiles.api.operations": "operations",
}


def domain_of(view: Any) -> str:
    """The tag of a view's routes (DOMAINS); a view of no known domain is an error at
    generation time, not an untagged route."""
    resource = getattr(view, "resource", None)
    if resource is not None:
        return DOMAINS[resource.model._meta.app_label]
    tag = getattr(view, "schema_tag", None)  # a view serving several domains says which
    if isinstance(tag, str):
        return tag
    view_class = type(view)
    module = view_class.__module__
    for name in (f"{module}.{view_class.__qualname__}", module, module.split(".")[0]):
        if name in DOMAINS:
            return DOMAINS[name]
    raise LookupError(f"{module}.{view_class.__qualname__}: no domain in schema.DOMAINS")


class ZouAutoSchema(AutoSchema):
    # drf-spectacular accepts more than its annotations say (a serializer class or instance,
    # an OpenApiTypes value, a {status: response} dict): these hooks answer Any.
    def get_request_serializer(self) -> Any:
        if self.method not in ("POST", "PUT", "PATCH"):
            return None
        resource = getattr(self.view, "resource", None)
        if resource is not None:
            return resource.input_serializer
        body = getattr(self.view, "Input", None)
        if isinstance(body, dict) and "type" in body:
            # A view that validates by hand gives its body as a schema: the same for every
            # media type its parsers read (a bare dict would be read as {media type: body}).
            return dict.fromkeys(self.map_parsers(), body)
        return body

    def get_tags(self) -> list[str]:
        return [domain_of(self.view)]

    def get_override_parameters(self) -> list[Any]:
        """The query strings of the generic CRUD routes (the other views declare theirs)."""
        parameters = list(super().get_override_parameters())
        resource = getattr(self.view, "resource", None)
        if resource is None:
            return parameters
        is_instance = "{instance_id}" in self.path
        if self.method == "GET" and not is_instance:
            parameters += crud_list_parameters(resource.model)
        elif self.method == "GET":
            parameters.append(RELATIONS)
        elif self.method == "DELETE" and resource.read_force is not never_forced:
            parameters.append(
                flag("force", "Delete the row and what depends on it, where Zou allows it.")
            )
        return parameters

    def get_response_serializers(self) -> Any:
        if self.method == "DELETE":
            return {204: OpenApiResponse(description="Deleted (empty body).")}
        # A route that creates something answers 201 (Zou's habit); the POST routes that only
        # compute or act answer 200 and say so with `answers(200)`.
        return {201 if self.method == "POST" else 200: JSON_ANSWER}

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


# Query strings


def flag(name: str, description: str) -> OpenApiParameter:
    """A boolean query parameter as Zou reads it ("true" in any case; see query_flag)."""
    return OpenApiParameter(
        name, OpenApiTypes.BOOL, OpenApiParameter.QUERY, description=description
    )


RELATIONS = flag("relations", "Add each row's many-to-many ids.")

# The OpenAPI type of a column, as a list filter reads it (kitsufiles/api/filters.py).
FILTER_TYPES: list[tuple[type[models.Field], dict[str, str]]] = [
    (models.BooleanField, {"type": "boolean"}),
    (models.IntegerField, {"type": "integer"}),
    (models.FloatField, {"type": "number"}),
    (models.DateTimeField, {"type": "string", "format": "date-time"}),
    (models.DateField, {"type": "string", "format": "date"}),
    (models.UUIDField, {"type": "string", "format": "uuid"}),
]


def _filter_schema(field: models.Field) -> dict[str, str]:
    if field.is_relation:
        return {"type": "string", "format": "uuid"}
    for field_class, schema in FILTER_TYPES:
        if isinstance(field, field_class):
            return schema
    return {"type": "string"}


def crud_list_parameters(model: type[models.Model]) -> list[OpenApiParameter]:
    """A listing's page, size, fields and relations, and one filter per column (Zou's list
    filters, sent as `?project_id=...&name=...`)."""
    columns = {key: _filter_schema(field) for key, field in filterable_fields(model).items()}
    if hasattr(model, "zou_filters"):
        columns |= dict.fromkeys(model.zou_filters(), {"type": "string"})
    return [
        OpenApiParameter(
            "page", OpenApiTypes.INT, OpenApiParameter.QUERY, description="A page of rows."
        ),
        OpenApiParameter(
            "limit",
            OpenApiTypes.INT,
            OpenApiParameter.QUERY,
            description=f"Rows per page ({DEFAULT_PAGE_SIZE} by default).",
        ),
        OpenApiParameter(
            "fields",
            OpenApiTypes.STR,
            OpenApiParameter.QUERY,
            description="Only these keys of each row (comma-separated).",
        ),
        RELATIONS,
        OpenApiParameter(
            "filters",
            {"type": "object", "properties": columns},
            OpenApiParameter.QUERY,
            style="form",
            explode=True,
            description="Column filters: only the rows whose column has this value (a JSON "
            "list, or the key repeated, for any of several values).",
        ),
    ]


RANGE = OpenApiParameter(
    "Range",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="A part of the file (`bytes=0-99`): 206, or 416 if it lies outside.",
)


# Decorators for the views' methods (drf-spectacular's extend_schema, pre-filled).


def answers(status: int) -> Callable[[Any], Any]:
    """The route answers Zou's JSON with `status` (for POST routes that create nothing)."""
    return extend_schema(responses={status: JSON_ANSWER})


def file_answer(*media_types: str, processing: bool = False) -> Callable[[Any], Any]:
    """The route answers a stored file of one of `media_types` (200; 206 for a range), or
    with `processing`, 202 and a small JSON body while the file is being made."""
    responses: dict[Any, Any] = {
        (status, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)
        for media_type in media_types
        for status, description in ((200, "The file."), (206, "The range asked for."))
    }
    if processing:
        responses[(202, "application/json")] = PROCESSING
    responses[(416, "application/json")] = OpenApiResponse(
        OpenApiTypes.OBJECT, description="The range asked for lies outside the file."
    )
    return extend_schema(responses=responses, parameters=[RANGE])


BINARY = {"type": "string", "format": "binary"}

# The whole file's sha256, stated by the client and checked before the upload is committed
# (kitsufiles/digests.py, docs/compatibility.md#upload-integrity).
SHA256_FIELD = {
    "type": "string",
    "pattern": "^[0-9a-fA-F]{64}$",
    "description": "The whole file's sha256 (hex), before or after the file part: an upload "
    "whose bytes differ is refused (400) and nothing is stored.",
}
DIGEST_HEADERS = [
    OpenApiParameter(
        "Repr-Digest",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="RFC 9530: `sha-256=:<base64>:`, the whole file's sha256. A file whose "
        "bytes differ is refused (400) and nothing is stored; other algorithms are ignored.",
    ),
    OpenApiParameter(
        "Digest",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="RFC 3230: `SHA-256=<base64>`, the whole file's sha256 (checked as "
        "Repr-Digest is).",
    ),
]


def upload_body(
    required: tuple[str, ...] = ("file",), *, checked: bool = False, **parts: dict[str, Any]
) -> Callable[[Any], Any]:
    """The route reads a multipart form: a `file` part (by default) and the given `parts`.
    `checked`: the client may state the file's sha256 (a `sha256` field, or the
    `Repr-Digest`/`Digest` headers), and a mismatch is a 400."""
    properties = {name: BINARY for name in required} | parts
    extra: dict[str, Any] = {}
    if checked:
        properties["sha256"] = SHA256_FIELD
        extra["parameters"] = DIGEST_HEADERS
        extra["responses"] = {
            201: JSON_ANSWER,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Refused, nothing stored: the bytes received do not have the "
                "sha256 stated (`declared_sha256`, `received_sha256`), or a stated digest "
                "cannot be read.",
            ),
        }
    return extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": properties,
                "required": list(required),
            }
        },
        **extra,
    )


# ---------------------------------------------------------------------------------------------
# Links: which answer's `id` a later route takes as a path parameter.

# What a path parameter names, by its name; `instance_id` names a row of the collection its
# path is under (data/<collection>/{instance_id}), `entity_id` under data/<kind>/ an entity
# of that kind.
PARAMETER_KINDS = {
    "task_id": "tasks",
    "project_id": "projects",
    "preview_id": "preview-files",
    "comment_id": "comments",
    "working_file_id": "working-files",
    "asset_id": "assets",
    "person_id": "persons",
    "output_type_id": "output-types",
    "asset_type_id": "entity-types",
    "file_id": "output-files",
    # Avatars and attachment thumbnails (thumbnails app)
    "organisation_id": "organisations",
    "attachment_id": "attachment-files",
    "background_id": "preview-background-files",
}
ENTITY_KIND_COLLECTIONS = (
    "assets",
    "shots",
    "sequences",
    "episodes",
    "scenes",
    "edits",
    "concepts",
)

# The POST routes that create a row of a kind other than their own collection's, by path
# (the CRUD's `POST data/<collection>` creates a row of its collection).
CREATED_KINDS: dict[str, tuple[str, ...]] = {
    "/api/data/tasks/{task_id}/working-files/new": ("working-files",),
    "/api/data/entities/{entity_id}/output-files/new": ("output-files",),
    "/api/data/asset-instances/{instance_id}/entities/{temporal_entity_id}/output-files/new": (
        "output-files",
    ),
    "/api/actions/tasks/{task_id}/comment": ("comments",),
    "/api/actions/tasks/{task_id}/comments/{comment_id}/add-preview": ("preview-files",),
    "/api/actions/tasks/{task_id}/comments/{comment_id}/preview-files/{preview_id}": (
        "preview-files",
    ),
    "/api/data/assets/{asset_id}/asset-asset-instances": ("asset-instances",),
    "/api/data/projects/{project_id}/asset-types/{asset_type_id}/assets/new": (
        "assets",
        "entities",
    ),
    **{
        f"/api/data/projects/{{project_id}}/{collection}": (collection, "entities")
        for collection in ENTITY_KIND_COLLECTIONS
        if collection != "assets"
    },
}
WRITE_METHODS = ("get", "put", "post", "delete")
COLLECTION = re.compile(r"^/api/data/([\w-]+)$")


def _parameter_kind(path: str, name: str) -> str | None:
    if name == "instance_id" or (name == "entity_id" and path.startswith("/api/data/")):
        match = re.match(r"^/api/data/([\w-]+)/\{" + name + r"\}", path)
        if match:
            return match[1]
        if name == "entity_id":
            return "entities"  # data/entities/{entity_id}/...
        return None
    return PARAMETER_KINDS.get(name)


def _created_kinds(path: str) -> tuple[str, ...]:
    if path in CREATED_KINDS:
        return CREATED_KINDS[path]
    match = COLLECTION.match(path)
    return (match[1],) if match else ()


def _path_parameters(path: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", path)


def add_links(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Links from each route that creates a row (its 201 answer) to every route that takes
    that row's id in its path: `$response.body#/id` for that parameter, and the creating
    request's own path parameters for those of the same name (a comment's task, say)."""
    paths: dict[str, dict[str, Any]] = result.get("paths", {})
    for source_path, source_item in paths.items():
        created = _created_kinds(source_path)
        answer = source_item.get("post", {}).get("responses", {}).get("201")
        if not created or answer is None:
            continue
        source_parameters = set(_path_parameters(source_path))
        links: dict[str, Any] = {}
        for target_path, target_item in paths.items():
            names = _path_parameters(target_path)
            for name in names:
                if _parameter_kind(target_path, name) not in created:
                    continue
                parameters = {name: "$response.body#/id"}
                parameters |= {
                    other: f"$request.path.{other}"
                    for other in names
                    if other != name and other in source_parameters
                }
                for method in WRITE_METHODS:
                    operation = target_item.get(method)
                    if operation is None:
                        continue
                    operation_id = operation["operationId"]
                    links[operation_id] = {
                        "operationId": operation_id,
                        "parameters": parameters,
                        "description": f"The created row's id as `{name}`.",
                    }
        if links:
            answer["links"] = links
    return result
