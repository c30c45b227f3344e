"""The API's documentation as a product page: the routes grouped by domain (one tag each,
with a sentence: SPECTACULAR_SETTINGS["TAGS"], kitsufiles/api/schema.py DOMAINS), a link to
the browsable pages, and a viewer that loads nothing from another host."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

from kitsufiles.api.schema import DOMAINS

EXPECTED_TAGS = [
    "auth",
    "production data",
    "working files",
    "output files",
    "previews",
    "file trees",
    "operations",
]
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")


@pytest.fixture(scope="module")
def document(django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document):
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def test_the_tags_are_the_domains_each_with_a_sentence(document):
    tags = document["tags"]
    assert [tag["name"] for tag in tags] == EXPECTED_TAGS
    for tag in tags:
        assert tag["description"].endswith("."), tag
        assert len(tag["description"]) > 40, tag
    assert set(DOMAINS.values()) == set(EXPECTED_TAGS)  # no domain without its sentence


def test_every_operation_has_exactly_one_declared_tag(document):
    declared = set(EXPECTED_TAGS)
    untagged = [
        (method, path)
        for path, method, operation in operations(document)
        if len(operation.get("tags", [])) != 1 or operation["tags"][0] not in declared
    ]
    assert untagged == []
    used = {operation["tags"][0] for _, _, operation in operations(document)}
    assert used == declared  # and no tag left empty


@pytest.mark.parametrize(
    ("method", "path", "tag"),
    [
        ("post", "/api/auth/login", "auth"),
        ("get", "/api/health", "operations"),
        ("get", "/api/", "operations"),
        ("get", "/api/data/projects", "production data"),
        ("get", "/api/data/tasks/{task_id}/working-files", "working files"),
        ("get", "/api/data/working-files", "working files"),  # CRUD: by the model's app
        ("get", "/api/data/output-files/{instance_id}", "output files"),
        ("get", "/api/data/preview-files", "previews"),
        ("post", "/api/data/entities/guess-from-path", "file trees"),
        # Resumable uploads, by their target's domain
        ("post", "/api/data/working-files/{working_file_id}/file/uploads", "working files"),
        ("patch", "/api/pictures/preview-files/{preview_id}/uploads/{upload_id}", "previews"),
    ],
)
def test_routes_are_tagged_by_their_domain(document, method, path, tag):
    assert document["paths"][path][method]["tags"] == [tag]


def test_the_description_links_to_the_pages(document):
    description = document["info"]["description"]
    assert "](/)" in description  # Markdown link to the pages
    assert "](/admin/)" in description
    assert settings.SPECTACULAR_SETTINGS["DESCRIPTION"] == description


class Resources(HTMLParser):
    """Every URL a page makes the browser load: scripts, style sheets, icons, pictures."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href") if tag in ("script", "link", "img", "iframe") else ():
            if values.get(name):
                self.urls.append(values[name] or "")


def test_the_docs_page_loads_nothing_from_another_host(db, client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    resources = Resources()
    resources.feed(page)
    assert any(url.endswith("swagger-ui-bundle.js") for url in resources.urls)
    for url in resources.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url
        assert url.startswith(f"/{settings.STATIC_URL.strip('/')}/"), url
        # A static file of the project (drf-spectacular-sidecar), which WhiteNoise serves.
        assert finders.find(url.removeprefix(f"/{settings.STATIC_URL.strip('/')}/")), url
    # Swagger UI's validator badge would send the document to validator.swagger.io.
    assert '"validatorUrl": null' in page


def test_the_resumable_upload_routes_are_described(document):
    """tus clients are configured from the document: the creation route and the upload's
    methods, the headers they send, the chunk's media type and the statuses of refusals."""
    base = "/api/data/working-files/{working_file_id}/file/uploads"
    creation = document["paths"][base]["post"]
    headers = {p["name"]: p for p in creation["parameters"] if p["in"] == "header"}
    assert headers["Tus-Resumable"]["required"] is True
    assert headers["Tus-Resumable"]["schema"]["enum"] == ["1.0.0"]
    assert {"Upload-Length", "Upload-Metadata", "Upload-Checksum"} <= set(headers)
    assert "sha256" in headers["Upload-Metadata"]["description"]
    assert "201" in creation["responses"]
    upload = document["paths"][f"{base}/{{upload_id}}"]
    # HEAD (the offset) is not an OpenAPI operation of drf-spectacular's: GET answers the same.
    assert {"get", "patch", "delete"} <= set(upload)
    patch = upload["patch"]
    assert list(patch["requestBody"]["content"]) == ["application/offset+octet-stream"]
    assert {"204", "409", "460"} <= set(patch["responses"])
    patch_headers = {p["name"] for p in patch["parameters"] if p["in"] == "header"}
    assert {"Tus-Resumable", "Upload-Offset", "Upload-Checksum"} <= patch_headers


@pytest.mark.parametrize(
    "path",
    ["/api/data/working-files/{working_file_id}/file", "/api/pictures/preview-files/{preview_id}"],
)
def test_the_checked_uploads_advertise_the_whole_files_sha256(document, path):
    """docs/compatibility.md#upload-integrity: the Repr-Digest and Digest headers, the
    `sha256` form field, and the 400 a mismatch answers."""
    operation = document["paths"][path]["post"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert {"Repr-Digest", "Digest"} <= headers
    form = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["properties"]["sha256"]["pattern"] == "^[0-9a-fA-F]{64}$"
    assert form["required"] == ["file"]
    assert "sha256" in operation["responses"]["400"]["description"]
