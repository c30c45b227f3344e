"""How long extract-frame takes on a 1080p 24000/1001 movie: the middle frame of a 20 s
high-def rendition, found exactly (previews/media/frames.py extract_frame: seek to the keyframe
before it, decode forward), then written as PNG (save_png, zlib level 1) as the route does; and
what the default zlib level 6 would cost instead. Prints figures; not a test.

    .venv/bin/python bench/extract_frame.py [--runs 7] [--seconds 20]

The movie is generated once per run in a temporary folder with imageio-ffmpeg's ffmpeg:
lavfi `testsrc2` 1920x1080 at 24000/1001, encoded with the high-def rendition's settings
(previews/media/ffmpeg.py x264_options with MovieSettings' defaults: High yuv420p, veryfast,
28 Mb/s, a keyframe every 12 frames), mp4 with faststart.
"""

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from previews.media import MovieSettings, extract_frame, ffmpeg_exe, frame_count  # noqa: E402
from previews.media.ffmpeg import x264_options  # noqa: E402
from previews.media.frames import PNG_COMPRESS_LEVEL, save_png  # noqa: E402


def make_movie(path: Path, seconds: int) -> None:
    settings = MovieSettings(height=1080, width=1920, frame_rate=Fraction(24000, 1001))
    argv = [
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=24000/1001",
        "-frames:v", str(round(seconds * 24000 / 1001)),
        *x264_options(settings.hd_bitrate, settings.hd_preset, settings.keyframe_interval),
        "-movflags", "+faststart", str(path),
    ]  # fmt: skip
    subprocess.run(argv, check=True)


def timed(function, runs: int) -> tuple[float, float, float, object]:
    """(first run, median of the others) in wall milliseconds, the median CPU milliseconds of
    this process (every thread; the figure a busy machine does not inflate), and the last
    result."""
    times = []
    cpu = []
    result = None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return times[0], statistics.median(times[1:] or times), statistics.median(cpu), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as folder:
        movie = Path(folder) / "hd.mp4"
        print(f"generating a {args.seconds} s 1080p movie...", file=sys.stderr)
        make_movie(movie, args.seconds)
        count = frame_count(movie)
        middle = count // 2
        size_mb = movie.stat().st_size / 1e6
        print(f"movie: 1920x1080, 24000/1001, {count} frames, {size_mb:.1f} MB, GOP 12")

        def line(label: str, first: float, median: float, cpu: float, more: str = "") -> None:
            print(
                f"{label:<40} first {first:7.1f} ms, median {median:7.1f} ms wall, "
                f"{cpu:7.1f} ms CPU{more}"
            )

        first, median, cpu, image = timed(lambda: extract_frame(movie, middle), args.runs)
        line(f"extract_frame (frame {middle})", first, median, cpu)

        def png(level: int) -> int:
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", compress_level=level)  # type: ignore[union-attr]
            return buffer.tell()

        for level in (PNG_COMPRESS_LEVEL, 6):
            first, median, cpu, size = timed(lambda level=level: png(level), args.runs)
            line(f"PNG, zlib level {level}", first, median, cpu, f", {size / 1e6:.2f} MB")  # type: ignore[operator]

        def whole() -> None:
            save_png(extract_frame(movie, middle), Path(folder) / "frame.png")

        first, median, cpu, _ = timed(whole, args.runs)
        line("extract + save_png (the route's work)", first, median, cpu)
        print(f"load average meanwhile: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
