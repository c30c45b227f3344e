"""The movie pipeline: probe an uploaded movie, then turn it into the review renditions.

Pure Python on top of PyAV (probing: demux only, plus the first frame for the display matrix; no
ffprobe needed) and the ffmpeg binary shipped by imageio-ffmpeg (encoding). No Django import:
this module is usable and testable on its own.

One ffmpeg process per movie
----------------------------
`render_movie` starts ffmpeg exactly once. The source is decoded once, normalized once (constant
frame rate, square pixels, fitted and padded to the target raster, 4:2:0) and `split` into four
outputs: the high-def mp4, the low-def mp4, the first-frame poster PNG and the cells of the
scrubbing tile sheet (assembled into one PNG afterwards, see `_assemble_tile_sheet` for why not
ffmpeg's `tile` filter). Zou decodes the source three times and encodes one output after the
other (2.17x the cost of its own high-def encode, DESIGN.md).

When the source already is what the high-def rendition would be (`is_web_ready`: H.264 4:2:0,
exact target raster and frame rate, square pixels, no rotation, constant frame rate, GOP within
the keyframe interval, mp4/mov, bit rate within the project's high-def budget), its video packets
are stream-copied into the high-def file and only the low-def copy is encoded, still in the same
single process.

Defaults, and the measurements behind them
------------------------------------------
Measured on this machine (2 cores shared with other work, so CPU seconds of the ffmpeg process
are quoted rather than wall time; imageio-ffmpeg's ffmpeg 7.0.2). Source A: 20 s of 1920x1080
24000/1001 fps testsrc2 + sine, H.264 High (crf 18, B-frames) + AAC; target 1920x1080 at
24000/1001:

    one plain transcode (ffmpeg -i A -c:v libx264 -c:a aac, preset medium)    22.4 s CPU
    Zou's hi-def command alone (preset slow, keyint=2, -b 28M)                 46.3 s CPU
    render_movie, hi-def + low-def veryfast, GOP 12 (chosen)                   23.3 s CPU
    render_movie, hi-def faster + low-def veryfast                             29.8 s CPU
    render_movie, hi-def medium + low-def veryfast                             37.3 s CPU
    render_movie, superfast / ultrafast for both                        18.5 / 10.1 s CPU
    render_movie on a web-ready source (hi-def copied, low-def veryfast)       13.8 s CPU
    (wall time of the chosen render with the machine otherwise busy: 17.6-27 s)

Source B: 10 s of 1080p with per-frame grain at 116 Mb/s (the 28 Mb/s cap binds): plain
transcode 36.3 s CPU; render veryfast 36.8 s (39.6 dB PSNR on the hi-def), faster 47.8 s
(40.2 dB), medium 71.8 s (39.7 dB), superfast 25.8 s (39.3 dB). Source C: 5 s of 1080p with a
static grain texture (detail that motion prediction can reuse), hi-def encode alone at 28 Mb/s,
GOP 12: superfast 45.9 dB, veryfast 45.6 dB (4.8 s CPU), faster 47.6 dB (7.7 s), medium 47.9 dB
(10.0 s).

* Presets: `veryfast` for both renditions. Everything (two encodes, poster, tile) then costs
  about one plain `medium` transcode of the source and half of Zou's hi-def encode alone.
  `faster` on the hi-def would add 0.5-2 dB for +28 % CPU on the whole render, `medium` at most
  +2.3 dB for +60 %; at 28 Mb/s the veryfast hi-def is already > 39 dB on heavy grain and
  > 45 dB on detailed footage, so the slower presets are not worth their time for review
  copies. `superfast`/`ultrafast` drop mb-tree/CABAC/B-frames and lose quality on
  clean CG (2 dB on source A), so they are not used. Both presets stay settings.
* Keyframe interval: 12 frames (half a second at 24 fps): the encoder GOP (`-g 12`; x264 may
  add scene-cut keyframes, never fewer) and the longest GOP a source may have to be
  stream-copied. A browser stepping frame by frame (Kitsu's player sets `currentTime`) restarts
  decoding at the keyframe before the target, so each step costs up to one GOP of decoding.
  Software decoding of the 28 Mb/s 1080p hi-def takes 14 ms per frame on one core here: a step
  costs at most ~160 ms with GOP 12, ~330 ms with 24, 3.6 s with a camera-style GOP of 250;
  Zou's `keyint=2` costs 14 ms but spends the bits on intra frames. At a fixed 28 Mb/s
  (source C, hi-def alone) GOP 2 / 12 / 24 / 48 / 250 gave 37.1 / 45.7 / 51.1 / 52.9 /
  54.1 dB; at 12 Mb/s 35.4 / 38.5 / 41.3 / 42.6 / 43.4 dB; on per-frame grain (source B) the
  GOP made no difference (39.6-39.7 dB), on clean CG (A) GOP 2 made the file 9 % bigger. GOP 12
  keeps stepping responsive and is far better than Zou's; GOP 24 would buy quality on detailed
  footage at twice the stepping cost, which is why it stays a setting.
* Rates follow Zou 1.0.97: `-b:v {hd}M -maxrate {hd}M -bufsize {2*hd}M` (the same with the
  low-def rate), libx264 High, yuv420p, `+faststart`, AAC audio (192 kb/s hi-def, 128 kb/s
  low-def).
* Memory: the render peaks at ~480 MB for 1080p, flat whatever the length (measured 20 s).

Other decisions
---------------
* Frame rates are `Fraction`s end to end (24000/1001 stays 24000/1001; ffmpeg gets "24000/1001").
* Rotated sources (phone footage with a display matrix) are turned upright by ffmpeg while
  decoding; `MovieInfo.rotation` records it and `display_aspect_ratio` is the displayed one.
* The low-def copy is `ld_width` wide but never wider than the high-def (Zou bug 10.3 fixed).
* The tile sheet uses the exact output frame count (Zou bug 10.4 fixed).
* The audio of a re-encoded rendition is padded with silence or cut to the video's duration; a
  source without audio gets a silent stereo 48 kHz AAC track of exactly the video's duration.
* On Linux ffmpeg is killed when the worker process that started it dies.
"""

