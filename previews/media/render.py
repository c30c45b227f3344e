"""Making a preview's media from a movie: the two renditions with the poster and the tile sheet
(`render_movie`), the poster and tile sheet alone for a movie kept as uploaded
(`render_stills`), and the tile sheet alone from a stored movie (`render_tile`). Single
frames: previews/media/frames.py.

Each render starts ffmpeg once (docs/decisions/movie-pipeline.md: one decode for all outputs)
and hands back all of its files or none of them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import av

from previews.media.ffmpeg import (
    build_command,
    build_stills_command,
    build_tile_command,
    run_ffmpeg,
)
from previews.media.geometry import MovieSettings, TileLayout, tile_layout
from previews.media.probe import MediaError, MovieInfo, probe_movie

logger = logging.getLogger(__name__)

# The name of each file a render writes, after a prefix unique to the render.
_FILE_NAMES = {
    "high_def": "high_def.mp4",
    "low_def": "low_def.mp4",
    "poster": "poster.png",
    "tile_cells": "tile-cells.nut",  # scratch: pasted into "tile", then removed
    "tile": "tile.png",
}


TILE_SHEET_COMPRESS_LEVEL = 3


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
class MovieStills:
    poster: Path  # the first frame, square pixels, at the source's displayed size
    tile: Path | None


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
    outputs = _output_paths(workdir, "high_def", "low_def", "poster", "tile_cells", "tile")
    argv, remuxed = build_command(source, outputs, info, settings)
    logger.debug("ffmpeg command: %s", argv)
    with _run_and_collect(
        argv,
        outputs,
        required=("high_def", "low_def", "poster"),
        timeout=timeout,
        hide=(source, workdir),
    ):
        high_def_info = probe_movie(outputs["high_def"])
        low_def_info = probe_movie(outputs["low_def"])
        # The cells are the frames ffmpeg actually wrote: lay the sheet out from their count.
        layout = tile_layout(high_def_info.frame_count, high_def_info.display_aspect_ratio)
        tile = _tile_sheet_or_none(outputs, layout, source)
    return MovieRenditions(
        high_def=outputs["high_def"],
        low_def=outputs["low_def"],
        poster=outputs["poster"],
        tile=tile,
        remuxed=remuxed,
        high_def_info=high_def_info,
        low_def_info=low_def_info,
    )


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
    outputs = _output_paths(workdir, "poster", "tile_cells", "tile")
    layout = tile_layout(info.frame_count, info.display_aspect_ratio)
    argv = build_stills_command(source, outputs, layout)
    with _run_and_collect(
        argv, outputs, required=("poster",), timeout=timeout, hide=(source, workdir)
    ):
        tile = _tile_sheet_or_none(outputs, layout, source)
    return MovieStills(poster=outputs["poster"], tile=tile)


def render_tile(movie: Path, workdir: Path, *, timeout: float) -> Path:
    """The scrubbing tile sheet of a stored movie, alone, in `workdir` (one ffmpeg process
    decoding the movie once, writing the cells that `_assemble_tile_sheet` pastes). Laid out
    from the movie's real frame count and display ratio, as the renders lay it out. Raises
    MediaError (leaving nothing behind) when the movie cannot be read or the sheet made."""
    movie = Path(movie).absolute()
    workdir = Path(workdir).absolute()
    info = probe_movie(movie)
    layout = tile_layout(info.frame_count, info.display_aspect_ratio)
    outputs = _output_paths(workdir, "tile_cells", "tile")
    argv = build_tile_command(movie, outputs, layout)
    with _run_and_collect(
        argv, outputs, required=("tile_cells",), timeout=timeout, hide=(movie, workdir)
    ):
        _assemble_tile_sheet(outputs["tile_cells"], outputs["tile"], layout)
    return outputs["tile"]


# ---------------------------------------------------------------------------------------------
# Shared by the renders


def _output_paths(workdir: Path, *keys: str) -> dict[str, Path]:
    """Where the outputs `keys` go in `workdir`, under a prefix unique to this render."""
    token = uuid.uuid4().hex[:12]
    return {key: workdir / f"{token}-{_FILE_NAMES[key]}" for key in keys}


@contextmanager
def _run_and_collect(
    argv: list[str],
    outputs: Mapping[str, Path],
    required: Iterable[str],
    *,
    timeout: float,
    hide: tuple[Path, ...],
) -> Iterator[None]:
    """Run ffmpeg and check that each of the `required` outputs holds data, then let the
    `with` block finish the outputs (probe them, paste the tile sheet).

    When anything fails, from ffmpeg to the end of the block, every output is removed before
    the error goes on, so a caller gets all of its files or none. The tile cells are scratch:
    they are removed in every case."""
    try:
        run_ffmpeg(argv, timeout=timeout, hide=hide)
        for key in required:
            path = outputs[key]
            if not path.exists() or path.stat().st_size == 0:
                raise MediaError("Unreadable movie: no frame could be decoded.")
        yield
    except BaseException:
        _remove(outputs.values())
        raise
    finally:
        _remove([outputs["tile_cells"]])


def _tile_sheet_or_none(
    outputs: Mapping[str, Path], layout: TileLayout, source: Path
) -> Path | None:
    """The tile sheet pasted from the cells, or None when it cannot be made: a movie without a
    scrubbing sheet is still a preview."""
    tile = outputs["tile"]
    try:
        _assemble_tile_sheet(outputs["tile_cells"], tile, layout)
    except Exception:
        logger.exception("The tile sheet of %s could not be made", source.name)
        _remove([tile])
        return None
    return tile


def _assemble_tile_sheet(cells: Path, sheet: Path, layout: TileLayout) -> None:
    """Paste the cells ffmpeg wrote (one small PNG frame per kept frame, in a NUT file) into the
    sheet, left to right then top to bottom; unused cells stay black.

    Why not ffmpeg's `tile` filter in the same graph: that output yields nothing until the end
    of the movie, and ffmpeg 7's scheduler, which feeds the output that lags most, then keeps
    decoding ahead of the (slower) high-def encoder; the decoded frames queue in memory without
    bound (figures in docs/decisions/movie-pipeline.md). Cells that leave ffmpeg one by one keep
    every output moving and the memory flat."""
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
    # zlib level 3: 0.25 s against 0.37 s at the default 6 for a 20 s movie's 1424x6000 sheet,
    # 3.2 MB against 2.9 (docs/decisions/movie-pipeline.md).
    image.save(sheet, format="PNG", compress_level=TILE_SHEET_COMPRESS_LEVEL)


def _remove(paths: Iterable[Path]) -> None:
    """Delete `paths`, ignoring missing ones; a file that cannot be deleted is only logged."""
    for path in paths:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:
            logger.warning("Could not remove %s", path)
