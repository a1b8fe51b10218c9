"""The ``video`` and ``video-status`` commands: start, inspect and wait for video tasks."""

from __future__ import annotations

import argparse
import shlex

from .._client import TokenClient
from .._exceptions import VideoTaskTimeoutError
from .._types import NOT_GIVEN
from ..types.videos import VideoTask
from .errors import EXIT_CONNECTION, EXIT_INTERRUPTED, EXIT_USAGE, CliError, safe_url
from .files import download, numbered
from .progress import ProgressDisplay, describe_task
from .runtime import Runtime

__all__ = ["resume_command", "video", "video_status"]


def _check_out(args: argparse.Namespace, command: str) -> None:
    if args.out is not None and not args.wait:
        raise CliError(f"{command}: --out needs --wait", EXIT_USAGE)


def _urls(task: VideoTask) -> list[str]:
    urls = [result.video_url for result in task.data if result.video_url]
    if not urls:
        raise CliError(f"video task {task.id} succeeded without a video URL")
    return urls


def _save(urls: list[str], out: str, runtime: Runtime) -> None:
    http = runtime.make_http()
    try:
        for index, url in enumerate(urls, start=1):
            path = numbered(out, index, len(urls))
            size = download(http, url, path, clock=runtime.clock)
            runtime.stderr.write(f"tokenclient: saved {path} ({size} bytes)\n")
    finally:
        http.close()


def resume_command(task_id: str, args: argparse.Namespace) -> str:
    """The command that picks the wait up again, with the ``--base-url``/``--provider`` given.

    The key is never part of it (it comes from the environment or ``--api-key`` again), nor
    any user info in the URL.
    """
    words = ["tokenclient", "video-status", task_id, "--wait"]
    base_url: str | None = args.base_url
    provider: str | None = args.provider
    if base_url:
        words += ["--base-url", safe_url(base_url)]
    if provider:
        words += ["--provider", provider]
    return shlex.join(words)


def _wait(client: TokenClient, task: VideoTask, args: argparse.Namespace, runtime: Runtime) -> None:
    """Wait for ``task`` with a progress display; print its URL(s), download with ``--out``."""
    display = ProgressDisplay(runtime.stderr, live=runtime.stderr.isatty(), clock=runtime.clock)
    display.update(task)
    try:
        done = client.videos.wait(
            task.id,
            poll_interval=args.poll_interval,
            timeout=args.wait_timeout,
            on_progress=display.update,
        )
    except KeyboardInterrupt:
        raise CliError(
            f"interrupted; video task {task.id} keeps running; resume with: "
            f"{resume_command(task.id, args)}",
            EXIT_INTERRUPTED,
        ) from None
    except VideoTaskTimeoutError as exc:
        raise CliError(
            f"{type(exc).__name__}: video task {task.id} did not finish in "
            f"{args.wait_timeout:g}s; it keeps running; resume with: "
            f"{resume_command(task.id, args)}",
            EXIT_CONNECTION,
        ) from None
    finally:
        display.close()
    urls = _urls(done)
    for url in urls:
        runtime.stdout.write(url + "\n")
    runtime.stdout.flush()
    if args.out is not None:
        _save(urls, args.out, runtime)


def video(client: TokenClient, args: argparse.Namespace, runtime: Runtime) -> None:
    """Start a video task; print its id, or with ``--wait`` wait and print the URL."""
    _check_out(args, "video")
    task = client.videos.create(
        model=args.model,
        prompt=args.prompt,
        duration=NOT_GIVEN if args.duration is None else args.duration,
        resolution=NOT_GIVEN if args.resolution is None else args.resolution,
        aspect_ratio=NOT_GIVEN if args.aspect_ratio is None else args.aspect_ratio,
    )
    if not args.wait:
        runtime.stdout.write(task.id + "\n")
        return
    _wait(client, task, args, runtime)


def video_status(client: TokenClient, args: argparse.Namespace, runtime: Runtime) -> None:
    """Print a task's state (and URLs once done), or with ``--wait`` wait as ``video`` does."""
    _check_out(args, "video-status")
    task = client.videos.retrieve(args.task_id)
    if args.wait:
        _wait(client, task, args, runtime)
        return
    runtime.stdout.write(describe_task(task) + "\n")
    if task.status == "succeeded":
        for url in _urls(task):
            runtime.stdout.write(url + "\n")