from __future__ import annotations

import ctypes
import logging
import math
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

import av

logger = logging.getLogger(__name__)

# Tile sheet geometry (Zou 3.10).
TILE_COLUMNS = 8
TILE_CELL_HEIGHT = 100
TILE_MAX_ROWS = 480
TILE_MAX_FRAMES = TILE_COLUMNS * TILE_MAX_ROWS  # 3840

# Silent soundtrack added to sources without audio.
SILENT_SAMPLE_RATE = 48000
HD_AUDIO_BITRATE = "192k"
LD_AUDIO_BITRATE = "128k"

# A web-ready source may exceed the project's high-def bit rate by this factor before it is
# re-encoded instead of stream-copied (measured averages fluctuate around the target).
WEB_READY_BITRATE_TOLERANCE = Fraction(11, 10)


class MediaError(Exception):
    """A file that cannot become a preview; str(error) is the short reason shown to users
    (e.g. "No video stream in the file.", "Unreadable movie: <ffmpeg's last error line>",
    "Processing took longer than 600 s.")."""


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped by imageio-ffmpeg."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


# ---------------------------------------------------------------------------------------------
# Probing


@dataclass(frozen=True)
class MovieInfo:
    width: int  # coded raster
    height: int
    sample_aspect_ratio: Fraction  # Fraction(1) for square pixels (unknown/0:1 -> 1)
    frame_rate: Fraction  # exact: Fraction(24000, 1001), never a rounded float
    frame_count: int  # exact number of video frames
    duration: float  # seconds
    video_codec: str  # "h264", "mpeg4", ...
    pixel_format: str | None  # "yuv420p", ...
    audio_codec: str | None  # None when there is no audio stream
    max_keyframe_interval: int  # longest distance in frames between two keyframes
    format_name: str  # container, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    rotation: int = 0  # degrees of the display matrix (0, 90, 180, 270); ffmpeg applies it
    video_bit_rate: int | None = None  # average bit rate of the video stream (bit/s)

    @property
    def display_aspect_ratio(self) -> Fraction:
        """Ratio of the picture as displayed: width × SAR / height, swapped when rotated by a
        quarter turn."""
        ratio = Fraction(self.width) * self.sample_aspect_ratio / self.height
        if self.rotation % 180 == 90:
            ratio = 1 / ratio
        return ratio


