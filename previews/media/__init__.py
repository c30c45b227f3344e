"""The movie pipeline: probe an uploaded movie, then turn it into the review renditions.

Pure Python on PyAV and the ffmpeg binary that imageio-ffmpeg ships; no Django import, so the
package is usable and testable on its own. Four layers, each using only those before it:

- `probe`: what a movie is (raster, exact frame rate and count, codecs, keyframes), with PyAV.
- `geometry`: the project's movie settings, the rasters of the renditions, the tile sheet's
  layout, and whether a source is web-ready. Pure arithmetic.
- `ffmpeg`: the one command line that makes every output of a movie, and running it.
- `render`: the renders a preview needs, each starting ffmpeg once and keeping all of its
  outputs or none (and the tile sheet alone, from a stored movie).
- `frames`: one frame of a movie by number, exactly (rational timestamps, Zou's numbering
  from 1), as a Pillow image.

Beside them, the VFX pictures (OpenImageIO; docs/decisions/vfx-pictures.md):

- `colour`: which OpenColorIO transform a picture goes through (its input colour space
  guessed or asked for, the view of the display).
- `vfx`: reading EXR, DPX, TIFF, PSD... pictures, choosing a layer, and turning them into
  8-bit display pixels a strip at a time (a PNG, or raw frames).
- `sequences`: an archive of numbered pictures turned into one movie, frame by frame.

The choices behind the defaults (one decode for all outputs, the preset of each rendition, the
keyframe interval, copying a web-ready source instead of re-encoding it) and the figures that
made them: docs/decisions/movie-pipeline.md. Where what a client sees differs from Zou on purpose:
docs/compatibility.md#previews.

This module is the public API: callers import from `previews.media`.
"""

from previews.media.colour import DEFAULT_CONFIG, ColourRequest, ColourTransform
from previews.media.ffmpeg import HD_AUDIO_BITRATE, ffmpeg_exe, last_error_line
from previews.media.frames import FrameOutOfRange, extract_frame, frame_count, save_png
from previews.media.geometry import (
    MovieSettings,
    TileLayout,
    is_web_ready,
    low_def_size,
    output_frame_count,
    target_size,
    tile_layout,
)
from previews.media.probe import MediaError, MovieInfo, probe_movie
from previews.media.render import (
    MovieRenditions,
    MovieStills,
    render_movie,
    render_stills,
    render_tile,
)
from previews.media.sequences import (
    EncodedSequence,
    ImageSequence,
    NotASequence,
    archive_kind,
    encode_sequence,
    find_sequence,
    member_names,
    read_sequence,
)
from previews.media.vfx import (
    VFX_PICTURE_EXTENSIONS,
    DisplayPicture,
    PictureTooLarge,
    write_display_png,
)

__all__ = [
    "DEFAULT_CONFIG",
    "VFX_PICTURE_EXTENSIONS",
    "ColourRequest",
    "ColourTransform",
    "DisplayPicture",
    "EncodedSequence",
    "ImageSequence",
    "NotASequence",
    "PictureTooLarge",
    "archive_kind",
    "encode_sequence",
    "find_sequence",
    "member_names",
    "read_sequence",
    "write_display_png",
    "HD_AUDIO_BITRATE",
    "FrameOutOfRange",
    "MediaError",
    "MovieInfo",
    "MovieRenditions",
    "MovieSettings",
    "MovieStills",
    "TileLayout",
    "extract_frame",
    "ffmpeg_exe",
    "frame_count",
    "is_web_ready",
    "last_error_line",
    "low_def_size",
    "output_frame_count",
    "probe_movie",
    "render_movie",
    "render_stills",
    "render_tile",
    "save_png",
    "target_size",
    "tile_layout",
]
