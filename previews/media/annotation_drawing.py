"""Kitsu's review drawings (fabric.js objects) rendered over a picture, on the server.

Pure: Pillow only, no Django, no settings (the "pure-modules" import-linter contract). What it
draws is the contract's §4.5 renderer (../shared/spec/zou-previews-contract.md): a Pillow
approximation of Kitsu's fabric.js canvas, not a pixel-exact copy of the browser.

- The drawing is made at `SUPERSAMPLE` (2×) the picture's size, then LANCZOS-downsampled and
  composited over the picture: Pillow draws without anti-aliasing, the downsample smooths the
  edges.
- Every object carries the size of the canvas it was drawn on (`canvasWidth`, `canvasHeight`);
  its coordinates are scaled from that canvas to the picture, per object (two reviewers on two
  screen sizes annotate the same frame).
- Geometry follows fabric.js: an object is placed by `left`/`top` (its `originX`/`originY`
  corner, `left`/`top` by default), then rotated by `angle` (degrees, clockwise) and scaled by
  `scaleX`/`scaleY` around its centre; a path's (polyline's, pressure stroke's) points are
  relative to its `pathOffset` (the centre of their bounding box, computed when absent); a
  group's children are placed in the group's frame, relative to its centre; a line's or an
  arrow's `x1,y1,x2,y2` give its direction and its `left`/`top` its place (absent: the points
  are taken as canvas coordinates).
- Types: `path`, `psstroke` (pressure brush: `strokePoints` of `x`, `y`, `pressure`), `rect`,
  `circle`/`ellipse`, `line`, `polyline`, `polygon`, `text`/`i-text`/`textbox`, `arrow`
  (`arrowHeadSize`, 15 by default), `group`; an object's `eraser` (a group of paths in the
  object's own frame) removes what it covers of that object only. Unknown types are skipped.
- Colours: CSS `#rgb`, `#rrggbb`, `#rrggbbaa`, `rgb()`, `rgba()` with a 0..1 alpha, colour
  names; `transparent`, empty and null paint nothing. `opacity` multiplies the alpha. Each
  object is drawn on a layer of its own and then blended, so a half-transparent stroke
  blends once with what is under it, as on the canvas.
- Text: DejaVuSans (/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf, present on Debian and
  Ubuntu with the fonts-dejavu-core package) whatever the `fontFamily`; where that file is
  absent, Pillow's own default font (Pillow ≥ 10.1 ships a scalable one). Nothing is
  downloaded.

A malformed object (a missing or non-numeric coordinate, a wrong type) is logged and skipped:
drawing never raises on the annotation data, so a route never answers 500 for a bad drawing.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeGuard

from PIL import Image, ImageColor, ImageDraw, ImageFont

logger = logging.getLogger(__name__)

SUPERSAMPLE = 2
DEFAULT_ARROW_HEAD = 15.0
DEFAULT_FONT_SIZE = 40.0  # fabric.js' default
DEFAULT_LINE_HEIGHT = 1.16  # fabric.js' default
FONT_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
CURVE_STEPS = 12  # segments per Bézier curve of a path
ELLIPSE_STEPS = 96
MAX_GROUP_DEPTH = 16
# Bounds that keep a hostile drawing from costing unbounded memory or time.
MAX_TEXT_PIXELS = 16_000_000
MAX_POINTS = 200_000

Matrix = tuple[float, float, float, float, float, float]  # a b c d e f: x' = ax + cy + e
Point = tuple[float, float]
RGBA = tuple[int, int, int, int]

IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


class MalformedObject(ValueError):
    """An object whose fields cannot be drawn."""


# ---------------------------------------------------------------------------------------------
# Entry point


def draw_annotations(
    image: Image.Image,
    objects: Iterable[Any],
    *,
    area: tuple[int, int, int, int] | None = None,
    supersample: int = SUPERSAMPLE,
) -> Image.Image:
    """A copy of `image` with the fabric.js `objects` drawn over it (RGBA when `image` has an
    alpha channel, else RGB). `objects` is a drawing's `objects` list (contract §5.1);
    anything else in it is skipped. `area` (left, top, right, bottom) is where the annotated
    picture lies in `image` when it does not fill it (a picture centred in a larger box): the
    objects' canvas is mapped onto it; by default onto the whole image."""
    base = image.convert("RGBA")
    width, height = base.size
    factor = max(int(supersample), 1)
    big = (width * factor, height * factor)
    overlay = Image.new("RGBA", big, (0, 0, 0, 0))
    drawn = False
    for index, item in enumerate(objects if _is_list(objects) else ()):
        if not isinstance(item, Mapping):
            logger.warning("Annotation object %s skipped: not an object", index)
            continue
        try:
            canvas = _canvas_matrix(item, area or (0, 0, width, height), factor)
            layer = _render(item, canvas, big, depth=0)
        except Exception as error:  # noqa: BLE001 (a drawing must never fail the request)
            logger.warning("Annotation object %s (%s) skipped: %s", index, item.get("type"), error)
            continue
        if layer is not None:
            drawn = _composite(overlay, layer) or drawn
    if drawn:
        small = overlay.resize((width, height), Image.Resampling.LANCZOS)
        base.alpha_composite(small)
    return base if "A" in image.getbands() else base.convert("RGB")


