"""The browsable pages of production data (server-rendered, Django sessions): the log-in, and
the productions a person can see. What a person sees is decided by the same access rules as
the API (production.permissions)."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import QuerySet
from django.views.generic import ListView

from production import permissions
from production.models import Person, Project


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class HomeView(LoginRequiredMixin, ListView):
    """`/`: the productions the person can see."""

    template_name = "production/home.html"
    context_object_name = "projects"
    paginate_by = 100

    def get_queryset(self) -> QuerySet[Project]:
        person = self.request.user
        assert isinstance(person, Person)  # LoginRequiredMixin let only people in
        projects = Project.objects.select_related("project_status").order_by("name", "pk")
        return permissions.projects_visible_to(person, projects)
