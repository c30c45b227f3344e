"""VFX previews end to end: a 4K OpenEXR picture and a 2K OpenEXR image sequence, each from
the start of its upload until its preview is `ready`, with the job worker's memory; the 4K EXR
beside a PNG of the same picture, so that what OpenImageIO and the OpenColorIO transform add to
a picture preview shows. Prints figures; not a test.

    .venv/bin/python bench/vfx_previews.py                     # both cases, 240 frames
    .venv/bin/python bench/vfx_previews.py --only picture      # the 4K EXR and its PNG
    .venv/bin/python bench/vfx_previews.py --only sequence --frames 60    # quicker
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/vfx_previews.py                 # a fresh PostgreSQL database
    .venv/bin/python bench/vfx_previews.py --keep              # keep the work folder

Sources, generated once with OpenImageIO (tests/previews/vfx_media.py's write_exr and
write_sequence_archive) and cached in --sources (a new version of the content gets a new
name):
  * picture: a 4096x2160 half-float RGBA OpenEXR, ZIP compression, scene-linear values up to
    about 4 (horizontal, vertical and radial gradients, a soft-edged alpha, 2 % noise), 27.5 MB;
    and the same pixels as an 8-bit RGBA PNG (sRGB-encoded, clipped at 1, zlib 6), 5.7 MB,
    the comparison.
  * sequence: --frames (240) frames shot_v001.1001.exr... of 2048x1080 half RGBA (alpha 1), ZIP
    compression, the gradients moving and a disc crossing from frame to frame, 1 % noise, in a
    zip of stored members (ZIP_STORED, as EXR data is compressed already); the archive holds
    nothing else, so the upload becomes a sequence without asking. Generating 240 frames
    (1.3 GB) takes about 100 s; progress goes to stderr.

The service: tests/previews/deployment.py's Deployment (gunicorn 1 worker x 4 threads and a real
`manage.py qcluster` with Q_WORKERS=1 on a throwaway database, DEBUG=false), its project set to
1920x1080 at 24000/1001 through the API as bench/previews.py does. Each upload goes into a new
preview slot of the comment (Deployment.add_movie: POST add-preview, then the multipart
upload); GET /api/data/preview-files/<id> is polled every 0.1 s until the preview leaves
`processing`. The qcluster is restarted before each upload, so that each one has a fresh job
worker whose VmHWM is its own.

Figures, per upload (each boundary known to about 0.1 s):
  upload    the slot and the upload request, until its 201 (the file moved into storage),
  queue     until the job starts (the preview's attempt_started_at),
  process   from the job's start until `ready` is seen (and up to one poll interval),
  total     upload + queue + process;
  sequence only:
  frames    while the first ffmpeg child lives: the frames read one at a time from the zip,
            through OpenImageIO and the OCIO view transform, piped into the lossless
            intermediate movie (previews.media.sequences.encode_sequence),
  render    while the second one lives: the renditions made from the intermediate
            (previews.media.render, as for any upload),
  fps       frames ÷ process, and frames ÷ the frames phase.
Memory: every 50 ms the qcluster tree is read from /proc (bench/previews.py's TreeSampler).
  worker HWM   the job worker's VmHWM (its peak resident memory, kernel-tracked), and before
               the upload (the idle worker); the job worker is the tree's process, not ffmpeg,
               that used the most CPU during the upload,
  tree peak    the tree's summed VmRSS at its peak, over its value before the upload,
  ffmpeg HWM   each ffmpeg child's VmHWM (sequence).
The job worker holds one frame's channels and one strip of rows at a time whatever the
sequence's length: its HWM at --frames 60 and 240 should be the same (run both to see it).
Checked: status ready; the picture 4096x2160 with data.color_transform; the sequence with
data.frame_count == --frames and data.frame_start == 1001, 1920x1080.

CPU seconds other processes used during each upload are reported ("others", /proc/stat less
the service's processes and this script's); before each upload the script waits up to
--quiet-wait seconds for the machine to be idle (bench/previews.py's wait_until_quiet).
"""

import argparse
import contextlib
import secrets
import shutil
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `python bench/vfx_previews.py` puts bench/ first on sys.path, where bench/previews.py would
# shadow the `previews` app: the repository root goes first instead.
sys.path[:] = [str(ROOT)] + [
    entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent
]

import numpy as np  # noqa: E402
import requests  # noqa: E402

