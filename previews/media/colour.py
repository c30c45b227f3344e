"""Which colour transform a VFX picture goes through on its way to an 8-bit sRGB review picture.

Scene-referred sources (linear EXR, HDR and float TIFF renders, log scans and camera plates)
hold light, not display values: clamping them to 0..1 and encoding them as sRGB, as a plain
image library does, burns every highlight to white and shows log plates flat and grey. They go
through an OpenColorIO *view transform* (the display rendering the studio looks at in its
compositing and grading tools) instead. Display-referred sources (8- and 16-bit TIFF, PSD,
JPEG 2000, WebP: pictures someone already looked at on a screen) are kept as they are; an ICC
profile they carry keeps its meaning, as for the PNG and JPEG previews.

The input colour space is, in order: the one the upload asks for (`data.color_space` of the
preview), the project's (`data.color_space` of the project), the one the file's metadata names
(OpenImageIO's `oiio:ColorSpace`, EXR chromaticities), or the one its format implies (a float
picture is scene-linear Rec.709, a 10-bit log DPX or a Cineon file a film scan in ADX10, an
integer picture sRGB). What was applied is recorded in the preview's `data.color_transform`.
Why these defaults, with the costs measured: docs/decisions/vfx-pictures.md.

Pure: no Django. The transforms are OpenColorIO's (PyPI `opencolorio`), built once per process
and run on numpy strips; the configuration is OpenColorIO's built-in ACES studio config
unless the caller names another (a file path, or an `ocio://` URI).
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import numpy as np

from previews.media.probe import MediaError

# OpenColorIO's ACES 1.3 studio config, built into the OpenColorIO that the openimageio wheel
# carries: no file to install, and pinned to a version so that a library upgrade does not
# change the look of the reviews (`ocio://studio-config-latest` would).
DEFAULT_CONFIG = "ocio://studio-config-v2.2.0_aces-v1.3_ocio-v2.4"

# The spaces the format rules guess, by name in the built-in configs (and OCIO's standard
# aliases, so that a studio config that follows them works as well).
SCENE_LINEAR = "Linear Rec.709 (sRGB)"
DISPLAY_SRGB = "sRGB Encoded Rec.709 (sRGB)"
FILM_SCAN_LOG = "ADX10"

# EXR chromaticities (red, green, blue and white x, y) of the ACES gamuts: a render written in
# ACEScg (AP1) or ACES2065-1 (AP0) says so in its header.
_AP1 = (0.713, 0.293, 0.165, 0.830, 0.128, 0.044, 0.32168, 0.33767)
_AP0 = (0.7347, 0.2653, 0.0, 1.0, 0.0001, -0.077, 0.32168, 0.33767)
_CHROMATICITY_TOLERANCE = 0.002

Referred = Literal["scene", "display"]
GuessedFrom = Literal["upload", "project", "metadata", "format"]


@dataclass(frozen=True)
class ColourRequest:
    """What the settings, the project and the upload ask for; None: not asked."""

    config: str = DEFAULT_CONFIG
    display: str | None = None  # None: the config's default display
    view: str | None = None  # None: that display's default view
    upload_color_space: str | None = None
    project_color_space: str | None = None


@dataclass(frozen=True)
class SourceColour:
    """What a picture's file says about its colour (pictures.PictureSource reads it)."""

    format_name: str  # OpenImageIO's: "openexr", "dpx", "cineon", "tiff", "psd", ...
    is_float: bool  # half or float pixels
    metadata_space: str | None  # oiio:ColorSpace
    log_transfer: bool  # DPX "Printing density"/"Logarithmic" transfer, or any Cineon file
    chromaticities: tuple[float, ...] | None  # EXR


