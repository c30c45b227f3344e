"""A file of either kind by id, and the generic CRUD of output files."""

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles.api.crud import CrudResource
from kitsufiles.api.serialization import serialize_instance
from output_files import selectors, services
from output_files.models import OutputFile
from production import permissions

RESOURCES = [
    CrudResource(
        OutputFile,
        "output-files",
        permissions.EntityFilePolicy(),
        create=services.create_output_file_record,
        update=services.update_output_file,
    )
]


class FileView(APIView):
    """GET data/files/<id>: a working file (with `outputs`) or an output file (with its
    `source_file`), whichever the id names; `type` tells them apart."""

    def get(self, request: Request, file_id: str) -> Response:
        person = permissions.caller(request)
        found = selectors.file_by_id(file_id, person)
        if isinstance(found[0], OutputFile):
            output_file, entity = found
            permissions.check_entity(person, entity, permissions.Access.PROJECT)
            return Response(serialize_instance(output_file))
        working_file, task = found
        permissions.check_task(person, task, permissions.Access.PROJECT)
        return Response(serialize_instance(working_file, relations=True))