def _composite(target: Image.Image, layer: Image.Image) -> bool:
    """Blend `layer` over `target` where it has pixels (a stroke covers a small part of the
    picture: blending only its box is several times faster than the whole layer)."""
    box = layer.getbbox()
    if box is None:
        return False
    target.alpha_composite(layer.crop(box), dest=box[:2])
    return True


def _is_list(value: object) -> TypeGuard[list[Any] | tuple[Any, ...]]:
    return isinstance(value, (list, tuple))


def _canvas_matrix(item: Mapping[str, Any], area: tuple[int, int, int, int], factor: int) -> Matrix:
    """From the object's canvas to `area` of the supersampled picture."""
    left, top, right, bottom = area
    width, height = right - left, bottom - top
    canvas_width = _number(item, "canvasWidth", float(width))
    canvas_height = _number(item, "canvasHeight", float(height))
    if canvas_width <= 0 or canvas_height <= 0:
        raise MalformedObject("canvas size must be positive")
    return (
        width * factor / canvas_width,
        0.0,
        0.0,
        height * factor / canvas_height,
        left * factor,
        top * factor,
    )


# ---------------------------------------------------------------------------------------------
# Numbers, colours, matrices


def _number(item: Mapping[str, Any], key: str, default: float) -> float:
    value = item.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise MalformedObject(f"{key} is not a number")
    try:
        number = float(value)
    except ValueError:
        raise MalformedObject(f"{key} is not a number") from None
    if not math.isfinite(number):
        raise MalformedObject(f"{key} is not finite")
    return number


def _point(value: Any, x: str = "x", y: str = "y") -> Point:
    if not isinstance(value, Mapping):
        raise MalformedObject("a point is not an object")
    return _number(value, x, math.nan), _number(value, y, math.nan)


RGBA_PATTERN = re.compile(r"^rgba?\(\s*([^)]*)\)$", re.IGNORECASE)


def parse_color(value: Any, opacity: float = 1.0) -> RGBA | None:
    """A CSS colour as RGBA, or None for no paint (null, empty, `transparent`, none)."""
    if value is None or not isinstance(value, str):
        return None
    text = value.strip()
    if not text or text.lower() in ("transparent", "none"):
        return None
    match = RGBA_PATTERN.match(text)
    if match:
        parts = [part.strip() for part in re.split(r"[,\s/]+", match.group(1)) if part.strip()]
        if len(parts) not in (3, 4):
            raise MalformedObject(f"bad colour {value!r}")
        channels = [_channel(part) for part in parts[:3]]
        alpha = _alpha(parts[3]) if len(parts) == 4 else 1.0
        red, green, blue = channels
    else:
        try:
            rgb = ImageColor.getrgb(text)
        except ValueError:
            raise MalformedObject(f"bad colour {value!r}") from None
        red, green, blue = rgb[:3]
        alpha = rgb[3] / 255 if len(rgb) == 4 else 1.0
    alpha = min(max(alpha * opacity, 0.0), 1.0)
    if alpha <= 0:
        return None
    return red, green, blue, round(alpha * 255)


def _channel(text: str) -> int:
    try:
        number = float(text[:-1]) * 2.55 if text.endswith("%") else float(text)
    except ValueError:
        raise MalformedObject(f"bad colour channel {text!r}") from None
    if not math.isfinite(number):
        raise MalformedObject("bad colour channel")
    return int(min(max(round(number), 0), 255))


