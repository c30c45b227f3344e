"""The fabric.js renderer (previews.media.annotation_drawing) on generated blank pictures:
each object type lands where fabric.js would put it once scaled from its canvas, and a bad
object is skipped without failing the drawing. Pure: no database."""

import logging

import pytest
from PIL import Image

from previews.media.annotation_drawing import draw_annotations, font_path, parse_color

WHITE = (255, 255, 255)
RED = (255, 0, 0)


def blank(width=400, height=200, color=WHITE):
    return Image.new("RGB", (width, height), color)


def near(pixel, expected, tolerance=12):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], expected, strict=True))


def canvas(width=400, height=200):
    return {"canvasWidth": width, "canvasHeight": height}


def red_rect(**extra):
    return {
        "type": "rect",
        "left": 50,
        "top": 40,
        "width": 100,
        "height": 60,
        "fill": None,
        "stroke": "#ff0000",
        "strokeWidth": 4,
        **canvas(),
        **extra,
    }


def test_nothing_to_draw_leaves_the_picture_as_it_was():
    picture = blank(color=(10, 120, 200))
    out = draw_annotations(picture, [])
    assert out.tobytes() == picture.tobytes()
    assert out is not picture and out.mode == "RGB"


def test_a_rect_border_is_drawn_and_its_inside_left_alone():
    out = draw_annotations(blank(), [red_rect()])
    # The border is centred on the edge: the box spans left..left+width+stroke.
    assert near(out.getpixel((52, 70)), RED)  # left edge
    assert near(out.getpixel((100, 42)), RED)  # top edge
    assert near(out.getpixel((100, 70)), WHITE)  # inside, no fill
    assert near(out.getpixel((30, 70)), WHITE)  # outside


def test_coordinates_scale_from_the_objects_canvas():
    # Drawn on a 200x100 canvas, rendered on a 400x200 picture: everything doubles.
    rect = red_rect(left=25, top=20, width=50, height=30, strokeWidth=2, **canvas(200, 100))
    out = draw_annotations(blank(), [rect])
    assert near(out.getpixel((52, 70)), RED)
    assert near(out.getpixel((100, 42)), RED)
    assert near(out.getpixel((100, 70)), WHITE)
    # Half the size on a canvas twice as large.
    small = red_rect(**canvas(800, 400))
    out = draw_annotations(blank(), [small])
    assert near(out.getpixel((26, 35)), RED)
    assert near(out.getpixel((52, 70)), WHITE)


def test_a_filled_rect_with_rgba_blends_with_the_picture():
    rect = red_rect(fill="rgba(0, 0, 255, 0.5)", stroke=None)
    out = draw_annotations(blank(), [rect])
    inside = out.getpixel((100, 70))
    assert near(inside, (128, 128, 255), tolerance=4)


def test_a_rotated_rect_turns_around_its_corner():
    # fabric turns an object about its left/top corner (origin left/top): a quarter turn
    # sends the 100x60 box from x 50..154 to x -14..50, below y 40.
    rect = red_rect(fill="#ff0000", angle=90, strokeWidth=0)
    out = draw_annotations(blank(), [rect])
    assert near(out.getpixel((20, 100)), RED)
    assert near(out.getpixel((100, 70)), WHITE)


def test_a_scaled_rect_grows_from_its_corner():
    rect = red_rect(fill="#ff0000", scaleX=2, scaleY=2, strokeWidth=0)
    out = draw_annotations(blank(), [rect])
    assert near(out.getpixel((230, 150)), RED)  # inside 50..250 x 40..160
    assert near(out.getpixel((260, 150)), WHITE)


def test_a_path_is_drawn_through_its_points():
    path = {
        "type": "path",
        "path": [["M", 20, 100], ["L", 380, 100]],
        "stroke": "#00ff00",
        "strokeWidth": 6,
        "fill": None,
        **canvas(),
    }
    out = draw_annotations(blank(), [path])
    assert near(out.getpixel((200, 100)), (0, 255, 0))
    assert near(out.getpixel((200, 110)), WHITE)


def test_a_path_moved_after_drawing_follows_left_and_top():
    # A fabric path keeps its points; moving it changes left/top only (pathOffset: the
    # centre of its points).
    path = {
        "type": "path",
        "path": [["M", 100, 50], ["Q", 150, 50, 200, 50]],
        "pathOffset": {"x": 150, "y": 50},
        "left": 97,
        "top": 147,
        "width": 100,
        "height": 0,
        "stroke": "#0000ff",
        "strokeWidth": 6,
        **canvas(),
    }
    out = draw_annotations(blank(), [path])
    assert near(out.getpixel((150, 150)), (0, 0, 255))
    assert near(out.getpixel((150, 50)), WHITE)


