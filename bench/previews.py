"""Previews end to end: how long a 20-second 1080p 24000/1001 movie with audio takes from
the start of its upload until its preview is `ready`, against one plain ffmpeg transcode of the
same file with the high-def rendition's settings (the ratio is the figure), and how much memory
the job worker and its ffmpeg take; and how long a 4K PNG takes from the start of its upload
until `ready` (against Zou 1.0.97's 3.35 s on this machine, issue 18). Prints figures; not a
test.

    .venv/bin/python bench/previews.py --only pictures     # the 4K picture alone (~1 minute)

    .venv/bin/python bench/previews.py                     # SQLite, Django Q's ORM broker
    .venv/bin/python bench/previews.py --broker redis      # Redis on 127.0.0.1:6379 as broker
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/previews.py                 # a fresh PostgreSQL database
    .venv/bin/python bench/previews.py --runs 1 --keep     # quicker; keep the work folder

Sources, generated once with imageio-ffmpeg's ffmpeg (lavfi `testsrc2` + a 440 Hz `sine`, 480
frames at 24000/1001 = 20.02 s, 1920x1080, AAC stereo 48 kHz) and cached in --sources (reused
while the generating command is unchanged):
  * editorial: an editorial-style export that is not web-ready (H.264 High `veryfast` at
    20 Mb/s, GOP 250, .mov without faststart): the pipeline decodes it and encodes both
    renditions.
  * web-ready: H.264 High yuv420p at the project's raster and rate, GOP 12 (the
    MOVIE_KEYFRAME_INTERVAL default), 16 Mb/s (within the 28 Mb/s high-def budget), AAC, mp4
    with faststart: the pipeline stream-copies it as the high-def and encodes only the low-def.

Baselines, measured before the service starts, per source:
  * plain transcode (timed --runs times, median): one ffmpeg process writing only what the
    pipeline's high-def output gets (previews/media/ffmpeg.py build_command: the same
    fps/scale/format/setsar/pad chain, libx264 High yuv420p with MovieSettings' preset
    (MOVIE_HIGHDEF_PRESET when set), -b:v/-maxrate/-bufsize, -g MOVIE_KEYFRAME_INTERVAL,
    AAC 192k padded/cut to the video's duration, +faststart mp4).
  * Zou's hi-def command (as Zou 1.0.97 runs it: -b 28M -preset slow, keyint=2:scenecut=0,
    scale/pad, -r 24000/1001), timed once, for reference.

The service: tests/previews/deployment.py's Deployment, i.e. gunicorn (1 worker, 4 threads) and
a real `manage.py qcluster` with Q_WORKERS=1 on a throwaway database, DEBUG=false. Its project is
set to 1920x1080 at 24000/1001 through the API (PUT /api/data/projects/<id>). Each run adds a
new preview slot to the comment and uploads the source into it (Deployment.add_movie: POST
add-preview, then the multipart upload), then polls GET /api/data/preview-files/<id> every
0.1 s until the preview leaves `processing`. Checked: status ready, data.frame_count 480,
1920x1080, and whether data.remuxed is what the source calls for.

Where the time goes (median of the runs; each boundary is known to about 0.1 s):
  upload  the slot and the upload request, until its 201 (the source moved into storage),
  queue   until the job starts (the preview's attempt_started_at; the ORM broker polls every
          0.2 s),
  probe   until the ffmpeg child appears (local copy of the source, probe_movie),
  ffmpeg  while the ffmpeg child lives (seen by the memory sampler; the worker also logs it),
  after   until `ready` is seen (probe of both renditions, tile sheet, poster variants, moving
          the media into storage, the final transaction, the client's next poll).

Memory: every 50 ms the qcluster process tree (Deployment.cluster.pid and its descendants: the
cluster's sentinel, monitor, pusher and worker processes and the worker's ffmpeg child) is read
from /proc: the summed VmRSS of the tree (its peak during the run and its value before the
upload), the ffmpeg child's VmHWM (kernel-tracked peak) and the job worker's (the ffmpeg
child's parent) VmHWM, which covers the worker's whole life (it is not restarted between runs).
The baseline ffmpeg's peak is its ru_maxrss. CPU seconds are user+system: the baselines' from
wait4, the pipeline's ffmpeg from /proc/<pid>/stat at the last sample (up to 50 ms short), and
gunicorn's (the upload and the 0.1 s polling) over the whole run.

On a shared machine other work skews every figure: before each measurement the script waits
(--quiet-wait, up to 300 s) for the machine to be idle, and it reports the CPU seconds other
processes used during each measurement ("others", from /proc/stat less the measured processes).
A measurement during which they took more than 5 % of the machine's CPU (and at least 1 CPU
second) is made again (--retries, 2 by default); the least disturbed one is kept, and a WARNING
after the table lists the kept ones that were still disturbed.
"""

