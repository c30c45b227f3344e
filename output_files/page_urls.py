"""The browsable page of an entity, at the site's root (kitsufiles/urls.py)."""

from django.urls import path

from output_files import views

urlpatterns = [
    path("entities/<str:entity_id>/", views.EntityView.as_view(), name="pages-entity"),
]
