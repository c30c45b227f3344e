"""The browsable pages of production data, at the site's root (kitsufiles/urls.py)."""

from django.urls import path

from production import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="pages-home"),
    path("login/", views.LoginView.as_view(), name="pages-login"),
    path("logout/", views.LogoutView.as_view(), name="pages-logout"),
    path("projects/<str:project_id>/", views.ProjectView.as_view(), name="pages-project"),
]