def _alpha(text: str) -> float:
    try:
        number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise MalformedObject(f"bad alpha {text!r}") from None
    if not math.isfinite(number):
        raise MalformedObject("bad alpha")
    return min(max(number, 0.0), 1.0)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """m · n (n applied first)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + c * b2,
        b * a2 + d * b2,
        a * c2 + c * d2,
        b * c2 + d * d2,
        a * e2 + c * f2 + e,
        b * e2 + d * f2 + f,
    )


def _apply(m: Matrix, point: Point) -> Point:
    a, b, c, d, e, f = m
    x, y = point
    return a * x + c * y + e, b * x + d * y + f


def _scale_of(m: Matrix) -> float:
    """How much `m` scales lengths (the geometric mean of its axes)."""
    return math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))


def _invert(m: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    det = a * d - b * c
    if abs(det) < 1e-12:
        raise MalformedObject("degenerate transform")
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det)


def _object_matrix(item: Mapping[str, Any], width: float, height: float) -> Matrix:
    """fabric.js' calcOwnMatrix: from the object's own frame (origin at its centre) to its
    parent's (the canvas, or the group's centre-based frame)."""
    left = _number(item, "left", 0.0)
    top = _number(item, "top", 0.0)
    scale_x = _number(item, "scaleX", 1.0)
    scale_y = _number(item, "scaleY", 1.0)
    if item.get("flipX") is True:
        scale_x = -scale_x
    if item.get("flipY") is True:
        scale_y = -scale_y
    angle = math.radians(_number(item, "angle", 0.0))
    cos, sin = math.cos(angle), math.sin(angle)
    # The box that left/top places includes the stroke (fabric's _getTransformedDimensions).
    # (fabric counts the stroke width whether or not a stroke is painted; groups have none).
    default_stroke = 0.0 if str(item.get("type", "")).lower() in ("group", "eraser") else 1.0
    stroke = max(_number(item, "strokeWidth", default_stroke), 0.0)
    box_w, box_h = (width + stroke) * scale_x, (height + stroke) * scale_y
    origin_x = {"left": 0.0, "center": 0.5, "right": 1.0}.get(str(item.get("originX")), 0.0)
    origin_y = {"top": 0.0, "center": 0.5, "bottom": 1.0}.get(str(item.get("originY")), 0.0)
    dx, dy = (0.5 - origin_x) * box_w, (0.5 - origin_y) * box_h
    centre = (left + cos * dx - sin * dy, top + sin * dx + cos * dy)
    return (
        cos * scale_x,
        sin * scale_x,
        -sin * scale_y,
        cos * scale_y,
        centre[0],
        centre[1],
    )


# ---------------------------------------------------------------------------------------------
# Objects


def _render(
    item: Mapping[str, Any], parent: Matrix, size: tuple[int, int], depth: int
) -> Image.Image | None:
    """The object drawn on a transparent layer of `size`, or None when it draws nothing."""
    if depth > MAX_GROUP_DEPTH:
        raise MalformedObject("groups nested too deep")
    if item.get("visible") is False:
        return None
    kind = str(item.get("type", "")).lower()
    draw = DRAWERS.get(kind)
    if draw is None:
        logger.debug("Annotation object of unknown type %r skipped", kind)
        return None
    opacity = min(max(_number(item, "opacity", 1.0), 0.0), 1.0)
    geometry = _geometry(kind, item)
    if kind in POINT_KINDS and item.get("left") is None and item.get("top") is None:
        # Points never placed by fabric (no left/top): they are canvas coordinates.
        geometry.offset = (0.0, 0.0)
        matrix = parent
    else:
        matrix = _multiply(parent, _object_matrix(item, geometry.width, geometry.height))
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    background = parse_color(item.get("backgroundColor"), opacity)
    if background is not None and geometry.width > 0 and geometry.height > 0:
        corners = _box(geometry.width / 2, geometry.height / 2)
        ImageDraw.Draw(layer).polygon([_apply(matrix, p) for p in corners], fill=background)
    draw(item, geometry, matrix, layer, opacity, depth)
    eraser = item.get("eraser")
    if isinstance(eraser, Mapping):
        _erase(layer, eraser, matrix, depth)
    return layer


class _Geometry:
    """An object's own size, and the offset of its points (paths, polylines, strokes)."""

    def __init__(self, width: float, height: float, offset: Point = (0.0, 0.0)) -> None:
        self.width, self.height, self.offset = width, height, offset


