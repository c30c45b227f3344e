"""The movie pipeline on real (generated) clips with the real ffmpeg: no database needed."""

from __future__ import annotations

import struct
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image, ImageChops

from previews import media
from previews.media import (
    MediaError,
    MovieInfo,
    MovieSettings,
    is_web_ready,
    probe_movie,
    render_movie,
    target_size,
    tile_layout,
)

NTSC_FILM = Fraction(24000, 1001)
SETTINGS = MovieSettings(height=360, width=640, frame_rate=NTSC_FILM)


# ---------------------------------------------------------------------------------------------
# Helpers


def top_level_boxes(path: Path) -> list[str]:
    """Types of the top-level ISO BMFF boxes, in file order."""
    boxes = []
    with open(path, "rb") as handle:
        while header := handle.read(8):
            size, kind = struct.unpack(">I4s", header)
            boxes.append(kind.decode("latin-1"))
            if size == 1:
                size = struct.unpack(">Q", handle.read(8))[0]
                handle.seek(size - 16, 1)
            elif size == 0:
                break
            else:
                handle.seek(size - 8, 1)
    return boxes


def video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [bytes(packet) for packet in container.demux(stream) if packet.size]


def audio_streams(path: Path) -> list[tuple[str, float]]:
    """(codec, duration in seconds) of every audio stream."""
    with av.open(str(path)) as container:
        return [
            (stream.codec_context.codec.canonical_name, float(stream.duration * stream.time_base))
            for stream in container.streams.audio
        ]


def video_profile(path: Path) -> str | None:
    with av.open(str(path)) as container:
        return container.streams.video[0].profile


def is_black(image: Image.Image, box: tuple[int, int, int, int]) -> bool:
    """Every channel of the region at most 20 (black after YUV rounding)."""
    extrema = image.convert("RGB").crop(box).getextrema()
    return all(high <= 20 for _low, high in extrema)


def assert_rendition(info: MovieInfo, *, size: tuple[int, int], frames: int, rate=NTSC_FILM):
    assert (info.width, info.height) == size
    assert info.frame_count == frames
    assert info.frame_rate == rate
    assert info.sample_aspect_ratio == 1
    assert info.video_codec == "h264"
    assert info.pixel_format == "yuv420p"
    assert info.audio_codec == "aac"
    assert info.max_keyframe_interval <= 12
    assert info.duration == pytest.approx(frames / rate, abs=1e-3)


def assert_outputs(renditions: media.MovieRenditions, *, frames: int, rate=NTSC_FILM):
    """Everything every render must satisfy (640×360 project settings)."""
    assert_rendition(renditions.high_def_info, size=(640, 360), frames=frames, rate=rate)
    assert renditions.low_def_info.width <= renditions.high_def_info.width
    for path in (renditions.high_def, renditions.low_def):
        boxes = top_level_boxes(path)
        assert boxes.index("moov") < boxes.index("mdat"), boxes
        if path == renditions.low_def or not renditions.remuxed:
            assert video_profile(path) == "High"  # encoded here (a copy keeps the source's)
        ((codec, audio_duration),) = audio_streams(path)
        assert codec == "aac"
        assert audio_duration == pytest.approx(frames / rate, abs=0.03)
    with Image.open(renditions.poster) as poster:
        assert poster.format == "PNG"
        assert poster.size == (640, 360)
    layout = tile_layout(frames, Fraction(640, 360))
    with Image.open(renditions.tile) as tile:
        assert tile.format == "PNG"
        assert tile.size == (layout.width, layout.height)


