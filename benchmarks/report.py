"""Turn per-round measurements into paired ratios, a text table and a JSON document.

Absolute times drift by tens of percent on a shared machine, so a client is compared with the
baseline measured in the same round: the ratio shown is the median over rounds of
``client / baseline``, next to the medians of the absolute numbers.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from benchmarks.plan import Row, Sizes, Suite

__all__ = ["Results", "Summary", "format_table", "summarize", "to_json"]

Results = dict[str, dict[str, list[dict[str, float] | None]]]
"""Job key -> client -> one metrics dict per round (``None``: the client cannot run it)."""


@dataclass(frozen=True)
class Summary:
    """One table row: medians of the absolute values and of the paired ratios per client."""

    row: Row
    """What was measured."""
    label: str
    """The row's label with the sizes filled in."""
    values: dict[str, float | None]
    """Client -> median over rounds of the absolute value."""
    ratios: dict[str, float | None]
    """Client -> median over rounds of ``value / baseline value`` (``None`` without one)."""
    rounds: dict[str, list[float]]
    """Client -> the per-round values the medians come from."""


def _round_values(row: Row, results: Results, client: str) -> list[float | None]:
    per_round = results.get(row.job, {}).get(client, [])
    values: list[float | None] = [
        None if metrics is None else metrics.get(row.metric) for metrics in per_round
    ]
    if row.minus_job is None:
        return values
    minus = results.get(row.minus_job, {}).get(client, [])
    out: list[float | None] = []
    for value, other in zip(values, minus, strict=False):
        subtrahend = None if other is None else other.get(row.metric)
        out.append(None if value is None or subtrahend is None else value - subtrahend)
    return out


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def summarize(suite: Suite, sizes: Sizes, results: Results, clients: list[str]) -> list[Summary]:
    """One ``Summary`` per row of ``suite``; ``clients[0]`` is the baseline."""
    baseline = clients[0]
    summaries: list[Summary] = []
    for row in suite.rows:
        label = row.label.format(
            chunks=f"{sizes.chunks // 1000}k",
            short=f"{sizes.short_chunks // 1000}k",
            concurrency=sizes.concurrency,
        )
        base = _round_values(row, results, baseline)
        values: dict[str, float | None] = {}
        ratios: dict[str, float | None] = {}
        rounds: dict[str, list[float]] = {}
        for client in clients:
            own = _round_values(row, results, client)
            values[client] = _median(own)
            rounds[client] = [v for v in own if v is not None]
            if row.minus_job is not None:
                ratios[client] = None
                continue
            paired = [
                None if v is None or b is None or b == 0 else v / b
                for v, b in zip(own, base, strict=False)
            ]
            ratios[client] = _median(paired)
        summaries.append(Summary(row, label, values, ratios, rounds))
    return summaries


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def format_table(suite: Suite, summaries: list[Summary], clients: list[str]) -> str:
    """A plain-text table: baseline, then value and ratio per client, target after its ratio."""
    header = ["scenario", "unit", clients[0]]
    for client in clients[1:]:
        header += [client, "ratio"]
        if client == suite.target_client:
            header += ["target", ""]
    lines: list[list[str]] = [header]
    for summary in summaries:
        row = summary.row
        cells = [summary.label, row.unit, _number(summary.values[clients[0]])]
        for client in clients[1:]:
            ratio = summary.ratios[client]
            cells += [_number(summary.values[client]), _ratio(ratio)]
            if client == suite.target_client:
                if row.target is None:
                    cells += ["", ""]
                else:
                    verdict = "" if ratio is None else ("ok" if ratio <= row.target else "OVER")
                    cells += [f"<={row.target:.1f}x", verdict]
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text: list[str] = []
    for number, line in enumerate(lines):
        padded = [
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        text.append("  ".join(padded).rstrip())
        if number == 0:
            text.append("-" * len(text[0]))
    text += ["", *suite.notes]
    return "\n".join(text)


def to_json(
    suite_name: str,
    sizes: Sizes,
    summaries: list[Summary],
    clients: list[str],
    meta: dict[str, object],
) -> dict[str, object]:
    """Everything a later comparison needs: sizes, versions, medians, per-round values."""
    return {
        "suite": suite_name,
        "sizes": dict(sizes.__dict__),
        "clients": clients,
        "baseline": clients[0],
        "meta": meta,
        "rows": [
            {
                "label": s.label,
                "job": s.row.job,
                "metric": s.row.metric,
                "unit": s.row.unit,
                "target": s.row.target,
                "values": s.values,
                "ratios": s.ratios,
                "rounds": s.rounds,
            }
            for s in summaries
        ],
    }
