"""The browsable pages of production data (server-rendered, Django sessions): the log-in, the
productions a person can see, and a production's assets and shots. What a person sees is
decided by the same access rules as the API (production.permissions): the same entry point
(`get_project`, `get_entity`) and the same scopes (`*_visible_to`), so an outsider gets the
API's answer for the same row (403 for a row that exists, 404 for an unknown or malformed id),
rendered as a page (templates/403.html, templates/404.html). See docs/architecture.md#pages."""

import uuid
from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.views.generic import ListView

from kitsufiles.errors import DomainError, Kind
from production import permissions, selectors
from production.models import Entity, Person, Project, Task

# The API's thumbnail of a preview (150x100 PNG): the pages' <img> tags send the session
# cookie, which the media routes accept on GET (kitsufiles/api/authentication.py).
THUMBNAIL_URL = "/api/pictures/thumbnails/preview-files/{}.png"


def thumbnail_url(preview_file_id: object) -> str | None:
    return THUMBNAIL_URL.format(preview_file_id) if preview_file_id else None


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PageMixin(LoginRequiredMixin):
    """A page for logged-in people (others go to the log-in page with `?next=`), whose access
    refusals come from the API's rules as domain errors: NotFound becomes the 404 page and
    Forbidden the 403 page."""

    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        except DomainError as error:
            if error.kind is Kind.NOT_FOUND:
                raise Http404() from error
            if error.kind is Kind.FORBIDDEN:
                raise PermissionDenied() from error
            raise

    @property
    def person(self) -> Person:
        return permissions.caller(self.request)


class HomeView(PageMixin, ListView):
    """`/`: the productions the person can see, with their numbers of assets and shots."""

    template_name = "production/home.html"
    context_object_name = "projects"
    paginate_by = 100

    def get_queryset(self) -> QuerySet[Project]:
        projects = Project.objects.select_related("project_status").order_by("name", "pk")
        return selectors.projects_with_counts(
            permissions.projects_visible_to(self.person, projects)
        )


class EntityFilters(forms.Form):
    """The project page's search and filters (GET): choices are the project's entity types
    and the task statuses; an unknown choice is reported beside its field and ignored."""

    q = forms.CharField(label="Name contains", required=False, max_length=160)
    type = forms.ChoiceField(label="Type", required=False)
    status = forms.ChoiceField(label="Has a task in status", required=False)

    def __init__(self, data: Any, *, types: list[tuple[str, str]], statuses: list[tuple[str, str]]):
        super().__init__(data)
        self.fields["type"].choices = [("", "All types"), *types]  # type: ignore[attr-defined]
        self.fields["status"].choices = [("", "Any status"), *statuses]  # type: ignore[attr-defined]

    def value(self, name: str) -> str:
        """The field's cleaned value, or "" when it is empty or invalid."""
        if not self.is_valid() and name in self.errors:
            return ""
        return str(self.cleaned_data.get(name) or "")

    def chosen(self, name: str) -> uuid.UUID | None:
        """The id chosen in a field of ids (its choices are ids read from the database)."""
        value = self.value(name)
        return uuid.UUID(value) if value else None


class ProjectView(PageMixin, ListView):
    """`/projects/<id>/`: the project's assets and shots (50 a page) with their thumbnails,
    sequences and tasks' statuses, searchable by name and filterable by entity type and by
    task status. A fixed number of queries whatever the size of the project
    (tests/pages/test_projects.py)."""

    template_name = "production/project.html"
    context_object_name = "entities"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Entity]:
        person = self.person
        # The API's GET data/projects/<id>: the project's team (403 outside it).
        self.project = permissions.get_project(
            person, self.kwargs["project_id"], access=permissions.Access.PROJECT
        )
        types = [(str(t.pk), t.name) for t in selectors.entity_types_in(self.project)]
        statuses = [(str(s.pk), s.name) for s in selectors.task_statuses_for_filter()]
        self.filters = EntityFilters(self.request.GET, types=types, statuses=statuses)
        entities = selectors.browsable_entities(
            self.project,
            name=self.filters.value("q").strip(),
            entity_type_id=self.filters.chosen("type"),
            task_status_id=self.filters.chosen("status"),
        )
        return permissions.entities_visible_to(person, entities)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        entities: list[Entity] = list(context["entities"])
        # The tasks of the page's entities in one query (a vendor: their own tasks only).
        tasks_by_entity: dict[object, list[Task]] = {}
        tasks = selectors.tasks_of_entities([entity.pk for entity in entities])
        for task in permissions.tasks_visible_to(self.person, tasks):
            tasks_by_entity.setdefault(task.entity_id, []).append(task)
        context["rows"] = [
            {
                "entity": entity,
                "thumbnail": thumbnail_url(entity.preview_file_id),
                "tasks": tasks_by_entity.get(entity.pk, []),
            }
            for entity in entities
        ]
        context["project"] = self.project
        context["filters"] = self.filters
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        return context