@dataclass(frozen=True)
class ColourTransform:
    """The transform applied: from `color_space`, through `view` on `display`, in `config`;
    `view` None for a display-referred source, whose pixels are kept."""

    config: str
    color_space: str
    referred: Referred
    guessed_from: GuessedFrom
    display: str | None
    view: str | None

    def as_data(self) -> dict[str, Any]:
        """What the preview records in `data.color_transform`."""
        return {
            "config": self.config,
            "color_space": self.color_space,
            "referred": self.referred,
            "guessed_from": self.guessed_from,
            "display": self.display,
            "view": self.view,
        }


@cache
def load_config(name: str) -> Any:
    """The OpenColorIO config `name` (a path or an ocio:// URI), loaded once per process.
    Raises MediaError when it cannot be loaded."""
    import PyOpenColorIO as ocio  # a compiled wheel: loaded when a VFX picture arrives

    try:
        config = ocio.Config.CreateFromFile(name)
        config.validate()
    except (ocio.Exception, ocio.ExceptionMissingFile) as error:
        raise MediaError(f"The OpenColorIO config {name!r} cannot be loaded: {error}.") from None
    return config


def _space(config: Any, name: str) -> Any | None:
    """The config's colour space named `name` (a name or an alias), or None."""
    return config.getColorSpace(name) if name else None


def _known_space(config: Any, name: str) -> str | None:
    """The config's own name for `name` (a name or an alias), or None."""
    space = _space(config, name)
    return space.getName() if space is not None else None


def _encoding(config: Any, name: str) -> str:
    """The space's encoding as the config states it ("scene-linear", "log", "sdr-video",
    "data"...; "" when the config does not say)."""
    space = _space(config, name)
    if space is None:
        return ""
    return "data" if space.isData() else space.getEncoding()


def _chromaticities_match(values: tuple[float, ...], reference: tuple[float, ...]) -> bool:
    return len(values) == len(reference) and all(
        abs(a - b) <= _CHROMATICITY_TOLERANCE for a, b in zip(values, reference, strict=True)
    )


def choose_transform(source: SourceColour, request: ColourRequest) -> ColourTransform:
    """The transform for a picture described by `source`. Raises MediaError when a colour
    space, display or view asked for is not in the config (with the names it has)."""
    config = load_config(request.config)
    displays = list(config.getDisplays())
    display = request.display or config.getDefaultDisplay()
    if display not in displays:
        raise MediaError(
            f"The display {display!r} is not in the OpenColorIO config {request.config}; "
            f"it has: {', '.join(displays)}."
        )
    views = list(config.getViews(display))
    view = request.view or config.getDefaultView(display)
    if view not in views:
        raise MediaError(
            f"The view {view!r} is not in the display {display!r} of {request.config}; "
            f"it has: {', '.join(views)}."
        )

    asked_spaces: tuple[tuple[str | None, GuessedFrom], ...] = (
        (request.upload_color_space, "upload"),
        (request.project_color_space, "project"),
    )
    for asked, origin in asked_spaces:
        if asked:
            space = _known_space(config, asked)
            if space is None:
                raise MediaError(
                    f"The colour space {asked!r} ({origin}'s data.color_space) is not in the "
                    f"OpenColorIO config {request.config}; set one of its colour spaces: "
                    f"{', '.join(_input_spaces(config))}."
                )
            if is_display_encoding(config, space):  # already display values: converted
                return ColourTransform(request.config, space, "display", origin, None, None)
            # Scene-referred or log, asked for by name: through the view, as oiiotool's
            # --ociodisplay does.
            return ColourTransform(request.config, space, "scene", origin, display, view)

    space, referred, origin = _guess(config, source)
    return ColourTransform(
        request.config,
        space,
        referred,
        origin,
        display if referred == "scene" else None,
        view if referred == "scene" else None,
    )


def _input_spaces(config: Any) -> list[str]:
    """The config's colour spaces a picture can be in (its display spaces left out), for a
    message that says what to set."""
    import PyOpenColorIO as ocio

    return [
        space.getName()
        for space in config.getColorSpaces()
        if space.getReferenceSpaceType() == ocio.REFERENCE_SPACE_SCENE
    ]


