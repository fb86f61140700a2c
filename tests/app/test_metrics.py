"""/metrics for Prometheus (shnor.web.metrics): off without its key, refused without the right key,
and the figures right — requests counted by address name, the finished imports' and runs' durations
in hand-counted histogram buckets, the task queue; summed over every gunicorn process of a server."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shnor.datasets.models import ImportRun
from shnor.identification.models import Run
from tests.app.test_cli import SHNOR, clean_env, run

TOKEN = "metrics-key-0123456789-abcdefghijklmnop"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def _value(text: str, series: str) -> float:
    found = re.search(rf"^{re.escape(series)} (\S+)$", text, re.M)
    return float(found[1]) if found else 0.0


@pytest.mark.django_db
def test_off_without_its_key(client: Client, settings: Any) -> None:
    settings.SHNOR_METRICS_TOKEN = ""
    assert client.get("/metrics", headers=BEARER).status_code == 404


@pytest.mark.django_db
def test_only_the_right_key_reads_the_figures(client: Client, settings: Any) -> None:
    settings.SHNOR_METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN[:-1]}x"}).status_code == 403
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 403
    series = 'shnor_http_requests_total{method="GET",route="web:healthz",status="200"}'
    before = _value(client.get("/metrics", headers=BEARER).content.decode(), series)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    client.get("/no-such-page/")
    answer = client.get("/metrics", headers=BEARER)
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/plain; version=0.0.4")
    text = answer.content.decode()
    assert _value(text, series) == before + 3
    assert _value(text, 'shnor_http_requests_total{method="GET",route="unmatched",status="404"}') >= 1
    assert _value(text, 'shnor_http_request_duration_seconds_count{route="web:healthz"}') >= 3
    assert "/no-such-page" not in text, "addresses by name, never by path"


@pytest.mark.django_db
def test_the_durations_of_imports_and_runs_in_buckets(client: Client, settings: Any) -> None:
    settings.SHNOR_METRICS_TOKEN = TOKEN
    start = timezone.now() - dt.timedelta(hours=1)
    for status, seconds in (("applied", 3), ("applied", 100), ("failed", 20)):
        ImportRun.objects.create(
            kind="results",
            status=status,
            file_name="f.csv",
            sha256="0" * 64,
            started_at=start,
            finished_at=start + dt.timedelta(seconds=seconds),
        )
    ImportRun.objects.create(kind="results", status="running", file_name="g.csv", sha256="1" * 64, started_at=start)
    Run.objects.create(
        year=2026, status="done", preset="p", preset_version="1", preset_text="", started_at=start,
        finished_at=start + dt.timedelta(seconds=45),
    )  # fmt: skip
    text = client.get("/metrics", headers=BEARER).content.decode()
    name = "shnor_import_duration_seconds"
    # applied: 3 s and 100 s; le=1 none, le=5..60 one, from le=120 both; sum 103
    for edge, count in (("1.0", 0), ("5.0", 1), ("60.0", 1), ("120.0", 2), ("+Inf", 2)):
        assert _value(text, f'{name}_bucket{{le="{edge}",status="applied"}}') == count, edge
    assert _value(text, f'{name}_sum{{status="applied"}}') == 103
    assert _value(text, f'{name}_count{{status="failed"}}') == 1
    assert _value(text, f'{name}_bucket{{le="15.0",status="failed"}}') == 0
    assert _value(text, f'{name}_bucket{{le="30.0",status="failed"}}') == 1
    assert 'status="running"' not in text, "an unfinished import has no duration yet"
    runs = "shnor_identification_duration_seconds"
    assert _value(text, f'{runs}_bucket{{le="30.0",status="done"}}') == 0
    assert _value(text, f'{runs}_bucket{{le="60.0",status="done"}}') == 1
    assert _value(text, 'shnor_tasks{state="ready"}') == 0 and 'shnor_tasks{state="running"}' in text


def test_a_server_sums_its_processes(tmp_path: Path) -> None:
    """`shnor serve` with two gunicorn processes: every request counted once, whichever answered it."""
    data = tmp_path / "data"
    run("init", "--preset", "volgograd-2021", data_dir=data)
    env = clean_env() | {"SHNOR_METRICS_TOKEN": TOKEN, "SHNOR_WARM_UP": "0"}
    command = [*SHNOR, "serve", "--data-dir", str(data), "--port", "0", "--workers", "2", "--no-worker"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as server:
        try:
            port, booted = None, 0
            assert server.stdout is not None
            for line in server.stdout:  # gunicorn says where it listens and when each process is up
                if "Listening at:" in line:
                    port = int(line.rsplit(":", 1)[1].split()[0].strip(" )"))
                booted += "Booting worker" in line
                if booted == 2:
                    break
            assert port, "the server did not start"
            for _ in range(8):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as answer:
                    assert answer.status == 200
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30)
            assert refused.value.code == 403
            scrape = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers=BEARER)
            with urllib.request.urlopen(scrape, timeout=30) as answer:
                text = answer.read().decode()
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert _value(text, 'shnor_http_requests_total{method="GET",route="web:healthz",status="200"}') == 8
    assert _value(text, 'shnor_http_requests_total{method="GET",route="web:metrics",status="403"}') == 1
    assert list((data / "metrics").glob("*.db")), "the processes' figures live in the data folder"


def test_a_short_key_stops_the_start(tmp_path: Path) -> None:
    refused = run("migrate", data_dir=tmp_path, env={"SHNOR_METRICS_TOKEN": "short-key"}, check=False)
    assert refused.returncode == 2
    assert "SHNOR_METRICS_TOKEN" in refused.stderr and "at least 32 characters" in refused.stderr
    assert "short-key" not in refused.stderr, "the key is not printed"
