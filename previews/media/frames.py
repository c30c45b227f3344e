"""Single frames of a movie, by number, exactly.

Zou numbers frames from 1 (its extract-frame default, 0, also gives the first frame) and finds
frame N by seeking ffmpeg to the float time (N - 1) / fps, which lands one frame off at
24000/1001 once the rounding of the time string drifts. Here frame N is the decoded frame whose
timestamp *is* frame N's: every timestamp is turned into a frame index with exact rational
arithmetic (`Fraction`) from the stream's own time base and frame rate, never float seconds.

Cost: one seek to the keyframe at or before the frame, then decoding forward to it (at most
one group of pictures: 12 frames on the renditions previews/media/ makes). The frame count
comes from the container's index (no decoding) to refuse a frame past the end before any
decoding.

Pure (PyAV and Pillow, no Django): the extract-frame route, the main-preview thumbnail and the
annotated-frame renderer all call `extract_frame`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO

import av
from av.container import InputContainer
from av.video.stream import VideoStream
from PIL import Image

from previews.media.probe import (
    MediaError,
    first_video_stream,
    open_movie,
    stream_frame_rate,
    unreadable_movie,
)

# How far before the frame a seek goes when the first one landed after it (frames); doubled
# on each further try, until the start of the movie.
FIRST_STEP_BACK = 16
# zlib level of the PNGs written here: a 1920x1080 frame in about a tenth of the time of the
# default level 6, for a file about a fifth larger (measure with scripts/measure_extract_frame.py).
PNG_COMPRESS_LEVEL = 1


class FrameOutOfRange(MediaError):
    """Frame `frame_number` is past the end of a movie of `frame_count` frames."""

    def __init__(self, frame_number: int, frame_count: int) -> None:
        super().__init__(
            f"Frame {frame_number} is past the end of the movie, which has "
            f"{frame_count} frame{'s' if frame_count != 1 else ''} (numbered from 1)."
        )
        self.frame_number = frame_number
        self.frame_count = frame_count


@dataclass(frozen=True)
class _Clock:
    """Frame indexes (from 0) <-> timestamps of one stream, exactly."""

    rate: Fraction  # frames per second
    time_base: Fraction  # seconds per timestamp unit
    start: int  # timestamp of the first frame

    @classmethod
    def of(cls, stream: VideoStream) -> _Clock:
        rate = stream_frame_rate(stream) or Fraction(25)
        time_base = Fraction(stream.time_base) if stream.time_base else Fraction(1, 1_000_000)
        return cls(rate=rate, time_base=time_base, start=stream.start_time or 0)

    def index_of(self, pts: int) -> int:
        """The frame a timestamp belongs to: the nearest frame time (halves round up, so a
        timestamp rounded down by the muxer's time base still names its own frame)."""
        return math.floor((pts - self.start) * self.time_base * self.rate + Fraction(1, 2))

    def seek_target(self, index: int) -> int:
        """A timestamp half a frame before frame `index`: a seek backward from it lands on the
        keyframe at or before the frame, whatever the rounding of the stored timestamps."""
        exact = self.start + (Fraction(index) - Fraction(1, 2)) / self.rate / self.time_base
        return max(self.start, math.floor(exact))


def frame_count(movie: Path | str) -> int:
    """The number of video frames of `movie` (cover art excluded): the container's count when
    it declares one (mp4, mov: no decoding), else the packets of the stream, counted by
    demuxing. Raises MediaError when the movie cannot be read."""
    container = open_movie(movie)
    try:
        stream = first_video_stream(container)
        return stream.frames or _count_packets(container, stream)
    except (av.FFmpegError, OSError) as error:
        raise unreadable_movie(error) from error
    finally:
        container.close()


def extract_frame(movie: Path | str, frame_number: int) -> Image.Image:
    """Frame `frame_number` of `movie` as an RGB Pillow image at the movie's stored raster.

    Numbering is Zou's: frames are numbered from 1; 0 and below give the first frame. The frame
    is the one whose presentation timestamp is frame N's at the stream's exact frame rate
    (24000/1001 stays 24000/1001): seek to the keyframe before it, decode forward, keep the
    frame whose timestamp maps to index N - 1. A movie with a hole at that time (variable rate)
    gives the picture on screen then, the last frame before it.

    Meant for the renditions previews/media/ makes (square pixels, upright); a stored
    anamorphic or rotated upload comes out as stored.

    Raises FrameOutOfRange (a MediaError carrying `frame_count`) for a frame past the end, and
    MediaError when the movie cannot be read or has no video stream.
    """
    index = max(frame_number, 1) - 1
    container = open_movie(movie)
    try:
        stream = first_video_stream(container)
        declared = stream.frames or None
        if declared is not None and index >= declared:
            raise FrameOutOfRange(frame_number, declared)
        return _decode_frame(container, stream, _Clock.of(stream), index, frame_number)
    except (av.FFmpegError, OSError) as error:
        raise unreadable_movie(error) from error
    finally:
        container.close()


def save_png(image: Image.Image, output: Path | IO[bytes]) -> None:
    """Write a frame as PNG, at the fast zlib level used for every extracted frame."""
    image.save(output, format="PNG", compress_level=PNG_COMPRESS_LEVEL)


def _decode_frame(
    container: InputContainer,
    stream: VideoStream,
    clock: _Clock,
    index: int,
    frame_number: int,
) -> Image.Image:
    step_back = 0
    while True:
        seek_index = max(index - step_back, 0)
        if seek_index > 0:
            container.seek(clock.seek_target(seek_index), stream=stream, backward=True)
        elif step_back:  # retrying from the very start
            container.seek(0, backward=True)
        found = _decode_forward(
            container, stream, clock, index, frame_number, may_retry=seek_index > 0
        )
        if found is not None:
            return found.to_image().convert("RGB")
        if seek_index == 0:
            raise MediaError("Unreadable movie: no frame could be decoded.")
        step_back = max(2 * step_back, FIRST_STEP_BACK)


def _decode_forward(
    container: InputContainer,
    stream: VideoStream,
    clock: _Clock,
    index: int,
    frame_number: int,
    *,
    may_retry: bool,
) -> av.VideoFrame | None:
    """Decode from where the container stands to frame `index`. None when the seek landed
    past it (or on nothing) and an earlier start may help; raises FrameOutOfRange when the
    movie ends first."""
    previous: av.VideoFrame | None = None
    previous_index = -1
    for frame in container.decode(stream):
        if frame.pts is None:
            continue
        current = clock.index_of(frame.pts)
        if current < index:
            previous, previous_index = frame, current
            continue
        if current == index:
            return frame
        # Past the frame: a hole in a variable-rate movie (the frame before is on screen at
        # that time), a seek that landed too late, or a movie that starts late.
        if previous is not None:
            return previous
        return None if may_retry else frame
    if previous is None:
        return None  # nothing decoded after the seek
    raise FrameOutOfRange(frame_number, previous_index + 1)


def _count_packets(container: InputContainer, stream: VideoStream) -> int:
    return sum(
        1
        for packet in container.demux(stream)
        if not (packet.dts is None and packet.pts is None)  # the flush packet
    )