from bench.common import (  # noqa: E402
    CLOCK_TICKS,
    busy_seconds,
    cpu_seconds,
    log,
    mib_text,
    process_tree,
)
from bench.previews import (  # noqa: E402
    POLL_EVERY,
    TreeSampler,
    configure_project,
    kib,
    machine_text,
    read_status,
    wait_until_processed,
    wait_until_quiet,
)
from tests import live  # noqa: E402
from tests.previews.deployment import Deployment  # noqa: E402

PICTURE_SIZE = (4096, 2160)
FRAME_SIZE = (2048, 1080)
FRAME_START = 1001
FRAME_NAME = "shot_v001.{frame:04d}.exr"
MOVIE_SIZE = (1920, 1080)  # the bench project's (bench/previews.py configure_project)
SOURCES_VERSION = "v1"  # change when the generated content changes


# --- Sources --------------------------------------------------------------------------------


def scene(width: int, height: int, shift: float, noise: float, seed: int) -> np.ndarray:
    """Scene-linear float32 RGB up to about 4: gradients across, down and from the centre
    (moved by `shift`, a fraction of the width), times 1 + `noise` of normal noise."""
    x = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
    y = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    red = 4.0 * ((x + shift) % 1.0) * np.ones_like(y)
    green = 2.5 * y * np.ones_like(x)
    cx, cy = 0.5 + 0.3 * np.sin(2 * np.pi * shift), 0.5
    radius = np.sqrt((x - cx) ** 2 + ((y - cy) * height / width) ** 2)
    blue = np.clip(3.0 * (1.0 - radius / 0.6), 0.0, None)
    rgb = np.stack([red, green, blue], axis=-1)
    rng = np.random.default_rng(seed)
    rgb *= 1.0 + noise * rng.standard_normal(rgb.shape, dtype=np.float32)
    return np.clip(rgb, 0.0, None)