import argparse
import contextlib
import hashlib
import os
import platform
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `python bench/previews.py` puts bench/ first on sys.path, where this very file would shadow
# the `previews` app: the repository root goes first instead.
sys.path[:] = [str(ROOT)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent
]

import requests  # noqa: E402

from bench.common import (  # noqa: E402
    busy_seconds,
    cpu_model,
    cpu_seconds,
    log,
    mib_text,
    process_tree,
    tree_cpu,
)
from previews import media  # noqa: E402
from tests.previews.deployment import Deployment  # noqa: E402

WIDTH, HEIGHT = 1920, 1080
RATE = Fraction(24000, 1001)
FRAMES = 480  # 20.02 s at 24000/1001
POLL_EVERY = 0.1  # seconds between preview polls
SAMPLE_EVERY = 0.05  # seconds between memory samples
READY_TIMEOUT = 900  # seconds
PICTURE_SIZE = (3840, 2160)
# Zou 1.0.97 on this machine, 4K PNG upload to `ready` (it processes pictures in the upload
# request): measured side by side in issue 18; Zou is not installed here.
ZOU_PICTURE_SECONDS = 3.35

SOURCES = {
    # name: (file name, encoding arguments, expected data["remuxed"])
    "editorial": (
        "editorial.mov",
        ["-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p", "-preset", "veryfast"]
        + ["-b:v", "20M", "-g", "250"]
        + ["-c:a", "aac", "-b:a", "192k", "-f", "mov"],
        False,
    ),
    "web-ready": (
        "web-ready.mp4",
        ["-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p", "-preset", "veryfast"]
        + ["-b:v", "16M", "-maxrate", "20M", "-bufsize", "40M", "-g", "12"]
        + ["-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart", "-f", "mp4"],
        True,
    ),
}


def spread(values: list[float], unit: str = " s") -> str:
    """Median, and the range when there are several values."""
    if not values:
        return "n/a"
    text = f"{statistics.median(values):.1f}{unit}"
    if len(values) > 1:
        text += f" ({min(values):.1f}-{max(values):.1f})"
    return text


# --- Sources --------------------------------------------------------------------------------