def _fraction(value) -> Fraction | None:
    if value is None:
        return None
    value = Fraction(value)
    return value if value > 0 else None


def _frame_rate(stream) -> Fraction | None:
    """The stream's frame rate as an exact fraction.

    The average rate (`avg_frame_rate`) is the actual rate of the file; the base rate
    (`r_frame_rate`) is the smallest rate that represents every timestamp. They agree on
    constant-rate files; when they are close the base rate is kept because it is the exact
    nominal rate. A rate with a huge denominator (a measured average) is snapped to the nearest
    fraction with a denominator up to 1001 when that is within 0.01 %.
    """
    average = _fraction(stream.average_rate)
    base = _fraction(stream.base_rate) or _fraction(stream.guessed_rate)
    rate = average or base
    if average and base and base <= 1000 and abs(average - base) / base < Fraction(1, 100):
        rate = base
    if rate is None:
        return None
    if rate.denominator > 1001:
        snapped = rate.limit_denominator(1001)
        if abs(snapped - rate) / rate < Fraction(1, 10000):
            rate = snapped
    return rate


def _rotation(container, stream) -> int:
    """Rotation of the display matrix, read from the first decoded frame (PyAV exposes no
    stream-level side data). Returns 0 when nothing can be decoded quickly."""
    try:
        for frame in container.decode(stream):
            return int(round(frame.rotation)) % 360
    except (av.FFmpegError, ValueError):
        return 0
    return 0


def _codec_name(stream) -> str | None:
    """Canonical codec name ("h264", not the decoder's "libdav1d"-style name), None when the
    stream's codec has no decoder in this build."""
    try:
        return stream.codec_context.codec.canonical_name
    except (AttributeError, av.FFmpegError, ValueError):
        return None


def _clean_av_error(error: Exception) -> str:
    if isinstance(error, av.FFmpegError) and error.strerror:
        return str(error.strerror)
    return str(error) or type(error).__name__


def probe_movie(path: Path) -> MovieInfo:
    """Read the properties of the first video stream (cover art excluded) and the first audio
    stream. Demuxes the video stream once (no decoding) to count frames and measure the
    keyframe interval and the bit rate.

    Raises MediaError for an unreadable/corrupt file or a file without video stream."""
    path = Path(path)
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.FFmpegError, OSError) as error:
        raise MediaError(f"Unreadable movie: {_clean_av_error(error)}") from error
    try:
        return _probe_container(container)
    finally:
        container.close()


