"""The annotated-frame downloads through gazu 1.3.1 against the live server. gazu wraps none
of these routes (gazu map §6): a client reaches them with `gazu.client.download`. The drawing
is saved with gazu's `files.update_preview` (the generic CRUD route older Kitsu clients use)."""

import io
import zipfile

import gazu
import pytest
from gazu.exception import ParameterException
from PIL import Image

pytestmark = pytest.mark.live

RECT = {
    "id": "a1",
    "type": "rect",
    "left": 10,
    "top": 10,
    "width": 40,
    "height": 40,
    "fill": "#ff0000",
    "strokeWidth": 0,
    "canvasWidth": 180,
    "canvasHeight": 101,
}


@pytest.fixture
def preview(gazu_admin, task, task_status, tmp_path):
    picture = tmp_path / "th01.png"
    Image.new("RGB", (180, 101), (255, 255, 255)).save(picture)
    _, preview = gazu.task.publish_preview(
        str(task.pk), str(task_status.pk), comment="look", preview_file_path=str(picture)
    )
    return preview


def test_annotated_frames_download_through_gazu(preview, tmp_path):
    route = f"actions/preview-files/{preview['id']}"
    with pytest.raises(ParameterException):  # Zou's 400: nothing drawn yet
        gazu.client.download(f"{route}/extract-annotated-frame", str(tmp_path / "none.png"))

    annotations = [
        {"time": 0, "drawing": {"objects": [RECT]}},
        {"time": 0.5, "drawing": {"objects": [{**RECT, "id": "a2", "left": 100}]}},
    ]
    gazu.files.update_preview(preview, {"annotations": annotations})

    frame = tmp_path / "frame.png"
    gazu.client.download(f"{route}/extract-annotated-frame", str(frame))
    drawn = Image.open(frame).convert("RGB")
    assert drawn.size == (1200, 674)  # the 1200-wide `previews` variant of 180x101
    assert drawn.getpixel((200, 200)) == (255, 0, 0)

    bundle = tmp_path / "frames.zip"
    gazu.client.download(f"{route}/extract-annotated-frames", str(bundle))
    names = zipfile.ZipFile(bundle).namelist()
    assert [name.rsplit("_frame_", 1)[1] for name in names] == ["1.png", "2.png"]

    pdf = tmp_path / "frames.pdf"
    gazu.client.download(f"{route}/extract-annotated-frames-pdf", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    assert Image.open(io.BytesIO(zipfile.ZipFile(bundle).read(names[1]))).size == (1200, 674)
