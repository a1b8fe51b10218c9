"""``python -m tokenclient.testing`` as a real subprocess."""

from __future__ import annotations

import json
import shlex
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Generator
from contextlib import contextmanager

import httpx
import pytest

GENEROUS = 60.0  # seconds; a loaded 2-core machine can be slow to start Python


@contextmanager
def running(*args: str) -> Generator[tuple[subprocess.Popen[str], str], None, None]:
    """Start the server; yield the process and the URL line it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tokenclient.testing", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # A hung start must fail the test rather than hang it.
    watchdog = threading.Timer(GENEROUS, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        yield process, line
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=GENEROUS)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_prints_its_url_serves_and_exits_0_on_a_signal(stop: signal.Signals) -> None:
    with running("--api-key", "sk-cli", "--video-seconds", "0") as (process, url):
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/v1")
        headers = {"authorization": "Bearer sk-cli"}
        models = httpx.get(url + "/models", headers=headers, timeout=GENEROUS)
        assert models.status_code == 200
        task = httpx.post(
            url + "/videos/generations",
            headers=headers,
            timeout=GENEROUS,
            json={"model": "m", "prompt": "p"},
        )
        assert task.json()["status"] == "succeeded"
        assert httpx.get(url + "/models", timeout=GENEROUS).status_code == 401
        process.send_signal(stop)
        assert process.wait(timeout=GENEROUS) == 0
        assert process.stderr is not None
        assert "sk-cli" not in process.stderr.read()


def test_options_reach_the_server() -> None:
    with running("--no-auth", "--base-path", "/api/v1", "--verbose") as (process, url):
        assert url.endswith("/api/v1")
        assert httpx.get(url + "/models", timeout=GENEROUS).status_code == 200
        process.terminate()
        assert process.wait(timeout=GENEROUS) == 0
        assert process.stderr is not None
        assert "GET /api/v1/models 200" in process.stderr.read()


def test_a_busy_port_is_an_error_exit() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with running("--port", str(port)) as (process, line):
            assert line == ""
            assert process.wait(timeout=GENEROUS) == 1
            assert process.stderr is not None
            assert f"cannot serve on 127.0.0.1:{port}" in process.stderr.read()


def test_help_describes_the_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tokenclient.testing", "--help"],
        capture_output=True,
        text=True,
        timeout=GENEROUS,
        check=False,
    )
    assert result.returncode == 0
    for option in ("--host", "--port", "--api-key", "--video-seconds", "--verbose"):
        assert option in result.stdout
    assert "default 0: pick a free one" in result.stdout


def test_prints_the_key_and_a_curl_line_that_works_on_the_port_asked_for() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with running("--port", str(port), "--api-key", "sk-cli") as (process, url):
        assert url == f"http://127.0.0.1:{port}/v1"
        assert process.stdout is not None
        key, curl, environment = (process.stdout.readline().strip() for _ in range(3))
        assert key == "api key: sk-cli (send it as Authorization: Bearer sk-cli)"
        assert environment.startswith(f"or:  TOKENCLIENT_BASE_URL={url} TOKENCLIENT_API_KEY=")
        assert curl.startswith("try: curl ")
        command = shlex.split(curl.removeprefix("try: "))
        reply = subprocess.run(
            command, capture_output=True, text=True, timeout=GENEROUS, check=True
        )
        answer = json.loads(reply.stdout)
        assert answer["choices"][0]["message"]["content"] == "You said: Hello"
        process.terminate()
        assert process.wait(timeout=GENEROUS) == 0


def test_no_auth_says_any_key_works() -> None:
    with running("--no-auth") as (process, _):
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "api key: any or none (--no-auth)"
        curl = process.stdout.readline()
        assert "Authorization" not in curl
        process.terminate()
        assert process.wait(timeout=GENEROUS) == 0
