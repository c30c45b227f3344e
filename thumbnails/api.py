"""The pictures of persons, projects and the organisation (avatars) and the thumbnails of
comment attachments (zou-previews-contract.md §6.6, §6.7).

Each kind has Zou's two URLs, `<id>` and `<id>.png`, and both answer GET and POST (Zou's
quirk, §0.1); a project's `.png` URL takes uploads from admins only, as in Zou. Pictures are
served like every stored file (kitsufiles/downloads.py): an ETag from the stored file's
metadata, the row's `updated_at` as Last-Modified, 304 without reading a byte, a private
7-day cache."""

from pathlib import Path

from django.conf import settings
from django.http import HttpResponseBase
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kitsufiles.api.schema import file_answer, upload_body
from kitsufiles.errors import NotFound
from kitsufiles.media_store import OpenedMedia, readable_upload_sink, serve_stored
from kitsufiles.uploads import received_files
from production import permissions
from production.models import AttachmentFile, Organisation, Person, Project
from thumbnails import errors, selectors, services

PNG_TYPE = "image/png"

# What the attachment thumbnail route reads: the attachment and its comment's task ids, with
# the caller's team link of the task's project.
ATTACHMENTS = permissions.Lookup(
    lambda: AttachmentFile.objects.select_related("comment__object").only(
        "id",
        "extension",
        "updated_at",
        "comment__id",
        "comment__object__id",
        "comment__object__project_id",
        "comment__object__entity_id",
    ),
    project="comment__object__project_id",
)


def _picture(request: Request, opened: OpenedMedia | None, row: object) -> HttpResponseBase:
    if opened is None:
        raise NotFound()
    return serve_stored(
        request, opened, last_modified=getattr(row, "updated_at", None), content_type=PNG_TYPE
    )


def _the_id(ids: dict[str, str]) -> str:
    """The row's id, whatever the URL names it (person_id, project_id, organisation_id)."""
    (row_id,) = ids.values()
    return row_id


class AvatarView(APIView):
    """GET, POST pictures/thumbnails/{persons,projects,organisations}/<id>[.png]."""

    kind = "persons"
    png = False  # the `.png` URL (for projects: uploads by admins only)

    def _row(self, person: Person, row_id: str, *, write: bool) -> Person | Project | Organisation:
        if self.kind == "projects":
            project = permissions.PROJECTS.fetch(person, row_id)
            if write:
                permissions.check_project_avatar_change(person, project, admins_only=self.png)
            elif not project.has_avatar:  # Zou looks at the flag before the caller's rights
                raise NotFound()
            else:
                permissions.check_project_avatar_read(person, project)
            return project
        row = selectors.avatar_row(self.kind, row_id)
        if write:
            if isinstance(row, Person):
                permissions.check_person_avatar_change(person, row)
            else:
                permissions.check_organisation_avatar_change(person)
        return row

    @file_answer(PNG_TYPE)
    def get(self, request: Request, **ids: str) -> HttpResponseBase:
        row = self._row(permissions.caller(request), _the_id(ids), write=False)
        return _picture(request, selectors.opened_avatar(row), row)

    @upload_body()
    def post(self, request: Request, **ids: str) -> Response:
        row = self._row(permissions.caller(request), _the_id(ids), write=True)
        # A local file: the picture is decoded and fitted before anything is stored.
        with received_files(
            request,
            sink=lambda _field, _name: readable_upload_sink(),
            max_size=settings.MAX_UPLOAD_SIZE,
        ) as files:
            upload = files.get("file")
            if upload is None:
                raise errors.FileNotProvided()
            services.set_avatar(row=row, upload=Path(upload.temporary_file_path()))
        return Response(
            {"thumbnail_path": f"pictures/thumbnails/{self.kind}/{row.pk}.png"}, status=201
        )


class ClearAvatarView(APIView):
    """DELETE actions/persons/<id>/clear-avatar: the person has no picture any more (204)."""

    @extend_schema(responses={204: None})
    def delete(self, request: Request, person_id: str) -> Response:
        person = selectors.avatar_row("persons", person_id)
        assert isinstance(person, Person)
        permissions.check_person_avatar_change(permissions.caller(request), person)
        services.clear_avatar(person=person)
        return Response(status=204)


class AttachmentThumbnailView(APIView):
    """GET pictures/thumbnails/attachment-files/<id>.png: a comment attachment's 150x150
    thumbnail (made on first request from a picture attachment)."""

    @file_answer(PNG_TYPE)
    def get(self, request: Request, attachment_id: str) -> HttpResponseBase:
        person = permissions.caller(request)
        row = ATTACHMENTS.fetch(person, attachment_id)
        permissions.check_attachment_thumbnail_access(person, row.comment.object)
        return _picture(request, services.attachment_thumbnail(row), row)