def generate_source(name: str, folder: Path) -> Path:
    """The source `name`, generated unless a file made by the same command is cached."""
    file_name, encoding, _ = SOURCES[name]
    duration = f"{float(FRAMES / RATE):.6f}"
    argv = [media.ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    argv += ["-f", "lavfi", "-i", f"testsrc2=size={WIDTH}x{HEIGHT}:rate={RATE}"]
    argv += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={duration}"]
    argv += ["-map", "0:v", "-map", "1:a", "-frames:v", str(FRAMES), "-ac", "2", *encoding]
    key = hashlib.sha256("\0".join(argv[1:]).encode()).hexdigest()[:10]
    path = folder / f"{Path(file_name).stem}-{key}{Path(file_name).suffix}"
    if path.exists():
        log(f"Reusing the {name} source {path}")
        return path
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".partial-{path.name}")
    log(f"Generating the {name} source ({FRAMES} frames {WIDTH}x{HEIGHT} at {RATE})...")
    started = time.perf_counter()
    done = subprocess.run([*argv, str(partial)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"Generating {name} failed:\n{done.stderr}")
    partial.rename(path)
    log(f"  {path} in {time.perf_counter() - started:.1f} s")
    return path


def describe(path: Path, info: media.MovieInfo, target: media.MovieSettings) -> str:
    return (
        f"{path.stat().st_size / 1_000_000:.1f} MB, {info.video_codec} {info.pixel_format} "
        f"{info.width}x{info.height} {media.ffmpeg.ffmpeg_rational(info.frame_rate)} fps, "
        f"{info.frame_count} frames, {(info.video_bit_rate or 0) / 1e6:.1f} Mb/s, "
        f"GOP {info.max_keyframe_interval}, audio {info.audio_codec}, "
        f"web-ready: {'yes' if media.is_web_ready(info, target) else 'no'}"
    )


# --- Baselines ------------------------------------------------------------------------------


def pipeline_settings() -> media.MovieSettings:
    """What the service uses for the bench project (previews.services.movie_settings)."""
    return media.MovieSettings(
        width=WIDTH,
        height=HEIGHT,
        frame_rate=RATE,
        hd_preset=os.environ.get("MOVIE_HIGHDEF_PRESET", media.MovieSettings.hd_preset),
        ld_preset=os.environ.get("MOVIE_LOWDEF_PRESET", media.MovieSettings.ld_preset),
        ld_x264_params=os.environ.get(
            "MOVIE_LOWDEF_X264_PARAMS", media.MovieSettings.ld_x264_params
        ),
        keyframe_interval=int(
            os.environ.get("MOVIE_KEYFRAME_INTERVAL", media.MovieSettings.keyframe_interval)
        ),
    )


def plain_transcode(source: Path, info: media.MovieInfo, target: media.MovieSettings, out: Path):
    """build_command's high-def output alone, as one single-output ffmpeg command."""
    hd_w, hd_h = media.target_size(info, target)
    fit_w, fit_h = media.geometry.fit_size(info.display_aspect_ratio, hd_w, hd_h)
    duration = media.ffmpeg.ffmpeg_seconds(
        Fraction(media.output_frame_count(info, target.frame_rate)) / target.frame_rate
    )
    graph = [
        f"[0:V:0]fps={media.ffmpeg.ffmpeg_rational(target.frame_rate)},"
        f"scale={fit_w}:{fit_h},format=yuv420p,setsar=1,"
        f"pad={hd_w}:{hd_h}:{(hd_w - fit_w) // 2}:{(hd_h - fit_h) // 2}:color=black[hd]",
        f"[0:a:0]apad=whole_dur={duration},atrim=end={duration}[hd_a]",
    ]
    argv = [media.ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error"]
    argv += ["-y", "-i", str(source), "-filter_complex", ";".join(graph), "-map", "[hd]"]
    argv += media.ffmpeg.x264_options(target.hd_bitrate, target.hd_preset, target.keyframe_interval)
    argv += ["-map", "[hd_a]", "-c:a", "aac", "-b:a", media.HD_AUDIO_BITRATE]
    argv += ["-map_chapters", "-1", "-movflags", "+faststart", "-f", "mp4", str(out)]
    return argv


def zou_hidef(source: Path, out: Path) -> list[str]:
    """Zou 1.0.97's hi-def normalization, at the bench's raster and rate."""
    scale = (
        "scale=trunc(iw*sar/2)*2:ih,"
        f"scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=decrease:force_divisible_by=2,"
        f"pad={WIDTH}:{HEIGHT}:(ow-iw)/2:(oh-ih)/2,setsar=1"
    )
    return (
        [media.ffmpeg_exe(), "-nostdin", "-hide_banner", "-nostats", "-loglevel", "error"]
        + ["-i", str(source), "-map", "0:v", "-map", "0:a", "-f", "mp4", "-b", "28M"]
        + ["-movflags", "+faststart", "-pix_fmt", "yuv420p", "-preset", "slow"]
        + ["-r", str(RATE), "-vcodec", "libx264", "-vf", scale]
        + ["-x264opts", "keyint=2:scenecut=0", "-y", str(out)]
    )


def wait_until_quiet(limit: float, service=None) -> None:
    """On a shared machine: wait (at most `limit` seconds) until the machine has been nearly
    idle (under a quarter of one core busy, the idle service's own `service()` CPU seconds
    left out) for 2 s, so that a measurement starts on a quiet machine. Other work that starts
    later is still counted (the `others` figures)."""
    if limit <= 0:
        return
    deadline = time.monotonic() + limit
    announced = False
    while True:
        before, service_before = busy_seconds(), service() if service else 0.0
        time.sleep(2)
        own = (service() - service_before) if service else 0.0
        load = (busy_seconds() - before - own) / 2
        if load < 0.25:
            return
        if time.monotonic() > deadline:
            log(f"  the machine is still busy ({load:.1f} cores); measuring anyway")
            return
        if not announced:
            log(f"  waiting for the machine to be quiet ({load:.1f} cores busy)...")
            announced = True


def is_disturbed(result) -> bool:
    """Other processes took more than 5 % of the machine's CPU (and at least 1 CPU second)
    during the measurement."""
    seconds = result.total if isinstance(result, (Run, PictureRun)) else result.seconds
    return result.others > max(1.0, 0.05 * seconds * (os.cpu_count() or 1))


def undisturbed(args, measure, describe_result, service=None):
    """`measure()` on a quiet machine; measured again (at most --retries times) while other
    processes were busy during it (is_disturbed). Returns the least disturbed result."""
    best = None
    for attempt in range(args.retries + 1):
        wait_until_quiet(args.quiet_wait, service)
        result = measure()
        log(f"  {describe_result(result)}")
        if best is None or result.others < best.others:
            best = result
        if not is_disturbed(result):
            break
        if attempt < args.retries:
            log("  disturbed by other processes: measuring again")
    return best


@dataclass
class Timed:
    seconds: float
    cpu: float  # user + system
    maxrss: int  # bytes
    others: float  # CPU seconds the rest of the machine used meanwhile


def timed_text(timed: Timed) -> str:
    return (
        f"{timed.seconds:.1f} s, {timed.cpu:.1f} CPU s, peak {mib_text(timed.maxrss)}; "
        f"other processes used {timed.others:.1f} CPU s"
    )


def time_ffmpeg(argv: list[str], out: Path) -> Timed:
    """Wall time, CPU time and peak RSS of one ffmpeg run; checks the output's frame count."""
    with tempfile.TemporaryFile() as errors:
        busy_before, own_before = busy_seconds(), time.process_time()
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        busy = busy_seconds() - busy_before - (time.process_time() - own_before)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"ffmpeg failed ({process.returncode}):\n{errors.read().decode()}")
    frames = media.probe_movie(out).frame_count
    out.unlink()
    if frames != FRAMES:
        raise SystemExit(f"{' '.join(argv)}\nwrote {frames} frames, expected {FRAMES}")
    cpu = usage.ru_utime + usage.ru_stime
    return Timed(seconds, cpu, usage.ru_maxrss * 1024, max(0.0, busy - cpu))


# --- The qcluster's memory ------------------------------------------------------------------


def read_status(pid: int) -> dict[str, str]:
    values = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            values[key] = value.strip()
    return values


def kib(values: dict[str, str], key: str) -> int:
    return int(values.get(key, "0 kB").split()[0]) * 1024


class TreeSampler:
    """Every SAMPLE_EVERY seconds, in a background thread: the summed VmRSS of the process
    tree, and for each ffmpeg process in it when it was first and last seen, its VmHWM, its
    CPU time and its parent (the job worker)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.peak = 0
        self.ffmpeg: dict[int, dict] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def total_rss(self) -> int:
        return sum(kib(read_status(member), "VmRSS") for member in process_tree(self.pid))

    def sample(self) -> None:
        now, total = time.monotonic(), 0
        for member in process_tree(self.pid):
            status = read_status(member)
            total += kib(status, "VmRSS")
            if not status.get("Name", "").startswith("ffmpeg"):
                continue
            seen = self.ffmpeg.setdefault(
                member, {"first": now, "parent": int(status.get("PPid", "0")), "hwm": 0}
            )
            seen["last"] = now
            seen["hwm"] = max(seen["hwm"], kib(status, "VmHWM"))
            seen["cpu"] = cpu_seconds(member) or seen.get("cpu", 0.0)
        self.peak = max(self.peak, total)

    def _sample(self) -> None:
        while not self.stopping.is_set():
            self.sample()
            self.stopping.wait(SAMPLE_EVERY)

    def __enter__(self):
        self.baseline = self.total_rss()
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopping.set()
        self.thread.join()
        self.sample()
        workers = {seen["parent"] for seen in self.ffmpeg.values()}
        self.worker_hwm = max((kib(read_status(pid), "VmHWM") for pid in workers), default=None)


# --- The service ----------------------------------------------------------------------------


@dataclass
class Run:
    total: float
    upload: float
    queue: float | None
    probe: float | None
    ffmpeg: float | None  # seen by the sampler
    ffmpeg_logged: float | None  # "ffmpeg finished in X s" in the worker's log
    after: float | None
    tree_before: int
    tree_peak: int
    ffmpeg_hwm: int | None
    ffmpeg_cpu: float | None
    worker_hwm: int | None
    gunicorn_cpu: float
    others: float  # CPU seconds used by processes other than the service's and this one
    remuxed: bool | None
    problems: list[str] = field(default_factory=list)


def service_cpu(deployment: Deployment) -> float:
    """CPU seconds used so far by the service's living processes (gunicorn and qcluster)."""
    return sum(tree_cpu(process.pid) for process in deployment.processes)


def configure_project(deployment: Deployment) -> None:
    task = deployment.api("GET", f"data/tasks/{deployment.setup['task_id']}").json()
    answer = deployment.api(
        "PUT",
        f"data/projects/{task['project_id']}",
        json={"resolution": f"{WIDTH}x{HEIGHT}", "fps": str(RATE)},
    )
    project = answer.json()
    if answer.status_code != 200 or (project.get("resolution"), project.get("fps")) != (
        f"{WIDTH}x{HEIGHT}",
        str(RATE),
    ):
        raise SystemExit(f"Setting the project's resolution failed: {answer.status_code} {project}")


def logged_ffmpeg_times(deployment: Deployment) -> list[float]:
    path = deployment.folder / "qcluster.log"
    text = path.read_text(errors="replace") if path.exists() else ""
    return [float(value) for value in re.findall(r"ffmpeg finished in ([0-9.]+) s", text)]


def epoch_to_monotonic(stamp: str | None) -> float | None:
    """A server timestamp (ISO, UTC, same machine) on this process's monotonic clock."""
    if not stamp:
        return None
    with contextlib.suppress(ValueError):
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            return None  # naive: the zone is unknown
        return moment.timestamp() - time.time() + time.monotonic()
    return None


def one_run(deployment: Deployment, source: Path, expect_remux: bool) -> Run:
    poller = requests.Session()
    poller.headers.update(deployment.headers)
    logged_before = len(logged_ffmpeg_times(deployment))
    gunicorn = deployment.processes[0].pid
    gunicorn_before = tree_cpu(gunicorn)
    cluster_before = tree_cpu(deployment.cluster.pid)
    busy_before, own_before = busy_seconds(), time.process_time()
    with TreeSampler(deployment.cluster.pid) as sampler:
        started = time.monotonic()
        answered = deployment.add_movie(source)
        uploaded = time.monotonic()
        job_started = None
        deadline = started + READY_TIMEOUT
        while True:
            preview = poller.get(
                f"{deployment.base_url}/data/preview-files/{answered['id']}", timeout=60
            ).json()
            now = time.monotonic()
            if job_started is None and preview.get("attempts"):
                job_started = epoch_to_monotonic(preview.get("attempt_started_at")) or now
            if preview["status"] != "processing":
                ready = now
                break
            if now > deadline:
                raise SystemExit(f"Still processing after {READY_TIMEOUT} s:\n{deployment.logs()}")
            time.sleep(POLL_EVERY)
    busy = busy_seconds() - busy_before - (time.process_time() - own_before)
    gunicorn_cpu = tree_cpu(gunicorn) - gunicorn_before
    cluster_cpu = tree_cpu(deployment.cluster.pid) - cluster_before  # ffmpeg has exited
    ffmpeg_cpu = sum(seen.get("cpu", 0.0) for seen in sampler.ffmpeg.values())
    logged = logged_ffmpeg_times(deployment)[logged_before:]

    problems = []
    data = preview.get("data") or {}
    if preview["status"] != "ready":
        problems.append(f"status {preview['status']}: {preview.get('broken_reason')}")
    if data.get("frame_count") != FRAMES:
        problems.append(f"frame_count {data.get('frame_count')}")
    if (preview.get("width"), preview.get("height")) != (WIDTH, HEIGHT):
        problems.append(f"{preview.get('width')}x{preview.get('height')}")
    if data.get("remuxed") is not expect_remux:
        problems.append(f"remuxed {data.get('remuxed')}, expected {expect_remux}")
    if len(sampler.ffmpeg) != 1:
        problems.append(f"{len(sampler.ffmpeg)} ffmpeg processes seen")

    first = min((seen["first"] for seen in sampler.ffmpeg.values()), default=None)
    last = max((seen["last"] for seen in sampler.ffmpeg.values()), default=None)
    if job_started is not None:
        job_started = min(max(job_started, uploaded), first or ready)
    return Run(
        total=ready - started,
        upload=uploaded - started,
        queue=None if job_started is None else job_started - uploaded,
        probe=None if job_started is None or first is None else first - job_started,
        ffmpeg=None if first is None else last - first,
        ffmpeg_logged=logged[-1] if logged else None,
        after=None if last is None else ready - last,
        tree_before=sampler.baseline,
        tree_peak=sampler.peak,
        ffmpeg_hwm=max((seen["hwm"] for seen in sampler.ffmpeg.values()), default=None),
        ffmpeg_cpu=ffmpeg_cpu or None,
        worker_hwm=sampler.worker_hwm,
        gunicorn_cpu=gunicorn_cpu,
        others=max(0.0, busy - gunicorn_cpu - cluster_cpu - ffmpeg_cpu),
        remuxed=data.get("remuxed"),
        problems=problems,
    )


def run_text(run: Run) -> str:
    def part(value):
        return "?" if value is None else f"{value:.1f}"

    return (
        f"{run.total:.1f} s (upload {part(run.upload)}, queue {part(run.queue)}, probe "
        f"{part(run.probe)}, ffmpeg {part(run.ffmpeg)} [logged {part(run.ffmpeg_logged)}], "
        f"after {part(run.after)}); tree peak {mib_text(run.tree_peak)}, ffmpeg HWM "
        f"{mib_text(run.ffmpeg_hwm)}, worker HWM {mib_text(run.worker_hwm)}; other "
        f"processes used {run.others:.1f} CPU s"
        + (f"; PROBLEMS: {', '.join(run.problems)}" if run.problems else "")
    )


# --- Pictures -------------------------------------------------------------------------------


def generate_picture(folder: Path) -> Path:
    """A photo-like 3840x2160 RGB PNG (gradients, blurred discs, a little noise: about 8.6 MB),
    the same on every run; cached in `folder`."""
    from PIL import Image, ImageDraw, ImageFilter

    width, height = PICTURE_SIZE
    path = folder / f"picture-{width}x{height}-v1.png"
    if path.exists():
        log(f"Reusing the picture source {path}")
        return path
    folder.mkdir(parents=True, exist_ok=True)
    red = Image.linear_gradient("L").resize(PICTURE_SIZE)
    green = red.rotate(90).resize(PICTURE_SIZE)
    blue = Image.radial_gradient("L").resize(PICTURE_SIZE)
    image = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(image)
    generator = random.Random(4)
    for _ in range(300):
        x, y = generator.randrange(width), generator.randrange(height)
        side = generator.randrange(20, 400)
        colour = tuple(generator.randrange(256) for _ in range(3))
        draw.ellipse((x, y, x + side, y + side), fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(3))
    noise = Image.effect_noise(PICTURE_SIZE, 12).convert("RGB")
    partial = path.with_name(f".partial-{path.name}")
    Image.blend(image, noise, 0.08).save(partial, compress_level=6)
    partial.rename(path)
    return path


@dataclass
class PictureRun:
    total: float
    upload: float
    queue: float | None  # until the job started (attempt_started_at)
    process: float | None  # from the job's start until `ready` was seen
    others: float
    problems: list[str] = field(default_factory=list)


def wait_until_processed(
    deployment: Deployment, poller: requests.Session, preview_id: str, started: float
) -> tuple[dict, float, float | None]:
    """Poll the preview every POLL_EVERY s until it leaves `processing`: (its row, when that
    was seen, when its job started (attempt_started_at) or None). Gives up after
    READY_TIMEOUT s from `started` with the deployment's logs."""
    job_started = None
    while True:
        preview = poller.get(
            f"{deployment.base_url}/data/preview-files/{preview_id}", timeout=60
        ).json()
        now = time.monotonic()
        if job_started is None and preview.get("attempts"):
            job_started = epoch_to_monotonic(preview.get("attempt_started_at")) or now
        if preview["status"] != "processing":
            return preview, now, job_started
        if now > started + READY_TIMEOUT:
            raise SystemExit(f"Still processing after {READY_TIMEOUT} s:\n{deployment.logs()}")
        time.sleep(POLL_EVERY)


def picture_run(deployment: Deployment, source: Path) -> PictureRun:
    poller = requests.Session()
    poller.headers.update(deployment.headers)
    busy_before, own_before = busy_seconds(), time.process_time()
    service_before = service_cpu(deployment)
    started = time.monotonic()
    answered = deployment.add_movie(source)  # any file: its name makes it a picture
    uploaded = time.monotonic()
    preview, ready, job_started = wait_until_processed(deployment, poller, answered["id"], started)
    busy = busy_seconds() - busy_before - (time.process_time() - own_before)
    others = max(0.0, busy - (service_cpu(deployment) - service_before))
    problems = []
    if preview["status"] != "ready":
        problems.append(f"status {preview['status']}: {preview.get('broken_reason')}")
    if (preview.get("width"), preview.get("height")) != PICTURE_SIZE:
        problems.append(f"{preview.get('width')}x{preview.get('height')}")
    thumbnail = poller.get(
        f"{deployment.base_url}/pictures/thumbnails/preview-files/{answered['id']}.png",
        timeout=60,
    )
    if thumbnail.status_code != 200 or not thumbnail.content.startswith(b"\x89PNG"):
        problems.append(f"thumbnail {thumbnail.status_code}")
    if job_started is not None:
        job_started = min(max(job_started, uploaded), ready)
    return PictureRun(
        total=ready - started,
        upload=uploaded - started,
        queue=None if job_started is None else job_started - uploaded,
        process=None if job_started is None else ready - job_started,
        others=others,
        problems=problems,
    )


def picture_run_text(run: PictureRun) -> str:
    def part(value):
        return "?" if value is None else f"{value:.2f}"

    return (
        f"{run.total:.2f} s (upload {part(run.upload)}, queue {part(run.queue)}, processing "
        f"and last poll {part(run.process)}); other processes used {run.others:.1f} CPU s"
        + (f"; PROBLEMS: {', '.join(run.problems)}" if run.problems else "")
    )


def spread2(values: list[float]) -> str:
    """Median and range, to the hundredth of a second."""
    text = f"{statistics.median(values):.2f} s"
    return text + (f" ({min(values):.2f}-{max(values):.2f})" if len(values) > 1 else "")


def picture_report(source: Path, runs: list[PictureRun]) -> bool:
    totals = [run.total for run in runs]
    problems = [problem for run in runs for problem in run.problems]
    print(
        f"Picture: {PICTURE_SIZE[0]}x{PICTURE_SIZE[1]} RGB PNG, "
        f"{source.stat().st_size / 1_000_000:.1f} MB; {len(runs)} runs; polled every "
        f"{POLL_EVERY} s"
    )
    print(
        f"{'picture':<11}{'upload->ready':>22}{'upload':>8}{'queue':>8}{'process':>9}"
        f"{'Zou':>8}{'vs Zou':>8}  check"
    )

    def median(name: str) -> str:
        values = [getattr(run, name) for run in runs if getattr(run, name) is not None]
        return f"{statistics.median(values):.2f}" if values else "?"

    print(
        f"{'4K PNG':<11}{spread2(totals):>22}{median('upload'):>8}{median('queue'):>8}"
        f"{median('process'):>9}"
        f"{ZOU_PICTURE_SECONDS:>6.2f} s{statistics.median(totals) / ZOU_PICTURE_SECONDS:>7.2f}x  "
        f"{'; '.join(dict.fromkeys(problems)) or 'ready, 3840x2160, thumbnail served'}"
    )
    print(
        "(seconds, medians; process: from the job's start until `ready` was seen, the "
        "processing and up to one poll interval)"
    )
    print()
    return not problems


# --- Report ---------------------------------------------------------------------------------


def machine_text() -> list[str]:
    version = subprocess.run(
        [media.ffmpeg_exe(), "-hide_banner", "-version"], capture_output=True, text=True
    ).stdout.splitlines()
    database_url = os.environ.get("DATABASE_URL", "")
    return [
        f"Machine: {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average "
        f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])} (at the end)",
        f"ffmpeg: {version[0] if version else '?'} ({Path(media.ffmpeg_exe()).name})",
        f"Database: {'PostgreSQL' if database_url.startswith('postgres') else 'SQLite'}",
    ]


