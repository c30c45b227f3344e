"""`python -m kitsu_upload`: upload a file resumably from a shell (docs/resumable-uploads.md).

    python -m kitsu_upload --host https://kitsu.example --email td@studio.example \\
        working-file <working file id> scene.ma
    KITSU_ACCESS_TOKEN=... python -m kitsu_upload --host ... preview <preview id> take.mov
    python -m kitsu_upload --host ... --layer diffuse --color-space ACEScg \
        preview <preview id> sh010_comp_v004.exr

The password is asked for when not given (or read from KITSU_PASSWORD). Exit code 0 when the
server has the whole file, 1 otherwise, with a message saying why and how to resume.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from kitsu_upload import UploadFailed, log_in, upload_preview, upload_working_file
from kitsu_upload.files import MIB
from kitsu_upload.store import UploadStore


def parser() -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(
        prog="python -m kitsu_upload",
        description="Upload a file to Kitsu resumably (tus 1.0), verified by its sha256.",
    )
    arguments.add_argument(
        "--host",
        default=os.environ.get("KITSU_HOST"),
        help="the server, e.g. https://kitsu.example (or its /api); $KITSU_HOST",
    )
    arguments.add_argument("--email", default=os.environ.get("KITSU_EMAIL"), help="$KITSU_EMAIL")
    arguments.add_argument(
        "--password", help="asked for when --email is given without it; $KITSU_PASSWORD"
    )
    arguments.add_argument(
        "--chunk-size", type=int, default=64, metavar="MIB", help="chunk size in MiB (64)"
    )
    arguments.add_argument(
        "--retries", type=int, default=8, help="failures in a row borne before giving up (8)"
    )
    arguments.add_argument(
        "--state", default=None, help="where unfinished uploads are remembered "
        "(~/.cache/kitsu-upload/uploads.json; $KITSU_UPLOAD_STATE)"
    )  # fmt: skip
    arguments.add_argument("--no-progress", action="store_true", help="no progress bar")
    arguments.add_argument("--no-resume", action="store_true", help="start over, remember nothing")
    previews = arguments.add_argument_group("previews")
    previews.add_argument(
        "--no-normalize", action="store_true", help="keep a movie as it is (no re-encode)"
    )
    previews.add_argument(
        "--sequence",
        choices=["yes", "no"],
        help="whether a zip or tar of numbered pictures is an image sequence (default: the "
        "server decides from its content)",
    )
    previews.add_argument("--color-space", help="the OpenColorIO colour space of an EXR, DPX...")
    previews.add_argument("--layer", help="the layer of a multi-layer EXR to show")
    arguments.add_argument("target", choices=["working-file", "preview"])
    arguments.add_argument("id", help="the working file's or preview file's id")
    arguments.add_argument("file")
    return arguments


def token_for(options: argparse.Namespace) -> str:
    if options.email:
        password = options.password or os.environ.get("KITSU_PASSWORD")
        if password is None:
            password = getpass.getpass(f"Password of {options.email}: ")
        return log_in(options.host, options.email, password)
    token = os.environ.get("KITSU_ACCESS_TOKEN")
    if not token:
        raise UploadFailed("Give --email (and --password), or set KITSU_ACCESS_TOKEN.")
    return token


def main(argv: list[str] | None = None) -> int:
    options = parser().parse_args(argv)
    if not options.host:
        print("error: --host (or $KITSU_HOST) is needed", file=sys.stderr)
        return 1
    if options.chunk_size <= 0 or options.retries < 0:
        print("error: --chunk-size must be positive, --retries not negative", file=sys.stderr)
        return 1
    send = upload_working_file if options.target == "working-file" else upload_preview
    processing: dict[str, Any] = {}
    if options.target == "preview":
        processing = {
            "normalize": not options.no_normalize,
            "sequence": None if options.sequence is None else options.sequence == "yes",
            "color_space": options.color_space,
            "layer": options.layer,
        }
    try:
        token = token_for(options)
        result = send(
            options.host,
            token,
            options.id,
            options.file,
            chunk_size=options.chunk_size * MIB,
            retries=options.retries,
            progress=not options.no_progress,
            store=UploadStore(options.state),
            resume=not options.no_resume,
            **processing,
        )
    except UploadFailed as failure:
        print(f"error: {failure.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: run the same command again to resume the upload", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    resumed = f", resumed at byte {result.resumed_from}" if result.resumed_from else ""
    rate = result.size / result.seconds / MIB if result.seconds > 0 else 0.0
    print(
        f"uploaded {result.path} to {options.target} {options.id}: {result.size} bytes, "
        f"sha256 {result.sha256}{resumed} ({result.seconds:.1f} s, {rate:.1f} MiB/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
