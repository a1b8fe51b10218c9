"""Per-request cost of usage accounting (``client.usage``): the issue's budget is 2 us.

Times ``Observer.succeeded`` (what every successful call runs after parsing, with no hooks)
for a chat completion: without a price table, with an exact or a glob-pattern price, and with
a provider-reported ``usage.cost``. CPU time (``time.process_time``), best of five, so a busy
machine inflates it less than wall time::

    python -m benchmarks.accounting [--n 200000]
"""

from __future__ import annotations

import argparse
import time
import timeit
from collections.abc import Sequence

import httpx

from tokenclient import Pricing
from tokenclient._core.request import RequestOptions
from tokenclient._observe import Observer
from tokenclient.types import ChatCompletion

_USAGE: dict[str, object] = {
    "prompt_tokens": 100,
    "completion_tokens": 50,
    "total_tokens": 150,
    "prompt_tokens_details": {"cached_tokens": 20},
    "completion_tokens_details": {"reasoning_tokens": 10},
}


def _reply(**usage: object) -> ChatCompletion:
    return ChatCompletion.model_validate(
        {"id": "c", "model": "qwen3-8b", "choices": [], "usage": {**_USAGE, **usage}}
    )


def measure(n: int) -> dict[str, float]:
    """Microseconds per accounted request, per case."""
    exact = Pricing({"qwen3-8b": {"input": 0.5, "cached_input": 0.05, "output": 2}})
    pattern = Pricing({"qwen*": {"input": 0.5, "output": 2}})
    cases = {
        "no pricing": (None, _reply()),
        "exact price": (exact, _reply()),
        "pattern price": (pattern, _reply()),
        "provider usage.cost": (None, _reply(cost=0.00012)),
    }
    response = httpx.Response(200)
    body: dict[str, object] = {"model": "qwen3-8b", "messages": []}
    options = RequestOptions()
    results: dict[str, float] = {}
    for label, (pricing, reply) in cases.items():
        observer = Observer((), pricing=pricing, include_content=False, asynchronous=False)

        def once(observer: Observer = observer, reply: ChatCompletion = reply) -> None:
            observer.succeeded(reply, response, body, options, None)

        best = min(timeit.repeat(once, number=n, repeat=5, timer=time.process_time))
        results[label] = best / n * 1e6
    return results


def main(argv: Sequence[str] | None = None) -> None:
    """Print microseconds per request for each case."""
    parser = argparse.ArgumentParser(description="Per-request cost of usage accounting.")
    parser.add_argument("--n", type=int, default=200_000, help="requests per timing")
    args = parser.parse_args(argv)
    for label, micros in measure(args.n).items():
        print(f"{label:>20}: {micros:.2f} us per request")


if __name__ == "__main__":
    main()