def median_of(runs: list[Run], name: str) -> float | None:
    values = [getattr(run, name) for run in runs if getattr(run, name) is not None]
    return statistics.median(values) if values else None


def seconds_text(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f}"


def report(args, target, descriptions, baselines, zou, results) -> bool:
    for line in machine_text():
        print(line)
    print(
        f"Service: gunicorn 1x4 threads + qcluster, Q_WORKERS=1, broker {args.broker}; "
        f"project {WIDTH}x{HEIGHT} at {RATE}; pipeline hi-def {target.hd_preset} "
        f"{target.hd_bitrate} Mb/s, low-def {target.ld_preset} {target.ld_bitrate} Mb/s, "
        f"GOP {target.keyframe_interval}; {args.runs} runs per source"
    )
    for name, text in descriptions.items():
        print(f"Source {name}: {text}")
    print()
    print(
        f"{'source':<11}{'upload->ready':>22}{'plain transcode':>22}{'ratio':>7}"
        f"{'Zou hi-def':>12}{'vs Zou':>8}{'remuxed':>9}  check"
    )
    ok = True
    for name, runs in results.items():
        totals = [run.total for run in runs]
        plain = [timed.seconds for timed in baselines[name]]
        ratio = statistics.median(totals) / statistics.median(plain)
        problems = [problem for run in runs for problem in run.problems]
        ok &= not problems
        remuxed = {run.remuxed for run in runs}
        print(
            f"{name:<11}{spread(totals):>22}{spread(plain):>22}{ratio:>6.2f}x"
            f"{zou[name].seconds:>10.1f} s{statistics.median(totals) / zou[name].seconds:>7.2f}x"
            f"{'/'.join(str(value).lower() for value in remuxed):>9}  "
            f"{'; '.join(dict.fromkeys(problems)) or 'ready, 480 frames, 1920x1080'}"
        )
    print()
    print(
        f"{'source':<11}{'upload':>8}{'queue':>8}{'probe':>8}{'ffmpeg':>8}{'(logged)':>10}"
        f"{'after':>8}{'ffmpeg CPU':>12}{'plain CPU':>11}{'gunicorn CPU':>14}{'others':>9}"
    )
    for name, runs in results.items():
        plain_cpu = statistics.median(timed.cpu for timed in baselines[name])
        print(
            f"{name:<11}{seconds_text(median_of(runs, 'upload')):>8}"
            f"{seconds_text(median_of(runs, 'queue')):>8}"
            f"{seconds_text(median_of(runs, 'probe')):>8}"
            f"{seconds_text(median_of(runs, 'ffmpeg')):>8}"
            f"{seconds_text(median_of(runs, 'ffmpeg_logged')):>10}"
            f"{seconds_text(median_of(runs, 'after')):>8}"
            f"{seconds_text(median_of(runs, 'ffmpeg_cpu')):>10} s"
            f"{plain_cpu:>9.1f} s{seconds_text(median_of(runs, 'gunicorn_cpu')):>12} s"
            f"{seconds_text(median_of(runs, 'others')):>7} s"
        )
    print(
        "(seconds, medians; CPU = user + system seconds; others: CPU seconds used meanwhile by "
        "processes outside the service and this script)"
    )
    disturbed = [
        f"{name} {label} {result.others:.1f} CPU s"
        for name, runs in results.items()
        for label, result in [("upload", run) for run in runs]
        + [("plain transcode", timed) for timed in baselines[name]]
        + [("Zou's command", zou[name])]
        if is_disturbed(result)
    ]
    if disturbed:
        print(f"WARNING: disturbed by other processes: {'; '.join(disturbed)}.")
    print()
    print(
        f"{'source':<11}{'tree before':>13}{'tree peak':>11}{'ffmpeg HWM':>12}"
        f"{'worker HWM':>12}{'plain ffmpeg':>14}{'Zou ffmpeg':>12}"
    )
    for name, runs in results.items():
        print(
            f"{name:<11}{mib_text(min(run.tree_before for run in runs)):>13}"
            f"{mib_text(max(run.tree_peak for run in runs)):>11}"
            f"{mib_text(max((r.ffmpeg_hwm or 0) for r in runs) or None):>12}"
            f"{mib_text(max((r.worker_hwm or 0) for r in runs) or None):>12}"
            f"{mib_text(max(timed.maxrss for timed in baselines[name])):>14}"
            f"{mib_text(zou[name].maxrss):>12}"
        )
    print(
        "(qcluster tree: summed VmRSS, lowest before / highest peak over the runs, sampled "
        "every 50 ms; HWM: highest VmHWM; baselines: ru_maxrss)"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="uploads and baselines per source (3)")
    parser.add_argument("--broker", choices=["orm", "redis"], default="orm", help="(orm)")
    parser.add_argument(
        "--sources",
        type=Path,
        default=Path(tempfile.gettempdir()) / "kitsufiles-bench-previews-sources",
        help="where the generated sources are cached (default: in the temporary folder)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--only", choices=["movies", "pictures"], help="measure only movies, or only pictures"
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="measure again when other processes took more than 5 %% of the CPU (default 2)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=300,
        help="before each measurement, wait up to this many seconds for the machine to be "
        "idle (default 300; 0: do not wait)",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    target = pipeline_settings()
    sources, descriptions = {}, {}
    movies, pictures = args.only != "pictures", args.only != "movies"
    picture = generate_picture(args.sources) if pictures else None
    for name in SOURCES if movies else ():
        sources[name] = generate_source(name, args.sources)
        info = media.probe_movie(sources[name])
        descriptions[name] = describe(sources[name], info, target)
        log(f"  {name}: {descriptions[name]}")

    work = Path(tempfile.mkdtemp(prefix="kitsufiles-bench-previews-"))
    log(f"Work folder: {work}")
    deployment = None
    try:
        baselines: dict[str, list[Timed]] = {}
        zou: dict[str, Timed] = {}
        for name, source in sources.items():
            info = media.probe_movie(source)
            plain_out, zou_out = work / f"plain-{name}.mp4", work / f"zou-{name}.mp4"
            plain_argv = plain_transcode(source, info, target, plain_out)
            baselines[name] = []
            for number in range(1, args.runs + 1):
                log(f"Plain transcode of {name} ({number}/{args.runs})...")
                baselines[name].append(
                    undisturbed(args, partial(time_ffmpeg, plain_argv, plain_out), timed_text)
                )
            log(f"Zou's hi-def command on {name}...")
            zou_argv = zou_hidef(source, zou_out)
            zou[name] = undisturbed(args, partial(time_ffmpeg, zou_argv, zou_out), timed_text)

        log(f"Starting the deployment (broker {args.broker})...")
        (work / "deployment").mkdir()
        # DEBUG off, as deployed: with it, every process also keeps each query it runs; a
        # deployment without DEBUG must be given its SECRET_KEY (kitsufiles/settings.py).
        deployment = Deployment(
            work / "deployment",
            broker=args.broker,
            Q_WORKERS="1",
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(32),
        )
        configure_project(deployment)
        picture_runs: list[PictureRun] = []
        for number in range(1, (args.runs if picture else 0) + 1):
            log(f"Uploading the 4K picture ({number}/{args.runs})...")
            picture_runs.append(
                undisturbed(
                    args,
                    partial(picture_run, deployment, picture),
                    picture_run_text,
                    partial(service_cpu, deployment),
                )
            )
        results: dict[str, list[Run]] = {}
        for name, source in sources.items():
            results[name] = []
            for number in range(1, args.runs + 1):
                log(f"Uploading {name} ({number}/{args.runs})...")
                results[name].append(
                    undisturbed(
                        args,
                        partial(one_run, deployment, source, SOURCES[name][2]),
                        run_text,
                        partial(service_cpu, deployment),
                    )
                )
    finally:
        if deployment is not None:
            log("Stopping the deployment...")
            deployment.stop()
        if args.keep:
            log(f"Kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    ok = True
    if picture is not None:
        ok &= picture_report(picture, picture_runs)
    if sources:
        ok &= report(args, target, descriptions, baselines, zou, results)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
