"""Every ``examples/*.py`` runs to completion against the bundled server, as ``scripts/demo`` does.

Parametrised over the files found, so a new example is covered without touching this file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tokenclient.testing import serve

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.py"))
TIMEOUT = 120.0  # seconds per example: generous, for a loaded machine


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The bundled server, with quick video tasks and 0.1 s poll hints."""
    with serve(video_seconds=0.3, poll_retry_after=0.1) as url:
        yield url


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("example", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs(example: Path, base_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENCLIENT_")}
    env.update(
        TOKENCLIENT_BASE_URL=base_url,
        TOKENCLIENT_API_KEY="sk-test",
        TMPDIR=str(tmp_path),  # examples that save files write them here
    )
    done = subprocess.run(
        [sys.executable, str(example)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert "Traceback" not in done.stderr
