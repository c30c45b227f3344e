"""The preview jobs as Prometheus sees them: how many previews wait for processing, are being
processed, are stuck or failed, read from the database at each scrape.

Read from the preview rows rather than counted in the job processes: the rows are right
whichever web process or machine is scraped, and whichever machines the qcluster workers run
on (docs/decisions/metrics.md). Registered into the plumbing's metrics by PreviewsConfig.ready
(the plumbing imports no app). The durations of the jobs are events, observed where the jobs
run (previews.jobs).
"""

from django.utils import timezone
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from kitsufiles.metrics import NAMESPACE
from previews import queue, selectors

STATES = ("queued", "running", "stuck", "failed")


def collect() -> list[Metric]:
    counts = selectors.job_states(
        job_timeout_seconds=queue.job_timeout_seconds(), now=timezone.now()
    )
    family = GaugeMetricFamily(
        f"{NAMESPACE}_preview_jobs",
        "Previews by processing state: queued (uploaded, no attempt started), running (an "
        "attempt started within the job timeout), stuck (its job is past the timeout, until "
        "the sweep retries it), failed (broken).",
        labels=["state"],
    )
    for state in STATES:
        family.add_metric([state], counts[state])
    return [family]
