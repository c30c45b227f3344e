"""The job queue (Django Q's broker) as the health check and the metrics see it.

Django Q picks its broker from settings.Q_CLUSTER: the ORM broker (the `OrmQ` table of the
database) by default, Redis when REDIS_URL is set. Both answer `ping()` and `queue_size()`;
the ORM broker's ping answers True without a query, so reachability is shown by reading the
queue's length, one cheap query (a count on the queue's key) or one Redis LLEN.
"""

from typing import cast

from django_q.brokers import Broker, get_broker
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from kitsufiles.metrics import NAMESPACE


def broker() -> Broker:
    """A broker for one use: Django Q's conf is read each time (tests point it elsewhere), and
    a Redis client opens its connection at the first command."""
    return get_broker()


def describe(queue: Broker) -> str:
    return type(queue).__name__  # "ORM" or "Redis": never the URL, which may hold a password


def length(queue: Broker | None = None) -> int:
    """Jobs waiting in the broker (not those a worker holds); raises when it is unreachable."""
    queue = queue or broker()
    if not queue.ping():
        raise ConnectionError(f"the {describe(queue)} broker does not answer")
    return cast(int, queue.queue_size() or 0)


def collect() -> list[Metric]:
    """Scrape-time metrics of the queue (registered by the plumbing's AppConfig.ready)."""
    family = GaugeMetricFamily(
        f"{NAMESPACE}_job_queue_length",
        "Jobs waiting in Django Q's broker for a worker, all kinds of jobs together.",
    )
    family.add_metric([], length())
    return [family]
