"""The ``tokenclient`` command line (also ``python -m tokenclient``).

```console
$ export TOKENCLIENT_API_KEY=... TOKENCLIENT_BASE_URL=https://tokenoff.com/api/v1
$ tokenclient chat "Hello!"
$ tokenclient models
$ tokenclient image --model bytedance/doubao-seedream-5.0 --prompt "a lighthouse" --out a.png
$ tokenclient video --model bytedance/doubao-seedance-2.0 --prompt "a beach" --wait
$ git diff | tokenclient chat -c "and now summarize this"
```

Global options (``--api-key``, ``--base-url``, ``--provider``, ``--timeout``,
``--max-retries``) go before or after the command.

``main`` takes its streams, environment and client factories as arguments, so tests run it in
process against ``tokenclient.testing``. Errors are one line on stderr and an exit code (see
``tokenclient.cli.errors``); never a traceback, never the key.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TextIO

from .._client import TokenClient
from .._config import ENV_API_KEY, ENV_BASE_URL, ENV_PROVIDER
from .batch import batch
from .commands import chat, image, models
from .errors import (
    EXIT_API,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    describe,
    one_line,
)
from .parser import build_parser
from .runtime import (
    ClientFactory,
    ClientSettings,
    HttpFactory,
    Runtime,
    default_client,
    default_http,
)
from .video import video, video_status

__all__ = ["main"]

_Command = Callable[[TokenClient, argparse.Namespace, Runtime], int | None]
"""A command: it prints its results; it returns its exit code, or None for success."""
_COMMANDS: Mapping[str, _Command] = {
    "batch": batch,
    "chat": chat,
    "models": models,
    "image": image,
    "video": video,
    "video-status": video_status,
}


def _parse(argv: Sequence[str] | None, runtime: Runtime) -> argparse.Namespace | int:
    """The parsed arguments, or the exit code of ``--help``, ``--version`` or a usage error."""
    parser = build_parser()
    try:
        # argparse prints to sys.stdout/sys.stderr; point them at this run's streams.
        with contextlib.redirect_stdout(runtime.stdout), contextlib.redirect_stderr(runtime.stderr):
            return parser.parse_args(argv)
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else EXIT_API


def _settings(args: argparse.Namespace, environ: Mapping[str, str]) -> ClientSettings:
    return ClientSettings(
        api_key=args.api_key or environ.get(ENV_API_KEY) or "",
        base_url=args.base_url or environ.get(ENV_BASE_URL) or None,
        provider=args.provider or environ.get(ENV_PROVIDER) or None,
        timeout=args.timeout,
        max_retries=args.max_retries,
        limits_store=getattr(args, "limits_store", None),  # batch only
    )


def _run(args: argparse.Namespace, settings: ClientSettings, runtime: Runtime) -> int:
    secrets = [settings.api_key]

    def show(  # noqa: PLR0917  (the signature warnings.showwarning is called with)
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        text = str(message).removeprefix("tokenclient: ")
        runtime.stderr.write(f"tokenclient: warning: {one_line(text, secrets)}\n")

    # Warnings (plain http:// to a remote host, say) become one line each, as they happen.
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = show
        return _call(args, settings, runtime)


def _call(args: argparse.Namespace, settings: ClientSettings, runtime: Runtime) -> int:
    command = _COMMANDS[args.command]
    try:
        if not settings.api_key:
            raise CliError(
                f"No API key: set the {ENV_API_KEY} environment variable (or pass --api-key).",
                EXIT_USAGE,
            )
        if not settings.base_url and not settings.provider:
            raise CliError(
                f"No base URL: pass --base-url URL or --provider NAME, or set {ENV_BASE_URL} "
                f"or {ENV_PROVIDER}.",
                EXIT_USAGE,
            )
        with runtime.make_client(settings) as client:
            code = command(client, args, runtime)
        runtime.stdout.flush()
    except KeyboardInterrupt:
        runtime.stderr.write("tokenclient: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        raise  # handled quietly by main
    except Exception as exc:  # every failure becomes one line, never a traceback
        code, message = describe(exc)
        kind = "" if code == EXIT_INTERRUPTED else "error: "
        runtime.stderr.write(f"tokenclient: {kind}{one_line(message, [settings.api_key])}\n")
        return code
    return EXIT_OK if code is None else code


def main(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
    client_factory: ClientFactory = default_client,
    http_factory: HttpFactory = default_http,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Run ``tokenclient`` with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    Args:
        argv: The arguments after the program name.
        stdin: Where ``chat`` reads piped text, joined after TEXT (default ``sys.stdin``;
            read only when it is not a terminal, or when no TEXT is given).
        stdout: Where results go (default ``sys.stdout``).
        stderr: Where errors, notes and progress go (default ``sys.stderr``).
        environ: Where ``TOKENCLIENT_*`` settings (and the cache directory of ``chat -c``)
            are read (default ``os.environ``).
        client_factory: Builds the ``TokenClient`` from the resolved settings.
        http_factory: Builds the ``httpx.Client`` that downloads result files.
        clock: Seconds from any origin, for the progress display and download deadlines.
    """
    runtime = Runtime(
        stdin=stdin if stdin is not None else sys.stdin,
        stdout=stdout if stdout is not None else sys.stdout,
        stderr=stderr if stderr is not None else sys.stderr,
        environ=environ if environ is not None else os.environ,
        make_client=client_factory,
        make_http=http_factory,
        clock=clock,
    )
    try:
        parsed = _parse(argv, runtime)
        if isinstance(parsed, int):
            return parsed
        return _run(parsed, _settings(parsed, runtime.environ), runtime)
    except KeyboardInterrupt:  # during parsing or while printing an error
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `tokenclient models | head -1`: the reader left; stop quietly
        if runtime.stdout is sys.stdout:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())  # so the exit-time flush cannot fail again
        return EXIT_API
