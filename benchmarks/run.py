"""Run a benchmark suite in interleaved rounds and print the table: ``python -m benchmarks.run``.

The bench server runs in its own process; every measurement runs in a fresh interpreter (so
imports and RSS are clean), and each round runs all clients back to back, rotating their order
from round to round, so slow patches of a shared machine hit every client alike.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.drivers import IMPORTS
from benchmarks.plan import IMPORT_SNIPPETS, READY_SNIPPETS, SUITES, Job, Sizes, sizes_for
from benchmarks.report import Results, format_table, misses, summarize, to_json

__all__ = ["ENV", "ROOT", "available_clients", "bench_server", "main", "measure"]

ROOT = Path(__file__).resolve().parent.parent
ENV = {
    **os.environ,
    "NO_PROXY": "127.0.0.1,localhost",
    "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
}
"""The environment of the server and driver processes: this tree's ``src`` first (the code
measured is the checkout's, whatever copy of tokenclient the interpreter has installed), then
the repository root (``benchmarks``)."""
_TIMER = "import time; t = time.perf_counter(); {0}; print((time.perf_counter() - t) * 1e3)"


def _run(args: list[str]) -> str:
    done = subprocess.run(
        args, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=900, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


@contextmanager
def bench_server(python: str) -> Generator[str, None, None]:
    """Start ``benchmarks.server`` with ``python``; yield its base URL; stop it after."""
    server = subprocess.Popen(
        [python, "-m", "benchmarks.server"],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = server.stdout.readline().strip()
        if not port.isdigit():
            raise SystemExit("bench: the bench server did not start")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()


def available_clients(python: str, clients: tuple[str, ...]) -> list[str]:
    """The clients whose library ``python`` can import (openai is optional)."""
    found: list[str] = []
    for client in clients:
        check = f"import importlib.util as u; print(u.find_spec({IMPORTS[client]!r}) is not None)"
        if _run([python, "-c", check]).strip() == "True":
            found.append(client)
    return found


def _timed_import(python: str, statement: str) -> float:
    return float(_run([python, "-c", _TIMER.format(statement)]).strip())


def _driver(python: str, client: str, job: Job, sizes: Sizes, base_url: str) -> dict[str, float]:
    args = [python, "-m", "benchmarks.drivers", client, job.scenario, f"--base-url={base_url}"]
    out = json.loads(_run(args + job.driver_args(sizes)))
    if "unsupported" in out:
        return {}
    return {key: float(value) for key, value in out.items()}


def _snippets(job: Job) -> dict[str, str]:
    return IMPORT_SNIPPETS if job.scenario == "import" else READY_SNIPPETS


def _imports(python: str, job: Job, order: list[str], repeats: int) -> dict[str, float]:
    """Median over ``repeats`` fresh interpreters per client, interleaved."""
    times: dict[str, list[float]] = {client: [] for client in order}
    for _ in range(repeats):
        for client in order:
            if client in _snippets(job):
                times[client].append(_timed_import(python, _snippets(job)[client]))
    return {client: statistics.median(t) for client, t in times.items() if t}


def measure(
    suite_name: str, sizes: Sizes, python: str, base_url: str, clients: list[str]
) -> Results:
    """Run every job of the suite for every client, ``sizes.rounds`` interleaved rounds."""
    suite = SUITES[suite_name]
    results: Results = {job.key: {client: [] for client in clients} for job in suite.jobs}
    for job in suite.jobs:  # compile the bytecode and warm the page cache before timing
        if job.scenario in ("import", "ready"):
            for client in clients:
                if client in _snippets(job):
                    _timed_import(python, _snippets(job)[client])
    for number in range(sizes.rounds):
        shift = number % len(clients)
        order = clients[shift:] + clients[:shift]
        started = time.monotonic()
        for job in suite.jobs:
            if job.scenario in ("import", "ready"):
                medians = _imports(python, job, order, sizes.import_repeats)
                for client in order:
                    value = medians.get(client)
                    results[job.key][client].append(None if value is None else {"value": value})
                continue
            for client in order:
                metrics = _driver(python, client, job, sizes, base_url)
                results[job.key][client].append(metrics or None)
        elapsed = time.monotonic() - started
        print(f"bench: round {number + 1}/{sizes.rounds} took {elapsed:.0f}s", file=sys.stderr)
    return results


def _versions(python: str, clients: list[str]) -> dict[str, object]:
    code = (
        "import importlib.metadata as m, json, platform, sys\n"
        "names = {names!r}\n"
        "out = {{'python': sys.version.split()[0], 'platform': platform.platform()}}\n"
        "for n in names:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    names = sorted({"httpx", "pydantic", *(c for c in clients if "-" not in c), "httpx-aiohttp"})
    return dict(json.loads(_run([python, "-c", code.format(names=names)])))


def main(argv: list[str] | None = None) -> None:
    """Command line of ``./scripts/bench``."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, about a minute")
    parser.add_argument("--suite", choices=sorted(SUITES), default="main")
    parser.add_argument("--python", default=sys.executable, help="interpreter for drivers")
    parser.add_argument("--rounds", type=int, default=None, help="override the round count")
    parser.add_argument("--clients", default=None, help="comma-separated subset of clients")
    parser.add_argument("--json", type=Path, default=None, help="also save results here")
    parser.add_argument(
        "--check",
        action="store_true",
        help="run the 'check' suite and exit 1 when a target of issue 20 is missed",
    )
    args = parser.parse_args(argv)
    if args.check:
        args.suite = "check"
    suite = SUITES[args.suite]
    sizes = sizes_for(quick=args.quick, rounds=args.rounds)
    wanted = suite.clients
    if args.clients:
        chosen = set(args.clients.split(","))
        wanted = (suite.clients[0], *(c for c in suite.clients[1:] if c in chosen))
    clients = available_clients(args.python, wanted)
    missing = [c for c in wanted if c not in clients]
    if clients[:1] != [suite.clients[0]]:
        raise SystemExit(f"bench: {args.python} cannot import {suite.clients[0]}")
    if missing:
        print(f"bench: not installed for {args.python}: {', '.join(missing)}", file=sys.stderr)
    with bench_server(args.python) as base_url:
        results = measure(args.suite, sizes, args.python, base_url, clients)
    summaries = summarize(suite, sizes, results, clients)
    print(format_table(suite, summaries, clients))
    if args.json is not None:
        meta = {"interpreter": args.python, "quick": args.quick, **_versions(args.python, clients)}
        document = to_json(args.suite, sizes, summaries, clients, meta)
        args.json.write_text(json.dumps(document, indent=2) + "\n")
        print(f"bench: results saved to {args.json}", file=sys.stderr)
    if args.check:
        missed = misses(suite, summaries)
        for line in missed:
            print(f"bench: MISSED {line}", file=sys.stderr)
        if missed:
            raise SystemExit(1)
        print("bench: every target met", file=sys.stderr)


if __name__ == "__main__":
    main()