def _bounds(points: Sequence[Point]) -> tuple[float, float, float, float]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _geometry(kind: str, item: Mapping[str, Any]) -> _Geometry:
    points: list[Point] | None = None
    if kind == "path":
        points = [p for stroke in _path_strokes(item.get("path")) for p in stroke]
    elif kind in ("polyline", "polygon"):
        points = _points(item.get("points"))
    elif kind == "psstroke":
        points = [(x, y) for x, y, _ in _stroke_points(item)]
    elif kind in ("line", "arrow"):
        x1, y1, x2, y2 = (_number(item, key, 0.0) for key in ("x1", "y1", "x2", "y2"))
        width = _number(item, "width", abs(x2 - x1))
        height = _number(item, "height", abs(y2 - y1))
        return _Geometry(width, height)
    elif kind == "circle":
        radius = _number(item, "radius", 0.0)
        return _Geometry(_number(item, "width", 2 * radius), _number(item, "height", 2 * radius))
    elif kind in TEXT_KINDS and (item.get("width") is None or item.get("height") is None):
        return _Geometry(*_text_size(item))
    elif kind == "ellipse":
        rx, ry = _number(item, "rx", 0.0), _number(item, "ry", 0.0)
        return _Geometry(_number(item, "width", 2 * rx), _number(item, "height", 2 * ry))
    if points is not None:
        if not points:
            return _Geometry(_number(item, "width", 0.0), _number(item, "height", 0.0))
        min_x, min_y, max_x, max_y = _bounds(points)
        offset = item.get("pathOffset")
        centre = (
            _point(offset)
            if isinstance(offset, Mapping)
            else ((min_x + max_x) / 2, (min_y + max_y) / 2)
        )
        return _Geometry(
            _number(item, "width", max_x - min_x), _number(item, "height", max_y - min_y), centre
        )
    return _Geometry(_number(item, "width", 0.0), _number(item, "height", 0.0))


def _style(
    item: Mapping[str, Any], matrix: Matrix, opacity: float
) -> tuple[RGBA | None, RGBA | None, int]:
    """Fill colour, stroke colour and stroke width (in layer pixels) of an object."""
    fill = parse_color(item.get("fill"), opacity)
    stroke = parse_color(item.get("stroke"), opacity)
    width = _number(item, "strokeWidth", 1.0) * _scale_of(matrix)
    if width <= 0:
        stroke = None
    # A stroke wider than the whole layer draws the same as one that wide.
    return fill, stroke, max(1, min(round(width), 100_000))


def _shape(
    points: list[Point],
    item: Mapping[str, Any],
    matrix: Matrix,
    layer: Image.Image,
    opacity: float,
    *,
    closed: bool,
) -> None:
    fill, stroke, width = _style(item, matrix, opacity)
    placed = [_apply(matrix, p) for p in points]
    if len(placed) < 2:
        return
    draw = ImageDraw.Draw(layer)
    if closed and fill is not None and len(placed) >= 3:
        draw.polygon(placed, fill=fill)
    if stroke is not None:
        outline = [*placed, placed[0]] if closed else placed
        _polyline(draw, outline, stroke, width)


def _polyline(draw: ImageDraw.ImageDraw, points: list[Point], color: RGBA, width: int) -> None:
    """A stroke with round joins and caps (Kitsu's brushes and shapes use round ones)."""
    draw.line(points, fill=color, width=width, joint="curve")
    if width > 2:
        radius = width / 2
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=color)


def _draw_rect(
    item: Mapping[str, Any],
    geometry: _Geometry,
    matrix: Matrix,
    layer: Image.Image,
    opacity: float,
    depth: int,
) -> None:
    """The fill over the rectangle, then its border: a ring as wide as the stroke, centred on
    the edge, with square (mitred) corners as fabric.js draws them. The stroke width is in
    the object's own units, so it scales with the object (fabric's default)."""
    fill, stroke, _ = _style(item, matrix, opacity)
    half_w, half_h = geometry.width / 2, geometry.height / 2
    draw = ImageDraw.Draw(layer)
    if fill is not None:
        draw.polygon([_apply(matrix, p) for p in _box(half_w, half_h)], fill=fill)
    stroke_width = _number(item, "strokeWidth", 1.0)
    if stroke is None or stroke_width <= 0:
        return
    half_stroke = stroke_width / 2
    ring = Image.new("L", layer.size, 0)
    ring_draw = ImageDraw.Draw(ring)
    outer = _box(half_w + half_stroke, half_h + half_stroke)
    ring_draw.polygon([_apply(matrix, p) for p in outer], fill=255)
    if half_w > half_stroke and half_h > half_stroke:
        inner = _box(half_w - half_stroke, half_h - half_stroke)
        ring_draw.polygon([_apply(matrix, p) for p in inner], fill=0)
    layer.paste(stroke, (0, 0), ring)


