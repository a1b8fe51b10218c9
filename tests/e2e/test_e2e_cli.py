"""``python -m tokenclient`` as a subprocess against the bundled server on a loopback socket."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from tokenclient import __version__
from tokenclient.testing import sample_png, serve

KEY = "sk-e2e-cli-Distinctive-31415926"
TIMEOUT = 60.0  # seconds per command: generous, for a loaded machine


@dataclass
class Result:
    """What one command printed and returned."""

    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The bundled server: video tasks take 0.3 s, polls hint 0.1 s."""
    with serve(api_key=KEY, video_seconds=0.3, poll_retry_after=0.1) as url:
        yield url


def environment(base_url: str | None, key: str | None = KEY) -> dict[str, str]:
    """This process's environment without TOKENCLIENT_*, then the given settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENCLIENT_")}
    if base_url is not None:
        env["TOKENCLIENT_BASE_URL"] = base_url
    if key is not None:
        env["TOKENCLIENT_API_KEY"] = key
    return env


def tokenclient(*args: str, env: Mapping[str, str], stdin: str = "") -> Result:
    """Run ``python -m tokenclient ARGS`` and check it never shows the key or a traceback."""
    done = subprocess.run(
        [sys.executable, "-m", "tokenclient", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=dict(env),
        timeout=TIMEOUT,
        check=False,
    )
    for text in (done.stdout, done.stderr):
        assert KEY not in text
        assert "Traceback" not in text
    if done.returncode != 0:
        assert done.stderr.count("\n") == 1, done.stderr
        assert done.stderr.startswith("tokenclient: error: ")
    return Result(done.returncode, done.stdout, done.stderr)


def test_version(base_url: str) -> None:
    result = tokenclient("--version", env=environment(base_url))
    assert (result.code, result.out) == (0, f"tokenclient {__version__}\n")


def test_chat_streamed_and_not(base_url: str) -> None:
    env = environment(base_url)
    streamed = tokenclient("chat", "Hello from a shell", env=env)
    assert (streamed.code, streamed.out, streamed.err) == (0, "You said: Hello from a shell\n", "")
    whole = tokenclient("chat", "--no-stream", env=env, stdin="Piped text\n")
    assert (whole.code, whole.out, whole.err) == (0, "You said: Piped text\n", "")


def test_chat_prints_deltas_as_they_arrive() -> None:
    words = " ".join(f"w{n}" for n in range(8))
    with serve(api_key=KEY, chunk_delay=0.1) as url:
        process = subprocess.Popen(
            [sys.executable, "-m", "tokenclient", "chat", words],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment(url),
            bufsize=0,  # unbuffered: communicate() below must see every byte not read here
        )
        try:
            assert process.stdout is not None
            first = b""
            while len(first) < 9:  # "You said:" comes in the first chunks
                piece = process.stdout.read(9 - len(first))
                assert piece, "stdout closed early"
                first += piece
            still_running = process.poll() is None  # 8 more chunks, 0.1 s apart, to come
            rest, err = process.communicate(timeout=TIMEOUT)
        finally:
            process.kill()
            process.wait()
    assert first == b"You said:"
    assert still_running
    assert (first + rest).decode() == f"You said: {words}\n"
    assert err == b""


def test_models(base_url: str) -> None:
    result = tokenclient("models", env=environment(base_url))
    assert result.code == 0
    assert "qwen3-8b" in result.out.splitlines()


def test_image_out(base_url: str, tmp_path: Path) -> None:
    out = tmp_path / "lighthouse.png"
    args = ("image", "--model", "m", "--prompt", "a lighthouse", "--n", "2", "--out", str(out))
    result = tokenclient(*args, env=environment(base_url))
    assert result.code == 0
    paths = [tmp_path / "lighthouse-1.png", tmp_path / "lighthouse-2.png"]
    assert result.out.splitlines() == [str(path) for path in paths]
    assert all(path.read_bytes() == sample_png() for path in paths)


def test_video_wait_with_progress_and_download(base_url: str, tmp_path: Path) -> None:
    out = tmp_path / "beach.mp4"
    args = ("video", "--model", "v", "--prompt", "a beach", "--wait", "--out", str(out))
    result = tokenclient(*args, env=environment(base_url))
    assert result.code == 0
    (url,) = result.out.splitlines()
    assert re.fullmatch(rf"{re.escape(base_url)}/files/tsk-\w+\.mp4", url)
    lines = result.err.splitlines()
    assert "\r" not in result.err  # stderr is a pipe: plain lines
    assert re.fullmatch(r"video tsk-\w+: queued 0% \[\d+\.\ds\]", lines[0])
    assert re.fullmatch(r"video tsk-\w+: succeeded 100% \[\d+\.\ds\]", lines[-2])
    assert lines[-1] == f"tokenclient: saved {out} ({out.stat().st_size} bytes)"
    assert out.stat().st_size > 0


def test_video_without_wait_prints_the_id_then_status_waits(base_url: str) -> None:
    env = environment(base_url)
    created = tokenclient("video", "--model", "v", "--prompt", "a beach", env=env)
    assert created.code == 0
    task_id = created.out.strip()
    assert re.fullmatch(r"tsk-\w+", task_id)
    waited = tokenclient("video-status", task_id, "--wait", env=env)
    assert waited.code == 0
    assert waited.out == f"{base_url}/files/{task_id}.mp4\n"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("wrong key", 1, "401 AuthenticationError: Incorrect API key provided."),
        ("no balance", 1, "402 InsufficientBalanceError"),
        ("stream error", 1, "APIStreamError"),
        ("refused", 3, "APIConnectionError: Connection error (ConnectError"),
        ("missing key", 2, "TOKENCLIENT_API_KEY"),
        ("bad base URL", 2, "base_url: expected an absolute http(s) URL"),
    ],
)
def test_errors_are_one_line_without_the_key(
    base_url: str, case: str, code: int, message: str
) -> None:
    env = environment(base_url)
    args: tuple[str, ...] = ("chat", "hi")
    if case == "wrong key":
        env["TOKENCLIENT_API_KEY"] = KEY + "-wrong"
        args = ("models",)
    elif case == "no balance":
        args = ("chat", "--model", "error-402", "hi")
    elif case == "stream error":
        args = ("chat", "--model", "stream-error", "one two three four five")
    elif case == "refused":
        args = ("--max-retries", "0", "--base-url", f"http://127.0.0.1:{_closed_port()}/v1")
        args += ("chat", "hi")
    elif case == "missing key":
        env = environment(base_url, key=None)
    else:
        env["TOKENCLIENT_BASE_URL"] = f"ftp://user:{KEY}@example.com/v1"
    result = tokenclient(*args, env=env)
    assert result.code == code
    assert message in result.err
    if case == "wrong key":
        assert re.search(r"\(request id req_\w+\)$", result.err.strip())
