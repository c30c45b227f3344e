"""Small helpers of the preview tests: Zou's error bodies, pictures as bytes, multipart
files, streamed bodies."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

NOT_FOUND = {
    "error": True,
    "message": (
        "404 Not Found: The requested URL was not found on the server. If you entered the URL "
        "manually please check your spelling and try again."
    ),
}
FORBIDDEN = {
    "error": True,
    "message": (
        "You don't have the permission to access the requested resource. It is either "
        "read-protected or not readable by the server."
    ),
}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes(width=180, height=101, color=(200, 30, 30), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def picture_size(body: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(body)).size


def named_file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content
