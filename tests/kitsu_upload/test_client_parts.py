"""kitsu_upload's parts that need no server: the tus headers it writes, the file read once for
its digests, chunks streamed from disk without the file in memory, the store of unfinished
uploads, gazu's logged-in state, and the command's refusals. (tests/kitsu_upload/test_live.py
sends files to a live server.)"""

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import gazu.client
import pytest
import requests

import kitsu_upload
from kitsu_upload import files, store, tus
from kitsu_upload.__main__ import main

KIB = 1024
MIB = 1024 * KIB
BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def big_file(tmp_path) -> Path:
    """3 MiB + 5 bytes of varied content (not a multiple of any chunk size used)."""
    path = tmp_path / "plate.exr"
    with open(path, "wb") as handle:
        for index in range(3 * 64 + 1):
            handle.write(hashlib.sha256(str(index).encode()).digest() * 512)  # 16 KiB
        handle.write(b"tail!")
    return path


# ---------------------------------------------------------------------------------------------
# Headers


def test_metadata_is_key_space_base64_pairs():
    header = tus.encode_metadata({"filename": "shot 010 – comp.exr", "sha256": "ab" * 32})
    pairs = dict(pair.split(" ") for pair in header.split(","))
    assert base64.b64decode(pairs["filename"]).decode() == "shot 010 – comp.exr"
    assert base64.b64decode(pairs["sha256"]).decode() == "ab" * 32
    assert tus.encode_metadata({"flag": ""}) == "flag"


@pytest.mark.parametrize("key", ["", "two words", "a,b", "clé"])
def test_metadata_keys_the_protocol_forbids_are_refused(key):
    with pytest.raises(ValueError):
        tus.encode_metadata({key: "x"})


def test_the_chunk_checksum_is_the_algorithm_and_the_base64_digest():
    digest = hashlib.sha256(b"chunk").digest()
    assert tus.checksum_header(digest.hex()) == "sha256 " + base64.b64encode(digest).decode()


@pytest.mark.parametrize(
    ("host", "api"),
    [
        ("https://kitsu.example", "https://kitsu.example/api"),
        ("https://kitsu.example/", "https://kitsu.example/api"),
        ("https://kitsu.example/api", "https://kitsu.example/api"),
        ("https://kitsu.example/api/", "https://kitsu.example/api"),
    ],
)
def test_the_host_is_taken_with_or_without_api(host, api):
    assert kitsu_upload.api_url(host) == api


# ---------------------------------------------------------------------------------------------
# Reading the file


@pytest.mark.parametrize("chunk_size", [MIB, 700 * KIB, 64 * MIB])
def test_one_pass_gives_the_whole_sha256_and_each_chunks(big_file, chunk_size):
    content = big_file.read_bytes()
    seen = []

    digests = files.hash_file(str(big_file), chunk_size, progress=seen.append)

    assert digests.sha256 == hashlib.sha256(content).hexdigest()
    assert digests.size == len(content)
    expected = [
        hashlib.sha256(content[start : start + chunk_size]).hexdigest()
        for start in range(0, len(content), chunk_size)
    ]
    assert digests.chunks == expected
    assert sum(seen) == len(content)
    assert max(seen) <= files.READ_SIZE  # read in blocks, never whole
    assert digests.chunk(chunk_size) == (expected[1] if len(expected) > 1 else None)
    assert digests.chunk(1) is None  # not a chunk boundary


def test_an_empty_file_has_no_chunk(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    digests = files.hash_file(str(path), MIB)
    assert (digests.size, digests.chunks) == (0, [])
    assert digests.sha256 == hashlib.sha256(b"").hexdigest()


class RecordingFile:
    """A file object that records the size of every read (to prove none takes it whole)."""

    def __init__(self, handle, reads):
        self.handle, self.reads = handle, reads

    def read(self, size=-1):
        data = self.handle.read(size)
        self.reads.append(len(data))
        return data

    def seek(self, *args):
        return self.handle.seek(*args)

    def close(self):
        self.handle.close()


def test_a_slice_is_read_in_blocks_as_it_is_sent(big_file, monkeypatch):
    content = big_file.read_bytes()
    reads: list[int] = []
    real_open = open
    monkeypatch.setattr(
        files, "open", lambda *a, **k: RecordingFile(real_open(*a, **k), reads), raising=False
    )
    sent = []
    piece = files.FileSlice(str(big_file), 1000, 2 * MIB + 3, progress=sent.append)

    assert len(piece) == 2 * MIB + 3  # requests' Content-Length, known before any read
    assert reads == []  # nothing read until the connection asks
    body = b"".join(piece)

    assert body == content[1000 : 1000 + 2 * MIB + 3]
    assert max(reads) <= files.READ_SIZE
    assert sum(sent) == len(body) == piece.sent
    assert piece.read() == b""
    piece.close()


def test_a_slice_is_a_streamed_request_body(big_file):
    """requests takes the slice as a body of known length (Content-Length, not chunked)."""
    piece = files.FileSlice(str(big_file), 0, 123_456)
    prepared = requests.Request("PATCH", "http://kitsu.invalid/u", data=piece).prepare()
    assert prepared.headers["Content-Length"] == "123456"
    assert "Transfer-Encoding" not in prepared.headers
    assert prepared.body is piece


def test_a_range_is_hashed_from_disk(big_file):
    content = big_file.read_bytes()
    assert files.hash_range(str(big_file), 77, 5000) == hashlib.sha256(content[77:5077]).hexdigest()
    with pytest.raises(OSError):
        files.hash_range(str(big_file), len(content) - 10, 20)


# ---------------------------------------------------------------------------------------------
# The store of unfinished uploads


def test_the_store_remembers_and_forgets(tmp_path, big_file):
    path = tmp_path / "state" / "uploads.json"
    uploads = store.UploadStore(str(path))
    key = store.entry_key("https://k/api/x/uploads", files.file_identity(str(big_file)))

    assert uploads.get(key) is None
    uploads.put(key, {"url": "https://k/api/x/uploads/1"})
    other = store.UploadStore(str(path))  # another run reads what the first wrote
    assert other.get(key)["url"] == "https://k/api/x/uploads/1"
    assert json.loads(path.read_text())[key]["url"] == "https://k/api/x/uploads/1"

    other.forget(key)
    assert uploads.get(key) is None
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".uploads-")] == []


