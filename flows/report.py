"""`milpflow report`: one self-contained HTML file comparing runs (no scripts, no network, inline SVG plots).

Plots: accuracy by problem class (one bar per run), verdict breakdown, tokens and cost, and the latency
distribution (every plot is an inline SVG with a tooltip per bar). Several runs side by side share each chart
so they compare at a glance.
"""

from __future__ import annotations

import html
import itertools
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from flows.pipeline import BenchmarkSummary, ProblemRecord, summarize_run
from flows.store import RunStore

__all__ = ["write_report"]

_COLOURS = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2"]


def write_report(store: RunStore, run_ids: list[str], output: Path) -> Path:
    """Write the report for `run_ids` to `output` and return it.

    Raises:
        KeyError: a run id is unknown (the store's message names it).
        OSError: `output` cannot be written; nothing is created besides `output` itself.
    """
    runs = [store.get_run(r) for r in run_ids]
    summaries = [summarize_run(store, r.run_id) for r in runs]
    records = [[ProblemRecord.model_validate(p.payload) for p in store.records(r.run_id)] for r in runs]
    labels = [f"{s.run} ({s.formulator})" for s in summaries]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>milpflow report</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child,td:first-child{text-align:left}"
        "h2{margin-top:1.6em}.legend span{display:inline-block;margin-right:1em}</style></head><body>",
        "<h1>milpflow benchmark report</h1>",
        _legend(labels),
        "<h2>Summary</h2>", _summary_table(summaries),
        "<h2>Accuracy by problem class (structural)</h2>", _class_chart(summaries),
        "<h2>Verdicts</h2>", _grouped_bars([Counter(r.verdict or "not scored" for r in rs) for rs in records]),
        "<h2>Tokens and cost</h2>", _tokens_table(summaries),
        _bars(["prompt tokens", "completion tokens"],
              [{"prompt tokens": float(x.prompt_tokens), "completion tokens": float(x.completion_tokens)}
               for x in summaries], unit="", maximum=max([1.0] + [float(max(x.prompt_tokens, x.completion_tokens))
                                                                 for x in summaries])),
        _bars(["cost (USD)"], [{"cost (USD)": x.cost_usd or 0.0} for x in summaries], unit=" $",
              maximum=max([1e-9] + [x.cost_usd or 0.0 for x in summaries])),
        "<h2>Latency per problem (seconds)</h2>", _latency_chart(records),
        "</body></html>",
    ]
    output.write_text("\n".join(parts), encoding="utf-8")
    return output


def _legend(labels: list[str]) -> str:
    items = "".join(f"<span><b style='color:{_COLOURS[i % 6]}'>■</b> {html.escape(label)}</span>"
                    for i, label in enumerate(labels))
    return f"<p class='legend'>{items}</p>"


def _summary_table(summaries: list[BenchmarkSummary]) -> str:
    rows: list[tuple[str, Callable[[BenchmarkSummary], str]]] = [
        ("dataset", lambda s: f"{s.dataset}@{s.version}"),
        ("recorded", lambda s: f"{s.recorded}/{s.problems}"),
        ("solvable references", lambda s: str(s.solvable)),
        ("structural accuracy", lambda s: f"{s.structural_accuracy:.1%}"),
        ("objective accuracy (1e-6)", lambda s: f"{s.objective_accuracy:.1%}"),
        ("objective accuracy (lenient)", lambda s: f"{s.objective_accuracy_lenient:.1%}"),
        ("status accuracy", lambda s: f"{s.status_accuracy:.1%}"),
        ("invalid", lambda s: f"{s.invalid_rate:.1%}"),
    ]
    head = "<tr><th></th>" + "".join(f"<th>{html.escape(s.run)}</th>" for s in summaries) + "</tr>"
    body = "".join("<tr><td>" + html.escape(name) + "</td>"
                   + "".join(f"<td>{html.escape(fn(s))}</td>" for s in summaries) + "</tr>" for name, fn in rows)
    return f"<table>{head}{body}</table>"


def _tokens_table(summaries: list[BenchmarkSummary]) -> str:
    columns = ("run", "prompt tokens", "completion tokens", "cost", "p50 s", "p95 s")
    head = "<tr>" + "".join(f"<th>{c}</th>" for c in columns) + "</tr>"
    body = "".join(
        f"<tr><td>{html.escape(s.run)}</td><td>{s.prompt_tokens:,}</td><td>{s.completion_tokens:,}</td>"
        f"<td>{'unknown' if s.cost_usd is None else f'${s.cost_usd:.4f}'}</td>"
        f"<td>{(s.latency_p50 or 0):.2f}</td><td>{(s.latency_p95 or 0):.2f}</td></tr>" for s in summaries)
    return f"<table>{head}{body}</table>"


def _class_chart(summaries: list[BenchmarkSummary]) -> str:
    classes = sorted({row["group"] for s in summaries for row in s.by_class})
    values = [{row["group"]: row["structural"] for row in s.by_class} for s in summaries]
    series = [{c: v.get(c, 0.0) * 100 for c in classes} for v in values]
    return _bars(classes, series, unit="%", maximum=100)


def _grouped_bars(counters: list[Counter[str]]) -> str:
    keys = sorted({k for c in counters for k in c})
    series = [{k: float(c.get(k, 0)) for k in keys} for c in counters]
    return _bars(keys, series, unit="", maximum=max((v for s in series for v in s.values()), default=1.0))


def _latency_chart(records: list[list[ProblemRecord]]) -> str:
    edges = [0, 0.1, 0.5, 1, 2, 5, 10, 30, float("inf")]
    names = [f"<{hi:g}" if hi != float("inf") else f">={lo:g}" for lo, hi in itertools.pairwise(edges)]
    series = []
    for rs in records:
        counts = dict.fromkeys(names, 0.0)
        for r in rs:
            for name, (lo, hi) in zip(names, itertools.pairwise(edges), strict=True):
                if lo <= r.seconds < hi:
                    counts[name] += 1
        series.append(counts)
    return _bars(names, series, unit="", maximum=max((v for s in series for v in s.values()), default=1.0))


def _bars(groups: list[str], series: list[dict[str, float]], *, unit: str, maximum: float) -> str:
    width, height, left, bottom = 1000, 260, 40, 90
    maximum = maximum or 1.0
    n = max(1, len(groups))
    slot = (width - left) / n
    bar = max(2.0, slot * 0.8 / max(1, len(series)))
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height + bottom}' role='img'>"]
    out.append(f"<line x1='{left}' y1='{height}' x2='{width}' y2='{height}' stroke='#333'/>")
    for gi, group in enumerate(groups):
        x0 = left + gi * slot + slot * 0.1
        for si, values in enumerate(series):
            value = values.get(group, 0.0)
            h = (height - 10) * value / maximum
            x = x0 + si * bar
            out.append(f"<rect x='{x:.1f}' y='{height - h:.1f}' width='{bar - 1:.1f}' height='{h:.1f}' "
                       f"fill='{_COLOURS[si % 6]}'><title>{html.escape(group)}: {value:g}{unit}</title></rect>")
            if value:
                out.append(f"<text x='{x + (bar - 1) / 2:.1f}' y='{max(10.0, height - h - 3):.1f}' font-size='10' "
                           f"text-anchor='middle'>{value:.4g}{unit}</text>")
        label = html.escape(group[:28])
        out.append(f"<text x='{x0:.1f}' y='{height + 12}' font-size='11' transform='rotate(40 {x0:.1f} "
                   f"{height + 12})'>{label}</text>")
    out.append(f"<text x='0' y='12' font-size='11'>{maximum:g}{unit}</text></svg>")
    return "".join(out)
