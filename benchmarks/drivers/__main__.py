"""``python -m benchmarks.drivers CLIENT SCENARIO --base-url URL [sizes]``: print JSON metrics.

Prints one JSON object: the scenario's metrics, or ``{"unsupported": reason}`` when the client
has no such flavour (aiohttp has no sync client).
"""

from __future__ import annotations

import argparse
import importlib
import json

from benchmarks.drivers import CLIENTS
from benchmarks.drivers.scenarios import SCENARIOS, Settings, Unsupported


def main(argv: list[str] | None = None) -> None:
    """Run one scenario for one client and print its metrics as JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.drivers")
    parser.add_argument("client", choices=sorted(CLIENTS))
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:PORT/v1")
    parser.add_argument("--n", type=int, default=1000, help="requests (default 1000)")
    parser.add_argument("--messages", type=int, default=2, help="messages per request")
    parser.add_argument("--chunks", type=int, default=50_000, help="chunks per stream")
    parser.add_argument("--concurrency", type=int, default=50, help="tasks for async_conc")
    args = parser.parse_args(argv)
    settings = Settings(
        base_url=args.base_url,
        n=args.n,
        messages=args.messages,
        chunks=args.chunks,
        concurrency=args.concurrency,
    )
    module = importlib.import_module(CLIENTS[args.client])
    try:
        result: dict[str, object] = dict(SCENARIOS[args.scenario](module, settings))
    except Unsupported as exc:
        result = {"unsupported": str(exc)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