def test_pressure_changes_a_strokes_width():
    stroke = {
        "type": "psstroke",
        "strokePoints": [
            {"x": 20, "y": 100, "pressure": 0.1},
            {"x": 200, "y": 100, "pressure": 0.1},
            {"x": 380, "y": 100, "pressure": 1.0},
        ],
        "stroke": "#000000",
        "strokeWidth": 30,
        **canvas(),
    }
    out = draw_annotations(blank(), [stroke])
    assert near(out.getpixel((100, 100)), (0, 0, 0))
    assert near(out.getpixel((100, 110)), WHITE)  # thin where the pressure is low
    assert near(out.getpixel((375, 110)), (0, 0, 0))  # 30 wide at full pressure


def test_an_ellipse_and_a_circle():
    ellipse = {"type": "ellipse", "left": 20, "top": 20, "rx": 40, "ry": 20, "fill": "#ff0000",
               "strokeWidth": 0, **canvas()}  # fmt: skip
    circle = {"type": "circle", "left": 200, "top": 50, "radius": 30, "fill": "blue",
              "strokeWidth": 0, **canvas()}  # fmt: skip
    out = draw_annotations(blank(), [ellipse, circle])
    assert near(out.getpixel((60, 40)), RED)
    assert near(out.getpixel((22, 22)), WHITE)  # the box's corner is outside the ellipse
    assert near(out.getpixel((230, 80)), (0, 0, 255))


def test_an_arrow_in_canvas_coordinates_has_its_head_at_the_end():
    arrow = {"type": "arrow", "x1": 20, "y1": 100, "x2": 300, "y2": 100, "stroke": "#ff0000",
             "strokeWidth": 4, **canvas()}  # fmt: skip
    out = draw_annotations(blank(), [arrow])
    assert near(out.getpixel((150, 100)), RED)
    assert near(out.getpixel((288, 105)), RED)  # the head is wider than the body
    assert near(out.getpixel((150, 106)), WHITE)
    assert near(out.getpixel((310, 100)), WHITE)


def test_line_polyline_and_polygon():
    line = {"type": "line", "x1": 10, "y1": 10, "x2": 110, "y2": 10, "stroke": "#000",
            "strokeWidth": 4, **canvas()}  # fmt: skip
    polygon = {"type": "polygon", "points": [{"x": 200, "y": 100}, {"x": 300, "y": 100},
               {"x": 250, "y": 190}], "fill": "#00ff00", "strokeWidth": 0, **canvas()}  # fmt: skip
    polyline = {"type": "polyline", "points": [{"x": 10, "y": 150}, {"x": 150, "y": 150}],
                "stroke": "#0000ff", "strokeWidth": 4, "fill": None, **canvas()}  # fmt: skip
    out = draw_annotations(blank(), [line, polygon, polyline])
    assert near(out.getpixel((60, 10)), (0, 0, 0))
    assert near(out.getpixel((250, 130)), (0, 255, 0))
    assert near(out.getpixel((80, 150)), (0, 0, 255))


def test_text_is_written():
    text = {"type": "i-text", "text": "WIP", "left": 100, "top": 50, "fontSize": 60,
            "fill": "#000000", **canvas()}  # fmt: skip
    out = draw_annotations(blank(), [text])
    box = out.crop((100, 50, 260, 130)).convert("L")
    dark = sum(1 for value in box.getdata() if value < 100)
    assert dark > 300
    assert out.crop((0, 0, 90, 200)).convert("L").getextrema() == (255, 255)
    assert font_path() is not None  # DejaVuSans is on this system


def test_a_group_places_its_children_in_its_own_frame():
    # Children are relative to the group's centre; the group is moved and turned.
    group = {
        "type": "group",
        "left": 100,
        "top": 50,
        "width": 100,
        "height": 100,
        **canvas(),
        "objects": [
            {
                "type": "rect",
                "left": -50,
                "top": -50,
                "width": 20,
                "height": 20,
                "fill": "#ff0000",
                "strokeWidth": 0,
            },  # fmt: skip
        ],
    }
    out = draw_annotations(blank(), [group])
    assert near(out.getpixel((110, 60)), RED)
    turned = draw_annotations(blank(), [{**group, "angle": 90}])
    # A quarter turn about (100, 50): the child's square goes to x 80..100, y 50..70.
    assert near(turned.getpixel((90, 60)), RED)
    assert near(turned.getpixel((110, 60)), WHITE)


