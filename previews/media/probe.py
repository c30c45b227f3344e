"""What a movie is: its raster, pixel shape, exact frame rate and frame count, codecs, keyframe
spacing and bit rate, read with PyAV.

PyAV demuxes the video stream (no decoding) and decodes only the first frame, for the rotation of
the display matrix; no ffprobe is needed, which matters because imageio-ffmpeg ships none. Frame
rates stay `Fraction`s from here to the ffmpeg command line (24000/1001 is never 23.976). The
keyframe spacing and the bit rate decide whether a source can be copied instead of re-encoded
(docs/decisions/movie-pipeline.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.container import InputContainer
from av.stream import Disposition, Stream
from av.video.stream import VideoStream


class MediaError(Exception):
    """A file that cannot become a preview; str(error) is the short reason shown to users
    (e.g. "No video stream in the file.", "Unreadable movie: <ffmpeg's last error line>",
    "Processing took longer than 600 s.")."""


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
        quarter turn (ffmpeg turns rotated sources upright while decoding)."""
        ratio = Fraction(self.width) * self.sample_aspect_ratio / self.height
        if self.rotation % 180 == 90:
            ratio = 1 / ratio
        return ratio


# ---------------------------------------------------------------------------------------------
# Opening a movie: shared by the probe and by frame extraction


def unreadable_movie(error: Exception) -> MediaError:
    """The MediaError for a file PyAV could not read, with PyAV's reason."""
    return MediaError(f"Unreadable movie: {_clean_av_error(error)}")


def open_movie(path: Path | str) -> InputContainer:
    """The movie at `path`, open for reading (the caller closes it). Raises MediaError when it
    cannot be opened."""
    try:
        return av.open(str(path), metadata_errors="ignore")
    except (av.FFmpegError, OSError) as error:
        raise unreadable_movie(error) from error


def first_video_stream(container: InputContainer) -> VideoStream:
    """The first video stream that is a movie: cover art (a picture attached as a video stream,
    common in files from phones and music tools) is skipped. Raises MediaError when there is
    none."""
    for stream in container.streams.video:
        if not (stream.disposition & Disposition.attached_pic):
            return stream
    raise MediaError("No video stream in the file.")


def stream_frame_rate(stream: Stream) -> Fraction | None:
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


def is_mp4_family(format_name: str) -> bool:
    """True for the ISO media containers (mp4, mov), whatever else the demuxer's name lists."""
    return bool({"mov", "mp4"} & set(format_name.split(",")))


def _fraction(value: Fraction | int | None) -> Fraction | None:
    """`value` as a Fraction; None when missing, zero or negative (FFmpeg's "unknown")."""
    if value is None:
        return None
    value = Fraction(value)
    return value if value > 0 else None


def _rotation(container: InputContainer, stream: VideoStream) -> int:
    """Rotation of the display matrix, read from the first decoded frame (PyAV exposes no
    stream-level side data). Returns 0 when nothing can be decoded quickly."""
    try:
        for frame in container.decode(stream):
            return int(round(frame.rotation)) % 360
    except (av.FFmpegError, ValueError):
        return 0
    return 0


def _codec_name(stream: Stream) -> str | None:
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


# ---------------------------------------------------------------------------------------------
# Probing


def probe_movie(path: Path) -> MovieInfo:
    """Read the properties of the first video stream (cover art excluded) and the first audio
    stream. Demuxes the video stream once (no decoding) to count frames and measure the
    keyframe interval and the bit rate.

    Raises MediaError for an unreadable/corrupt file or a file without video stream."""
    container = open_movie(Path(path))
    try:
        return _probe_container(container)
    finally:
        container.close()


def _probe_container(container: InputContainer) -> MovieInfo:
    stream = first_video_stream(container)
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
    last_keyframe: int | None = None
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
        raise unreadable_movie(error) from error
    if packets == 0:
        raise MediaError("Unreadable movie: the video stream has no frames.")
    # The last group of pictures runs to the end of the stream.
    max_interval = max(max_interval, packets - (last_keyframe or 0))

    # The declared count is the timeline's: AVI counts its empty "repeat the previous frame"
    # chunks, which the demuxer skips. In mp4 every sample is a packet, so fewer packets than
    # declared samples means the data ends early (an interrupted upload of a faststart file).
    declared = stream.frames or 0
    if declared and packets < declared and is_mp4_family(container.format.name):
        raise MediaError(
            f"Unreadable movie: the file is truncated ({packets} of {declared} frames)."
        )
    frame_count = declared or packets

    frame_rate = stream_frame_rate(stream)
    duration: float | None = None
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
