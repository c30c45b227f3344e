"""Small helpers of the preview tests: pictures as bytes, multipart files."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png_bytes(width=180, height=101, color=(200, 30, 30), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def picture_size(body: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(body)).size


def named_file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
