"""Small generated movies for the media pipeline tests (ffmpeg lavfi `testsrc2` + `sine`).

Every clip is tiny (320×180 or smaller, 2–3 s) so the whole media suite stays fast."""

from __future__ import annotations

import subprocess
from pathlib import Path

from previews.media import ffmpeg_exe

X264_FAST = ("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")


def ffmpeg(*args: str) -> None:
    """Run ffmpeg quietly; raise with its log when it fails."""
    argv = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args]
    result = subprocess.run(
        argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(f"ffmpeg {' '.join(args)} failed:\n{result.stderr}")


def make_clip(
    path: Path,
    *,
    size: str = "320x180",
    rate: str = "24000/1001",
    duration: float = 2.0,
    audio: bool = True,
    audio_duration: float | None = None,
    video_filters: str | None = None,
    video_args: tuple[str, ...] = X264_FAST,
    audio_args: tuple[str, ...] = ("-c:a", "aac"),
    extra_args: tuple[str, ...] = (),
) -> Path:
    """A `testsrc2` clip (plus a 440 Hz `sine` track when `audio`) encoded with the given
    arguments. `duration` is in seconds; the frame count is duration × rate, rounded. The audio
    lasts `audio_duration` (default: `duration`)."""
    args = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={duration}"]
    if audio:
        seconds = duration if audio_duration is None else audio_duration
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"]
    if video_filters:
        args += ["-vf", video_filters]
    args += list(video_args)
    if audio:
        args += list(audio_args)
    args += list(extra_args)
    args.append(str(path))
    ffmpeg(*args)
    return path


def make_audio_only(path: Path) -> Path:
    """An AAC track in an mp4 container: no video stream at all."""
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", str(path))
    return path


def make_random_bytes(path: Path, size: int = 64 * 1024) -> Path:
    """Deterministic garbage named like a movie."""
    import random

    path.write_bytes(random.Random(1234).randbytes(size))
    return path


def make_truncated(source: Path, path: Path, fraction: float = 0.5) -> Path:
    """The first `fraction` of `source`'s bytes (an interrupted upload)."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


# Each frame of a counting clip shows its own index (from 0) in binary: COUNTING_BITS vertical
# bars, the leftmost the lowest bit, white for 1 and black for 0. Bars survive scaling and lossy
# encoding, so a frame read back names itself whatever the pipeline did to it.
COUNTING_BITS = 8


def make_counting_clip(
    path: Path,
    *,
    frames: int,
    size: str = "320x180",
    rate: str = "24000/1001",
    video_args: tuple[str, ...] = X264_FAST,
    extra_args: tuple[str, ...] = (),
) -> Path:
    """`frames` frames at `rate` (no audio) whose pictures encode their index (see
    `frame_index_of`)."""
    bars = f"255*mod(floor(N/pow(2\\,floor(X*{COUNTING_BITS}/W)))\\,2)"
    ffmpeg(
        "-f", "lavfi", "-i", f"color=c=black:size={size}:rate={rate}",
        "-vf", f"format=yuv420p,geq=lum='{bars}':cb=128:cr=128",
        "-frames:v", str(frames),
        *video_args, *extra_args, str(path),
    )  # fmt: skip
    return path


def frame_index_of(picture) -> int:
    """The index a counting clip's frame shows (a Pillow image of any size)."""
    gray = picture.convert("L")
    width, height = gray.size
    index = 0
    for bit in range(COUNTING_BITS):
        x = int((bit + 0.5) * width / COUNTING_BITS)
        if gray.getpixel((x, height // 2)) > 127:
            index |= 1 << bit
    return index
