"""Inline SVG bar geometry: computed here, drawn by `templates/portal/_bars.html` (no JavaScript, no library).

Horizontal bars (they fit a phone's width): a label line, then one bar whose segments are the series,
widths in % of the largest total.
"""

from __future__ import annotations

from dataclasses import dataclass

BAR_HEIGHT, LABEL_HEIGHT, GAP = 18, 16, 10


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    color: str


def stacked_bars(rows: list[dict], *, series: list[Series], label_key: str = "label") -> dict:
    """`rows` are dicts with a label and one number per series key; returns bars, legend and height."""
    totals = [sum(int(row.get(s.key) or 0) for s in series) for row in rows]
    biggest = max(totals, default=0) or 1
    step = LABEL_HEIGHT + BAR_HEIGHT + GAP
    bars = []
    for index, (row, total) in enumerate(zip(rows, totals, strict=True)):
        top = index * step
        x = 0.0
        segments = []
        for s in series:
            value = int(row.get(s.key) or 0)
            if not value:
                continue
            width = 100 * value / biggest
            segments.append(
                {"x": round(x, 3), "width": round(width, 3), "color": s.color, "label": s.label, "value": value}
            )
            x += width
        bars.append(
            {
                "label": row[label_key],
                "total": total,
                "label_y": top + 12,
                "y": top + LABEL_HEIGHT,
                "segments": segments,
            }
        )
    return {
        "bars": bars,
        "height": max(len(bars) * step, step),
        "bar_height": BAR_HEIGHT,
        "legend": series,
        "empty": not any(totals),
    }
