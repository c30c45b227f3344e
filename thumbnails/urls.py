from django.urls import URLPattern, path

from thumbnails import api

urlpatterns: list[URLPattern] = [
    path(
        "pictures/thumbnails/attachment-files/<str:attachment_id>.png",
        api.AttachmentThumbnailView.as_view(),
    ),
    path("actions/persons/<str:person_id>/clear-avatar", api.ClearAvatarView.as_view()),
]
# Pictures of persons, projects and the organisation: `<id>.png` first, since `<id>` takes
# any text, dots included (Zou's routing prefers the longer static text, §0.1).
for kind, parameter in (
    ("persons", "person_id"),
    ("projects", "project_id"),
    ("organisations", "organisation_id"),
):
    urlpatterns += [
        path(
            f"pictures/thumbnails/{kind}/<str:{parameter}>.png",
            api.AvatarView.as_view(kind=kind, png=True),
        ),
        path(f"pictures/thumbnails/{kind}/<str:{parameter}>", api.AvatarView.as_view(kind=kind)),
    ]
