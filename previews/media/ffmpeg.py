"""The ffmpeg side of the pipeline: the command line that makes every output of a movie in one
process, and running that process.

One command decodes the source once, normalizes it once (constant frame rate, square pixels,
fitted and padded to the target raster, 4:2:0) and splits it into the high-def mp4, the
low-def mp4, the first-frame poster and the cells of the scrubbing tile sheet. When the source is
web-ready its video packets are copied into the high-def file and only the low-def is encoded,
still in that one process. Why, with the figures behind the presets, the keyframe interval and
the rates: docs/decisions/movie-pipeline.md.

The binary is the one imageio-ffmpeg ships (no system ffmpeg needed).
"""

from __future__ import annotations

import ctypes
import logging
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import IO

from previews.media.geometry import (
    MovieSettings,
    TileLayout,
    fit_size,
    is_web_ready,
    low_def_size,
    output_frame_count,
    target_size,
    tile_layout,
)
from previews.media.probe import MediaError, MovieInfo

logger = logging.getLogger(__name__)

# On Linux, ffmpeg is asked to die with the worker that started it (see _die_with_parent). The
# C library's prctl is looked up here, once, when the module is imported, because the place that
# calls it runs in the child between fork and exec, where loading a library is not safe; the
# standard library has no wrapper for prctl.
_PR_SET_PDEATHSIG = 1
_PRCTL: Callable[..., int] | None = None
if sys.platform.startswith("linux"):
    try:
        _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover
        _PRCTL = None

