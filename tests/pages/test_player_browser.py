"""End to end in headless Chromium (Debian's /usr/bin/chromium driven by Playwright for Python;
Playwright's own browser builds are never downloaded): log in, walk from the productions to the
production, its asset and the task's history by their links, open a movie preview processed by
the real pipeline, step frames with the keyboard and check both the frame number shown and the
frame the video shows (a counting clip: each frame shows its index as bars,
tests/previews/clips.py), see a drawing over its frame.

The server is pytest-django's live server (a thread of this process on loopback, on the test
database). Screenshots are saved under test-artifacts/pages/ at the repository's root
(git-ignored), or the folder PAGES_ARTIFACTS names. The browser is closed whatever happens
(context managers)."""

import io
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from previews.models import PreviewFile, PreviewStatus
from production import services as production_services
from tests.conftest import PASSWORD
from tests.previews.clips import frame_index_of, make_counting_clip

pytestmark = [pytest.mark.live, pytest.mark.ffmpeg]

CHROMIUM = Path("/usr/bin/chromium")
FRAMES = 60  # 2.5 s at 24000/1001
ARTIFACTS = (
    Path(
        os.environ.get("PAGES_ARTIFACTS") or Path(__file__).resolve().parents[2] / "test-artifacts"
    )
    / "pages"
)
# Generous: a busy 2-core machine decodes and seeks slowly.
WAIT_MS = 60_000

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def movie(small_task, admin, client_for, tmp_path) -> PreviewFile:
    """The counting clip uploaded on the task and processed in the request (no job), with a
    drawing on frame 5 (its time, 4 / rate, is frame 5's start)."""
    clip = make_counting_clip(
        tmp_path / "counting.mp4",
        frames=FRAMES,
        video_args=("-c:v", "libx264", "-preset", "veryfast", "-g", "12", "-pix_fmt", "yuv420p"),
    )
    comment = production_services.create_comment(
        task=small_task, task_status=small_task.task_status, author=admin
    )
    api = client_for(admin)
    slot = api.post(
        f"/api/actions/tasks/{small_task.pk}/comments/{comment.pk}/add-preview", {}, format="json"
    )
    assert slot.status_code == 201, slot.content
    with clip.open("rb") as handle:
        uploaded = api.post(
            f"/api/pictures/preview-files/{slot.json()['id']}?no_job=true",
            {"file": handle},
            format="multipart",
        )
    assert uploaded.status_code == 201, uploaded.content
    preview = PreviewFile.objects.get(pk=slot.json()["id"])
    assert preview.status == PreviewStatus.READY, preview.broken_reason
    assert preview.data["frame_rate"] == "24000/1001"
    rect = {
        "type": "rect", "left": 8, "top": 8, "width": 40, "height": 20,
        "stroke": "#ff0000", "strokeWidth": 3, "fill": "transparent",
        "canvasWidth": 320, "canvasHeight": 180,
    }  # fmt: skip
    preview.annotations = [{"time": 4 * 1001 / 24000, "drawing": {"objects": [rect]}}]
    preview.save(update_fields=["annotations"])
    return preview


@pytest.fixture
def small_task(project, task):
    """Normalize to 320x180 (the clip's size): processing stays quick."""
    project.resolution = "320x180"
    project.save(update_fields=["resolution"])
    return task


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            # Root in CI: Chromium's sandbox needs a user namespace it may not have there.
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts(request) -> Path:
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def shown_frame(page) -> int:
    """The frame (from 1) the <video> shows, read from its pixels."""
    picture = Image.open(io.BytesIO(page.locator("video").screenshot()))
    return frame_index_of(picture) + 1