def _box(half_w: float, half_h: float) -> list[Point]:
    return [(-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h)]


def _ellipse_points(rx: float, ry: float) -> list[Point]:
    return [
        (
            rx * math.cos(2 * math.pi * i / ELLIPSE_STEPS),
            ry * math.sin(2 * math.pi * i / ELLIPSE_STEPS),
        )
        for i in range(ELLIPSE_STEPS)
    ]


def _draw_ellipse(
    item: Mapping[str, Any],
    geometry: _Geometry,
    matrix: Matrix,
    layer: Image.Image,
    opacity: float,
    depth: int,
) -> None:
    _shape(
        _ellipse_points(geometry.width / 2, geometry.height / 2),
        item,
        matrix,
        layer,
        opacity,
        closed=True,
    )


def _line_ends(item: Mapping[str, Any], geometry: _Geometry) -> tuple[Point, Point]:
    """fabric.js' calcLinePoints: the ends in the line's own frame."""
    x1, y1, x2, y2 = (_number(item, key, 0.0) for key in ("x1", "y1", "x2", "y2"))
    half_w, half_h = geometry.width / 2, geometry.height / 2
    start = (-half_w if x1 <= x2 else half_w, -half_h if y1 <= y2 else half_h)
    return start, (-start[0], -start[1])


def _placed_line(
    item: Mapping[str, Any], geometry: _Geometry, matrix: Matrix
) -> tuple[Point, Point]:
    """A line's ends on the layer. Without `left`/`top`, x1..y2 are canvas coordinates."""
    if item.get("left") is None and item.get("top") is None:
        parent = _multiply(matrix, _invert(_object_matrix(item, geometry.width, geometry.height)))
        return (
            _apply(parent, (_number(item, "x1", 0.0), _number(item, "y1", 0.0))),
            _apply(parent, (_number(item, "x2", 0.0), _number(item, "y2", 0.0))),
        )
    start, end = _line_ends(item, geometry)
    return _apply(matrix, start), _apply(matrix, end)


def _draw_line(
    item: Mapping[str, Any],
    geometry: _Geometry,
    matrix: Matrix,
    layer: Image.Image,
    opacity: float,
    depth: int,
) -> None:
    _, stroke, width = _style(item, matrix, opacity)
    if stroke is None:
        return
    start, end = _placed_line(item, geometry, matrix)
    _polyline(ImageDraw.Draw(layer), [start, end], stroke, width)


def _draw_arrow(
    item: Mapping[str, Any],
    geometry: _Geometry,
    matrix: Matrix,
    layer: Image.Image,
    opacity: float,
    depth: int,
) -> None:
    fill, stroke, width = _style(item, matrix, opacity)
    color = stroke or fill
    if color is None:
        return
    start, end = _placed_line(item, geometry, matrix)
    length = math.hypot(end[0] - start[0], end[1] - start[1])
    if length == 0:
        return
    head = _number(item, "arrowHeadSize", DEFAULT_ARROW_HEAD) * _scale_of(matrix)
    head = max(head, width * 1.5)
    ux, uy = (end[0] - start[0]) / length, (end[1] - start[1]) / length
    base = (end[0] - ux * head, end[1] - uy * head)
    half = head * 0.6
    draw = ImageDraw.Draw(layer)
    # The body stops at the head's base, so a wide line does not poke through the tip.
    if length > head:
        _polyline(draw, [start, base], color, width)
    draw.polygon(
        [
            end,
            (base[0] - uy * half, base[1] + ux * half),
            (base[0] + uy * half, base[1] - ux * half),
        ],
        fill=color,
    )


def _points(value: Any) -> list[Point]:
    if not _is_list(value):
        raise MalformedObject("points is not a list")
    if len(value) > MAX_POINTS:
        raise MalformedObject("too many points")
    return [_point(p) for p in value]


def _draw_poly(
    item: Mapping[str, Any],
    geometry: _Geometry,
    matrix: Matrix,
    layer: Image.Image,
    opacity: float,
    depth: int,
) -> None:
    ox, oy = geometry.offset
    points = [(x - ox, y - oy) for x, y in _points(item.get("points"))]
    closed = str(item.get("type")).lower() == "polygon"
    _shape(points, item, matrix, layer, opacity, closed=closed)


# --- paths


