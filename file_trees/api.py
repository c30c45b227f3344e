"""Routes of file trees: set a shipped tree on a project, and guess entities from a path."""

from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from file_trees import engine, selectors, services
from kitsufiles.api.crud import request_body
from kitsufiles.api.serialization import serialize_instance
from kitsufiles.errors import WrongParameter
from kitsufiles.lookups import get_or_404
from production import permissions
from production.models import Project


class SetFileTreeView(APIView):
    """POST actions/projects/<id>/set-file-tree {"tree_name": "simple"} (manager rights)."""

    class Input(serializers.Serializer):
        tree_name = serializers.CharField()

    def post(self, request: Request, project_id: str) -> Response:
        body = self.Input(data=request_body(request))
        body.is_valid(raise_exception=True)
        project = get_or_404(Project, project_id)
        permissions.check_manager_project_access(request.user, project)
        project = services.set_shipped_tree(
            project=project, tree_name=body.validated_data["tree_name"]
        )
        return Response(serialize_instance(project))


class GuessFromPathView(APIView):
    """POST data/entities/guess-from-path (and guess_from_path): the entities a path names."""

    class Input(serializers.Serializer):
        project_id = serializers.CharField()
        file_path = serializers.CharField()
        sep = serializers.CharField(required=False, default="/", trim_whitespace=False)

    def post(self, request: Request) -> Response:
        body = self.Input(data=request_body(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        project = get_or_404(Project, values["project_id"])
        permissions.check_project_access(request.user, project)
        try:
            matches = selectors.guess_from_path(project, values["file_path"], values["sep"])
        except engine.FileTreeError as error:
            raise WrongParameter(str(error)) from None
        return Response(matches)
