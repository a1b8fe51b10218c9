"""Turn per-round measurements into paired ratios, a text table and a JSON document.

Absolute times drift by tens of percent on a shared machine, so a client is compared with the
baseline measured in the same round: the ratio shown is the median over rounds of
``client / baseline``, next to the medians of the absolute numbers.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from benchmarks.plan import Row, Sizes, Suite

__all__ = ["Results", "Summary", "format_table", "misses", "summarize", "to_json"]

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
    paired: dict[str, list[float]] = field(default_factory=dict[str, list[float]])
    """Client -> the per-round ratios ``ratios`` is the median of (their spread)."""

    def verdict(self, suite: Suite) -> tuple[str, float | None] | None:
        """``(client, ratio)`` the row's target is checked on, or ``None`` without a target."""
        if self.row.target is None:
            return None
        client = self.row.client or suite.target_client
        return client, self.ratios.get(client)


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
        paired_by_client: dict[str, list[float]] = {}
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
            paired_by_client[client] = [r for r in paired if r is not None]
        summaries.append(Summary(row, label, values, ratios, rounds, paired_by_client))
    return summaries


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def _ratio(value: float | None, paired: list[float] | None = None) -> str:
    if value is None:
        return "-"
    if paired and len(paired) > 1:
        return f"{value:.2f}x [{min(paired):.2f}-{max(paired):.2f}]"
    return f"{value:.2f}x"


def misses(suite: Suite, summaries: list[Summary]) -> list[str]:
    """One line per row whose target is missed (or could not be measured): ``--check``."""
    out: list[str] = []
    for summary in summaries:
        verdict = summary.verdict(suite)
        if verdict is None:
            continue
        client, ratio = verdict
        target = summary.row.target
        if ratio is None:
            out.append(f"{summary.label}: {client} not measured (target <={target}x)")
        elif target is not None and ratio > target:
            out.append(f"{summary.label}: {client} at {ratio:.2f}x, target <={target}x")
    return out


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
            cells += [_number(summary.values[client]), _ratio(ratio, summary.paired.get(client))]
            if client == suite.target_client:
                checked = summary.verdict(suite)
                if checked is None or row.target is None:
                    cells += ["", ""]
                else:
                    other, value = checked
                    verdict = "" if value is None else ("ok" if value <= row.target else "OVER")
                    whose = "" if other == client else f" ({other})"
                    cells += [f"<={row.target:g}x{whose}", verdict]
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
                "paired_ratios": s.paired,
                "rounds": s.rounds,
            }
            for s in summaries
        ],
    }
