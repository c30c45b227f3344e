"""A tus 1.0 client over Django's test client, for the route tests (the live tests use real
clients: tuspy, the project's kitsu_upload, raw sockets)."""

import base64
import hashlib

from rest_framework.test import APIClient

from resumable import tus

CHUNK = tus.CHUNK_CONTENT_TYPE


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def metadata(**values: str) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items()
    )


def checksum(data: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


class Tus:
    """Requests of the protocol, each with `Tus-Resumable: 1.0.0` unless told otherwise."""

    def __init__(self, client: APIClient) -> None:
        self.client = client

    @staticmethod
    def _headers(extra: dict[str, str]) -> dict[str, str]:
        headers = {"HTTP_TUS_RESUMABLE": tus.VERSION}
        for name, value in extra.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if value is None:
                headers.pop(key, None)
            else:
                headers[key] = value
        return headers

    def create(self, url: str, length: int, body: bytes | None = None, query: str = "", **headers):
        values = {"Upload-Length": str(length), **headers}
        if body is None:
            return self.client.post(url + query, **self._headers(values))
        return self.client.generic(
            "POST", url + query, body, content_type=CHUNK, **self._headers(values)
        )

    def head(self, location: str, **headers):
        return self.client.head(location, **self._headers(headers))

    def patch(self, location: str, offset: int, data: bytes, content_type: str = CHUNK, **headers):
        values = {"Upload-Offset": str(offset), **headers}
        return self.client.generic(
            "PATCH", location, data, content_type=content_type, **self._headers(values)
        )

    def delete(self, location: str, **headers):
        return self.client.delete(location, **self._headers(headers))

    def upload(self, url: str, data: bytes, *, chunk: int, **create_headers) -> str:
        """The whole of `data` in chunks of `chunk` bytes; the upload's URL."""
        created = self.create(url, len(data), **create_headers)
        assert created.status_code == 201, created.content
        location = created["Location"]
        for start in range(0, len(data), chunk):
            answer = self.patch(location, start, data[start : start + chunk])
            assert answer.status_code == 204, answer.content
            assert int(answer["Upload-Offset"]) == min(start + chunk, len(data))
        return location