PATH_TOKEN = re.compile(r"[MmLlHhVvCcSsQqTtZzAa]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _path_commands(value: Any) -> list[list[Any]]:
    """fabric's `path`: a list of commands (`["M", x, y]`, `["Q", cx, cy, x, y]`...), or an
    SVG path string."""
    if isinstance(value, str):
        commands: list[list[Any]] = []
        for token in PATH_TOKEN.findall(value):
            if token.isalpha():
                commands.append([token])
            elif commands:
                commands[-1].append(float(token))
            else:
                raise MalformedObject("path does not start with a command")
        return commands
    if not _is_list(value):
        raise MalformedObject("path is not a list")
    if len(value) > MAX_POINTS:
        raise MalformedObject("path too long")
    return [list(command) for command in value if _is_list(command) and command]


def _coords(command: list[Any], count: int) -> list[float]:
    values = command[1 : 1 + count]
    if len(values) < count:
        raise MalformedObject(f"path command {command[0]!r} lacks coordinates")
    numbers = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise MalformedObject("path coordinate is not a number")
        if not math.isfinite(value):
            raise MalformedObject("path coordinate is not finite")
        numbers.append(float(value))
    return numbers


def _quadratic(p0: Point, p1: Point, p2: Point) -> list[Point]:
    out = []
    for step in range(1, CURVE_STEPS + 1):
        t = step / CURVE_STEPS
        u = 1 - t
        out.append(
            (
                u * u * p0[0] + 2 * u * t * p1[0] + t * t * p2[0],
                u * u * p0[1] + 2 * u * t * p1[1] + t * t * p2[1],
            )
        )
    return out


def _cubic(p0: Point, p1: Point, p2: Point, p3: Point) -> list[Point]:
    out = []
    for step in range(1, CURVE_STEPS + 1):
        t = step / CURVE_STEPS
        u = 1 - t
        out.append(
            (
                u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
            )
        )
    return out


def _path_strokes(value: Any) -> list[list[Point]]:
    """The path flattened into polylines (one per sub-path), in the path's coordinates.
    Absolute and relative M, L, H, V, Q, T, C, S, Z; an arc is drawn as a straight segment."""
    strokes: list[list[Point]] = []
    current: list[Point] = []
    position: Point = (0.0, 0.0)
    start: Point = (0.0, 0.0)
    control: Point | None = None
    for command in _path_commands(value):
        letter = str(command[0])
        relative = letter.islower()
        op = letter.upper()
        dx, dy = position if relative else (0.0, 0.0)

        def at(x: float, y: float, dx: float = dx, dy: float = dy) -> Point:
            return (x + dx, y + dy)

        if op == "M":
            x, y = _coords(command, 2)
            if len(current) > 0:
                strokes.append(current)
            position = start = at(x, y)
            current = [position]
            control = None
        elif op == "L":
            x, y = _coords(command, 2)
            position = at(x, y)
            current.append(position)
            control = None
        elif op == "H":
            (x,) = _coords(command, 1)
            position = (x + dx, position[1])
            current.append(position)
        elif op == "V":
            (y,) = _coords(command, 1)
            position = (position[0], y + dy)
            current.append(position)
        elif op == "Q":
            cx, cy, x, y = _coords(command, 4)
            control = at(cx, cy)
            end = at(x, y)
            current.extend(_quadratic(position, control, end))
            position = end
        elif op == "T":
            x, y = _coords(command, 2)
            control = (
                (2 * position[0] - control[0], 2 * position[1] - control[1])
                if control
                else position
            )
            end = at(x, y)
            current.extend(_quadratic(position, control, end))
            position = end
        elif op == "C":
            c1x, c1y, c2x, c2y, x, y = _coords(command, 6)
            second = at(c2x, c2y)
            end = at(x, y)
            current.extend(_cubic(position, at(c1x, c1y), second, end))
            control, position = second, end
        elif op == "S":
            c2x, c2y, x, y = _coords(command, 4)
            first = (
                (2 * position[0] - control[0], 2 * position[1] - control[1])
                if control
                else position
            )
            second = at(c2x, c2y)
            end = at(x, y)
            current.extend(_cubic(position, first, second, end))
            control, position = second, end
        elif op == "A":
            *_, x, y = _coords(command, 7)
            position = at(x, y)
            current.append(position)
        elif op == "Z":
            current.append(start)
            position = start
        if not current:
            current = [position]
    if current:
        strokes.append(current)
    return strokes


def _draw_path(
    item: Mapping[str, Any],
    geometry: _Geometry,
    matrix: Matrix,
    layer: Image.Image,
    opacity: float,
    depth: int,
) -> None:
    ox, oy = geometry.offset
    fill, stroke, width = _style(item, matrix, opacity)
    draw = ImageDraw.Draw(layer)
    for points in _path_strokes(item.get("path")):
        placed = [_apply(matrix, (x - ox, y - oy)) for x, y in points]
        if fill is not None and len(placed) >= 3:
            draw.polygon(placed, fill=fill)
        if stroke is not None:
            if len(placed) == 1:
                placed = placed * 2
            _polyline(draw, placed, stroke, width)


def _stroke_points(item: Mapping[str, Any]) -> list[tuple[float, float, float]]:
    value = item.get("strokePoints")
    if not _is_list(value):
        raise MalformedObject("strokePoints is not a list")
    if len(value) > MAX_POINTS:
        raise MalformedObject("too many points")
    out = []
    for point in value:
        x, y = _point(point)
        pressure = _number(point, "pressure", 1.0) if isinstance(point, Mapping) else 1.0
        out.append((x, y, min(max(pressure, 0.0), 1.0)))
    return out


def _draw_psstroke(
    item: Mapping[str, Any],
    geometry: _Geometry,
    matrix: Matrix,
    layer: Image.Image,
    opacity: float,
    depth: int,
) -> None:
    """The pressure brush: each segment as wide as the stroke width times its pressure, with
    round ends so that segments of different widths join."""
    color = parse_color(item.get("stroke"), opacity) or parse_color(item.get("fill"), opacity)
    if color is None:
        return
    ox, oy = geometry.offset
    base_width = _number(item, "strokeWidth", 1.0) * _scale_of(matrix)
    draw = ImageDraw.Draw(layer)
    placed = [
        (_apply(matrix, (x - ox, y - oy)), pressure) for x, y, pressure in _stroke_points(item)
    ]
    previous = None
    for point, pressure in placed:
        width = max(base_width * pressure, 1.0)
        radius = width / 2
        x, y = point
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=color)
        if previous is not None:
            draw.line([previous, point], fill=color, width=max(1, round(width)))
        previous = point


