"""Image sequences: an archive (zip or tar) of numbered frames (`shot_v003.1001.exr`...)
turned into one movie, a frame per image, at the project's exact frame rate.

`find_sequence` reads the frame numbers from the archive's member names (one series: the same
folder, name before the number and extension; the number is the last run of digits before the
extension). `encode_sequence` then reads the frames one at a time in frame order, each through
previews.media.vfx (the colour rules of single pictures, the layer asked for), and pipes their
display pixels, a strip of rows at a time, into one ffmpeg process that writes a lossless
intermediate movie; the preview's renditions are made from that as from any uploaded movie
(previews.media.render). Memory holds one frame's chosen channels and one strip, whatever the
length and resolution of the sequence; the disk holds one extracted frame at a time.

Missing frame numbers (gaps) are reported, not filled: each image is one frame of the movie, the
first frame keeps its number (`frame_start`). Decisions and measurements:
docs/decisions/vfx-pictures.md.

Pure: no Django.
"""

from __future__ import annotations

import re
import subprocess
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal

from previews.media.colour import ColourRequest, ColourTransform, choose_transform
from previews.media.ffmpeg import ffmpeg_rational, last_error_line, start_ffmpeg
from previews.media.probe import MediaError
from previews.media.vfx import OpenedPicture, display_rows, open_picture

ArchiveKind = Literal["zip", "tar"]
ARCHIVE_EXTENSIONS: dict[str, ArchiveKind] = {"zip": "zip", "tar": "tar"}

# Frame files: the picture formats previews take, VFX or not.
FRAME_EXTENSIONS = frozenset(
    {"exr", "dpx", "cin", "tif", "tiff", "psd", "hdr", "jp2", "j2k", "webp", "png", "jpg", "jpeg"}
)
_NUMBERED = re.compile(r"^(?P<head>.*?)(?P<number>\d+)\.(?P<extension>[A-Za-z0-9]+)$")
# Members that archivers add and nobody means as frames.
_IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini"})

# How many gaps data.missing_frames lists (as ranges) before it stops.
MAX_LISTED_GAPS = 100
# An archive holds at most this many members to be read as a sequence.
MAX_MEMBERS = 100_000
_COPY_BLOCK = 1024 * 1024


@dataclass(frozen=True)
class SequenceFrame:
    number: int
    member: str  # the name in the archive


@dataclass(frozen=True)
class ImageSequence:
    pattern: str  # "shots/shot_v003.####.exr": where the frame number goes
    extension: str
    frames: tuple[SequenceFrame, ...]  # in frame order

    @property
    def frame_start(self) -> int:
        return self.frames[0].number

    @property
    def frame_end(self) -> int:
        return self.frames[-1].number

    def missing_ranges(self) -> list[str]:
        """The gaps, as "1005" or "1010-1012" (up to MAX_LISTED_GAPS of them)."""
        gaps: list[str] = []
        for before, after in zip(self.frames, self.frames[1:], strict=False):
            if after.number - before.number > 1:
                first, last = before.number + 1, after.number - 1
                gaps.append(str(first) if first == last else f"{first}-{last}")
                if len(gaps) == MAX_LISTED_GAPS:
                    break
        return gaps

    def missing_count(self) -> int:
        return self.frame_end - self.frame_start + 1 - len(self.frames)

    def as_data(self) -> dict[str, Any]:
        """What the preview records in `data` (with `frame_start`, which Kitsu's frame
        numbering reads)."""
        return {
            "frame_start": self.frame_start,
            "frame_end": self.frame_end,
            "sequence_pattern": self.pattern,
            "sequence_frames": len(self.frames),
            "missing_frame_count": self.missing_count(),
            "missing_frames": self.missing_ranges(),
        }


class NotASequence(MediaError):
    """The archive is not one series of numbered pictures; the message says why."""


def archive_kind(extension: str) -> ArchiveKind | None:
    return ARCHIVE_EXTENSIONS.get(extension.lower())


