"""Smoke tests of the benchmark suite: the server answers, every driver produces numbers.

Tiny sizes and no timed assertions: these check that ``./scripts/bench`` still works, not how
fast anything is. The drivers run in subprocesses, as they do in a real run.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Generator
from pathlib import Path

import httpx
import pytest
from benchmarks.plan import SUITES, Job, sizes_for
from benchmarks.report import Results, format_table, misses, summarize
from benchmarks.run import ENV, ROOT, available_clients, bench_server

_SIZES = {
    "sync_seq": ["--n=3"],
    "async_seq": ["--n=3"],
    "async_conc": ["--n=8", "--concurrency=4"],
    "sync_stream": ["--chunks=300"],
    "async_stream": ["--chunks=300"],
}


@pytest.fixture(scope="module")
def base_url() -> Generator[str, None, None]:
    """A bench server in its own process for the whole module."""
    with bench_server(sys.executable) as url:
        yield url


def test_server_serves_canned_replies(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as http:
        models = http.get("/models")
        assert models.status_code == 200
        assert len(models.json()["data"]) == 20
        reply = http.post("/chat/completions", json={"model": "m", "messages": []})
        assert reply.json()["choices"][0]["message"]["content"]
        missing = http.get("/nowhere")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
        body: dict[str, object] = {"model": "m", "messages": [], "stream": True}
        streamed = http.post("/chat/completions", params={"chunks": 5}, json=body)
        events = [line for line in streamed.text.splitlines() if line.startswith("data: ")]
        assert len(events) == 6  # five chunks, then [DONE]
        assert events[-1] == "data: [DONE]"
        assert json.loads(events[-2][6:])["choices"][0]["finish_reason"] == "stop"


@pytest.mark.e2e
@pytest.mark.parametrize("client", ["httpx", "tokenclient", "tokenclient-router"])
@pytest.mark.parametrize("scenario", sorted(_SIZES))
def test_driver_reports_numbers(base_url: str, client: str, scenario: str) -> None:
    args = [sys.executable, "-m", "benchmarks.drivers", client, scenario]
    args += [f"--base-url={base_url}", *_SIZES[scenario]]
    done = subprocess.run(
        args, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    metrics = json.loads(done.stdout)
    assert metrics
    for name, value in metrics.items():
        assert isinstance(value, float), name
        assert math.isfinite(value), name
        if name != "rss_growth_mib":  # a peak can stay where it was
            assert value > 0, name


def test_available_clients_finds_the_installed_ones() -> None:
    assert available_clients(sys.executable, ("httpx", "tokenclient")) == ["httpx", "tokenclient"]


def test_ratio_is_the_median_of_paired_ratios() -> None:
    suite = SUITES["main"]
    sizes = sizes_for(quick=True, rounds=3)
    results: Results = {
        "sync_seq_2": {
            "httpx": [{"us_per_request": v} for v in (1.0, 10.0, 10.0)],
            "tokenclient": [{"us_per_request": v} for v in (3.0, 11.0, 30.0)],
        }
    }
    summaries = summarize(suite, sizes, results, ["httpx", "tokenclient"])
    row = next(s for s in summaries if s.row.job == "sync_seq_2" and s.row.target)
    assert row.values == {"httpx": 10.0, "tokenclient": 11.0}
    assert row.ratios["tokenclient"] == pytest.approx(3.0)  # rounds: 3, 1.1, 3
    table = format_table(suite, summaries, ["httpx", "tokenclient"])
    assert "sync request, 2 msgs" in table
    assert "3.00x" in table
    assert "OVER" in table


def test_every_job_of_every_suite_is_a_known_scenario() -> None:
    from benchmarks.drivers.scenarios import SCENARIOS

    sizes = sizes_for(quick=True)
    for suite in SUITES.values():
        keys = {job.key for job in suite.jobs}
        assert {row.job for row in suite.rows} <= keys
        for job in suite.jobs:
            assert job.scenario in {*SCENARIOS, "import", "ready"}
            assert isinstance(job, Job)
            assert len(job.driver_args(sizes)) == 4


def test_scripts_bench_is_executable() -> None:
    script = Path(ROOT, "scripts", "bench")
    assert script.stat().st_mode & 0o111


def test_check_lists_every_missed_target_and_only_those() -> None:
    suite = SUITES["check"]
    sizes = sizes_for(quick=True, rounds=2)
    clients = ["httpx", "tokenclient", "tokenclient-aiohttp"]
    results: Results = {
        "async_conc": {  # tokenclient 0.9x httpx's wall time: ok; its aiohttp backend 0.5x: missed
            "httpx": [{"us_per_request": 100.0}, {"us_per_request": 200.0}],
            "tokenclient": [{"us_per_request": 90.0}, {"us_per_request": 180.0}],
            "tokenclient-aiohttp": [{"us_per_request": 50.0}, {"us_per_request": 100.0}],
        },
        "sync_stream": {
            "httpx": [{"cpu_us_per_chunk": 10.0}, {"cpu_us_per_chunk": 10.0}],
            "tokenclient": [{"cpu_us_per_chunk": 10.5}, {"cpu_us_per_chunk": 11.0}],
        },
    }
    summaries = summarize(suite, sizes, results, clients)
    missed = misses(suite, summaries)
    assert any("(aiohttp)" in line and "0.50x, target <=0.4x" in line for line in missed)
    assert not any(line.startswith("async c=50, wall/request:") for line in missed)
    assert any(line.startswith("sync stream CPU per chunk:") for line in missed)
    assert any("import: tokenclient not measured" in line for line in missed)
    table = format_table(suite, summaries, clients)
    assert "1.08x [1.05-1.10]" in table  # the median of paired ratios, with their spread
    assert "<=0.4x (tokenclient-aiohttp)" in table
