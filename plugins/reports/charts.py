"""Charts drawn by the app: inline SVG written on the server (no script, no CDN). Each chart has
a title for screen readers, a <title> on every bar with its exact figure, and the page shows the
same numbers in a table beside it."""

from __future__ import annotations

from markupsafe import Markup, escape

COLOURS = ("#1f5fa8", "#2e7d4f", "#b03a2e", "#7a4fa0", "#a06a00")


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * 4
    return value


def grouped_bars(chart_id: str, title: str, labels: list[str], series: list[tuple[str, list[float]]],
                 width: int = 640, height: int = 260) -> Markup:
    """Vertical bars, one group per label (e.g. a day), one bar per series (received, answered...)."""
    left, right, top, bottom = 40, 8, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max([v for _, values in series for v in values] + [0]))
    count = max(len(labels), 1)
    group_w = plot_w / count
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1)
    parts = [f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="{escape(chart_id)}-title" preserveAspectRatio="xMinYMin meet">',
             f'<title id="{escape(chart_id)}-title">{escape(title)}</title>']
    for i in range(5):  # grid and the scale
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{_fmt(value)}</text>')
    every = max(1, count // 10)
    for g, label in enumerate(labels):
        x0 = left + g * group_w + group_w * 0.1
        for s, (name, values) in enumerate(series):
            value = values[g] if g < len(values) else 0
            h = plot_h * value / top_value
            parts.append(f'<rect class="bar" data-series="{escape(name)}" data-label="{escape(label)}" '
                         f'data-value="{_fmt(value)}" x="{x0 + s * bar_w:.1f}" y="{top + plot_h - h:.1f}" '
                         f'width="{bar_w:.1f}" height="{h:.1f}" fill="{COLOURS[s % len(COLOURS)]}">'
                         f'<title>{escape(label)} — {escape(name)}: {_fmt(value)}</title></rect>')
        if g % every == 0:
            parts.append(f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{height - bottom + 14}" '
                         f'text-anchor="middle" font-size="10">{escape(label[-5:])}</text>')
    for s, (name, _values) in enumerate(series):  # the legend
        x = left + s * 150
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{COLOURS[s % len(COLOURS)]}"/>')
        parts.append(f'<text x="{x + 16}" y="16" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped


def horizontal_bars(chart_id: str, title: str, items: list[tuple[str, float]], width: int = 640) -> Markup:
    """One horizontal bar per item (a channel, a profile, an outcome)."""
    row_h, left, right, top = 26, 150, 48, 8
    height = top * 2 + row_h * max(len(items), 1)
    top_value = max([v for _, v in items] + [0]) or 1
    plot_w = width - left - right
    parts = [f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="{escape(chart_id)}-title" preserveAspectRatio="xMinYMin meet">',
             f'<title id="{escape(chart_id)}-title">{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = top + i * row_h
        w = plot_w * value / top_value
        parts.append(f'<text x="{left - 6}" y="{y + 17}" text-anchor="end" font-size="12">{escape(label)}</text>')
        parts.append(f'<rect class="bar" data-label="{escape(label)}" data-value="{_fmt(value)}" x="{left}" '
                     f'y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{COLOURS[0]}">'
                     f'<title>{escape(label)}: {_fmt(value)}</title></rect>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 17}" font-size="12">{_fmt(value)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped
