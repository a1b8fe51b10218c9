"""Profile one client in one scenario with cProfile: ``python -m benchmarks.profile``.

``python -m benchmarks.profile tokenclient sync_seq --n 2000`` starts the bench server (unless
``--base-url`` names one), runs the scenario under cProfile and prints where the time went:

- per *area* (each tokenclient module, then httpx, httpcore, h11, pydantic, ...), in
  microseconds per request (or per chunk for streams) and as a share of the total. Time spent
  in C functions (``json.loads``, socket calls, pydantic-core validation) is charged to the
  Python code that called them, so ``tokenclient/_core/chunks.py`` includes the
  ``model_validate_json`` calls it makes only when pydantic's wrapper is bypassed;
- the top functions by own time.

cProfile roughly doubles the cost of Python-level calls, so read the shares and compare them
with the unprofiled CPU numbers of ``scripts/bench``.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import pstats
import sys
from collections import defaultdict
from contextlib import nullcontext
from pathlib import Path
from typing import cast

from benchmarks.drivers import CLIENTS
from benchmarks.drivers.scenarios import SCENARIOS, STREAM_WARMUP, Settings, warmup_count
from benchmarks.run import bench_server

__all__ = ["area_of", "attribute", "main"]

_Func = tuple[str, int, str]
_Entry = tuple[int, int, float, float, dict[_Func, tuple[int, int, float, float]]]
_STDLIB = Path(argparse.__file__).parent


def area_of(func: _Func) -> str | None:
    """The area a function belongs to; ``None`` for C functions (charged to their caller)."""
    filename = func[0]
    if filename == "~" or not filename.endswith(".py"):
        return None
    path = Path(filename)
    parts = path.parts
    if "tokenclient" in parts and "site-packages" not in parts:
        index = len(parts) - 1 - parts[::-1].index("tokenclient")
        return "tokenclient/" + "/".join(parts[index + 1 :])
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1]
    if "benchmarks" in parts:
        return "benchmark driver"
    if path.is_relative_to(_STDLIB):
        rel = path.relative_to(_STDLIB).parts
        return "stdlib " + rel[0].removesuffix(".py")
    return "other"


def _table(stats: pstats.Stats) -> dict[_Func, _Entry]:
    """pstats' table: function -> (calls, primitive calls, own, cumulative, callers)."""
    return cast("dict[_Func, _Entry]", stats.__dict__["stats"])  # untyped in typeshed


def attribute(stats: pstats.Stats) -> dict[str, float]:
    """Own time (seconds) per area, C functions charged to their Python callers."""
    table = _table(stats)
    totals: dict[str, float] = defaultdict(float)
    for func, (_, _, own, _, callers) in table.items():
        area = area_of(func)
        if area is not None:
            totals[area] += own
            continue
        weights = {caller: values[2] for caller, values in callers.items()}
        spread = sum(weights.values())
        if not weights or spread == 0:
            name = func[2]
            totals["C: " + name] += own
            continue
        for caller, weight in weights.items():
            totals[area_of(caller) or "C: " + caller[2]] += own * weight / spread
    return dict(totals)


def _report(stats: pstats.Stats, per: int, unit: str, top: int) -> None:
    totals = attribute(stats)
    whole = sum(totals.values())
    print(f"\nby area ({unit}; C calls charged to their caller)")
    for area, seconds in sorted(totals.items(), key=lambda item: -item[1])[:top]:
        share = seconds / whole * 100
        print(f"  {seconds / per * 1e6:9.2f} µs  {share:5.1f}%  {area}")
    print(f"  {whole / per * 1e6:9.2f} µs  total (profiled)")
    print(f"\ntop {top} functions by own time ({unit})")
    rows = sorted(_table(stats).items(), key=lambda item: -item[1][2])[:top]
    for (filename, line, name), (_, calls, own, cumulative, _) in rows:
        where = f"{Path(filename).name}:{line}" if filename != "~" else "C"
        print(
            f"  {own / per * 1e6:8.2f} own {cumulative / per * 1e6:8.2f} cum"
            f"  {calls / per:6.2f} calls  {name} ({where})"
        )


def main(argv: list[str] | None = None) -> None:
    """Command line: profile one scenario of one client."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile")
    parser.add_argument("client", choices=sorted(CLIENTS))
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--base-url", default=None, help="a running bench server")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=2)
    parser.add_argument("--chunks", type=int, default=50_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    module = importlib.import_module(CLIENTS[args.client])
    server = nullcontext(args.base_url) if args.base_url else bench_server(sys.executable)
    with server as base_url:
        settings = Settings(
            base_url=base_url,
            n=args.n,
            messages=args.messages,
            chunks=args.chunks,
            concurrency=args.concurrency,
        )
        profiler = cProfile.Profile()
        profiler.enable()
        metrics = SCENARIOS[args.scenario](module, settings)
        profiler.disable()
    streaming = args.scenario.endswith("stream")
    if streaming:
        per = args.chunks + STREAM_WARMUP
    elif args.scenario == "async_conc":
        per = args.n + 2 * args.concurrency
    else:
        per = args.n + warmup_count(args.n)
    print(f"{args.client} {args.scenario}: {metrics}")
    _report(pstats.Stats(profiler), per, "per chunk" if streaming else "per request", args.top)


if __name__ == "__main__":
    main()
