"""The request bodies and the answer the entity and asset-instance routes share."""

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from rest_framework import serializers
from rest_framework.response import Response

from kitsufiles.api.serialization import serialize_instance
from output_files.inputs import PublishArguments, resolve_publish
from output_files.models import OutputFile
from production import permissions
from production.models import Person, Project


class PublishInput(serializers.Serializer):
    name = serializers.CharField(default="main", max_length=250)
    mode = serializers.CharField(default="output")  # accepted, always "output" (Zou)
    output_type_id = serializers.CharField()
    task_type_id = serializers.CharField()
    person_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    working_file_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    file_status_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    comment = serializers.CharField(default="", allow_blank=True)
    revision = serializers.IntegerField(default=0)
    extension = serializers.CharField(default="", allow_blank=True, max_length=10)
    representation = serializers.CharField(default="", allow_blank=True, max_length=20)
    nb_elements = serializers.IntegerField(default=1, min_value=1)
    sep = serializers.CharField(default="/", trim_whitespace=False, max_length=4)


class NextRevisionInput(serializers.Serializer):
    name = serializers.CharField(default="main")
    output_type_id = serializers.CharField()
    task_type_id = serializers.CharField()


def published(output_file: OutputFile, folder: str, file_name: str) -> Response:
    """A publish's answer: the output file, with the folder and file name of its path."""
    body = serialize_instance(output_file)
    body.update(folder_path=folder, file_name=file_name)
    return Response(body, status=201)


def publish_arguments(
    values: Mapping[str, Any], person: Person, project: Project
) -> PublishArguments:
    """What a validated publish body in `project` names, once `person` may read its source
    working file: the output copies the file's size and checksum and shows it whole as
    `source_file`, so a working file of a task they cannot see (another production's) is
    refused as reading it is (403), not published from. The author is the one the body names
    only when `person` may sign for others (permissions.signed_by)."""
    arguments = resolve_publish(values, person)
    if arguments.working_file is not None:
        permissions.check_task_or_admin(
            person, arguments.working_file.task, permissions.Access.TASK
        )
    return replace(arguments, person=permissions.signed_by(person, project, arguments.person))
