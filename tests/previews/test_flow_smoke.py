from tests.previews.preview_fixtures import *  # noqa: F403
from tests.previews.preview_fixtures import picture_size, png_bytes


def test_picture_upload_becomes_ready_with_variants(admin_client, task, preview_on):
    preview_id, response = preview_on(task, "th01.png", png_bytes())
    assert response.status_code == 201, response.content
    body = admin_client.get(f"/api/data/preview-files/{preview_id}").json()
    assert body["status"] == "ready", body
    assert (body["width"], body["height"]) == (180, 101)
    thumb = admin_client.get(f"/api/pictures/thumbnails/preview-files/{preview_id}.png")
    assert thumb.status_code == 200
    assert picture_size(b"".join(thumb.streaming_content)) == (150, 100)


def test_movie_upload_becomes_ready(admin_client, task, preview_on):
    content = open("/tmp/clip.mp4", "rb").read()
    preview_id, response = preview_on(task, "clip.mp4", content)
    assert response.status_code == 201, response.content
    body = admin_client.get(f"/api/data/preview-files/{preview_id}").json()
    assert body["status"] == "ready", body
    print(body)
    movie = admin_client.get(f"/api/movies/low/preview-files/{preview_id}.mp4")
    assert movie.status_code == 200
