"""Inline SVG bar geometry for the cost page: computed here, drawn by the template (no JS)."""

from __future__ import annotations

from decimal import Decimal

from billing.models import Category

COLORS = {
    Category.SERVICE: "#2f7d5b",
    Category.MARKETING: "#c8553d",
    Category.UTILITY: "#3d6fc8",
    Category.AUTHENTICATION: "#8a56ac",
    Category.UNCATEGORIZED: "#999999",
}
BAR_HEIGHT, GAP, BAR_WIDTH = 22, 14, 100.0


def stacked_bars(rows: list[dict], *, value_key: str = "categories") -> dict:
    """One horizontal bar per row, one segment per category, widths in % of the largest total."""
    totals = [sum(r[value_key].values(), Decimal(0)) for r in rows]
    biggest = max(totals, default=Decimal(0)) or Decimal(1)
    bars = []
    for index, (row, total) in enumerate(zip(rows, totals, strict=True)):
        y = index * (BAR_HEIGHT * 2 + GAP)
        x = 0.0
        segments = []
        for category in COLORS:
            value = row[value_key].get(category, 0)
            if not value:
                continue
            width = float(Decimal(value) / biggest) * BAR_WIDTH
            segments.append(
                {
                    "x": round(x, 3),
                    "width": round(width, 3),
                    "color": COLORS[category],
                    "category": category,
                    "label": category.label,
                    "value": value,
                }
            )
            x += width
        bars.append({"label": row["client_name"], "label_y": y + 14, "y": y + 18, "total": total, "segments": segments})
    return {
        "bars": bars,
        "height": max(len(bars) * (BAR_HEIGHT * 2 + GAP), BAR_HEIGHT),
        "bar_height": BAR_HEIGHT,
        "legend": [{"category": c, "label": c.label, "color": color} for c, color in COLORS.items()],
    }
