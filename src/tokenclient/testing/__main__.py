"""``python -m tokenclient.testing``: serve the fake API on a loopback socket until stopped.

Prints the base URL as the first line on stdout (scripts read it), then the key it expects
and a ``curl`` line to try, then serves until SIGINT or SIGTERM and exits 0.
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from ._server import serve

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tokenclient.testing",
        description="Serve a fake OpenAI-compatible API (chat, models, images, videos, faults).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=0, help="port (default 0: pick a free one, printed on start)"
    )
    parser.add_argument("--api-key", default="sk-test", help="bearer key to require (sk-test)")
    parser.add_argument("--no-auth", action="store_true", help="accept requests without a key")
    parser.add_argument("--base-path", default="/v1", help="API path prefix (/v1)")
    parser.add_argument(
        "--video-seconds", type=float, default=3.0, help="time a video task takes (3.0)"
    )
    parser.add_argument(
        "--chunk-delay", type=float, default=0.0, help="seconds between stream chunks (0)"
    )
    parser.add_argument(
        "--slow-seconds", type=float, default=1.0, help="delay of the 'slow' model (1.0)"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="log method, path and status to stderr"
    )
    return parser


def _banner(base_url: str, api_key: str | None) -> str:
    """What the server prints on start: the URL first (alone on its line), then how to call it."""
    body = {"model": "qwen3-8b", "messages": [{"role": "user", "content": "Hello"}]}
    curl = ["curl", "-sS", f"{base_url}/chat/completions"]
    if api_key is not None:
        curl += ["-H", f"Authorization: Bearer {api_key}"]
    curl += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
    key = (
        f"api key: {api_key} (send it as Authorization: Bearer {api_key})"
        if api_key is not None
        else "api key: any or none (--no-auth)"
    )
    environment = (
        f"TOKENCLIENT_BASE_URL={shlex.quote(base_url)} "
        f"TOKENCLIENT_API_KEY={shlex.quote(api_key or 'sk-test')}"
    )
    return "\n".join(
        [
            base_url,
            key,
            f"try: {shlex.join(curl)}",
            f"or:  {environment} tokenclient chat Hello",
            "stop with Ctrl-C",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server; return the exit status."""
    args = _parser().parse_args(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        server = serve(
            args.host,
            args.port,
            verbose=args.verbose,
            api_key=None if args.no_auth else args.api_key,
            base_path=args.base_path,
            video_seconds=args.video_seconds,
            chunk_delay=args.chunk_delay,
            slow_seconds=args.slow_seconds,
        )
        with server as base_url:
            print(_banner(base_url, None if args.no_auth else args.api_key), flush=True)
            # A timed wait keeps the main thread responsive to signals on every platform.
            while not stop.wait(0.5):
                pass
    except (OSError, ValueError) as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