# --- text


@lru_cache(maxsize=1)
def font_path() -> Path | None:
    """DejaVuSans when the system has it, else None (Pillow's default font is used)."""
    return next((path for path in FONT_PATHS if path.is_file()), None)


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_path()
    if path is not None:
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def _text_size(item: Mapping[str, Any]) -> tuple[float, float]:
    """A text's own size when the object does not give it: measured at its font size."""
    text = item.get("text")
    if not isinstance(text, str):
        raise MalformedObject("text is not a string")
    font_size = _number(item, "fontSize", DEFAULT_FONT_SIZE)
    if not 0 < font_size <= 4000:
        raise MalformedObject("font size out of range")
    font = _font(max(1, round(font_size)))
    lines = text.split("\n")
    width = max((font.getlength(line) for line in lines), default=0.0)
    height = font_size * _number(item, "lineHeight", DEFAULT_LINE_HEIGHT) * len(lines)
    return _number(item, "width", width), _number(item, "height", height)


def _wrap(text: str, font: Any, width: float) -> list[str]:
    """A textbox's lines: its own line breaks, then words wrapped at its width."""
    lines = []
    for paragraph in text.split("\n"):
        words = paragraph.split(" ")
        line = ""
        for word in words:
            attempt = f"{line} {word}" if line else word
            if line and font.getlength(attempt) > width:
                lines.append(line)
                line = word
            else:
                line = attempt
        lines.append(line)
    return lines


