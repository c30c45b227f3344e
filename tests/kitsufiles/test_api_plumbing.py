"""The API root, trailing slashes, Zou's headers and error bodies, and the OpenAPI document."""

import json

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient

from tests.zou_bodies import NOT_FOUND_MESSAGE


@pytest.mark.parametrize("path", ["/api", "/api/"])
def test_api_root_names_zou_and_a_version(path, db):
    response = APIClient().get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["api"] == "Zou"
    assert body["version"]


@pytest.mark.parametrize("path", ["/api", "/api/"])
def test_head_on_api_root_is_200(path, db):
    # gazu's host_is_up() sends HEAD on the host and wants exactly 200.
    assert APIClient().head(path).status_code == 200


def test_zou_security_headers(db):
    response = APIClient().get("/api/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_trailing_slash_is_accepted_on_routes(admin_client):
    plain = admin_client.get("/api/data/task-status")
    slashed = admin_client.get("/api/data/task-status/")
    assert plain.status_code == slashed.status_code == 200
    assert plain.json() == slashed.json()


def test_trailing_slash_on_post_keeps_the_body(admin_client):
    response = admin_client.post(
        "/api/data/softwares/",
        {"name": "Blender", "short_name": "bl", "file_extension": ".blend"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["name"] == "Blender"


@pytest.mark.parametrize("path", ["/api/nothing/here", "/api/data/unknown-model"])
def test_unknown_url_is_zou_404(path, admin_client):
    response = admin_client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": NOT_FOUND_MESSAGE}


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_unknown_url_is_zou_404_for_every_method(method, db):
    # Older gazu versions call routes Zou removed; they must get a 404, not a CSRF 403.
    client = APIClient(enforce_csrf_checks=True)
    response = getattr(client, method)("/api/data/tasks/x/last-working-files", {}, format="json")
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": NOT_FOUND_MESSAGE}


@pytest.mark.parametrize("accept", [None, "application/json", "*/*"])
def test_openapi_document_lists_the_routes_in_json(accept, db):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = APIClient().get("/api/openapi.json", **headers)
    assert response.status_code == 200
    assert "json" in response["Content-Type"]
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert "/api/auth/login" in paths
    assert "/api/data/projects" in paths
    assert "/api/data/projects/{instance_id}" in paths


def test_openapi_document_is_also_served_as_yaml(db):
    response = APIClient().get("/api/openapi.yaml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi;")  # YAML
    assert yaml.safe_load(response.content)["paths"]["/api/data/projects"]


def test_openapi_document_generates_without_warnings_and_validates(tmp_path):
    # Two components of one name, or two operations of one id, made a wrong document.
    GENERATOR_STATS.reset()
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format=openapi-json",
        f"--file={tmp_path / 'openapi.json'}",
    )
    document = json.loads((tmp_path / "openapi.json").read_text())
    ids = [
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
    ]
    assert len(ids) == len(set(ids))


def _links(document, path, status="201"):
    return document["paths"][path]["post"]["responses"][status]["links"]


def test_openapi_links_lead_from_a_created_row_to_its_routes(db):
    document = APIClient().get("/api/openapi.json").json()
    created_project = _links(document, "/api/data/projects")
    for method in ("get", "put", "delete"):
        link = created_project[f"data_projects_by_instance_id_{method}"]
        assert link["parameters"] == {"instance_id": "$response.body#/id"}
    assert created_project["data_projects_by_project_id_team_post"]["parameters"] == {
        "project_id": "$response.body#/id"
    }
    # A new working file of a task: its content goes to the upload route.
    new_file = _links(document, "/api/data/tasks/{task_id}/working-files/new")
    upload = new_file["data_working_files_by_working_file_id_file_post"]
    assert upload["parameters"] == {"working_file_id": "$response.body#/id"}
    # A comment's preview slot: the task comes from the request that made it.
    slot = _links(document, "/api/actions/tasks/{task_id}/comments/{comment_id}/add-preview")
    extra = slot["actions_tasks_by_task_id_comments_by_comment_id_preview_files_by_preview_id_post"]
    assert extra["parameters"] == {
        "preview_id": "$response.body#/id",
        "task_id": "$request.path.task_id",
        "comment_id": "$request.path.comment_id",
    }
    assert "pictures_preview_files_by_preview_id_post" in slot


def test_openapi_viewer_is_served_with_local_assets(db):
    response = APIClient().get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger" in page.lower()
    assert "cdn.jsdelivr" not in page  # nothing loaded from another host