def member_names(archive: IO[bytes], kind: ArchiveKind) -> list[str]:
    """The names of the archive's files (not folders), in archive order. Raises NotASequence
    when it cannot be read as an archive of that kind. `archive` must be seekable (a zip's
    directory is at its end; a tar's members are skipped over, not read)."""
    try:
        if kind == "zip":
            with zipfile.ZipFile(archive) as opened:
                infos = opened.infolist()
                if len(infos) > MAX_MEMBERS:
                    raise NotASequence(f"The archive holds more than {MAX_MEMBERS} files.")
                return [info.filename for info in infos if not info.is_dir()]
        names: list[str] = []
        with tarfile.open(fileobj=archive, mode="r:*") as opened:
            for member in opened:
                if member.isfile():
                    names.append(member.name)
                if len(names) > MAX_MEMBERS:
                    raise NotASequence(f"The archive holds more than {MAX_MEMBERS} files.")
        return names
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, ValueError) as error:
        raise NotASequence(f"Unreadable {kind} archive: {error}") from error


def _ignored(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return (
        any(part.startswith(".") or part == "__MACOSX" for part in parts)
        or PurePosixPath(name).name.lower() in _IGNORED_NAMES
    )


def find_sequence(names: list[str], *, strict: bool) -> ImageSequence:
    """The one series of numbered pictures among the archive's file `names`. `strict`: every
    file must belong to it (how an archive uploaded without asking is recognised as a
    sequence); otherwise other files are ignored. Raises NotASequence saying why not."""
    series: dict[tuple[str, str, str], list[SequenceFrame]] = {}
    padding: dict[tuple[str, str, str], int] = {}
    others: list[str] = []
    for name in names:
        if _ignored(name):
            continue
        path = PurePosixPath(name)
        match = _NUMBERED.match(path.name)
        extension = match["extension"].lower() if match else ""
        if match is None or extension not in FRAME_EXTENSIONS:
            others.append(name)
            continue
        key = (str(path.parent), match["head"], extension)
        series.setdefault(key, []).append(SequenceFrame(int(match["number"]), name))
        padding.setdefault(key, len(match["number"]))
    if not series:
        raise NotASequence("The archive holds no numbered pictures (name.1001.exr...).")
    if strict and others:
        raise NotASequence(f"The archive holds other files than numbered pictures: {others[0]}.")
    if len(series) > 1:
        described = ", ".join(
            f"{_pattern(key, padding[key])} ({len(frames)} frames)"
            for key, frames in list(series.items())[:5]
        )
        raise NotASequence(f"The archive holds {len(series)} series of pictures: {described}.")
    ((key, frames),) = series.items()
    frames.sort(key=lambda frame: frame.number)
    for before, after in zip(frames, frames[1:], strict=False):
        if before.number == after.number:
            raise NotASequence(
                f"Frame {after.number} is in the archive twice: {before.member}, {after.member}."
            )
    return ImageSequence(
        pattern=_pattern(key, padding[key]), extension=key[2], frames=tuple(frames)
    )


def _pattern(key: tuple[str, str, str], padding: int) -> str:
    folder, head, extension = key
    name = f"{head}{'#' * padding}.{extension}"
    return name if folder in ("", ".") else f"{folder}/{name}"


def read_sequence(archive: Path, kind: ArchiveKind) -> ImageSequence:
    """The sequence in the archive file at `archive` (other files in it ignored)."""
    with open(archive, "rb") as handle:
        return find_sequence(member_names(handle, kind), strict=False)


# ---------------------------------------------------------------------------------------------
# Encoding


@dataclass(frozen=True)
class EncodedSequence:
    movie: Path  # the lossless intermediate, one frame per picture
    width: int
    height: int
    frame_count: int
    transform: ColourTransform
    layer: str
    layers: tuple[str, ...]


@contextmanager
def _opened_archive(archive: Path, kind: ArchiveKind) -> Iterator[Any]:
    if kind == "zip":
        with zipfile.ZipFile(archive) as opened:
            yield opened
    else:
        with tarfile.open(archive, mode="r:*") as opened:
            yield opened


def _extract(opened: Any, kind: ArchiveKind, member: str, target: Path, limit: int) -> None:
    """Copy one member to `target`, refusing one larger than `limit` bytes (whatever its
    header claims: a zip bomb stops at the limit)."""
    try:
        source = opened.open(member) if kind == "zip" else opened.extractfile(member)
        if source is None:
            raise MediaError(f"Unreadable archive member {member}.")
        with source, open(target, "wb") as output:
            copied = 0
            while block := source.read(_COPY_BLOCK):
                copied += len(block)
                if copied > limit:
                    raise MediaError(f"The frame {member} is larger than {limit} bytes.")
                output.write(block)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, KeyError) as error:
        if isinstance(error, MediaError):
            raise
        raise MediaError(f"Unreadable archive member {member}: {error}") from error


