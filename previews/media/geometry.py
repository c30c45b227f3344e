"""The shape of the renditions, worked out before ffmpeg starts: the project's movie settings,
the high-def and low-def rasters, how a source fits in them, the scrubbing tile sheet's layout,
and whether a source is already what the high-def rendition would be. Pure arithmetic on
`MovieInfo` and `MovieSettings`, in exact fractions.

Where these rules differ from Zou (the low-def never wider than the high-def, the tile sheet
sized from the real frame count): docs/compatibility.md#previews. The default presets and
keyframe interval, and the remux rule: docs/decisions/movie-pipeline.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from previews.media.probe import MovieInfo, is_mp4_family

# Tile sheet geometry, as Zou lays it out: 8 cells a row, cells 100 px high, at most 480 rows.
TILE_COLUMNS = 8
TILE_CELL_HEIGHT = 100
TILE_MAX_ROWS = 480
TILE_MAX_FRAMES = TILE_COLUMNS * TILE_MAX_ROWS  # 3840

# A web-ready source may exceed the project's high-def bit rate by this factor before it is
# re-encoded instead of stream-copied (measured averages fluctuate around the target).
WEB_READY_BITRATE_TOLERANCE = Fraction(11, 10)


@dataclass(frozen=True)
class MovieSettings:
    height: int  # target raster of the high-def rendition
    width: int | None  # None: floor(source display ratio * height), made even
    frame_rate: Fraction
    hd_bitrate: int = 28  # Mb/s
    ld_bitrate: int = 6
    hd_preset: str = "veryfast"
    # The low-def: x264's fastest preset with what costs little and matters most put back
    # (docs/decisions/movie-pipeline.md).
    ld_preset: str = "ultrafast"
    ld_x264_params: str = "cabac=1:deblock=0,0:8x8dct=1"
    keyframe_interval: int = 12  # frames
    ld_width: int = 1280  # low-def width, capped at the high-def width


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


def fit_size(display_ratio: Fraction, width: int, height: int) -> tuple[int, int]:
    """Largest even raster of `display_ratio` inside width × height (the rest is padded)."""
    if display_ratio >= Fraction(width, height):
        return width, min(height, _even_round(width / display_ratio))
    return min(width, _even_round(height * display_ratio)), height


def is_web_ready(info: MovieInfo, settings: MovieSettings) -> bool:
    """True when the source's video can be stream-copied as the high-def rendition: H.264
    4:2:0 at exactly the target raster and frame rate, square pixels, upright, constant frame
    rate, keyframes no further apart than our own encodes', in mp4/mov, within the project's
    high-def bit rate."""
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
        and is_mp4_family(info.format_name)
        and bit_rate_ok
    )


def tile_layout(frame_count: int, display_aspect_ratio: Fraction) -> TileLayout:
    """Scrubbing sheet geometry (Zou's, from the real frame count): 8 columns of cells 100 px
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