@pytest.fixture
def ffmpeg_runs(monkeypatch):
    """Every ffmpeg command started through subprocess (the real Popen still runs it)."""
    started: list[list[str]] = []
    real_popen, real_run = subprocess.Popen, subprocess.run

    def popen(argv, *args, **kwargs):
        started.append(list(argv))
        return real_popen(argv, *args, **kwargs)

    def run(argv, *args, **kwargs):
        started.append(list(argv))
        return real_run(argv, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    monkeypatch.setattr(subprocess, "run", run)
    return started


# ---------------------------------------------------------------------------------------------
# Probing


def test_probe_ntsc_film_with_b_frames(clip_2398_audio_bframes):
    info = probe_movie(clip_2398_audio_bframes)

    assert (info.width, info.height) == (320, 180)
    assert info.frame_rate == NTSC_FILM
    assert isinstance(info.frame_rate, Fraction)
    assert info.frame_count == 48
    assert info.duration == pytest.approx(48 * 1001 / 24000, abs=1e-6)
    assert info.video_codec == "h264"
    assert info.pixel_format == "yuv420p"
    assert info.audio_codec == "aac"
    assert info.sample_aspect_ratio == 1
    assert info.display_aspect_ratio == Fraction(16, 9)
    assert info.max_keyframe_interval == 48  # one keyframe (-g 48)
    assert "mp4" in info.format_name.split(",")
    assert info.rotation == 0
    # The clip really has B-frames: decode order differs from presentation order.
    with av.open(str(clip_2398_audio_bframes)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.has_b_frames
        pts = [packet.pts for packet in container.demux(stream) if packet.size]
        assert pts != sorted(pts)


def test_probe_mpeg4_avi(clip_mpeg4_avi):
    info = probe_movie(clip_mpeg4_avi)

    assert (info.video_codec, info.audio_codec, info.format_name) == ("mpeg4", "pcm_s16le", "avi")
    assert info.frame_rate == 30
    assert info.frame_count == 60
    assert info.duration == pytest.approx(2.0)


def test_probe_webm_falls_back_to_container_duration(clip_webm):
    with av.open(str(clip_webm)) as container:
        # Zou reads the duration from the video stream only, and fails on such a file.
        assert container.streams.video[0].duration is None

    info = probe_movie(clip_webm)

    assert info.video_codec == "vp9"
    assert info.audio_codec == "opus"
    assert info.frame_rate == 25
    assert info.frame_count == 50  # counted by demuxing: Matroska declares none
    assert info.duration == pytest.approx(2.0, abs=0.05)


def test_probe_anamorphic(clip_anamorphic):
    info = probe_movie(clip_anamorphic)

    assert (info.width, info.height) == (240, 180)
    assert info.sample_aspect_ratio == Fraction(4, 3)
    assert info.display_aspect_ratio == Fraction(16, 9)


def test_probe_without_audio(clip_25_silent):
    info = probe_movie(clip_25_silent)

    assert info.audio_codec is None
    assert info.frame_rate == 25
    assert info.frame_count == 50


def test_probe_random_bytes(clip_random_bytes):
    with pytest.raises(MediaError, match=r"^Unreadable movie: ") as caught:
        probe_movie(clip_random_bytes)
    assert str(clip_random_bytes) not in str(caught.value)  # no server path shown to users


def test_probe_truncated_without_index(clip_truncated):
    with pytest.raises(MediaError, match=r"^Unreadable movie: "):
        probe_movie(clip_truncated)


def test_probe_truncated_with_index_in_front(clip_truncated_faststart):
    with pytest.raises(MediaError, match=r"^Unreadable movie: the file is truncated"):
        probe_movie(clip_truncated_faststart)


def test_probe_audio_only(clip_audio_only):
    with pytest.raises(MediaError) as caught:
        probe_movie(clip_audio_only)
    assert str(caught.value) == "No video stream in the file."


def test_probe_missing_file(tmp_path):
    with pytest.raises(MediaError, match=r"^Unreadable movie: "):
        probe_movie(tmp_path / "nothing.mp4")


# ---------------------------------------------------------------------------------------------
# Geometry and decisions (pure)


def info_of(**changes) -> MovieInfo:
    values = dict(
        width=640,
        height=360,
        sample_aspect_ratio=Fraction(1),
        frame_rate=NTSC_FILM,
        frame_count=72,
        duration=72 * 1001 / 24000,
        video_codec="h264",
        pixel_format="yuv420p",
        audio_codec="aac",
        max_keyframe_interval=12,
        format_name="mov,mp4,m4a,3gp,3g2,mj2",
    )
    values.update(changes)
    return MovieInfo(**values)


def test_target_size_uses_project_size_or_display_ratio():
    assert target_size(info_of(width=320, height=240), SETTINGS) == (640, 360)
    free = MovieSettings(height=360, width=None, frame_rate=NTSC_FILM)
    assert target_size(info_of(width=320, height=240), free) == (480, 360)
    # Anamorphic: the display ratio counts, not the coded raster.
    anamorphic = info_of(width=240, height=180, sample_aspect_ratio=Fraction(4, 3))
    assert target_size(anamorphic, free) == (640, 360)
    # floor(4/3 × 361) = 481: odd width and odd height both get +1 (Zou's rule).
    odd = MovieSettings(height=361, width=None, frame_rate=NTSC_FILM)
    assert target_size(info_of(width=320, height=240), odd) == (482, 362)
    # A quarter-turn display matrix swaps the displayed ratio.
    assert target_size(info_of(rotation=90), free) == (202, 360)


def test_low_def_is_never_wider_than_high_def():
    assert media.low_def_size((1920, 1080), SETTINGS) == (1280, 720)
    assert media.low_def_size((640, 360), SETTINGS) == (640, 360)
    assert media.low_def_size((2048, 858), SETTINGS) == (1280, 536)


def test_is_web_ready():
    assert is_web_ready(info_of(), SETTINGS)
    assert not is_web_ready(info_of(max_keyframe_interval=13), SETTINGS)
    assert not is_web_ready(info_of(frame_rate=Fraction(24)), SETTINGS)
    assert not is_web_ready(info_of(frame_rate=Fraction(2997, 125)), SETTINGS)
    assert not is_web_ready(info_of(width=1280, height=720), SETTINGS)
    assert not is_web_ready(info_of(sample_aspect_ratio=Fraction(4, 3)), SETTINGS)
    assert not is_web_ready(info_of(pixel_format="yuv422p"), SETTINGS)
    assert not is_web_ready(info_of(video_codec="hevc"), SETTINGS)
    assert not is_web_ready(info_of(format_name="matroska,webm"), SETTINGS)
    assert not is_web_ready(info_of(frame_count=80), SETTINGS)  # variable frame rate
    assert not is_web_ready(info_of(rotation=90), SETTINGS)
    assert not is_web_ready(info_of(video_bit_rate=80_000_000), SETTINGS)
    assert is_web_ready(info_of(video_bit_rate=20_000_000), SETTINGS)


def layout_of(frames: int, ratio: Fraction) -> tuple[int, int, int, int, int]:
    layout = tile_layout(frames, ratio)
    return layout.columns, layout.rows, layout.cell_width, layout.cell_height, layout.step


def test_tile_layout():
    # 48 frames of 16:9: 8 columns × 6 rows of 178×100 cells, a 1424×600 sheet.
    assert layout_of(48, Fraction(16, 9)) == (8, 6, 178, 100, 1)
    assert (tile_layout(48, Fraction(16, 9)).width, tile_layout(48, Fraction(16, 9)).height) == (
        1424,
        600,
    )
    # Zou's verified example: 77 frames of 4:3 → 10 rows of 134 px cells (1072×1000).
    assert layout_of(77, Fraction(4, 3)) == (8, 10, 134, 100, 1)
    # 3840 frames fill the 480 rows exactly; beyond, every k-th frame, k = ceil(frames / 3840).
    assert layout_of(3840, Fraction(16, 9)) == (8, 480, 178, 100, 1)
    assert layout_of(3841, Fraction(16, 9)) == (8, 480, 178, 100, 2)
    assert layout_of(10_000, Fraction(16, 9)) == (8, 480, 178, 100, 3)
    assert layout_of(100_000, Fraction(16, 9))[1] == 480  # the row cap holds
    # 3 s at 23.976 fps are 72 frames (older Zou read the rate's numerator as the rate and
    # got "9250" frames and 480 rows).
    frames = round(Fraction(3003, 1000) * NTSC_FILM)
    assert frames == 72
    assert layout_of(frames, Fraction(16, 9)) == (8, 9, 178, 100, 1)
    # Degenerate inputs stay usable.
    assert layout_of(1, Fraction(1)) == (8, 1, 100, 100, 1)
    assert layout_of(0, Fraction(1)) == (8, 1, 100, 100, 1)


def test_output_frame_count():
    count = media.output_frame_count
    assert count(info_of(frame_count=48), NTSC_FILM) == 48
    assert count(info_of(frame_count=60, frame_rate=Fraction(30)), NTSC_FILM) == 48
    assert count(info_of(frame_count=50, frame_rate=Fraction(25)), Fraction(25)) == 50


def test_last_error_line():
    log = (
        "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x19520dc0] moov atom not found\n"
        "[in#0 @ 0x19520a40] Error opening input: Invalid data found when processing input\n"
        "Error opening input file /srv/tmp/x.mp4.\n"
        "Error opening input files: Invalid data found when processing input\n"
    )
    expected = "Error opening input: Invalid data found when processing input"
    assert media.last_error_line(log) == expected
    # ffmpeg 7 lets every thread report its end after the cause.
    log = (
        "x264 [error]: invalid preset 'nope'\n"
        "[libx264 @ 0x25293640] Error setting preset/tune nope/(null).\n"
        "[vost#0:0/libx264 @ 0x25291a40] Error while opening encoder - maybe incorrect "
        "parameters such as bit_rate, rate, width or height.\n"
        "[fc#0 @ 0x4359fc00] Error sending frames to consumers: Invalid argument\n"
        "[fc#0 @ 0x4359fc00] Task finished with error code: -22 (Invalid argument)\n"
        "[fc#0 @ 0x4359fc00] Terminating thread with return code -22 (Invalid argument)\n"
        "[vost#1:0/libx264 @ 0x435dcfc0] Could not open encoder before EOF\n"
        "[out#0/mp4 @ 0x435e3940] Nothing was written into output file, because at least one "
        "of its streams received no packets.\n"
    )
    assert media.last_error_line(log) == "Error setting preset/tune nope/(null)."
    assert media.last_error_line("") == "ffmpeg failed without a message."


# ---------------------------------------------------------------------------------------------
# Rendering


def test_render_ntsc_film_with_audio_and_b_frames(clip_2398_audio_bframes, tmp_path, ffmpeg_runs):
    renditions = render_movie(clip_2398_audio_bframes, tmp_path, SETTINGS, timeout=120)

    assert not renditions.remuxed
    assert_outputs(renditions, frames=48)
    assert_rendition(renditions.low_def_info, size=(640, 360), frames=48)
    # 48 frames of 16:9: 8 × 6 cells of 178 × 100.
    with Image.open(renditions.tile) as tile:
        assert tile.size == (1424, 600)
    # One ffmpeg process, reading the source once, wrote all four outputs.
    assert len(ffmpeg_runs) == 1
    argv = ffmpeg_runs[0]
    assert argv.count("-i") == 1
    assert "fps=24000/1001" in argv[argv.index("-filter_complex") + 1]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        path.name
        for path in (renditions.high_def, renditions.low_def, renditions.poster, renditions.tile)
    )


def test_render_without_audio_gets_a_silent_track(clip_25_silent, tmp_path, ffmpeg_runs):
    settings = MovieSettings(height=360, width=640, frame_rate=Fraction(25), ld_width=320)

    renditions = render_movie(clip_25_silent, tmp_path, settings, timeout=120)

    assert_outputs(renditions, frames=50, rate=Fraction(25))
    # 50 frames: 7 rows of 8 cells, the last 6 cells unused (black).
    with Image.open(renditions.tile) as tile:
        assert tile.size == (8 * 178, 7 * 100)
        assert not is_black(tile, (0, 0, 178, 100))
        assert not is_black(tile, (178, 600, 2 * 178, 700))  # cell 50
        assert is_black(tile, (2 * 178, 600, 8 * 178, 700))
    assert_rendition(renditions.low_def_info, size=(320, 180), frames=50, rate=Fraction(25))
    assert len(ffmpeg_runs) == 1
    for path in (renditions.high_def, renditions.low_def):
        ((codec, duration),) = audio_streams(path)
        assert duration == pytest.approx(2.0, abs=0.03)
        with av.open(str(path)) as container:
            audio = container.streams.audio[0].codec_context
            assert (audio.sample_rate, audio.channels) == (48000, 2)


@pytest.mark.parametrize("clip", ["clip_long_audio", "clip_short_audio"])
def test_render_fits_the_audio_to_the_video(clip, request, tmp_path):
    source = request.getfixturevalue(clip)
    settings = MovieSettings(height=360, width=640, frame_rate=Fraction(25))

    renditions = render_movie(source, tmp_path, settings, timeout=120)

    # assert_outputs checks each audio track lasts the video's 2 s (padded or cut).
    assert_outputs(renditions, frames=50, rate=Fraction(25))
    assert renditions.high_def_info.duration == pytest.approx(2.0)


def test_render_portrait_is_pillarboxed(clip_portrait, tmp_path):
    renditions = render_movie(clip_portrait, tmp_path, SETTINGS, timeout=120)

    assert_outputs(renditions, frames=48)
    with Image.open(renditions.poster) as poster:
        # 180×320 fits as 202×360 (even) in the middle: 219 px black bars on both sides.
        assert is_black(poster, (0, 0, 210, 360))
        assert is_black(poster, (430, 0, 640, 360))
        assert not is_black(poster, (230, 0, 410, 360))


def test_render_anamorphic_is_desqueezed(clip_anamorphic, tmp_path):
    renditions = render_movie(clip_anamorphic, tmp_path, SETTINGS, timeout=120)

    assert_outputs(renditions, frames=48)
    with Image.open(renditions.poster) as poster:
        # 16:9 once de-squeezed: it fills the 16:9 frame, no bars (a stretch would not be
        # detected here, a pillarbox would be: 240×180 at square pixels is 4:3).
        assert not is_black(poster, (0, 0, 60, 360))
        assert not is_black(poster, (580, 0, 640, 360))


def test_probe_and_render_rotated(clip_rotated, tmp_path):
    info = probe_movie(clip_rotated)
    assert (info.width, info.height) == (320, 180)  # coded raster
    assert info.rotation in (90, 270)
    assert info.display_aspect_ratio == Fraction(9, 16)
    assert not is_web_ready(info, SETTINGS)

    renditions = render_movie(clip_rotated, tmp_path, SETTINGS, timeout=120, info=info)

    assert_outputs(renditions, frames=48)
    assert renditions.high_def_info.rotation == 0
    with Image.open(renditions.poster) as poster:  # upright, hence pillarboxed
        assert is_black(poster, (0, 0, 210, 360))
        assert not is_black(poster, (230, 0, 410, 360))


def test_render_letterboxes_wide_sources(clip_2398_audio_bframes, tmp_path):
    """16:9 into a 4:3 project: black bars above and below."""
    settings = MovieSettings(height=480, width=640, frame_rate=NTSC_FILM)

    renditions = render_movie(clip_2398_audio_bframes, tmp_path, settings, timeout=120)

    assert (renditions.high_def_info.width, renditions.high_def_info.height) == (640, 480)
    with Image.open(renditions.poster) as poster:
        assert poster.size == (640, 480)
        assert is_black(poster, (0, 0, 640, 55))  # 640×360 picture, 60 px bars
        assert is_black(poster, (0, 425, 640, 480))
        assert not is_black(poster, (0, 70, 640, 410))


def test_render_mpeg4_avi_changes_frame_rate(clip_mpeg4_avi, tmp_path):
    renditions = render_movie(clip_mpeg4_avi, tmp_path, SETTINGS, timeout=120)

    # 60 frames at 30 fps are 2 s: 48 frames at 24000/1001 (2.002 s).
    assert_outputs(renditions, frames=48)
    assert renditions.low_def_info.frame_count == 48


def test_render_webm(clip_webm, tmp_path):
    settings = MovieSettings(height=360, width=640, frame_rate=Fraction(25))

    renditions = render_movie(clip_webm, tmp_path, settings, timeout=120)

    assert_outputs(renditions, frames=50, rate=Fraction(25))


def test_render_web_ready_source_is_stream_copied(clip_web_ready, tmp_path, ffmpeg_runs):
    info = probe_movie(clip_web_ready)
    assert info.max_keyframe_interval <= 12
    assert is_web_ready(info, SETTINGS)

    renditions = render_movie(clip_web_ready, tmp_path, SETTINGS, timeout=120, info=info)

    assert renditions.remuxed
    assert_outputs(renditions, frames=72)
    assert video_profile(renditions.high_def) == "High"
    with av.open(str(renditions.high_def)) as container:
        assert container.streams.video[0].codec_context.has_b_frames
    assert video_packets(renditions.high_def) == video_packets(clip_web_ready)
    assert_rendition(renditions.low_def_info, size=(640, 360), frames=72)
    assert video_packets(renditions.low_def) != video_packets(clip_web_ready)  # encoded
    assert len(ffmpeg_runs) == 1
    argv = ffmpeg_runs[0]
    assert argv.count("-i") == 1
    assert argv[argv.index("0:V:0") + 1 : argv.index("0:V:0") + 3] == ["-c:v", "copy"]


def test_render_long_gop_source_is_reencoded(clip_long_gop, tmp_path):
    info = probe_movie(clip_long_gop)
    assert info.max_keyframe_interval == 72
    assert not is_web_ready(info, SETTINGS)

    renditions = render_movie(clip_long_gop, tmp_path, SETTINGS, timeout=120, info=info)

    assert not renditions.remuxed
    assert_outputs(renditions, frames=72)
    assert video_packets(renditions.high_def) != video_packets(clip_long_gop)


def test_render_timeout_kills_ffmpeg_and_cleans_up(clip_web_ready, tmp_path):
    # A 1080p slow encode of 3 s cannot finish in 0.5 s on any machine this runs on.
    settings = MovieSettings(height=1080, width=1920, frame_rate=NTSC_FILM, hd_preset="slow")

    with pytest.raises(MediaError) as caught:
        render_movie(clip_web_ready, tmp_path, settings, timeout=0.5)

    assert str(caught.value) == "Processing took longer than 0.5 s."
    assert list(tmp_path.iterdir()) == []


def test_render_ffmpeg_failure_reports_the_reason_and_cleans_up(clip_25_silent, tmp_path):
    settings = MovieSettings(height=360, width=640, frame_rate=Fraction(25), hd_preset="nope")

    with pytest.raises(MediaError) as caught:
        render_movie(clip_25_silent, tmp_path, settings, timeout=120)

    assert str(caught.value) == "Unreadable movie: Error setting preset/tune nope/(null)."
    assert str(tmp_path) not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_render_corrupt_source_raises(clip_random_bytes, tmp_path):
    with pytest.raises(MediaError, match=r"^Unreadable movie: "):
        render_movie(clip_random_bytes, tmp_path, SETTINGS, timeout=120)
    assert list(tmp_path.iterdir()) == []


def test_render_audio_only_raises(clip_audio_only, tmp_path):
    with pytest.raises(MediaError, match=r"^No video stream in the file\.$"):
        render_movie(clip_audio_only, tmp_path, SETTINGS, timeout=120)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# Single frames


def decoded_frames(path: Path) -> list[Image.Image]:
    with av.open(str(path)) as container:
        return [frame.to_image() for frame in container.decode(video=0)]


def same_picture(a: Image.Image, b: Image.Image) -> bool:
    return (
        a.size == b.size
        and ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None
    )


@pytest.mark.parametrize("clip", ["clip_web_ready", "clip_long_gop"])
def test_extract_frame_by_number(clip, request):
    """Frames 1, 30 and the last of a 72-frame movie at 24000/1001 with B-frames, exactly; with
    a keyframe every 12 frames and with a single keyframe."""
    clip_web_ready = request.getfixturevalue(clip)
    frames = decoded_frames(clip_web_ready)
    assert len(frames) == 72
    for number in (1, 30, 72):
        picture = media.extract_frame(clip_web_ready, number)
        assert picture.mode == "RGB"
        assert same_picture(picture, frames[number - 1]), number
    # Zou's default frame 0 and negative numbers are the first frame.
    for number in (0, -5):
        assert same_picture(media.extract_frame(clip_web_ready, number), frames[0])


def test_extract_frame_beyond_the_end(clip_web_ready):
    with pytest.raises(media.FrameOutOfRange) as caught:
        media.extract_frame(clip_web_ready, 73)
    assert (caught.value.frame_number, caught.value.frame_count) == (73, 72)
    assert "72 frames" in str(caught.value)
    assert media.frame_count(clip_web_ready) == 72


def test_extract_frame_of_an_unreadable_file(clip_random_bytes):
    with pytest.raises(MediaError, match=r"^Unreadable movie: "):
        media.extract_frame(clip_random_bytes, 1)
