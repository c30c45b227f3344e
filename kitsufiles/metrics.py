"""Prometheus metrics (prometheus-client): what the plumbing measures itself, what apps add,
and the text a scrape of `/metrics` answers.

Two kinds of figures (docs/decisions/metrics.md says why):

- events, counted where they happen: the latency of each request (`observe_request`, called by
  `kitsufiles.api.middleware.RequestMetricsMiddleware`) and the duration of each preview job
  (`previews.jobs`). They live in the process that saw them; with several processes on a
  machine (gunicorn workers, the qcluster's workers) they are shared through prometheus-client's
  multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set.
- states, read from the database at scrape time by collectors registered with `register` (the
  preview jobs queued, running, failed: `previews.monitoring`; the job queue's length:
  below). They are right whichever process or machine is scraped.

Labels stay bounded: a request is labelled by its URL pattern (`api/data/tasks/<str:instance_id>`),
never by its path, and by its status class (`2xx`).
"""

import logging
import os
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Histogram, exposition, multiprocess
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

NAMESPACE = "kitsufiles"
# Requests: most answer in milliseconds, uploads and downloads of large files in minutes.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
UNMATCHED_ROUTE = "<unmatched>"  # a path no route matched (a 404)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from a request reaching the application to its answer being returned, by route "
    "(the URL pattern), method and status class.",
    ["route", "method", "status"],
    namespace=NAMESPACE,
    buckets=REQUEST_BUCKETS,
)


def observe_request(*, route: str | None, method: str, status: int, seconds: float) -> None:
    REQUEST_DURATION.labels(
        route=route or UNMATCHED_ROUTE,
        method=method if method in _METHODS else "other",
        status=f"{status // 100}xx",
    ).observe(seconds)


# Jobs: a picture takes a second, a long movie many minutes (PREVIEW_PROCESSING_TIMEOUT).
JOB_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600)

JOB_DURATION = Histogram(
    "job_duration_seconds",
    "Time a job ran in a worker, by job and outcome (what the job returned, or `error` when "
    "it raised). Observed in the worker process: exported with PROMETHEUS_MULTIPROC_DIR.",
    ["job", "outcome"],
    namespace=NAMESPACE,
    buckets=JOB_BUCKETS,
)


def observe_job(*, job: str, outcome: str, seconds: float) -> None:
    JOB_DURATION.labels(job=job, outcome=outcome).observe(seconds)


# Collectors run at scrape time, registered by name (an app's AppConfig.ready registers its
# own: the plumbing imports no app, docs/architecture.md).
CollectFunction = Callable[[], Iterable[Metric]]
_collectors: dict[str, CollectFunction] = {}


def register(name: str, collect: CollectFunction) -> None:
    """Add `collect` to every scrape; registering the same name again replaces it."""
    _collectors[name] = collect


class _ScrapeTimeCollectors(Collector):
    """The registered collectors; one that fails (the database is down) is left out of the
    scrape and reported by `kitsufiles_metrics_collector_up`, the others still answer."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            f"{NAMESPACE}_metrics_collector_up",
            "1 if the collector's figures could be read at this scrape, else 0.",
            labels=["collector"],
        )
        for name, collect in sorted(_collectors.items()):
            try:
                families = list(collect())
            except Exception:  # noqa: BLE001 (a failed collector must not fail the scrape)
                logger.exception("Metrics collector %s failed", name)
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from families
        yield up


class _Forward(Collector):
    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterator[Metric]:
        yield from self.source.collect()


def multiprocess_enabled() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def scrape_registry() -> CollectorRegistry:
    """The registry a scrape reads: this process's metrics, or with PROMETHEUS_MULTIPROC_DIR
    those of every process of the machine that writes there, and the scrape-time collectors."""
    registry = CollectorRegistry()
    if multiprocess_enabled():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(_ScrapeTimeCollectors())
    return registry


def exposition_text(accept: str | None) -> tuple[bytes, str]:
    """The scrape's body and content type, in the format `accept` prefers (Prometheus' text
    format, or OpenMetrics)."""
    encoder, content_type = exposition.choose_encoder(accept or "")
    return encoder(scrape_registry()), content_type
