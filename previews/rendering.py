"""What a task's project (or entity) asks of its movie renditions: raster and frame rate.

Pure: reads the task's already-loaded project and entity and the encoder settings, touches no
database and no file. Frame rates stay exact ratios (24000/1001), never rounded floats; see
docs/compatibility.md#previews for how this differs from Zou's 3-decimal rates.
"""

import re
from fractions import Fraction
from typing import TYPE_CHECKING

from django.conf import settings

from previews import media
from production.models import parse_frame_rate

if TYPE_CHECKING:
    from previews.models import PreviewFile
    from production.models import Task

DEFAULT_FRAME_RATE = Fraction(25)
DEFAULT_HEIGHT = 1080
DEFAULT_HD_BITRATE = 28  # Mb/s, when the project sets none
DEFAULT_LD_BITRATE = 6

# Decimal frame rates people type for the NTSC ratios: 23.976 means 24000/1001, not 2997/125.
NTSC_RATES = {
    Fraction("23.976"): Fraction(24000, 1001),
    Fraction("23.98"): Fraction(24000, 1001),
    Fraction("29.97"): Fraction(30000, 1001),
    Fraction("47.952"): Fraction(48000, 1001),
    Fraction("59.94"): Fraction(60000, 1001),
}
RESOLUTION = re.compile(r"^(\d{3,4})x(\d{3,4})$")
HEIGHT_ONLY = re.compile(r"^x(\d{3,4})$")


def movie_settings_for(task: "Task") -> media.MovieSettings:
    """The project's resolution and frame rate, the entity's own (in its `data`) overriding
    them. A full `WxH` fixes both sides; `xH` fixes the height and lets the source's ratio give
    the width; anything else means 1080 lines high."""
    project, entity = task.project, task.entity
    entity_data = entity.data if isinstance(entity.data, dict) else {}
    resolution = project.resolution or ""
    if RESOLUTION.match(str(entity_data.get("resolution") or "")):
        resolution = entity_data["resolution"]
    width, height = None, DEFAULT_HEIGHT
    if match := RESOLUTION.match(resolution):
        width, height = int(match[1]), int(match[2])
    elif match := HEIGHT_ONLY.match(resolution):
        height = int(match[1])
    return media.MovieSettings(
        width=width,
        height=height,
        frame_rate=frame_rate_of(entity_data.get("fps") or project.fps),
        hd_bitrate=project.hd_bitrate_compression or DEFAULT_HD_BITRATE,
        ld_bitrate=project.ld_bitrate_compression or DEFAULT_LD_BITRATE,
        hd_preset=settings.MOVIE_HIGHDEF_PRESET,
        ld_preset=settings.MOVIE_LOWDEF_PRESET,
        ld_x264_params=settings.MOVIE_LOWDEF_X264_PARAMS,
        keyframe_interval=settings.MOVIE_KEYFRAME_INTERVAL,
    )


def frame_rate_of(value: object) -> Fraction:
    """A project's or entity's fps as an exact ratio ("23,976" and "23.976" both give
    24000/1001); 25 when missing or malformed."""
    if not value:
        return DEFAULT_FRAME_RATE
    try:
        rate = parse_frame_rate(str(value).replace(",", "."))
    except (ValueError, ZeroDivisionError):
        return DEFAULT_FRAME_RATE
    return NTSC_RATES.get(rate, rate)


def preview_frame_rate(preview: "PreviewFile") -> Fraction:
    """The exact frame rate of a preview's frames: the rate of the movie it serves, as
    processing recorded it in its `data`; before that (and for pictures), the rate its
    project or entity asks for (movie_settings_for); 25 for a preview without a task."""
    data = preview.data if isinstance(preview.data, dict) else {}
    if data.get("frame_rate"):
        try:
            return parse_frame_rate(str(data["frame_rate"]))
        except (ValueError, ZeroDivisionError):
            pass  # written by hand through the generic CRUD: the project's rate holds
    task = preview.task
    if task is None:
        return DEFAULT_FRAME_RATE
    entity_data = task.entity.data if isinstance(task.entity.data, dict) else {}
    return frame_rate_of(entity_data.get("fps") or task.project.fps)


def frame_rate_text(rate: Fraction) -> str:
    """How a preview records a frame rate in its `data`: "25" for whole rates, else the exact
    ratio "24000/1001". (ffmpeg's arguments always take the ratio form: that is media's.)"""
    return str(rate.numerator) if rate.denominator == 1 else f"{rate}"
