"""The API root, trailing slashes, Zou's headers and error bodies, and the OpenAPI document."""

import pytest
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


def test_openapi_document_lists_the_routes(db):
    response = APIClient().get("/api/openapi.json", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert "/api/auth/login" in paths
    assert "/api/data/projects" in paths
    assert "/api/data/projects/{instance_id}" in paths


def test_openapi_viewer_is_served_with_local_assets(db):
    response = APIClient().get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger" in page.lower()
    assert "cdn.jsdelivr" not in page  # nothing loaded from another host
