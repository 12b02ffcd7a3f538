"""Articles over time per agency as a self-contained SVG (no script, no web font, no CDN).

Pure: counts in, SVG text out. Stacked bars, one colour per source: the busiest ``TOP`` by
name and the rest summed as "อื่น ๆ / others"; months on the x axis, or years when the range
is long (sparse monthly lines read as noise). Periods are labelled in the Buddhist Era
(``ส.ค. 2567``, ``2567``). Two layouts: ``wide`` (legend on the right) and ``narrow`` for a
phone (380 px, the legend under the plot), each drawn at the size it is shown, so its
12 px text stays 12 px.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from archive.thaiforms import BE_OFFSET, thai_month

TOP = 6
OTHERS = "อื่น ๆ / others"
MONTHS_SHOWN = 36  # beyond a range of this many months, count per year
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#7f7f7f")
LEFT, TOP_PAD, PLOT_H = 48, 16, 230


@dataclass(frozen=True)
class Layout:
    width: int  # of the whole drawing
    right: int  # room for the legend right of the plot
    legend_below: bool
    labels: int  # about this many period labels on the x axis

    @property
    def plot_right(self) -> int:
        return self.width - self.right


WIDE = Layout(width=760, right=250, legend_below=False, labels=8)
NARROW = Layout(width=380, right=12, legend_below=True, labels=3)
LAYOUTS = {"wide": WIDE, "narrow": NARROW}
FONT = "Sarabun, 'Noto Sans Thai', 'Leelawadee UI', Tahoma, sans-serif"


def by_period(counts: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """(month, source, n) -> per year when the months span more than MONTHS_SHOWN."""
    months = {m for m, _, _ in counts if m}
    if len(all_periods(months)) <= MONTHS_SHOWN:
        return [(m, s, n) for m, s, n in counts if m]
    years: Counter = Counter()
    for month, source, n in counts:
        if month:
            years[(month[:4], source)] += n
    return [(y, s, n) for (y, s), n in years.items()]


def series(counts: list[tuple[str, str, int]], top: int = TOP) -> dict[str, dict[str, int]]:
    """{label: {period: n}} for the busiest ``top`` sources, the rest under OTHERS."""
    totals: Counter = Counter()
    for _, source, n in counts:
        totals[source] += n
    kept = {s for s, _ in totals.most_common(top)}
    lines: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for period, source, n in counts:
        lines[source if source in kept else OTHERS][period] += n
    order = sorted(lines, key=lambda s: (s == OTHERS, -totals.get(s, 0), s))
    return {label: dict(lines[label]) for label in order}


def all_periods(found: set[str]) -> list[str]:
    """Every month (or year) from the first to the last found, so the x axis is to scale."""
    if not found:
        return []
    first, last = min(found), max(found)
    if len(first) == 4:
        return [str(y) for y in range(int(first), int(last) + 1)]
    out, (y, m) = [], (int(first[:4]), int(first[5:7]))
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def bars(periods: list[str], lines: dict[str, dict[str, int]], peak: int, layout=WIDE) -> list:
    """One stacked bar per period, sources in legend order from the bottom."""
    width = (layout.plot_right - LEFT) / max(1, len(periods))
    out = []
    for i, period in enumerate(periods):
        base = TOP_PAD + PLOT_H
        for n, values in enumerate(lines.values()):
            height = PLOT_H * values.get(period, 0) / peak
            if height:
                base -= height
                out.append(
                    f'<rect x="{LEFT + i * width + 1:.1f}" y="{base:.1f}" '
                    f'width="{max(1.0, width - 2):.1f}" height="{height:.1f}" '
                    f'fill="{COLOURS[n % len(COLOURS)]}"/>'
                )
    return out


def text(x: float, y: float, label: str, anchor: str = "start", size: int = 12) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}">'
        f"{escape(label)}</text>"
    )


def legend(labels: list[str], layout=WIDE) -> list[str]:
    x = 8 if layout.legend_below else layout.plot_right + 16
    top = TOP_PAD + PLOT_H + 40 if layout.legend_below else TOP_PAD + 14
    out = []
    for n, label in enumerate(labels):
        y = top + 20 * n
        colour = COLOURS[n % len(COLOURS)]
        out.append(f'<rect x="{x}" y="{y - 9}" width="12" height="4" fill="{colour}"/>')
        out.append(text(x + 18, y, label[:32]))
    return out


def period_label(period: str) -> str:
    """``2024-08`` -> ``ส.ค. 2567``; ``2024`` -> ``2567``."""
    return thai_month(period) if len(period) == 7 else str(int(period) + BE_OFFSET)


def x_labels(periods: list[str], layout=WIDE) -> list[str]:
    step = (layout.plot_right - LEFT) / max(1, len(periods) - 1)
    every = max(1, -(-len(periods) // layout.labels))
    base = TOP_PAD + PLOT_H + 18
    shown = [(i, p) for i, p in enumerate(periods) if not i % every]
    return [text(LEFT + i * step, base, period_label(p), anchor(i, periods), 11) for i, p in shown]


def anchor(i: int, periods: list[str]) -> str:
    """End labels lean inwards, so the first and last stay inside the drawing."""
    if len(periods) > 1 and i == len(periods) - 1:
        return "end"
    return "start" if i == 0 else "middle"


def frame(peak: int, layout=WIDE) -> list[str]:
    bottom = TOP_PAD + PLOT_H
    return [
        f'<line x1="{LEFT}" y1="{bottom}" x2="{layout.plot_right}" y2="{bottom}" stroke="#999"/>',
        f'<line x1="{LEFT}" y1="{TOP_PAD}" x2="{LEFT}" y2="{bottom}" stroke="#999"/>',
        text(LEFT - 6, TOP_PAD + 10, str(peak), "end", 11),
        text(LEFT - 6, bottom, "0", "end", 11),
    ]


def peak_of(periods: list[str], lines: dict[str, dict[str, int]]) -> int:
    return max((sum(v.get(p, 0) for v in lines.values()) for p in periods), default=0) or 1


def height_of(layout: Layout, legend_lines: int) -> int:
    base = TOP_PAD + PLOT_H + 30
    return base + 20 * legend_lines + 10 if layout.legend_below else max(300, base)


def svg(
    counts: list[tuple[str, str, int]],
    title: str = "",
    names: dict | None = None,
    layout: Layout = WIDE,
) -> str:
    """The chart; ``names`` maps source ids to legend labels. Says so when there is no data."""
    counts = by_period(counts)
    lines = series(counts)
    periods = all_periods({p for p, _, _ in counts})
    peak = peak_of(periods, lines)
    labels = [(names or {}).get(label, label) for label in lines]
    parts = frame(peak, layout) + x_labels(periods, layout) + legend(labels, layout)
    parts += bars(periods, lines, peak, layout)
    width, height = layout.width, height_of(layout, len(labels))
    if not periods:
        parts.append(text(width / 2, TOP_PAD + PLOT_H / 2, "ไม่มีข้อมูล / no data", "middle", 14))
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family={quoteattr(FONT)} role="img">'
    )
    return "\n".join([head, f"<title>{escape(title)}</title>", *parts, "</svg>"])