def test_log_in_walk_to_the_task_and_step_frames(
    live_server, movie, small_task, project, admin, artifacts, browser
):
    # `browser` comes last: Playwright's sync API runs an event loop in this thread, where
    # Django then refuses database work, so every row is written before it starts.
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(WAIT_MS)
    problems: list[str] = []  # the page's script errors and failed requests, shown on failure
    page.on("pageerror", lambda error: problems.append(f"script: {error}"))
    page.on(
        "response",
        lambda answer: answer.status >= 400
        and not answer.url.endswith("/favicon.ico")
        and problems.append(f"{answer.status} {answer.url}"),
    )

    page.goto(f"{live_server.url}/tasks/{small_task.pk}/")
    assert "/login/" in page.url  # a visitor is sent to log in, then comes back
    page.fill('input[name="username"]', admin.email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"], input[type="submit"]')
    page.wait_for_url(f"{live_server.url}/tasks/{small_task.pk}/")

    # From the productions to the production, its asset, the task: by their links.
    page.goto(f"{live_server.url}/")
    page.screenshot(path=str(artifacts / "1-productions.png"), full_page=True)
    page.click(f'a[href="/projects/{project.pk}/"]')
    page.wait_for_url(f"{live_server.url}/projects/{project.pk}/")
    page.click(f'a[href="/entities/{small_task.entity_id}/"]')
    page.wait_for_url(f"{live_server.url}/entities/{small_task.entity_id}/")
    page.click(f'a[href="/tasks/{small_task.pk}/"]')
    page.wait_for_url(f"{live_server.url}/tasks/{small_task.pk}/")
    page.screenshot(path=str(artifacts / "2-task.png"), full_page=True)
    page.click(f'a[href="/previews/{movie.pk}/"]')
    page.wait_for_url(f"{live_server.url}/previews/{movie.pk}/")

    player = page.locator("#player")
    (artifacts / "preview.html").write_text(page.content())  # what the browser got
    assert not problems, problems
    page.wait_for_function(
        "() => { const v = document.querySelector('video'); return v.readyState >= 2 || v.error; }"
    )
    error = page.evaluate(
        "() => { const e = document.querySelector('video').error; "
        "return e && (e.code + ' ' + e.message); }"
    )
    assert error is None, error
    page.wait_for_selector('#player[data-loaded="true"]', state="attached")
    page.wait_for_selector('#player[data-tiles="true"]', state="attached")
    output = page.locator("#frame-number")
    assert output.inner_text() == f"Frame 1 / {FRAMES}"
    player.focus()

    def step(key: str, expected: int) -> None:
        page.keyboard.press(key)
        assert output.inner_text() == f"Frame {expected} / {FRAMES}"
        # The video has reached the frame: its pixels name it.
        page.wait_for_function("() => !document.querySelector('video').seeking")
        assert shown_frame(page) == expected

    step("ArrowRight", 2)
    step("ArrowRight", 3)
    step("ArrowLeft", 2)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert output.inner_text() == f"Frame 5 / {FRAMES}"
    page.wait_for_function("() => !document.querySelector('video').seeking")
    assert player.get_attribute("data-drawn-objects") == "1"  # the drawing of frame 5
    page.screenshot(path=str(artifacts / "3-frame-5-drawing.png"), full_page=True)
    step("ArrowRight", 6)
    assert player.get_attribute("data-drawn-objects") == "0"
    step("End", FRAMES)
    step("Home", 1)

    # Space plays, and again pauses on a frame the counter names.
    page.keyboard.press(" ")
    page.wait_for_function("() => !document.querySelector('video').paused")
    page.wait_for_timeout(500)
    page.keyboard.press(" ")
    page.wait_for_function("() => document.querySelector('video').paused")
    paused_at = int(output.inner_text().split()[1])
    assert 1 <= paused_at <= FRAMES

    # Scrubbing: the tile sheet shows the cell under the pointer.
    slider = page.locator("#scrubber")
    box = slider.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.locator(".scrub .tile").is_visible()
    page.screenshot(path=str(artifacts / "4-scrubbing.png"), full_page=True)
    assert not problems, problems


@pytest.fixture
def picture(task, admin, client_for) -> PreviewFile:
    """A PNG processed in the request, with a drawing (fabric.js' path and text)."""
    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), (40, 90, 160)).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "frame.png"
    comment = production_services.create_comment(
        task=task, task_status=task.task_status, author=admin
    )
    api = client_for(admin)
    slot = api.post(
        f"/api/actions/tasks/{task.pk}/comments/{comment.pk}/add-preview", {}, format="json"
    ).json()
    uploaded = api.post(
        f"/api/pictures/preview-files/{slot['id']}?no_job=true",
        {"file": buffer},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.content
    path = {
        "type": "path", "left": 20, "top": 20, "stroke": "#ffcc00", "strokeWidth": 4,
        "fill": None, "path": [["M", 20, 20], ["Q", 60, 80, 120, 40], ["L", 160, 90]],
        "canvasWidth": 320, "canvasHeight": 180,
    }  # fmt: skip
    text = {
        "type": "i-text", "left": 180, "top": 120, "text": "fix", "fill": "#ffffff",
        "fontSize": 24, "canvasWidth": 320, "canvasHeight": 180,
    }  # fmt: skip
    preview = PreviewFile.objects.get(pk=slot["id"])
    preview.annotations = [{"time": 0, "drawing": {"objects": [path, text]}}]
    preview.save(update_fields=["annotations"])
    return preview


def test_a_picture_preview_shows_its_drawings(live_server, picture, admin, artifacts, browser):
    page = browser.new_page(viewport={"width": 1024, "height": 800})
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{live_server.url}/login/?next=/previews/{picture.pk}/")
    page.fill('input[name="username"]', admin.email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"], input[type="submit"]')
    page.wait_for_url(f"{live_server.url}/previews/{picture.pk}/")
    page.wait_for_selector('#player[data-drawn-objects="2"]', state="attached")
    assert page.locator("video").count() == 0
    page.screenshot(path=str(artifacts / "picture-drawing.png"), full_page=True)


def test_every_page_fits_a_phone(
    live_server, movie, small_task, project, admin, artifacts, browser
):
    """On a phone-sized screen (390 px wide) no page scrolls sideways: the tables become
    stacked rows and the player shrinks to the screen (pages.css, history.css)."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.set_default_timeout(WAIT_MS)
    page.goto(f"{live_server.url}/login/")
    page.fill('input[name="username"]', admin.email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"], input[type="submit"]')
    page.wait_for_url(f"{live_server.url}/")
    pages = {
        "productions": "/",
        "project": f"/projects/{project.pk}/",
        "entity": f"/entities/{small_task.entity_id}/",
        "task": f"/tasks/{small_task.pk}/",
        "preview": f"/previews/{movie.pk}/",
    }
    wider = {}
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        page.screenshot(path=str(artifacts / f"phone-{name}.png"), full_page=True)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 390:
            wider[name] = width
    assert not wider, f"pages wider than the phone's 390 px: {wider}"