def _probe_container(container) -> MovieInfo:
    video_streams = [
        stream
        for stream in container.streams.video
        if not (stream.disposition & av.stream.Disposition.attached_pic)
    ]
    if not video_streams:
        raise MediaError("No video stream in the file.")
    stream = video_streams[0]
    codec_context = stream.codec_context
    video_codec = _codec_name(stream)
    if codec_context is None or video_codec is None:
        raise MediaError("Unreadable movie: unsupported video codec.")
    width, height = codec_context.width, codec_context.height
    if not width or not height:
        raise MediaError("Unreadable movie: the video stream has no picture size.")
    sar = _fraction(stream.sample_aspect_ratio) or _fraction(codec_context.sample_aspect_ratio)
    audio_streams = list(container.streams.audio)
    audio_codec = (_codec_name(audio_streams[0]) or "unknown") if audio_streams else None

    # Demux the video stream: frames present, keyframe positions, bytes.
    packets = 0
    total_bytes = 0
    max_interval = 0
    last_keyframe = None
    try:
        for packet in container.demux(stream):
            if packet.dts is None and packet.pts is None:
                continue  # the flush packet at the end
            if packet.is_keyframe:
                if last_keyframe is not None:
                    max_interval = max(max_interval, packets - last_keyframe)
                last_keyframe = packets
            packets += 1
            total_bytes += packet.size
    except (av.FFmpegError, OSError) as error:
        raise MediaError(f"Unreadable movie: {_clean_av_error(error)}") from error
    if packets == 0:
        raise MediaError("Unreadable movie: the video stream has no frames.")
    # The last group of pictures runs to the end of the stream.
    max_interval = max(max_interval, packets - (last_keyframe or 0))

    # The declared count is the timeline's: AVI counts its empty "repeat the previous frame"
    # chunks, which the demuxer skips. In mp4 every sample is a packet, so fewer packets than
    # declared samples means the data ends early (an interrupted upload of a faststart file).
    declared = stream.frames or 0
    if declared and packets < declared and _is_mp4_family(container.format.name):
        raise MediaError(
            f"Unreadable movie: the file is truncated ({packets} of {declared} frames)."
        )
    frame_count = declared or packets

    frame_rate = _frame_rate(stream)
    duration = None
    if stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    elif container.duration:
        duration = container.duration / av.time_base
    if frame_rate is None:
        frame_rate = (
            Fraction(frame_count / duration).limit_denominator(1001) if duration else Fraction(25)
        )
    if not duration:
        duration = float(frame_count / frame_rate)

    # Rotation: after the demux above, seek back to decode the first frame.
    rotation = 0
    try:
        container.seek(0)
        rotation = _rotation(container, stream)
    except (av.FFmpegError, OSError, ValueError):
        rotation = 0

    return MovieInfo(
        width=width,
        height=height,
        sample_aspect_ratio=sar or Fraction(1),
        frame_rate=frame_rate,
        frame_count=frame_count,
        duration=duration,
        video_codec=video_codec,
        pixel_format=codec_context.pix_fmt,
        audio_codec=audio_codec,
        max_keyframe_interval=max_interval,
        format_name=container.format.name,
        rotation=rotation,
        video_bit_rate=round(total_bytes * 8 / duration) if duration > 0 else None,
    )


# ---------------------------------------------------------------------------------------------
# Settings and geometry


@dataclass(frozen=True)
class MovieSettings:
    height: int  # target raster of the high-def rendition
    width: int | None  # None: floor(source display ratio * height), made even
    frame_rate: Fraction
    hd_bitrate: int = 28  # Mb/s
    ld_bitrate: int = 6
    hd_preset: str = "veryfast"
    ld_preset: str = "veryfast"
    keyframe_interval: int = 12  # frames
    ld_width: int = 1280  # low-def width, capped at the high-def width


@dataclass(frozen=True)
class MovieRenditions:
    high_def: Path
    low_def: Path
    poster: Path
    tile: Path | None
    remuxed: bool
    high_def_info: MovieInfo
    low_def_info: MovieInfo


@dataclass(frozen=True)
class TileLayout:
    columns: int
    rows: int
    cell_width: int
    cell_height: int
    step: int  # keep every step-th frame

    @property
    def width(self) -> int:
        return self.columns * self.cell_width

    @property
    def height(self) -> int:
        return self.rows * self.cell_height


def _even_up(value: int) -> int:
    """Zou's rule: an odd dimension gets +1."""
    return value + 1 if value % 2 else value


def _even_round(value: Fraction) -> int:
    """Nearest even integer, at least 2."""
    return max(2, 2 * math.floor(value / 2 + Fraction(1, 2)))


def target_size(info: MovieInfo, settings: MovieSettings) -> tuple[int, int]:
    """Raster of the high-def rendition: the project's size, or when the project gives no
    width, the source's display ratio at the project's height. Both made even."""
    height = _even_up(settings.height)
    width = settings.width or math.floor(info.display_aspect_ratio * settings.height)
    return max(2, _even_up(width)), max(2, height)


