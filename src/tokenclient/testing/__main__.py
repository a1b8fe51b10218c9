"""``python -m tokenclient.testing``: serve the fake API on a loopback socket until stopped.

Prints the base URL as the first line on stdout, then serves until SIGINT or SIGTERM and
exits 0.
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (0)")
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
            print(base_url, flush=True)
            # A timed wait keeps the main thread responsive to signals on every platform.
            while not stop.wait(0.5):
                pass
    except (OSError, ValueError) as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
