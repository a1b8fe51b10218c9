"""``tokenclient batch``: in process for the output and exit codes, over a real pty for
Ctrl-C (the first lets the requests in flight finish, the second abandons them)."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import pytest

from tokenclient.testing import FakeAPI, serve

from ..test_cli import KEY, run


def write_requests(path: Path, count: int, model: str = "qwen3-8b") -> Path:
    with path.open("w") as file:
        for i in range(count):
            body = {"model": model, "messages": [{"role": "user", "content": f"q{i}"}]}
            line = {"custom_id": f"q{i}", "method": "POST", "url": "/v1/chat/completions"}
            file.write(json.dumps({**line, "body": body}) + "\n")
    return path


def ids_in(path: Path) -> list[str]:
    return [json.loads(line)["custom_id"] for line in path.read_text().splitlines()]


def test_batch_runs_the_file_and_prints_a_summary(tmp_path: Path) -> None:
    source = write_requests(tmp_path / "in.jsonl", 12)
    out = tmp_path / "out.jsonl"
    result = run(["batch", str(source), "-o", str(out), "--concurrency", "3"])
    assert result.code == 0
    assert sorted(ids_in(out)) == sorted(f"q{i}" for i in range(12))
    assert "succeeded  12" in result.err
    assert "12/12 (100%)" in result.err  # the last progress line (stderr is not a terminal)
    again = run(["batch", str(source), "-o", str(out)])
    assert again.code == 0
    assert "skipped    12 (done by an earlier run)" in again.err


def test_batch_with_failures_exits_1_and_says_how_to_resend(tmp_path: Path) -> None:
    source = write_requests(tmp_path / "in.jsonl", 3, model="error-400")
    result = run(["batch", str(source), "-o", str(tmp_path / "out.jsonl")])
    assert result.code == 1
    assert result.err.splitlines()[-1].startswith("tokenclient: error: 3 of 3 requests failed")
    assert "--retry-failed" in result.err


def test_batch_shards_and_merge(tmp_path: Path) -> None:
    source = write_requests(tmp_path / "in.jsonl", 10)
    api = FakeAPI(api_key=KEY)
    for k in (1, 2):
        part = tmp_path / f"p{k}.jsonl"
        assert run(["batch", str(source), "-o", str(part), "--shard", f"{k}/2"], api=api).code == 0
    merged = tmp_path / "all.jsonl"
    result = run(
        [
            "batch",
            "merge",
            str(tmp_path / "p1.jsonl"),
            str(tmp_path / "p2.jsonl"),
            "-o",
            str(merged),
            "--requests",
            str(source),
        ]
    )
    assert result.code == 0
    assert result.out == f"10 results written to {merged}\n"
    assert sorted(ids_in(merged)) == sorted(f"q{i}" for i in range(10))


def test_batch_usage_errors(tmp_path: Path) -> None:
    source = write_requests(tmp_path / "in.jsonl", 1)
    assert run(["batch", str(source), "-o", str(tmp_path / "o"), "--shard", "3/2"]).code == 2
    dup = tmp_path / "dup.jsonl"
    dup.write_text(source.read_text() * 2)
    result = run(["batch", str(dup), "-o", str(tmp_path / "o2")])
    assert result.code == 2
    assert "appears twice" in result.err


def _spawn_batch(url: str, source: Path, out: Path) -> tuple[int, int]:
    """``tokenclient batch`` in a child whose controlling terminal is a new pty."""
    pid, master = pty.fork()
    if pid == 0:  # the child: exec the real entry point
        env = {
            **os.environ,
            "TOKENCLIENT_BASE_URL": url,
            "TOKENCLIENT_API_KEY": "sk-test",
            "PYTHONPATH": os.pathsep.join(sys.path),
        }
        argv = [sys.executable, "-m", "tokenclient", "batch", str(source), "-o", str(out)]
        os.execve(sys.executable, [*argv, "--concurrency", "4"], env)
    return pid, master


def _read_until(master: int, needle: bytes, seconds: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:  # the child closed the pty
                break
    return seen


def _wait(pid: int, master: int, seconds: float) -> tuple[int, bytes]:
    rest = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rest += _read_until(master, b"\x00never", 0.2)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            os.close(master)
            return os.waitstatus_to_exitcode(status), rest
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError(f"tokenclient batch did not exit: {rest!r}")


@pytest.mark.slow
def test_ctrl_c_finishes_the_requests_in_flight_and_resume_completes(tmp_path: Path) -> None:
    source = write_requests(tmp_path / "in.jsonl", 200, model="slow")
    out = tmp_path / "out.jsonl"
    with serve(api=FakeAPI(slow_seconds=0.2)) as url:
        pid, master = _spawn_batch(url, source, out)
        _read_until(master, b"/200", 30)  # the live progress line: the run has started
        os.write(master, b"\x03")  # Ctrl-C, through the terminal
        code, screen = _wait(pid, master, 30)
        assert code == 130, screen
        assert b"waiting for those in flight" in screen
        done = ids_in(out)
        assert 0 < len(done) < 200
        assert b"interrupted" in screen
        assert b"\r" in screen  # on a terminal the progress line is redrawn in place

        pid, master = _spawn_batch(url, source, out)
        code, screen = _wait(pid, master, 120)
        assert code == 0, screen
    assert sorted(ids_in(out)) == sorted(f"q{i}" for i in range(200))


@pytest.mark.slow
def test_a_second_ctrl_c_abandons_the_requests_in_flight(tmp_path: Path) -> None:
    source = write_requests(tmp_path / "in.jsonl", 50, model="slow")
    out = tmp_path / "out.jsonl"
    with serve(api=FakeAPI(slow_seconds=3.0)) as url:
        pid, master = _spawn_batch(url, source, out)
        _read_until(master, b"/50", 30)
        os.write(master, b"\x03")
        assert b"Ctrl-C again" in _read_until(master, b"Ctrl-C again", 10)
        os.write(master, b"\x03")
        started = time.monotonic()
        code, screen = _wait(pid, master, 30)
        assert code == 130, screen
        assert time.monotonic() - started < 2.5  # did not wait out the 3 s requests
        assert b"abandoned" in screen
    done = ids_in(out)  # whole lines only (ids_in parses each), each id once
    assert len(set(done)) == len(done) < 50