def test_an_eraser_removes_what_it_covers_of_its_object_only():
    erased = red_rect(fill="#ff0000", strokeWidth=0, left=50, top=40, width=100, height=60)
    erased["eraser"] = {
        "type": "eraser",
        "objects": [
            # A horizontal stroke through the rect's middle, in the rect's own frame.
            {
                "type": "path",
                "path": [["M", -60, 0], ["L", 60, 0]],
                "strokeWidth": 10,
                "stroke": "#ffffff",
            },  # fmt: skip
        ],
    }
    sibling = {"type": "rect", "left": 160, "top": 40, "width": 60, "height": 60,
               "fill": "#0000ff", "strokeWidth": 0, **canvas()}  # fmt: skip
    out = draw_annotations(blank(), [erased, sibling])
    assert near(out.getpixel((100, 70)), WHITE)  # the hole
    assert near(out.getpixel((100, 50)), RED)  # the rest of the rect
    assert near(out.getpixel((190, 70)), (0, 0, 255))  # the sibling is untouched


def test_an_empty_eraser_is_harmless():
    rect = red_rect(fill="#ff0000", eraser={"type": "eraser", "objects": []})
    assert near(draw_annotations(blank(), [rect]).getpixel((100, 70)), RED)


def test_unknown_and_malformed_objects_are_skipped(caplog):
    objects = [
        {"type": "hologram", **canvas()},
        red_rect(left="somewhere"),
        red_rect(strokeWidth=[1]),
        {"type": "path", "path": [["M", "x", 1]], "stroke": "#000", **canvas()},
        {"type": "text", "text": None, **canvas()},
        {"type": "rect", "fill": "not-a-colour", "width": 10, "height": 10, **canvas()},
        {"type": "rect", "canvasWidth": 0, "canvasHeight": 0},
        {"type": "group", "objects": "nope", **canvas()},
        "not an object",
        None,
        red_rect(left=200),  # the one good object
    ]
    with caplog.at_level(logging.WARNING, logger="previews.media.annotation_drawing"):
        out = draw_annotations(blank(), objects)
    assert near(out.getpixel((202, 70)), RED)
    assert near(out.getpixel((52, 70)), WHITE)
    assert len(caplog.records) >= 7


def test_objects_that_are_not_a_list_draw_nothing():
    picture = blank()
    assert draw_annotations(picture, {"type": "rect"}).tobytes() == picture.tobytes()


def test_background_color_fills_the_objects_box():
    text = {"type": "text", "text": "a", "left": 10, "top": 10, "width": 100, "height": 50,
            "fontSize": 10, "fill": "#000", "backgroundColor": "rgba(255,0,0,1)",
            **canvas()}  # fmt: skip
    out = draw_annotations(blank(), [text])
    assert near(out.getpixel((100, 50)), RED)


def test_an_rgba_picture_keeps_its_alpha_channel():
    picture = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    out = draw_annotations(picture, [red_rect(fill="#ff0000", **canvas(100, 100), left=10,
                                              top=10, width=20, height=20)])  # fmt: skip
    assert out.mode == "RGBA"
    assert out.getpixel((20, 20)) == (255, 0, 0, 255)
    assert out.getpixel((80, 80))[3] == 0


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        ("rgba(255, 0, 0, 0.5)", (255, 0, 0, 128)),
        ("rgb(1,2,3)", (1, 2, 3, 255)),
        ("#ff000080", (255, 0, 0, 128)),
        ("#f00", (255, 0, 0, 255)),
        ("red", (255, 0, 0, 255)),
        ("transparent", None),
        ("", None),
        (None, None),
        ("rgba(0,0,0,0)", None),
    ],
)
def test_css_colours(css, expected):
    assert parse_color(css) == expected


def test_the_canvas_maps_onto_the_area_the_picture_takes():
    # A picture centred in a larger box: its canvas covers x 100..300, y 50..150 only.
    rect = red_rect(left=0, top=0, width=100, height=50, fill="#ff0000", strokeWidth=0,
                    **canvas(200, 100))  # fmt: skip
    out = draw_annotations(blank(), [rect], area=(100, 50, 300, 150))
    assert near(out.getpixel((150, 70)), RED)
    assert near(out.getpixel((50, 20)), WHITE)
    assert near(out.getpixel((250, 120)), WHITE)
