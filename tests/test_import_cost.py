"""What ``import tokenclient`` and a sync program load: only what they use (issue 20).

Each check runs in a fresh interpreter, since this test process has loaded everything.
"""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


def test_import_loads_neither_pydantic_nor_asyncio_nor_anyio() -> None:
    """Only what ``import httpx`` loads by itself (httpx 0.27 imports anyio) may be there."""
    _run(
        "import sys\n"
        "import httpx\n"
        "before = set(sys.modules)\n"
        "import tokenclient\n"
        "added = set(sys.modules) - before\n"
        "loaded = [m for m in ('asyncio', 'anyio', 'pydantic') if m in added]\n"
        "assert not loaded, loaded\n"
    )


def test_a_sync_program_never_loads_asyncio() -> None:
    """A sync client's request and stream load no asyncio (the bundled server would: it runs in
    a subprocess here). anyio is not checked: httpcore's sync pool imports it by itself."""
    _run(
        "import subprocess, sys\n"
        "server = subprocess.Popen([sys.executable, '-m', 'tokenclient.testing', '--port', '0'],\n"
        "                          stdout=subprocess.PIPE, text=True)\n"
        "try:\n"
        "    line = server.stdout.readline()\n"
        "    url = line.split()[-1]\n"
        "    import tokenclient\n"
        "    with tokenclient.TokenClient(api_key='sk-test', base_url=url) as client:\n"
        "        messages = [{'role': 'user', 'content': 'hi'}]\n"
        "        reply = client.chat.completions.create(model='m', messages=messages)\n"
        "        assert reply.choices[0].message.content\n"
        "        chat = client.chat.completions\n"
        "        with chat.create(model='m', messages=messages, stream=True) as stream:\n"
        "            assert list(stream)\n"
        "    assert 'asyncio' not in sys.modules, 'asyncio loaded'\n"
        "finally:\n"
        "    server.terminate()\n"
        "    server.wait(10)\n"
    )