def low_def_size(high_def_size: tuple[int, int], settings: MovieSettings) -> tuple[int, int]:
    """`ld_width` wide (never wider than the high-def) with the high-def's display ratio."""
    hd_width, hd_height = high_def_size
    width = min(settings.ld_width, hd_width)
    width -= width % 2
    width = max(2, width)
    return width, _even_round(Fraction(width * hd_height, hd_width))


def _fit_size(display_ratio: Fraction, width: int, height: int) -> tuple[int, int]:
    """Largest even raster of `display_ratio` inside width × height."""
    if display_ratio >= Fraction(width, height):
        return width, min(height, _even_round(width / display_ratio))
    return min(width, _even_round(height * display_ratio)), height


def _is_mp4_family(format_name: str) -> bool:
    return bool({"mov", "mp4"} & set(format_name.split(",")))


def is_web_ready(info: MovieInfo, settings: MovieSettings) -> bool:
    """True when the source's video can be stream-copied as the high-def rendition."""
    bit_rate_ok = info.video_bit_rate is None or (
        info.video_bit_rate <= settings.hd_bitrate * 1_000_000 * WEB_READY_BITRATE_TOLERANCE
    )
    return (
        info.video_codec == "h264"
        and info.pixel_format == "yuv420p"
        and (info.width, info.height) == target_size(info, settings)
        and info.sample_aspect_ratio == 1
        and info.rotation == 0
        and info.frame_rate == settings.frame_rate
        and abs(info.frame_count - round(info.duration * info.frame_rate)) <= 1
        and info.max_keyframe_interval <= settings.keyframe_interval
        and _is_mp4_family(info.format_name)
        and bit_rate_ok
    )


def tile_layout(frame_count: int, display_aspect_ratio: Fraction) -> TileLayout:
    """Scrubbing sheet geometry (Zou 3.10 with the real frame count): 8 columns of cells 100 px
    high and ceil(100 × ratio) wide, one row per 8 frames up to 480 rows; beyond 3840 frames only
    every k-th frame is kept, k = ceil(frames / 3840)."""
    frame_count = max(1, frame_count)
    step = math.ceil(frame_count / TILE_MAX_FRAMES) if frame_count > TILE_MAX_FRAMES else 1
    rows = min(math.ceil(frame_count / TILE_COLUMNS), TILE_MAX_ROWS)
    cell_width = max(1, math.ceil(TILE_CELL_HEIGHT * Fraction(display_aspect_ratio)))
    return TileLayout(
        columns=TILE_COLUMNS,
        rows=rows,
        cell_width=cell_width,
        cell_height=TILE_CELL_HEIGHT,
        step=step,
    )


def output_frame_count(info: MovieInfo, frame_rate: Fraction) -> int:
    """Frames of the normalized stream: the source's count when the rate is unchanged, else
    the count the `fps` filter produces for the same span of time."""
    if info.frame_rate == frame_rate:
        return info.frame_count
    return max(1, round(Fraction(info.frame_count) * frame_rate / info.frame_rate))


# ---------------------------------------------------------------------------------------------
# Rendering


def _ratio(value: Fraction) -> str:
    value = Fraction(value)
    return f"{value.numerator}/{value.denominator}"


def _seconds(value: Fraction) -> str:
    return f"{float(value):.6f}"


def _x264_options(bitrate: int, preset: str, keyframe_interval: int) -> list[str]:
    return [
        "-c:v", "libx264",
        "-profile:v", "high",
        "-pix_fmt", "yuv420p",
        "-preset", preset,
        "-b:v", f"{bitrate}M",
        "-maxrate", f"{bitrate}M",
        "-bufsize", f"{2 * bitrate}M",
        "-g", str(keyframe_interval),
    ]  # fmt: skip


