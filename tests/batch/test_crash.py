"""A batch killed with SIGKILL mid-run, then resumed: every custom_id exactly once in the
output, and no request re-sent that already had a recorded result. Real processes, a real
loopback server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tokenclient.testing import FakeAPI, serve

pytestmark = pytest.mark.slow

_CHILD = """
import sys
from tokenclient import TokenClient
from tokenclient.batch import run_batch

with TokenClient(base_url=sys.argv[1], api_key="sk-test") as client:
    run_batch(client, sys.argv[2], sys.argv[3], concurrency=3)
"""


def _sent_ids(api: FakeAPI) -> list[str]:
    return [json.loads(r.content)["messages"][-1]["content"] for r in api.requests]


def test_sigkill_mid_run_then_resume_writes_each_result_once(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    count = 60
    source.write_text(
        "".join(
            json.dumps(
                {
                    "custom_id": f"q{i}",
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": {"model": "slow", "messages": [{"role": "user", "content": f"q{i}"}]},
                }
            )
            + "\n"
            for i in range(count)
        )
    )
    output = tmp_path / "out.jsonl"
    api = FakeAPI(slow_seconds=0.05)
    with serve(api=api) as url:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, url, str(source), str(output)],
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if output.exists() and output.read_bytes().count(b"\n") >= 10:
                break
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        written = [
            json.loads(line)["custom_id"]
            for line in output.read_text().splitlines()
            if line.endswith("}")
        ]
        assert 10 <= len(written) < count, "the kill should land mid-run"
        before = len(api.requests)

        resumed = subprocess.run(
            [sys.executable, "-c", _CHILD, url, str(source), str(output)],
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
            timeout=120,
            check=True,
        )
        assert resumed.returncode == 0
        resent = _sent_ids(api)[before:]
    ids = [json.loads(line)["custom_id"] for line in output.read_text().splitlines()]
    assert sorted(ids) == sorted(f"q{i}" for i in range(count))  # each exactly once
    assert not set(resent) & set(written)  # nothing with a written result was sent again