def generate_picture(folder: Path) -> tuple[Path, Path]:
    """The 4K RGBA half EXR and the same pixels as a PNG, cached in `folder`."""
    from PIL import Image

    from tests.previews.vfx_media import srgb_encode, to_8bit, write_exr

    width, height = PICTURE_SIZE
    exr = folder / f"picture-{width}x{height}-half-rgba-{SOURCES_VERSION}.exr"
    png = exr.with_suffix(".png")
    if exr.exists() and png.exists():
        log(f"Reusing the picture sources {exr} and {png.name}")
        return exr, png
    folder.mkdir(parents=True, exist_ok=True)
    log(f"Generating the {width}x{height} EXR and PNG...")
    started = time.perf_counter()
    rgb = scene(width, height, 0.0, 0.02, seed=4)
    # A soft-edged alpha: opaque inside, fading to 0 at the left and right edges.
    x = np.linspace(-1.0, 1.0, width, dtype=np.float32)
    alpha = np.broadcast_to(np.clip((1.0 - np.abs(x)) * 8.0, 0.0, 1.0), (height, width))
    premultiplied = rgb * alpha[..., None]  # EXR stores premultiplied colours
    partial = exr.with_name(f".partial-{exr.name}")
    write_exr(partial, premultiplied, alpha=alpha, pixel_type="half")
    partial.rename(exr)
    pixels = np.concatenate([to_8bit(srgb_encode(rgb)), to_8bit(alpha)[..., None]], axis=-1)
    partial = png.with_name(f".partial-{png.name}")
    Image.fromarray(pixels, "RGBA").save(partial, format="PNG", compress_level=6)
    partial.rename(png)
    log(f"  {exr.stat().st_size / 1e6:.1f} MB EXR, {png.stat().st_size / 1e6:.1f} MB PNG in "
        f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    return exr, png


def generate_sequence(folder: Path, frames: int) -> Path:
    """The zip of `frames` 2K RGBA half EXR frames from FRAME_START, cached in `folder`."""
    from tests.previews.vfx_media import write_exr

    width, height = FRAME_SIZE
    path = folder / f"sequence-{frames}f-{width}x{height}-half-rgba-{SOURCES_VERSION}.zip"
    if path.exists():
        log(f"Reusing the sequence source {path}")
        return path
    folder.mkdir(parents=True, exist_ok=True)
    log(f"Generating {frames} frames {width}x{height} half RGBA into {path.name}...")
    partial = path.with_name(f".partial-{path.name}")
    alpha = np.ones((height, width), dtype=np.float32)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        frame_file = Path(scratch) / "frame.exr"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            for index in range(frames):
                rgb = scene(width, height, index / 240, 0.01, seed=index)
                # A disc crossing the frame, brighter than display white.
                cx, cy, r = int(width * (index % 240) / 240), height // 2, height // 8
                yy, xx = np.ogrid[:height, :width]
                rgb[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] = (3.5, 1.0, 0.25)
                write_exr(frame_file, rgb, alpha=alpha, pixel_type="half")
                archive.write(frame_file, FRAME_NAME.format(frame=FRAME_START + index))
                done = index + 1
                if done % 20 == 0 or done == frames:
                    elapsed = time.perf_counter() - started
                    log(f"  {done}/{frames} frames, {elapsed:.0f} s, "
                        f"{elapsed / done * (frames - done):.0f} s to go")  # fmt: skip
    partial.rename(path)
    log(f"  {path.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - started:.1f} s")
    return path


# --- Uploads --------------------------------------------------------------------------------


class WorkerSampler(TreeSampler):
    """bench/previews.py's TreeSampler (summed VmRSS, ffmpeg children) and, for each other
    process of the tree, its CPU seconds and VmHWM when first seen: the job worker is the one
    whose CPU grew the most."""

    def __init__(self, pid: int):
        super().__init__(pid)
        self.first: dict[int, tuple[float, int]] = {}  # pid: (CPU seconds, VmHWM)

    def sample(self) -> None:
        super().sample()
        for member in process_tree(self.pid):
            if member in self.first or member in self.ffmpeg:
                continue
            status = read_status(member)
            if status and not status.get("Name", "").startswith("ffmpeg"):
                self.first[member] = (cpu_seconds(member), kib(status, "VmHWM"))

    def __exit__(self, *exc_info):
        super().__exit__(*exc_info)
        grown = {pid: cpu_seconds(pid) - cpu for pid, (cpu, _) in self.first.items()}
        self.worker = max(grown, key=grown.__getitem__, default=None)
        self.worker_before = self.first[self.worker][1] if self.worker else None
        self.worker_hwm = kib(read_status(self.worker), "VmHWM") if self.worker else None


@dataclass
class Upload:
    name: str
    size: int  # bytes uploaded
    total: float
    upload: float
    queue: float | None
    process: float | None
    frames: float | None  # the first ffmpeg child's life (sequence)
    render: float | None  # the second's
    worker_before: int | None
    worker_hwm: int | None
    tree_before: int
    tree_peak: int
    ffmpeg_hwm: list[int]
    others: float
    preview: dict
    problems: list[str] = field(default_factory=list)


def cpu_with_children(pid: int) -> float:
    """User + system CPU seconds of one process and of its children it has waited for (the
    job worker's ffmpeg and ffprobe), 0 when it is gone."""
    with contextlib.suppress(OSError, IndexError, ValueError):
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS
    return 0.0


def service_cpu(deployment: Deployment) -> float:
    """CPU seconds used so far by the service's living processes and the children they
    waited for (gunicorn and the qcluster)."""
    return sum(
        cpu_with_children(member)
        for process in deployment.processes
        if process.poll() is None
        for member in process_tree(process.pid)
    )


def restart_cluster(deployment: Deployment) -> None:
    """A fresh qcluster (and job worker), once its processes are all up."""
    live.stop_process(deployment.cluster)
    deployment.processes.remove(deployment.cluster)
    deployment.start_cluster()
    deadline, stable, last = time.monotonic() + 60, 0, 0
    while time.monotonic() < deadline and stable < 10:
        time.sleep(0.1)
        members = len(process_tree(deployment.cluster.pid))
        stable = stable + 1 if members == last and members >= 3 else 0
        last = members
    time.sleep(0.5)


def upload(deployment: Deployment, name: str, source: Path, quiet_wait: float) -> Upload:
    restart_cluster(deployment)
    wait_until_quiet(quiet_wait, lambda: service_cpu(deployment))
    poller = requests.Session()
    poller.headers.update(deployment.headers)
    service_before = service_cpu(deployment)
    busy_before, own_before = busy_seconds(), time.process_time()
    with WorkerSampler(deployment.cluster.pid) as sampler:
        started = time.monotonic()
        answered = deployment.add_movie(source)
        uploaded = time.monotonic()
        preview, ready, job_started = wait_until_processed(
            deployment, poller, answered["id"], started
        )
    busy = busy_seconds() - busy_before - (time.process_time() - own_before)
    others = max(0.0, busy - (service_cpu(deployment) - service_before))
    children = sorted(sampler.ffmpeg.values(), key=lambda seen: seen["first"])
    lives = [seen["last"] - seen["first"] for seen in children]
    if job_started is not None:
        job_started = min(max(job_started, uploaded), ready)
    problems = []
    if preview["status"] != "ready":
        problems.append(f"status {preview['status']}: {preview.get('broken_reason')}")
    return Upload(
        name=name,
        size=source.stat().st_size,
        total=ready - started,
        upload=uploaded - started,
        queue=None if job_started is None else job_started - uploaded,
        process=None if job_started is None else ready - job_started,
        frames=lives[0] if lives else None,
        render=lives[1] if len(lives) > 1 else None,
        worker_before=sampler.worker_before,
        worker_hwm=sampler.worker_hwm,
        tree_before=sampler.baseline,
        tree_peak=sampler.peak,
        ffmpeg_hwm=[seen["hwm"] for seen in children],
        others=others,
        preview=preview,
        problems=problems,
    )


def check_picture(run: Upload, colour_managed: bool) -> None:
    preview = run.preview
    if (preview.get("width"), preview.get("height")) != PICTURE_SIZE:
        run.problems.append(f"{preview.get('width')}x{preview.get('height')}")
    if colour_managed and not (preview.get("data") or {}).get("color_transform"):
        run.problems.append("no data.color_transform")


def check_sequence(run: Upload, frames: int) -> None:
    preview, data = run.preview, run.preview.get("data") or {}
    if data.get("frame_count") != frames:
        run.problems.append(f"frame_count {data.get('frame_count')}, expected {frames}")
    if data.get("frame_start") != FRAME_START:
        run.problems.append(f"frame_start {data.get('frame_start')}, expected {FRAME_START}")
    if (preview.get("width"), preview.get("height")) != MOVIE_SIZE:
        run.problems.append(f"{preview.get('width')}x{preview.get('height')}")
    if len(run.ffmpeg_hwm) != 2:
        run.problems.append(f"{len(run.ffmpeg_hwm)} ffmpeg processes seen")


def progress_text(run: Upload) -> str:
    return (
        f"{run.total:.2f} s (upload {seconds(run.upload)}, queue {seconds(run.queue)}, process "
        f"{seconds(run.process)}); worker HWM {mib_text(run.worker_hwm)}; other processes used "
        f"{run.others:.1f} CPU s"
        + (f"; PROBLEMS: {', '.join(run.problems)}" if run.problems else "")
    )


def seconds(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f}"


# --- Report ---------------------------------------------------------------------------------


def memory_text(run: Upload) -> str:
    return (
        f"worker HWM {mib_text(run.worker_hwm)} (idle before: {mib_text(run.worker_before)}), "
        f"tree peak {mib_text(run.tree_peak)} = before {mib_text(run.tree_before)} "
        f"+ {mib_text(run.tree_peak - run.tree_before)}"
    )


def report_pictures(runs: list[Upload]) -> None:
    print(
        f"Picture: {PICTURE_SIZE[0]}x{PICTURE_SIZE[1]}; polled every {POLL_EVERY} s; a fresh "
        "job worker per upload"
    )
    print(
        f"{'source':<24}{'MB':>7}{'upload':>8}{'queue':>8}{'process':>9}{'total':>8}"
        f"{'worker HWM':>12}{'(before)':>10}{'tree +':>9}{'others':>8}  check"
    )
    for run in runs:
        print(
            f"{run.name:<24}{run.size / 1e6:>7.1f}{seconds(run.upload):>8}{seconds(run.queue):>8}"
            f"{seconds(run.process):>9}{seconds(run.total):>8}{mib_text(run.worker_hwm):>12}"
            f"{mib_text(run.worker_before):>10}{mib_text(run.tree_peak - run.tree_before):>9}"
            f"{run.others:>6.1f} s  {'; '.join(run.problems) or 'ready, 4096x2160'}"
        )
    by_name = {run.name: run for run in runs}
    exr, png = by_name.get("EXR half RGBA ZIP"), by_name.get("PNG RGBA 8-bit")
    if exr and png and exr.process and png.process:
        extra = mib_text((exr.worker_hwm or 0) - (png.worker_hwm or 0))
        print(
            f"EXR ÷ PNG: processing {exr.process / png.process:.2f}x "
            f"(+{exr.process - png.process:.2f} s: OpenImageIO read, OCIO view transform, the "
            f"display PNG written), worker HWM +{extra}"
        )
    if exr:
        data = exr.preview.get("data") or {}
        print(f"EXR data.color_transform: {data.get('color_transform')}")
        print(f"EXR data.layer: {data.get('layer')!r}, data.layers: {data.get('layers')}")
    print(
        "(seconds; process: from the job's start until `ready` was seen; HWM: the job worker's "
        "VmHWM, after and before the upload; tree +: the qcluster tree's summed VmRSS peak over "
        "its value before the upload; others: CPU seconds other processes used meanwhile)"
    )
    print()


def report_sequence(run: Upload, frames: int) -> None:
    data = run.preview.get("data") or {}
    print(
        f"Sequence: {frames} frames {FRAME_SIZE[0]}x{FRAME_SIZE[1]} half RGBA EXR (ZIP), zip "
        f"{run.size / 1e6:.0f} MB ({run.size / frames / 1e6:.1f} MB a frame); project "
        f"{MOVIE_SIZE[0]}x{MOVIE_SIZE[1]} at 24000/1001"
    )
    process = run.process or float("nan")
    print(
        f"  total {run.total:.1f} s: upload {seconds(run.upload)}, queue {seconds(run.queue)}, "
        f"process {seconds(run.process)} (frames phase {seconds(run.frames)}, render "
        f"{seconds(run.render)})"
    )
    print(
        f"  {frames / process:.2f} frames/s over the processing, "
        + (f"{frames / run.frames:.2f} frames/s in the frames phase" if run.frames else "")
    )
    print(f"  {memory_text(run)}")
    print(
        "  ffmpeg HWM: "
        + ", ".join(
            f"{label} {mib_text(value)}"
            for label, value in zip(("intermediate", "renditions"), run.ffmpeg_hwm, strict=False)
        )
    )
    print(
        f"  data: frame_count {data.get('frame_count')}, frame_start {data.get('frame_start')}, "
        f"frame_end {data.get('frame_end')}, sequence_pattern {data.get('sequence_pattern')!r}, "
        f"{run.preview.get('width')}x{run.preview.get('height')}, frame_rate "
        f"{data.get('frame_rate')}, color_transform {data.get('color_transform')}"
    )
    print(f"  others: {run.others:.1f} CPU s; check: {'; '.join(run.problems) or 'ok'}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["picture", "sequence"], help="one case only")
    parser.add_argument(
        "--frames", type=int, default=240, help="frames of the sequence (default 240)"
    )
    parser.add_argument(
        "--sources",
        type=Path,
        default=Path(tempfile.gettempdir()) / "kitsufiles-bench-vfx-sources",
        help="where the generated sources are cached (default: in the temporary folder)",
    )
    parser.add_argument(
        "--no-png", action="store_true", help="skip the PNG comparison of the picture case"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120,
        help="before each upload, wait up to this many seconds for the machine to be idle "
        "(default 120; 0: do not wait)",
    )
    args = parser.parse_args()
    if args.frames < 1:
        parser.error("--frames must be at least 1")

    pictures = generate_picture(args.sources) if args.only != "sequence" else None
    sequence = generate_sequence(args.sources, args.frames) if args.only != "picture" else None

    work = Path(tempfile.mkdtemp(prefix="kitsufiles-bench-vfx-"))
    log(f"Work folder: {work}")
    deployment = None
    picture_runs: list[Upload] = []
    sequence_run = None
    try:
        log("Starting the deployment...")
        # DEBUG off, as deployed (with it every process keeps each query it runs); a
        # deployment without DEBUG must be given its SECRET_KEY (kitsufiles/settings.py).
        deployment = Deployment(
            work / "deployment",
            broker="orm",
            Q_WORKERS="1",
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(32),
        )
        configure_project(deployment)
        if pictures is not None:
            exr, png = pictures
            cases = [("EXR half RGBA ZIP", exr, True)]
            if not args.no_png:
                cases.insert(0, ("PNG RGBA 8-bit", png, False))
            for name, source, managed in cases:
                log(f"Uploading the {name} picture...")
                run = upload(deployment, name, source, args.quiet_wait)
                check_picture(run, managed)
                log(f"  {progress_text(run)}")
                picture_runs.append(run)
        if sequence is not None:
            log(f"Uploading the {args.frames}-frame sequence...")
            sequence_run = upload(deployment, "sequence", sequence, args.quiet_wait)
            check_sequence(sequence_run, args.frames)
            log(f"  {progress_text(sequence_run)}")
    finally:
        if deployment is not None:
            log("Stopping the deployment...")
            deployment.stop()
        if args.keep:
            log(f"Kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    for line in machine_text():
        print(line)
    print("Service: gunicorn 1x4 threads + qcluster, Q_WORKERS=1, broker orm, DEBUG=false")
    print()
    if picture_runs:
        report_pictures(picture_runs)
    if sequence_run is not None:
        report_sequence(sequence_run, args.frames)
    problems = [problem for run in [*picture_runs, sequence_run] if run for problem in run.problems]
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