def intermediate_command(output: Path, width: int, height: int, frame_rate: Fraction) -> list[str]:
    """ffmpeg reading raw 8-bit RGB frames from its standard input and writing them, one
    movie frame each at `frame_rate`, as lossless H.264 4:4:4 with BT.709 colour (the matrix
    players assume for HD; ffmpeg's default RGB to YUV matrix would be BT.601)."""
    from previews.media.ffmpeg import ffmpeg_exe

    return [
        ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
        "-framerate", ffmpeg_rational(frame_rate), "-i", "pipe:0",
        "-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv444p",
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
        "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0",
        "-f", "matroska", str(output),
    ]  # fmt: skip


def encode_sequence(
    archive: Path,
    kind: ArchiveKind,
    sequence: ImageSequence,
    workdir: Path,
    *,
    frame_rate: Fraction,
    colour: ColourRequest,
    max_pixels: int,
    timeout: float,
    layer: str | None = None,
) -> EncodedSequence:
    """The sequence's frames, in frame order, as a lossless movie in `workdir`. Every frame
    must have the first frame's size; the colour transform is chosen from the first frame
    and applied to all. Raises MediaError (leaving no movie) on an unreadable or mismatched
    frame, an ffmpeg failure, or after `timeout` seconds."""
    workdir = Path(workdir).absolute()
    output = workdir / "sequence.mkv"
    frame_file = workdir / f"frame.{sequence.extension}"  # each frame's, in turn
    # A frame's file cannot sensibly be larger than its pixels as 32-bit floats, 4 channels.
    member_limit = max_pixels * 16 + 64 * 1024 * 1024
    deadline = time.monotonic() + timeout
    process: subprocess.Popen[bytes] | None = None
    first: OpenedPicture | None = None
    transform: ColourTransform | None = None
    with tempfile.TemporaryFile(prefix="ffmpeg-log-") as log:
        try:
            with _opened_archive(archive, kind) as opened:
                for frame in sequence.frames:
                    if time.monotonic() > deadline:
                        raise MediaError(f"Processing took longer than {timeout:g} s.")
                    # A name per frame: OpenImageIO may cache what it read by file name.
                    frame_file = workdir / f"frame-{frame.number}.{sequence.extension}"
                    _extract(opened, kind, frame.member, frame_file, member_limit)
                    try:
                        picture = open_picture(frame_file, max_pixels=max_pixels, layer=layer)
                    except MediaError as error:
                        raise MediaError(f"Frame {frame.number}: {error}") from error
                    if first is None:
                        first = picture
                        transform = choose_transform(picture.colour, colour)
                        argv = intermediate_command(
                            output, picture.width, picture.height, frame_rate
                        )
                        process = start_ffmpeg(argv, stdin=subprocess.PIPE, log=log)
                    elif (picture.width, picture.height) != (first.width, first.height):
                        raise MediaError(
                            f"Frame {frame.number} is {picture.width}x{picture.height}; the "
                            f"sequence is {first.width}x{first.height} (frame "
                            f"{sequence.frame_start})."
                        )
                    assert process is not None and process.stdin is not None
                    assert transform is not None
                    for _top, rows in display_rows(picture, transform, keep_alpha=False):
                        try:
                            process.stdin.write(rows.tobytes())
                        except BrokenPipeError:
                            raise MediaError(_ffmpeg_failure(process, log, workdir)) from None
                    frame_file.unlink(missing_ok=True)
            assert process is not None and process.stdin is not None
            process.stdin.close()
            returncode = process.wait(timeout=max(1.0, deadline - time.monotonic()))
            if returncode != 0:
                raise MediaError(_ffmpeg_failure(process, log, workdir))
        except subprocess.TimeoutExpired:
            output.unlink(missing_ok=True)
            raise MediaError(f"Processing took longer than {timeout:g} s.") from None
        except BaseException:
            output.unlink(missing_ok=True)
            raise
        finally:
            frame_file.unlink(missing_ok=True)
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    assert first is not None and transform is not None
    return EncodedSequence(
        movie=output,
        width=first.width,
        height=first.height,
        frame_count=len(sequence.frames),
        transform=transform,
        layer=first.layer.name,
        layers=first.layers,
    )


def _ffmpeg_failure(process: subprocess.Popen[bytes], log: IO[bytes], workdir: Path) -> str:
    if process.poll() is None:
        process.kill()
    process.wait()
    log.seek(0)
    text = log.read().decode("utf-8", errors="replace")
    return f"The sequence could not be encoded: {last_error_line(text, hide=(workdir,))}"