def build_command(
    source: Path,
    outputs: dict[str, Path],
    info: MovieInfo,
    settings: MovieSettings,
) -> tuple[list[str], bool]:
    """The single ffmpeg command writing the four outputs; returns (argv, remuxed)."""
    remux = is_web_ready(info, settings)
    hd_w, hd_h = target_size(info, settings)
    ld_w, ld_h = low_def_size((hd_w, hd_h), settings)
    fit_w, fit_h = _fit_size(info.display_aspect_ratio, hd_w, hd_h)
    fps = settings.frame_rate
    frames = output_frame_count(info, fps)
    duration = Fraction(frames) / fps
    tile = tile_layout(frames, Fraction(hd_w, hd_h))

    # Labels of the split's outputs: the high-def and the poster take the normalized stream as is.
    branches = ["ld_in", "poster", "tile_in"] if remux else ["hd", "ld_in", "poster", "tile_in"]
    graph = [
        f"[0:V:0]fps={_ratio(fps)},"
        f"scale={fit_w}:{fit_h},format=yuv420p,setsar=1,"
        f"pad={hd_w}:{hd_h}:{(hd_w - fit_w) // 2}:{(hd_h - fit_h) // 2}:color=black,"
        f"split={len(branches)}" + "".join(f"[{name}]" for name in branches),
        f"[ld_in]scale={ld_w}:{ld_h},setsar=1[ld]",
        # The tile cells leave ffmpeg one by one (see _assemble_tile_sheet).
        f"[tile_in]{f'framestep={tile.step},' if tile.step > 1 else ''}"
        f"scale={tile.cell_width}:{tile.cell_height},setsar=1[tile]",
    ]

    argv = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y"]
    argv += ["-i", str(source)]

    copy_audio = remux and info.audio_codec == "aac"
    if info.audio_codec is None:
        argv += [
            "-f", "lavfi", "-t", _seconds(duration),
            "-i", f"anullsrc=channel_layout=stereo:sample_rate={SILENT_SAMPLE_RATE}",
        ]  # fmt: skip
        audio_maps = {"hd": ["-map", "1:a"], "ld": ["-map", "1:a"]}
    elif copy_audio:
        audio_maps = {"hd": ["-map", "0:a:0"], "ld": ["-map", "0:a:0"]}
    else:
        graph.append(
            f"[0:a:0]apad=whole_dur={_seconds(duration)},atrim=end={_seconds(duration)},"
            "asplit=2[hd_a][ld_a]"
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
        argv += _x264_options(settings.hd_bitrate, settings.hd_preset, settings.keyframe_interval)
    argv += audio_maps["hd"] + audio_codec["hd"] + mp4 + [str(outputs["high_def"])]

    argv += ["-map", "[ld]"]
    argv += _x264_options(settings.ld_bitrate, settings.ld_preset, settings.keyframe_interval)
    argv += audio_maps["ld"] + audio_codec["ld"] + mp4 + [str(outputs["low_def"])]

    argv += ["-map", "[poster]", "-frames:v", "1", "-update", "1", "-c:v", "png"]
    argv += ["-f", "image2", str(outputs["poster"])]
    argv += ["-map", "[tile]", "-fps_mode", "passthrough", "-c:v", "png"]
    argv += ["-f", "nut", str(outputs["tile_cells"])]
    return argv, remux


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
    lines = []
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


def _remove(paths) -> None:
    for path in paths:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:
            logger.warning("Could not remove %s", path)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: ffmpeg gets SIGKILL when the worker that started it dies (a job-queue timeout kills
    the worker outright; ffmpeg must not keep encoding for nobody)."""
    _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


_PR_SET_PDEATHSIG = 1
_PRCTL = None
if sys.platform.startswith("linux"):
    try:
        _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover
        _PRCTL = None


def _run_ffmpeg(argv: list[str], *, timeout: float, hide: tuple[Path, ...]) -> None:
    """Run ffmpeg with its log in a temporary file (the pipe can never fill up) and a wall-clock
    limit. Raises MediaError on a timeout or a non-zero exit."""
    with tempfile.TemporaryFile(mode="w+b", prefix="ffmpeg-log-") as log:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            preexec_fn=_die_with_parent if _PRCTL is not None else None,
        )
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


def _assemble_tile_sheet(cells: Path, sheet: Path, layout: TileLayout) -> None:
    """Paste the cells ffmpeg wrote (one small PNG frame per kept frame, in a NUT file) into the
    sheet, left to right then top to bottom; unused cells stay black.

    Why not ffmpeg's `tile` filter in the same graph: that output yields nothing until the end
    of the movie, and ffmpeg 7's scheduler, which feeds the output that lags most, then keeps
    decoding ahead of the (slower) high-def encoder; the decoded frames queue in memory without
    bound (measured on 1080p: 1.7 GB peak for a 5 s clip, 5.4 GB partway through 20 s; the same
    graph without the tile output peaks at 0.46 GB, this way at 0.48 GB whatever the length).
    Cells that leave ffmpeg one by
    one keep every output moving and the memory flat."""
    from PIL import Image

    capacity = layout.columns * layout.rows
    image = Image.new("RGB", (layout.width, layout.height))
    with av.open(str(cells)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index >= capacity:
                break
            cell = frame.to_image().convert("RGB")
            if cell.size != (layout.cell_width, layout.cell_height):
                cell = cell.resize((layout.cell_width, layout.cell_height))
            row, column = divmod(index, layout.columns)
            image.paste(cell, (column * layout.cell_width, row * layout.cell_height))
    image.save(sheet, format="PNG")


@dataclass(frozen=True)
class MovieStills:
    poster: Path  # the first frame, square pixels, at the source's displayed size
    tile: Path | None


def render_stills(
    source: Path, workdir: Path, *, timeout: float, info: MovieInfo | None = None
) -> MovieStills:
    """The poster and the tile sheet of a movie kept as uploaded (`normalize=false`): one
    ffmpeg process decoding the source once, no movie encoded. Raises MediaError like
    `render_movie`, leaving none of its outputs behind."""
    source = Path(source).absolute()
    workdir = Path(workdir).absolute()
    if info is None:
        info = probe_movie(source)
    token = uuid.uuid4().hex[:12]
    poster = workdir / f"{token}-poster.png"
    cells = workdir / f"{token}-tile-cells.nut"
    tile: Path | None = workdir / f"{token}-tile.png"
    layout = tile_layout(info.frame_count, info.display_aspect_ratio)
    step = f"framestep={layout.step}," if layout.step > 1 else ""
    graph = (
        "[0:V:0]scale=trunc(iw*sar/2)*2:ih,setsar=1,split=2[poster][tile_in];"
        f"[tile_in]{step}scale={layout.cell_width}:{layout.cell_height},setsar=1[tile]"
    )
    argv = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error", "-y"]
    argv += ["-i", str(source), "-filter_complex", graph]
    argv += ["-map", "[poster]", "-frames:v", "1", "-update", "1", "-c:v", "png"]
    argv += ["-f", "image2", str(poster)]
    argv += ["-map", "[tile]", "-fps_mode", "passthrough", "-c:v", "png", "-f", "nut", str(cells)]
    try:
        _run_ffmpeg(argv, timeout=timeout, hide=(source, workdir))
        if not poster.exists() or poster.stat().st_size == 0:
            raise MediaError("Unreadable movie: no frame could be decoded.")
        try:
            _assemble_tile_sheet(cells, tile, layout)
        except Exception:
            logger.exception("The tile sheet of %s could not be made", source.name)
            _remove([tile])
            tile = None
    except BaseException:
        _remove([poster, tile])
        raise
    finally:
        _remove([cells])
    return MovieStills(poster=poster, tile=tile)


def extract_frame(movie: Path, *, frame_number: int, output: Path) -> bool:
    """Write frame `frame_number` (1-based; below 1 means the first) of `movie` as an RGB PNG at
    the movie's raster. Returns False, writing nothing, when the movie has fewer frames.

    The frame is found by its timestamp at the movie's own exact frame rate: seek to the
    keyframe before it (one GOP of decoding at most: 12 frames on our renditions), then decode
    forward. Meant for the normalized renditions (square pixels, no rotation).
    Raises MediaError when the movie cannot be read."""
    frame_number = max(1, frame_number)
    try:
        container = av.open(str(movie), metadata_errors="ignore")
    except (av.FFmpegError, OSError) as error:
        raise MediaError(f"Unreadable movie: {_clean_av_error(error)}") from error
    try:
        streams = [
            stream
            for stream in container.streams.video
            if not (stream.disposition & av.stream.Disposition.attached_pic)
        ]
        if not streams:
            raise MediaError("No video stream in the file.")
        stream = streams[0]
        rate = _frame_rate(stream) or Fraction(25)
        time_base = stream.time_base or Fraction(1, 1_000_000)
        start = stream.start_time or 0
        # Timestamps of frame N and the half-frame tolerance, in the stream's time base.
        target = start + Fraction(frame_number - 1) / rate / time_base
        tolerance = Fraction(1) / rate / time_base / 2
        if frame_number > 1:
            container.seek(max(start, math.floor(target)), stream=stream, backward=True)
        for frame in container.decode(stream):
            if frame.pts is None or frame.pts < target - tolerance:
                continue
            frame.to_image().convert("RGB").save(output, format="PNG")
            return True
        return False
    except (av.FFmpegError, OSError) as error:
        raise MediaError(f"Unreadable movie: {_clean_av_error(error)}") from error
    finally:
        container.close()


def render_movie(
    source: Path,
    workdir: Path,
    settings: MovieSettings,
    *,
    timeout: float,
    info: MovieInfo | None = None,
) -> MovieRenditions:
    """Produce the high-def and low-def mp4s, the poster and the tile sheet of `source` in
    `workdir` with one ffmpeg process. Raises MediaError (and leaves none of its outputs
    behind) when the movie cannot be processed or when it takes longer than `timeout`
    seconds."""
    source = Path(source).absolute()  # "a:b.mov" would read as a protocol
    workdir = Path(workdir).absolute()
    if info is None:
        info = probe_movie(source)
    token = uuid.uuid4().hex[:12]
    outputs = {
        "high_def": workdir / f"{token}-high_def.mp4",
        "low_def": workdir / f"{token}-low_def.mp4",
        "poster": workdir / f"{token}-poster.png",
        "tile_cells": workdir / f"{token}-tile-cells.nut",
        "tile": workdir / f"{token}-tile.png",
    }
    argv, remuxed = build_command(source, outputs, info, settings)
    logger.debug("ffmpeg command: %s", argv)
    try:
        _run_ffmpeg(argv, timeout=timeout, hide=(source, workdir))
        for key in ("high_def", "low_def", "poster"):
            path = outputs[key]
            if not path.exists() or path.stat().st_size == 0:
                raise MediaError("Unreadable movie: no frame could be decoded.")
        high_def_info = probe_movie(outputs["high_def"])
        low_def_info = probe_movie(outputs["low_def"])
        tile: Path | None = outputs["tile"]
        try:
            _assemble_tile_sheet(
                outputs["tile_cells"],
                tile,
                tile_layout(high_def_info.frame_count, high_def_info.display_aspect_ratio),
            )
        except Exception:
            logger.exception("The tile sheet of %s could not be made", source.name)
            _remove([tile])
            tile = None
    except BaseException:
        _remove(outputs.values())
        raise
    finally:
        _remove([outputs["tile_cells"]])
    return MovieRenditions(
        high_def=outputs["high_def"],
        low_def=outputs["low_def"],
        poster=outputs["poster"],
        tile=tile,
        remuxed=remuxed,
        high_def_info=high_def_info,
        low_def_info=low_def_info,
    )