def _draw_text(
    item: Mapping[str, Any],
    geometry: _Geometry,
    matrix: Matrix,
    layer: Image.Image,
    opacity: float,
    depth: int,
) -> None:
    """The text drawn at the resolution it ends up at, then mapped onto the layer by the
    object's transform."""
    text = item.get("text")
    if not isinstance(text, str):
        raise MalformedObject("text is not a string")
    fill = parse_color(item.get("fill", "rgb(0,0,0)"), opacity)
    stroke = parse_color(item.get("stroke"), opacity)
    if not text.strip() or (fill is None and stroke is None):
        return
    font_size = _number(item, "fontSize", DEFAULT_FONT_SIZE)
    line_height = _number(item, "lineHeight", DEFAULT_LINE_HEIGHT)
    resolution = max(_scale_of(matrix), 1e-3)
    pixels = max(1, round(font_size * resolution))
    if pixels > 4000:
        raise MalformedObject("font size too large")
    font = _font(pixels)
    kind = str(item.get("type")).lower()
    lines = (
        _wrap(text, font, geometry.width * resolution)
        if kind == "textbox" and geometry.width > 0
        else text.split("\n")
    )
    step = pixels * line_height
    text_w = max((font.getlength(line) for line in lines), default=0.0)
    box_w = max(geometry.width * resolution, text_w, 1.0)
    box_h = max(geometry.height * resolution, step * len(lines), 1.0)
    if box_w * box_h > MAX_TEXT_PIXELS:
        raise MalformedObject("text too large")
    picture = Image.new("RGBA", (math.ceil(box_w), math.ceil(box_h)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    align = str(item.get("textAlign", "left"))
    stroke_width = round(_number(item, "strokeWidth", 0.0) * resolution) if stroke else 0
    for number, line in enumerate(lines):
        x = 0.0
        if align == "center":
            x = (box_w - font.getlength(line)) / 2
        elif align == "right":
            x = box_w - font.getlength(line)
        draw.text(
            (x, number * step),
            line,
            font=font,
            fill=fill or (0, 0, 0, 0),
            stroke_width=stroke_width,
            stroke_fill=stroke,
        )
    # The text picture's pixel (u, v) is the local point (u/resolution - w/2, v/resolution - h/2).
    local_w, local_h = box_w / resolution, box_h / resolution
    to_local: Matrix = (1 / resolution, 0.0, 0.0, 1 / resolution, -local_w / 2, -local_h / 2)
    forward = _multiply(matrix, to_local)
    inverse = _invert(forward)
    # Pillow's AFFINE data maps output to input as (a, b, c, d, e, f): x = ax + by + c.
    a, b, c, d, e, f = inverse
    placed = picture.transform(
        layer.size, Image.Transform.AFFINE, (a, c, e, b, d, f), Image.Resampling.BICUBIC
    )
    layer.alpha_composite(placed)


# --- groups and the eraser


def _draw_group(
    item: Mapping[str, Any],
    geometry: _Geometry,
    matrix: Matrix,
    layer: Image.Image,
    opacity: float,
    depth: int,
) -> None:
    children = item.get("objects")
    if not _is_list(children):
        raise MalformedObject("group objects is not a list")
    for child in children:
        if not isinstance(child, Mapping):
            continue
        if opacity < 1:
            child = {**child, "opacity": _number(child, "opacity", 1.0) * opacity}
        try:
            drawn = _render(child, matrix, layer.size, depth + 1)
        except MalformedObject as error:
            logger.warning("Annotation group child (%s) skipped: %s", child.get("type"), error)
            continue
        if drawn is not None:
            _composite(layer, drawn)


def _erase(layer: Image.Image, eraser: Mapping[str, Any], matrix: Matrix, depth: int) -> None:
    """Clear what the eraser's paths cover (destination-out). The eraser is a group in the
    erased object's own frame; its paths are drawn as an alpha mask."""
    children = eraser.get("objects")
    if not _is_list(children) or not children:
        return
    geometry = _geometry("group", eraser)
    eraser_matrix = _multiply(matrix, _object_matrix(eraser, geometry.width, geometry.height))
    mask = Image.new("RGBA", layer.size, (0, 0, 0, 0))
    for child in children:
        if not isinstance(child, Mapping):
            continue
        # Whatever colour the eraser's brush had, it removes fully where it passes.
        child = {**child, "stroke": "#000000", "opacity": 1}
        try:
            drawn = _render(child, eraser_matrix, layer.size, depth + 1)
        except MalformedObject as error:
            logger.warning("Annotation eraser path skipped: %s", error)
            continue
        if drawn is not None:
            mask.alpha_composite(drawn)
    covered = mask.getchannel("A")
    alpha = layer.getchannel("A")
    remaining = Image.composite(Image.new("L", layer.size, 0), alpha, covered)
    layer.putalpha(remaining)


POINT_KINDS = ("path", "psstroke", "polyline", "polygon")
TEXT_KINDS = ("text", "i-text", "itext", "textbox")
DRAWERS = {
    "rect": _draw_rect,
    "circle": _draw_ellipse,
    "ellipse": _draw_ellipse,
    "line": _draw_line,
    "arrow": _draw_arrow,
    "polyline": _draw_poly,
    "polygon": _draw_poly,
    "path": _draw_path,
    "psstroke": _draw_psstroke,
    "text": _draw_text,
    "i-text": _draw_text,
    "itext": _draw_text,
    "textbox": _draw_text,
    "group": _draw_group,
}
