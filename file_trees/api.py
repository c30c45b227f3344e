"""Routes of file trees: set a shipped tree on a project, and guess entities from a path.

The path routes of working files and outputs live with their apps."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from file_trees import selectors, services
from kitsufiles.api.crud import request_body
from kitsufiles.api.inputs import validated
from kitsufiles.api.schema import answers
from kitsufiles.api.serialization import serialize_instance
from production import permissions


class SetFileTreeView(APIView):
    """POST actions/projects/<id>/set-file-tree {"tree_name": "simple"} (manager rights)."""

    class Input(serializers.Serializer):
        tree_name = serializers.CharField()

    @answers(200)
    def post(self, request: Request, project_id: str) -> Response:
        person = permissions.caller(request)
        values = validated(self.Input, request_body(request))
        project = permissions.get_project(
            person, project_id, access=permissions.Access.MANAGER
        )
        project = services.set_shipped_tree(project=project, tree_name=values["tree_name"])
        return Response(serialize_instance(project))


class GuessFromPathView(APIView):
    """POST data/entities/guess-from-path: the entities a path names."""

    class Input(serializers.Serializer):
        project_id = serializers.CharField()
        file_path = serializers.CharField()
        sep = serializers.CharField(required=False, default="/", trim_whitespace=False)

    @answers(200)
    def post(self, request: Request) -> Response:
        person = permissions.caller(request)
        values = validated(self.Input, request_body(request))
        project = permissions.get_project(
            person, values["project_id"], access=permissions.Access.PROJECT
        )
        return Response(selectors.guess_from_path(project, values["file_path"], values["sep"]))


@extend_schema_view(
    post=extend_schema(
        operation_id="data_entities_guess_from_path_alias_post",
        deprecated=True,
        description="Zou's older spelling of data/entities/guess-from-path (the one gazu "
        "posts): the same route.",
    )
)
class GuessFromPathAliasView(GuessFromPathView):
    """POST data/entities/guess_from_path. A view of its own so that the OpenAPI document
    names it apart: its operation id would otherwise be the kebab-case route's."""