# Audio: the silent track given to sources without sound, and the AAC rate of each rendition.
SILENT_SAMPLE_RATE = 48000
HD_AUDIO_BITRATE = "192k"
LD_AUDIO_BITRATE = "128k"


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped by imageio-ffmpeg."""
    import imageio_ffmpeg  # untyped: see ignore_missing_imports in pyproject.toml

    return imageio_ffmpeg.get_ffmpeg_exe()


# ---------------------------------------------------------------------------------------------
# Arguments


def ffmpeg_rational(value: Fraction) -> str:
    """An exact rate as ffmpeg reads it: always numerator/denominator ("24000/1001", "25/1")."""
    value = Fraction(value)
    return f"{value.numerator}/{value.denominator}"


def ffmpeg_seconds(value: Fraction) -> str:
    """A duration in seconds as ffmpeg reads it, to the microsecond."""
    return f"{float(value):.6f}"


def x264_options(bitrate: int, preset: str, keyframe_interval: int, params: str = "") -> list[str]:
    """One H.264 rendition: High profile, 4:2:0, `bitrate` Mb/s capped as Zou caps it (a
    buffer of two seconds' worth), a keyframe every `keyframe_interval` frames; `params`: x264
    options on top of the preset (`key=value:key=value`)."""
    return [
        "-c:v", "libx264",
        "-profile:v", "high",
        "-pix_fmt", "yuv420p",
        "-preset", preset,
        *(["-x264-params", params] if params else []),
        "-b:v", f"{bitrate}M",
        "-maxrate", f"{bitrate}M",
        "-bufsize", f"{2 * bitrate}M",
        "-g", str(keyframe_interval),
    ]  # fmt: skip


def _base_argv(source: Path) -> list[str]:
    """ffmpeg, quiet but for errors, overwriting its outputs, reading `source` as input 0."""
    argv = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y"]
    return argv + ["-i", str(source)]


def _tile_branch(layout: TileLayout) -> str:
    """The filter turning the `tile_in` branch into the tile sheet's cells. The cells leave
    ffmpeg one by one and are pasted together afterwards (see render._assemble_tile_sheet)."""
    step = f"framestep={layout.step}," if layout.step > 1 else ""
    return f"[tile_in]{step}scale={layout.cell_width}:{layout.cell_height},setsar=1[tile]"


def _still_outputs(outputs: Mapping[str, Path]) -> list[str]:
    """The outputs of the `poster` and `tile` branches: the first frame as a PNG, and every
    tile cell as a PNG frame of a NUT file."""
    return [
        "-map", "[poster]", "-frames:v", "1", "-update", "1", "-c:v", "png",
        "-f", "image2", str(outputs["poster"]),
        "-map", "[tile]", "-fps_mode", "passthrough", "-c:v", "png",
        "-f", "nut", str(outputs["tile_cells"]),
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Commands


def build_command(
    source: Path,
    outputs: Mapping[str, Path],
    info: MovieInfo,
    settings: MovieSettings,
) -> tuple[list[str], bool]:
    """The single ffmpeg command writing the four outputs (`high_def`, `low_def`, `poster`,
    `tile_cells`); returns (argv, remuxed).

    The audio of a re-encoded rendition is padded with silence or cut to the video's
    duration; a source without audio gets a silent stereo 48 kHz AAC track of exactly the
    video's duration."""
    remux = is_web_ready(info, settings)
    hd_w, hd_h = target_size(info, settings)
    ld_w, ld_h = low_def_size((hd_w, hd_h), settings)
    fit_w, fit_h = fit_size(info.display_aspect_ratio, hd_w, hd_h)
    fps = settings.frame_rate
    frames = output_frame_count(info, fps)
    duration = Fraction(frames) / fps
    tile = tile_layout(frames, Fraction(hd_w, hd_h))

    # Labels of the split's outputs: the high-def and the poster take the normalized stream as is.
    branches = ["ld_in", "poster", "tile_in"] if remux else ["hd", "ld_in", "poster", "tile_in"]
    graph = [
        f"[0:V:0]fps={ffmpeg_rational(fps)},"
        f"scale={fit_w}:{fit_h},format=yuv420p,setsar=1,"
        f"pad={hd_w}:{hd_h}:{(hd_w - fit_w) // 2}:{(hd_h - fit_h) // 2}:color=black,"
        f"split={len(branches)}" + "".join(f"[{name}]" for name in branches),
        f"[ld_in]scale={ld_w}:{ld_h},setsar=1[ld]",
        _tile_branch(tile),
    ]

    argv = _base_argv(source)

    copy_audio = remux and info.audio_codec == "aac"
    audio_maps: dict[str, list[str]]
    if info.audio_codec is None:
        argv += [
            "-f", "lavfi", "-t", ffmpeg_seconds(duration),
            "-i", f"anullsrc=channel_layout=stereo:sample_rate={SILENT_SAMPLE_RATE}",
        ]  # fmt: skip
        audio_maps = {"hd": ["-map", "1:a"], "ld": ["-map", "1:a"]}
    elif copy_audio:
        audio_maps = {"hd": ["-map", "0:a:0"], "ld": ["-map", "0:a:0"]}
    else:
        graph.append(
            f"[0:a:0]apad=whole_dur={ffmpeg_seconds(duration)},"
            f"atrim=end={ffmpeg_seconds(duration)},asplit=2[hd_a][ld_a]"
        )
        audio_maps = {"hd": ["-map", "[hd_a]"], "ld": ["-map", "[ld_a]"]}

    argv += ["-filter_complex", ";".join(graph)]

    audio_codec = {
        "hd": ["-c:a", "copy"] if copy_audio else ["-c:a", "aac", "-b:a", HD_AUDIO_BITRATE],
        "ld": ["-c:a", "copy"] if copy_audio else ["-c:a", "aac", "-b:a", LD_AUDIO_BITRATE],
    }
    mp4 = ["-map_chapters", "-1", "-movflags", "+faststart", "-f", "mp4"]

    if remux:
        argv += ["-map", "0:V:0", "-c:v", "copy"]
    else:
        argv += ["-map", "[hd]"]
        argv += x264_options(settings.hd_bitrate, settings.hd_preset, settings.keyframe_interval)
    argv += audio_maps["hd"] + audio_codec["hd"] + mp4 + [str(outputs["high_def"])]

    argv += ["-map", "[ld]"]
    argv += x264_options(
        settings.ld_bitrate,
        settings.ld_preset,
        settings.keyframe_interval,
        settings.ld_x264_params,
    )
    argv += audio_maps["ld"] + audio_codec["ld"] + mp4 + [str(outputs["low_def"])]

    argv += _still_outputs(outputs)
    return argv, remux


def build_stills_command(
    source: Path, outputs: Mapping[str, Path], layout: TileLayout
) -> list[str]:
    """The ffmpeg command writing only the `poster` and the `tile_cells` of a movie kept as
    uploaded: one decode, no encode. The poster has square pixels at the source's displayed
    size."""
    graph = "[0:V:0]scale=trunc(iw*sar/2)*2:ih,setsar=1,split=2[poster][tile_in];" + _tile_branch(
        layout
    )
    return _base_argv(source) + ["-filter_complex", graph] + _still_outputs(outputs)


def build_tile_command(source: Path, outputs: Mapping[str, Path], layout: TileLayout) -> list[str]:
    """The ffmpeg command writing only the `tile_cells` of a stored movie (extract-tile): one
    decode, no encode. The cells are scaled to the layout's size, which already follows the
    display ratio."""
    graph = "[0:V:0]null[tile_in];" + _tile_branch(layout)
    return (
        _base_argv(source)
        + ["-filter_complex", graph]
        + ["-map", "[tile]", "-fps_mode", "passthrough", "-c:v", "png"]
        + ["-f", "nut", str(outputs["tile_cells"])]
    )


# ---------------------------------------------------------------------------------------------
# The process


# Lines ffmpeg 7 prints after the real cause, as its threads wind down one after the other.
_GENERIC_LINES = re.compile(
    r"^(Conversion failed!?"
    r"|Error opening (input|output) files?\b.*"
    r"|Error parsing global options.*"
    r"|Error while opening encoder.*"
    r"|Error sending frames to consumers.*"
    r"|Could not open encoder before EOF.*"
    r"|Task finished with error code.*"
    r"|Terminating thread with return code.*"
    r"|Nothing was written into output file.*"
    r"|Last message repeated.*"
    r"|Exiting normally.*)$",
    re.IGNORECASE,
)
_LOG_PREFIX = re.compile(r"^(\[[^\]]*@ 0x[0-9a-f]+\]\s*)+")


def last_error_line(stderr: str, *, hide: tuple[Path, ...] = ()) -> str:
    """The last line of ffmpeg's log that says something specific, without the
    `[component @ 0x...]` prefixes and with local paths reduced to file names."""
    lines: list[str] = []
    for raw in stderr.splitlines():
        line = _LOG_PREFIX.sub("", raw.strip()).strip()
        for path in hide:
            line = line.replace(str(path), Path(path).name)
        if line:
            lines.append(line)
    for line in reversed(lines):
        if not _GENERIC_LINES.match(line):
            return line
    return lines[-1] if lines else "ffmpeg failed without a message."


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: ffmpeg gets SIGKILL when the worker that started it dies (a job-queue timeout kills
    the worker outright; ffmpeg must not keep encoding for nobody)."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


def start_ffmpeg(argv: list[str], *, stdin: int, log: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start ffmpeg with its log going to `log` (a file: the pipe can never fill up) and
    asked to die with this process; `stdin`: subprocess.PIPE to feed it frames."""
    return subprocess.Popen(
        argv,
        stdin=stdin,
        stdout=subprocess.DEVNULL,
        stderr=log,
        preexec_fn=_die_with_parent if _PRCTL is not None else None,
    )


def run_ffmpeg(argv: list[str], *, timeout: float, hide: tuple[Path, ...]) -> None:
    """Run ffmpeg with its log in a temporary file (the pipe can never fill up) and a wall-clock
    limit. Raises MediaError on a timeout or a non-zero exit, with the last line of the log that
    says what went wrong (`hide`: paths reduced to their names in that message)."""
    with tempfile.TemporaryFile(mode="w+b", prefix="ffmpeg-log-") as log:
        process = start_ffmpeg(argv, stdin=subprocess.DEVNULL, log=log)
        started = time.monotonic()
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise MediaError(f"Processing took longer than {timeout:g} s.") from None
        except BaseException:
            process.kill()
            process.wait()
            raise
        elapsed = time.monotonic() - started
        if returncode != 0:
            log.seek(0)
            text = log.read().decode("utf-8", errors="replace")
            logger.warning("ffmpeg failed (exit %s) after %.1f s:\n%s", returncode, elapsed, text)
            raise MediaError(f"Unreadable movie: {last_error_line(text, hide=hide)}")
        logger.info("ffmpeg finished in %.1f s", elapsed)
