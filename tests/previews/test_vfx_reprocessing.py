"""A VFX picture's layer or colour space chosen after its upload: the preview's `data` is
changed through the API and the preview processed again from its kept upload
(`requeue_previews`), without uploading anything a second time."""

from io import BytesIO

import numpy as np
from django.core.management import call_command
from PIL import Image

from previews.models import PreviewFile
from tests.previews import vfx_media


def test_another_layer_is_shown_after_the_upload(
    task, preview_on, admin_client, tmp_path, django_capture_on_commit_callbacks, capsys
):
    beauty = np.full((8, 32, 3), 0.18, dtype=np.float32)
    diffuse = np.full((8, 32, 3), [0.5, 0.05, 0.02], dtype=np.float32)
    render = vfx_media.write_multipart_exr(
        tmp_path / "parts.exr", [("beauty", beauty), ("diffuse", diffuse)]
    )
    content = render.read_bytes()
    preview_id, response = preview_on(task, "parts.exr", content, query="?layer=specular")
    assert response.status_code == 201, response.content
    preview = PreviewFile.objects.get(pk=preview_id)
    assert preview.status == "broken"
    assert "no layer 'specular'" in preview.broken_reason
    assert "beauty, diffuse" in preview.broken_reason

    data = admin_client.get(f"/api/data/preview-files/{preview_id}").json()["data"]
    data["layer"] = "diffuse"
    data["color_space"] = "ACEScg"
    answer = admin_client.put(
        f"/api/data/preview-files/{preview_id}", {"data": data}, format="json"
    )
    assert answer.status_code == 200, answer.content
    with django_capture_on_commit_callbacks(execute=True):
        call_command("requeue_previews", "--id", preview_id)
    assert "1 re-queued" in capsys.readouterr().out

    preview = PreviewFile.objects.get(pk=preview_id)
    assert preview.status == "ready", preview.broken_reason
    assert preview.data["layer"] == "diffuse"
    assert preview.data["color_transform"]["color_space"] == "ACEScg"
    assert preview.data["color_transform"]["guessed_from"] == "upload"
    original = admin_client.get(f"/api/pictures/originals/preview-files/{preview_id}.png")
    assert original.status_code == 200
    pixels = np.asarray(Image.open(BytesIO(b"".join(original.streaming_content))))
    vfx_media.assert_close(pixels, vfx_media.expected_display(diffuse, "ACEScg"))
    # The upload was never replaced: still the bytes that came.
    download = admin_client.get(f"/api/pictures/originals/preview-files/{preview_id}/download")
    assert b"".join(download.streaming_content) == content