def test_a_changed_file_is_another_entry(tmp_path, big_file):
    before = store.entry_key("u", files.file_identity(str(big_file)))
    os.utime(big_file, ns=(1, 1))
    assert store.entry_key("u", files.file_identity(str(big_file))) != before
    assert store.entry_key("v", files.file_identity(str(big_file))) != store.entry_key(
        "u", files.file_identity(str(big_file))
    )


def test_an_unreadable_store_is_empty(tmp_path):
    path = tmp_path / "uploads.json"
    path.write_text("{not json")
    uploads = store.UploadStore(str(path))
    assert uploads.get("k") is None
    uploads.put("k", {"url": "u"})
    assert uploads.get("k")["url"] == "u"


def test_the_default_store_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("KITSU_UPLOAD_STATE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert store.default_path() == str(tmp_path / "kitsu-upload" / "uploads.json")
    monkeypatch.setenv("KITSU_UPLOAD_STATE", str(tmp_path / "mine.json"))
    assert store.default_path() == str(tmp_path / "mine.json")


# ---------------------------------------------------------------------------------------------
# gazu, and what needs no server at all


def test_gazus_logged_in_client_gives_host_and_token():
    client = gazu.client.create_client("https://kitsu.example/api")
    client.tokens = {"access_token": "the-token", "refresh_token": "r"}
    assert kitsu_upload.from_gazu(client) == ("https://kitsu.example/api", "the-token")


def test_gazus_default_client_is_read(monkeypatch):
    client = gazu.client.create_client("https://studio.example/api")
    client.access_token = "default-token"
    monkeypatch.setattr(gazu.client, "default_client", client)
    assert kitsu_upload.from_gazu() == ("https://studio.example/api", "default-token")


def test_gazu_not_logged_in_is_said():
    with pytest.raises(kitsu_upload.UploadFailed, match="not logged in"):
        kitsu_upload.from_gazu(gazu.client.create_client("https://kitsu.example/api"))


def test_a_missing_file_is_refused_before_any_request(tmp_path):
    with pytest.raises(kitsu_upload.UploadFailed, match="is not a file"):
        kitsu_upload.upload("http://127.0.0.1:9/api/x/uploads", str(tmp_path / "nope"))


def test_a_server_that_cannot_be_reached_is_said_without_a_traceback(tmp_path, big_file):
    with pytest.raises(kitsu_upload.UploadFailed, match="Could not create the upload") as failed:
        kitsu_upload.upload(
            "http://127.0.0.1:9/api/data/working-files/x/file/uploads",
            str(big_file),
            retries=1,
            delays=[0],
            progress=False,
            store=store.UploadStore(str(tmp_path / "s.json")),
        )
    assert "Nothing was sent" in failed.value.message


def test_the_command_needs_a_host_and_credentials(capsys, monkeypatch, big_file):
    monkeypatch.delenv("KITSU_HOST", raising=False)
    monkeypatch.delenv("KITSU_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("KITSU_EMAIL", raising=False)
    assert main(["working-file", "x", str(big_file)]) == 1
    assert "--host" in capsys.readouterr().err
    assert main(["--host", "http://127.0.0.1:9", "working-file", "x", str(big_file)]) == 1
    assert "KITSU_ACCESS_TOKEN" in capsys.readouterr().err


def test_the_client_imports_without_django_or_the_server():
    """It runs where only requests (and rich) are installed: importing it loads nothing of
    Django or of the server's packages."""
    code = (
        "import sys, kitsu_upload, kitsu_upload.__main__\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "bad = loaded & {'django', 'rest_framework', 'kitsufiles', 'production', 'resumable',"
        " 'working_files', 'previews', 'gazu'}\n"
        "print(sorted(bad))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
