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


COLUMN_AREA = 100  # the columns' drawing height in SVG units (the viewBox is 300 wide)


def daily_columns(days: list[dict], *, series: list[Series], label_key: str = "day") -> dict:
    """One stacked column per day (oldest left): `days` are dicts with a date and one number per series key.
    Geometry in a 300 x 120 viewBox (columns in the top 100, a few date labels below); scales to any width."""
    width = 300 / max(len(days), 1)
    totals = [sum(int(day.get(s.key) or 0) for s in series) for day in days]
    biggest = max(totals, default=0) or 1
    columns = []
    for index, (day, total) in enumerate(zip(days, totals, strict=True)):
        y = float(COLUMN_AREA)
        segments = []
        for s in series:
            value = int(day.get(s.key) or 0)
            if not value:
                continue
            height = COLUMN_AREA * value / biggest
            y -= height
            segments.append(
                {"y": round(y, 3), "height": round(height, 3), "color": s.color, "label": s.label, "value": value}
            )
        columns.append(
            {
                "day": day[label_key],
                "x": round(index * width + width * 0.1, 3),
                "width": round(width * 0.8, 3),
                "total": total,
                "segments": segments,
                "labelled": (len(days) - 1 - index) % 7 == 0,  # today, then a week apart
                "label_x": 300 if index == len(days) - 1 else round(index * width + width / 2, 3),
                "anchor": "end" if index == len(days) - 1 else "middle",
            }
        )
    return {"columns": columns, "legend": series, "empty": not any(totals), "biggest": max(totals, default=0)}
