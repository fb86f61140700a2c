"""/metrics: the server's figures in Prometheus' text format, for a region that runs Prometheus and
Grafana (docs/guide/install.md, «Метрики для Prometheus»).

Off unless `SHNOR_METRICS_TOKEN` is set (the address answers 404); then only a request carrying
«Authorization: Bearer <token>» gets the figures, any other 403: the figures are no one's personal
data, but they tell how the system is used, so they have their own access rule rather than a user's
role. Figures:

* `shnor_http_requests_total{method, route, status}` and `shnor_http_request_duration_seconds{route}`:
  every answered request, by the name of its address (never its path: no ids, nothing personal);
  counted in every gunicorn process of `shnor serve` (prometheus_client's multiprocess mode, its files
  in `<data folder>/metrics`, emptied when the server starts);
* `shnor_tasks{state}`: background tasks waiting and running;
* `shnor_import_duration_seconds{status}` and `shnor_identification_duration_seconds{status}`:
  histograms of the finished imports and identification runs, from their records (started → finished).

The last two are read from the database at each scrape, so the worker, a separate process, needs
no metrics of its own.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram
    from prometheus_client.core import Metric

# prometheus_client is imported only when the figures are on, and after `prepare`: it chooses between
# one process and many when it is imported.

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REQUEST_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
WORK_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


@functools.cache
def instruments() -> tuple[Counter, Histogram]:
    from prometheus_client import Counter, Histogram

    requests = Counter(
        "shnor_http_requests", "Answered requests by method, address name and status", ["method", "route", "status"]
    )
    latency = Histogram(
        "shnor_http_request_duration_seconds",
        "Time to answer a request, by address name",
        ["route"],
        buckets=REQUEST_BUCKETS,
    )
    return requests, latency


def prepare(data_dir: Path) -> Path:
    """Before a server's processes start: an empty folder for their figures, named for the
    multiprocess mode (called by `shnor serve` before the application is imported)."""
    folder = data_dir / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[MULTIPROCESS] = str(folder)
    return folder


def process_gone(pid: int) -> None:
    """A server process ended: its live figures (none of the counters) go with it."""
    if os.environ.get(MULTIPROCESS):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]  # prometheus_client leaves it untyped


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return str(match.view_name)
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


class Middleware:
    """Counts and times every request when the figures are on (outermost, so that it sees all)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.SHNOR_METRICS_TOKEN:
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        route = _route(request)
        method = request.method if request.method in METHODS else "other"
        requests, latency = instruments()
        requests.labels(method, route, str(response.status_code)).inc()
        latency.labels(route).observe(time.perf_counter() - started)
        return response


def _histogram(name: str, doc: str, durations: Iterable[tuple[str, float]]) -> Metric:
    from prometheus_client.core import HistogramMetricFamily

    family = HistogramMetricFamily(name, doc, labels=["status"])
    by_status: dict[str, list[float]] = {}
    for status, seconds in durations:
        by_status.setdefault(status, []).append(max(seconds, 0.0))
    for status, values in sorted(by_status.items()):
        buckets = [(str(edge), float(sum(v <= edge for v in values))) for edge in WORK_BUCKETS]
        buckets.append(("+Inf", float(len(values))))
        family.add_metric([status], buckets, sum_value=sum(values))
    return family


def _durations(rows: Iterable[tuple[str, Any, Any]]) -> Iterator[tuple[str, float]]:
    for status, started, finished in rows:
        yield status, (finished - started).total_seconds()


class DatabaseCollector:
    """What the database knows at the moment of the scrape."""

    def collect(self) -> Iterator[Metric]:
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult
        from prometheus_client.core import GaugeMetricFamily

        from shnor.datasets.models import ImportRun
        from shnor.identification.models import Run

        tasks = GaugeMetricFamily("shnor_tasks", "Background tasks waiting (ready) and running", labels=["state"])
        counts = dict(
            DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
            .values_list("status")
            .annotate(n=Count("id"))
        )
        for state in (TaskResultStatus.READY, TaskResultStatus.RUNNING):
            tasks.add_metric([state.lower()], counts.get(state, 0))
        yield tasks
        finished = {"started_at__isnull": False, "finished_at__isnull": False}
        imports = ImportRun.objects.filter(**finished).values_list("status", "started_at", "finished_at")
        yield _histogram("shnor_import_duration_seconds", "Finished imports by outcome", _durations(imports))
        runs = Run.objects.filter(**finished).values_list("status", "started_at", "finished_at")
        yield _histogram("shnor_identification_duration_seconds", "Finished identification runs", _durations(runs))


def view(request: HttpRequest) -> HttpResponse:
    token = settings.SHNOR_METRICS_TOKEN
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "")
    if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return HttpResponse("Нужен ключ доступа к метрикам (Authorization: Bearer …).\n", status=403)
    from prometheus_client import CollectorRegistry, generate_latest, multiprocess
    from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped upstream
    else:  # one process (a development server, the tests): its own figures
        for instrument in instruments():
            registry.register(instrument)
    registry.register(DatabaseCollector())
    return HttpResponse(
        generate_latest(registry), content_type=CONTENT_TYPE_PLAIN_0_0_4
    )  # read by Prometheus 2 and 3 alike
