"""Putting an upload in place of the old content (kitsufiles.stores.local.replace_file): one rename,
the old bytes removed afterwards by a background thread, nothing left behind."""

from pathlib import Path

from kitsufiles.stores.local import RETIRED_PREFIX, replace_file


def retired_in(folder: Path) -> list[Path]:
    return list(folder.glob(f"{RETIRED_PREFIX}*"))


def test_the_first_content_is_a_plain_rename(tmp_path):
    upload = tmp_path / "incoming" / ".upload-1"
    upload.parent.mkdir()
    upload.write_bytes(b"new")
    destination = tmp_path / "store" / "a" / "content"

    assert replace_file(str(upload), str(destination)) is None
    assert destination.read_bytes() == b"new"
    assert not upload.exists()


def test_the_old_content_goes_after_the_rename(tmp_path):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    destination = tmp_path / "content"
    destination.write_bytes(b"old")
    reader = destination.open("rb")  # a download that opened the old bytes
    upload = incoming / ".upload-2"
    upload.write_bytes(b"new")
    stale = incoming / f"{RETIRED_PREFIX}left-by-a-dead-process"
    stale.write_bytes(b"older")

    remover = replace_file(str(upload), str(destination))

    assert destination.read_bytes() == b"new"
    assert remover is not None
    remover.join(timeout=30)
    assert retired_in(incoming) == []
    assert reader.read() == b"old"
    reader.close()
