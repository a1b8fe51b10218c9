"""Every ```python block in ``docs/*.md`` and ``README.md`` runs against the bundled server.

And type-checks: ``mypy --strict`` reads each page's blocks as one module, so an example that
a user's type checker would reject (an optional not narrowed, a list literal that does not
match ``messages=``) fails here too.

The blocks of one page run in order, in one fresh namespace, in a fresh interpreter: as a
reader runs them, so a later block may use the ``client`` an earlier one made. The
interpreter gets ``TOKENCLIENT_API_KEY`` and ``TOKENCLIENT_BASE_URL`` for a loopback
``tokenclient.testing.serve()`` (which accepts any key, so ``api_key="sk-..."`` works), runs
with warnings as errors, and must exit 0 within the timeout. Tracebacks name the Markdown file
and line.

A block that cannot run on its own (a fragment of a signature, say) is marked by an HTML
comment on the line before its fence, giving the reason::

    <!-- fragment: shows only the shape of the call -->

Keep those rare: a fragment is a block that can rot.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tokenclient.testing import serve

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([*(ROOT / "docs").glob("*.md"), ROOT / "README.md"])
TIMEOUT = 120.0  # seconds per page: generous, for a loaded 2-core machine

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_FRAGMENT = re.compile(r"^\s*<!--\s*fragment:\s*(?P<reason>\S.*?)\s*-->\s*$")

# Runs in the child: exec each block, compiled so that line numbers are the Markdown file's.
# Test functions a page defines (``def test_...()`` without fixtures) are then called too,
# ``async`` ones through anyio, so the testing guide's tests run rather than just compile.
_DRIVER = """
import inspect, json, sys
namespace = {"__name__": "__main__"}
for block in json.load(sys.stdin):
    source = "\\n" * (block["line"] - 1) + block["code"]
    exec(compile(source, block["path"], "exec"), namespace)
for name, function in list(namespace.items()):
    if name.startswith("test_") and inspect.isfunction(function):
        if inspect.signature(function).parameters:
            continue
        if inspect.iscoroutinefunction(function):
            import anyio
            anyio.run(function)
        else:
            function()
        print("ran", name)
"""


@dataclass(frozen=True)
class Block:
    """One fenced code block of a Markdown page."""

    path: Path
    line: int
    """The line of the block's first code line (1-based)."""
    language: str
    code: str
    fragment: str | None
    """The reason given by a ``<!-- fragment: ... -->`` marker, or None."""


def extract_blocks(path: Path, text: str) -> list[Block]:
    """Every fenced block of ``text``, dedented by its fence's indentation."""
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None or not opening["info"].strip():
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        language = opening["info"].split()[0].lower()
        previous = next((line for line in reversed(lines[:index]) if line.strip()), "")
        marker = _FRAGMENT.match(previous)
        end = index + 1
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        if end == len(lines):
            raise ValueError(f"{path}:{index + 1}: unclosed code fence")
        body = [
            line[len(indent) :] if line.startswith(indent) else line
            for line in lines[index + 1 : end]
        ]
        blocks.append(
            Block(
                path=path,
                line=index + 2,
                language=language,
                code="\n".join(body) + "\n",
                fragment=marker["reason"] if marker else None,
            )
        )
        index = end + 1
    return blocks


def runnable_text(path: Path, text: str) -> list[Block]:
    """The Python blocks of ``text`` that are not marked as fragments."""
    blocks = extract_blocks(path, text)
    return [b for b in blocks if b.language in {"python", "py"} and b.fragment is None]


def runnable(path: Path) -> list[Block]:
    """The Python blocks of a page that are not marked as fragments."""
    return runnable_text(path, path.read_text(encoding="utf-8"))


WITH_EXAMPLES = [path for path in PAGES if runnable(path)]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The bundled server: any key, quick video tasks and short poll hints."""
    with serve(api_key=None, video_seconds=0.3, poll_retry_after=0.1) as url:
        yield url


def test_extracts_blocks_markers_and_indented_fences() -> None:
    text = "\n".join(
        [
            "# Page",
            "```python",
            "x = 1",
            "```",
            "",
            "<!-- fragment: only the shape -->",
            "",
            "```python",
            "create(...)",
            "```",
            "1. A list item:",
            "",
            "    ```py",
            "    if x:",
            "        y = 2",
            "    ```",
            "```console",
            "$ tokenclient models",
            "```",
            "```",
            "plain",
            "```",
        ]
    )
    blocks = extract_blocks(Path("page.md"), text)
    assert [(b.language, b.line, b.fragment) for b in blocks] == [
        ("python", 3, None),
        ("python", 9, "only the shape"),
        ("py", 14, None),
        ("console", 18, None),
    ]
    assert blocks[2].code == "if x:\n    y = 2\n"
    with pytest.raises(ValueError, match="unclosed"):
        extract_blocks(Path("bad.md"), "```python\nx = 1\n")


def test_the_docs_have_examples() -> None:
    names = {path.name for path in PAGES}
    assert {"index.md", "quickstart.md", "configuration.md", "errors.md", "async.md"} <= names
    counted = {path.name: len(runnable(path)) for path in PAGES}
    assert sum(counted.values()) >= 40, counted
    for page in ("quickstart.md", "chat.md", "streaming.md", "errors.md", "async.md"):
        assert counted[page] >= 2, page


@pytest.mark.e2e
@pytest.mark.parametrize("page", WITH_EXAMPLES, ids=[path.name for path in WITH_EXAMPLES])
def test_page_examples_run(page: Path, base_url: str, tmp_path: Path) -> None:
    blocks = runnable(page)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENCLIENT_")}
    env.update(
        TOKENCLIENT_BASE_URL=base_url,
        TOKENCLIENT_API_KEY="sk-test",
        TMPDIR=str(tmp_path),  # examples that save files write them here
    )
    payload = [{"path": str(b.path), "line": b.line, "code": b.code} for b in blocks]
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", _DRIVER],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def _as_module(blocks: list[Block]) -> str:
    """The blocks of a page as one module, each at its own line of the Markdown file."""
    lines: list[str] = []
    for block in blocks:
        lines.extend([""] * (block.line - 1 - len(lines)))
        lines.extend(block.code.splitlines())
    return "\n".join(lines) + "\n"


def test_as_module_keeps_markdown_line_numbers() -> None:
    text = "# Page\n\n```python\nx = 1\n```\n\ntext\n\n```python\ny = x\n```\n"
    module = _as_module(runnable_text(Path("page.md"), text)).splitlines()
    assert (module[3], module[9]) == ("x = 1", "y = x")


@pytest.mark.slow  # one mypy run over every page: 10-25 s
def test_page_examples_type_check(tmp_path: Path) -> None:
    files: list[str] = []
    for page in WITH_EXAMPLES:
        module = tmp_path / f"{page.stem.replace('-', '_').lower()}_md.py"
        module.write_text(_as_module(runnable(page)), encoding="utf-8")
        files.append(str(module))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-version=3.10",
            "--disable-error-code=no-redef",  # pages define `main` once per example
            f"--cache-dir={ROOT / '.mypy_cache' / 'docs-examples'}",
            *files,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