def is_display_encoding(config: Any, space: str) -> bool:
    """Whether pictures in `space` hold display values already: data ("Raw") or a video
    encoding ("sRGB Encoded Rec.709 (sRGB)", "Gamma 2.2 Encoded AdobeRGB"...: encoding
    sdr-video or hdr-video). Those are converted to sRGB, not rendered through a view. A
    config that states no encodings sends every named space through the view."""
    return _encoding(config, space) in ("data", "sdr-video", "hdr-video")


def _guess(config: Any, source: SourceColour) -> tuple[str, Referred, GuessedFrom]:
    """The input space from the file's metadata, else from its format and pixel type."""
    if source.is_float and source.chromaticities:
        for reference, name in ((_AP1, "ACEScg"), (_AP0, "ACES2065-1")):
            known = _known_space(config, name)
            if known and _chromaticities_match(source.chromaticities, reference):
                return known, "scene", "metadata"
    if source.metadata_space:
        known = _known_space(config, source.metadata_space)
        if known is not None:
            # Integer pixels that say "sRGB" (WebP, JPEG 2000 read by OpenImageIO) are
            # display pictures; linear or log values are light whatever their storage.
            display = not source.is_float and _encoding(config, known) not in (
                "scene-linear",
                "log",
            )
            return known, ("display" if display else "scene"), "metadata"
    if source.log_transfer:
        known = _known_space(config, FILM_SCAN_LOG)
        if known is None:
            raise MediaError(
                f"A log film scan needs the colour space {FILM_SCAN_LOG}, which the OpenColorIO "
                "config does not have; set data.color_space on the preview or the project."
            )
        return known, "scene", "format"
    if source.is_float:
        return _required(config, SCENE_LINEAR), "scene", "format"
    return _required(config, DISPLAY_SRGB), "display", "format"


def _required(config: Any, name: str) -> str:
    known = _known_space(config, name)
    if known is None:
        raise MediaError(
            f"The OpenColorIO config has no colour space {name!r} to read this picture in; "
            "set data.color_space on the preview or the project."
        )
    return known


# ---------------------------------------------------------------------------------------------
# Applying


@cache
def _processor(config_name: str, space: str, display: str | None, view: str | None) -> Any:
    """OpenColorIO's CPU processor of a transform, built once per process: building one for
    the ACES view costs about 60 ms, which OpenImageIO's ociodisplay pays on every call
    (docs/decisions/vfx-pictures.md)."""
    import PyOpenColorIO as ocio

    config = load_config(config_name)
    transform: Any
    if view is None:
        transform = ocio.ColorSpaceTransform(src=space, dst=_required(config, DISPLAY_SRGB))
    else:
        transform = ocio.DisplayViewTransform(src=space, display=display, view=view)
    try:
        return config.getProcessor(transform).getDefaultCPUProcessor()
    except ocio.Exception as error:
        raise MediaError(f"The colour transform cannot be made: {error}.") from None


def needs_processing(transform: ColourTransform) -> bool:
    """False for an sRGB display picture, whose values are kept as they are."""
    return not (transform.view is None and transform.color_space == DISPLAY_SRGB)


def apply(transform: ColourTransform, pixels: np.ndarray, pool: Executor, parts: int) -> None:
    """Transform float32 RGB or RGBA `pixels` (rows, width, 3 or 4; C-contiguous) in place,
    `parts` chunks of rows at once on `pool`'s threads (OpenColorIO runs without the GIL).
    Alpha is left as it is."""
    processor = _processor(
        transform.config, transform.color_space, transform.display, transform.view
    )
    run = processor.applyRGBA if pixels.shape[2] == 4 else processor.applyRGB
    # Chunks of whole rows of a C-contiguous array are contiguous views: changed in place.
    chunks = [chunk for chunk in np.array_split(pixels, max(1, parts)) if chunk.size]
    for _ in pool.map(run, chunks):
        pass
