"""Small server-rendered SVG charts: plain data in, an SVG string out (no database, no JavaScript).

Every chart is drawn in its own coordinate system (`viewBox`) and scales to its container, down to a
phone's 375 px. Colours, fonts and print rules come from classes styled in static/css/dashboard.css,
never from `style=` attributes; text uses the page's font. Each chart names itself for assistive
technology (`role="img"`, a `<title>` it is labelled by); the numbers are shown beside it as a table.
Labels arrive as text and are escaped here; callers format numbers for people before passing them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from html import escape

WIDTH = 480
FONT = 16  # in viewBox units: shown 1:1 on a desktop (charts are at most 480 px wide), about 11 px on a phone
SMALL = 13

# Characters XML 1.0 does not allow in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ID_UNSAFE = re.compile(r"[^a-z0-9-]+")


def _text(value: object) -> str:
    return escape(_CONTROL.sub("", str(value)), quote=True)


def _num(value: float) -> str:
    """A coordinate with at most one decimal, without a trailing '.0'."""
    rounded = round(float(value), 1)
    return str(int(rounded)) if rounded == int(rounded) else str(rounded)


def _chart_id(chart_id: str) -> str:
    return _ID_UNSAFE.sub("-", chart_id.lower()).strip("-") or "chart"


def _svg(*, chart_id: str, title: str, height: float, body: list[str], kind: str) -> str:
    title_id = f"{_chart_id(chart_id)}-title"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" viewBox="0 0 {WIDTH} {_num(height)}" '
        f'role="img" aria-labelledby="{title_id}" preserveAspectRatio="xMidYMin meet">'
        f'<title id="{title_id}">{_text(title)}</title>{"".join(body)}</svg>'
    )


def _nice_max(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k at least `value` (an axis that ends on a round number)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= value)


def horizontal_bars(
    *,
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, float | None, str]],
    max_value: float | None = None,
    reference: tuple[float, str] | None = None,
    whiskers: Sequence[tuple[float, float] | None] | None = None,
) -> str:
    """One bar per row, its label above it and its value (as given, already formatted) after it: a
    funnel when the rows are stages, a comparison when they are people. A row whose value is None
    draws no bar (not yet known). `reference` draws a vertical line at a value (e.g. the round's
    mean) with its label at the top; `whiskers`, one per row, a line across the bar from a low to a
    high value (e.g. mean ± standard deviation)."""
    row_height, bar_height, bar_width = 50, 20, 340.0
    top = 28 if reference else 4
    known = [value for _label, value, _shown in rows if value is not None]
    scale_max = max_value or max([*known, reference[0] if reference else 0, 0]) or 1
    body: list[str] = []
    for index, (label, value, shown) in enumerate(rows):
        y = top + index * row_height
        body.append(f'<text class="chart-label" x="0" y="{_num(y + FONT)}" font-size="{FONT}">{_text(label)}</text>')
        bar_y = y + FONT + 6
        width = 0.0 if value is None else max(bar_width * float(value) / scale_max, 0)
        body.append(
            f'<rect class="chart-track" x="0" y="{_num(bar_y)}" width="{_num(bar_width)}" height="{bar_height}"/>'
        )
        if width:
            body.append(
                f'<rect class="chart-bar" x="0" y="{_num(bar_y)}" width="{_num(width)}" height="{bar_height}"/>'
            )
        whisker = whiskers[index] if whiskers and index < len(whiskers) else None
        if whisker is not None:
            low, high = (min(max(bar_width * float(v) / scale_max, 0), bar_width) for v in whisker)
            middle = bar_y + bar_height / 2
            body.append(
                f'<path class="chart-whisker" d="M{_num(low)} {_num(middle - 5)}v10M{_num(low)} {_num(middle)}'
                f'H{_num(high)}M{_num(high)} {_num(middle - 5)}v10"/>'
            )
        body.append(
            f'<text class="chart-value" x="{_num(bar_width + 8)}" y="{_num(bar_y + bar_height - 4)}" '
            f'font-size="{FONT}">{_text(shown)}</text>'
        )
    height = top + len(rows) * row_height + 4
    if reference:
        x = bar_width * float(reference[0]) / scale_max
        body.append(
            f'<line class="chart-reference" x1="{_num(x)}" y1="{top - 4}" x2="{_num(x)}" y2="{_num(height - 4)}"/>'
        )
        anchor = "end" if x > bar_width / 2 else "start"
        body.append(
            f'<text class="chart-reference-label" x="{_num(x)}" y="{SMALL + 2}" font-size="{SMALL}" '
            f'text-anchor="{anchor}">{_text(reference[1])}</text>'
        )
    return _svg(chart_id=chart_id, title=title, height=height, body=body, kind="bars")


def histogram(*, chart_id: str, title: str, counts: Sequence[int], edges: Sequence[str]) -> str:
    """Columns of `counts` between the bin edges `edges` (one more edge than counts, labelled below the
    axis), each count above its column."""
    if len(edges) != len(counts) + 1:
        raise ValueError("A histogram needs one more edge than counts.")
    left, right, top, plot_height = 8, 16, FONT + 8, 150
    height = top + plot_height + SMALL + 14
    slot = (WIDTH - left - right) / max(len(counts), 1)
    scale_max = max([*counts, 0]) or 1
    baseline = top + plot_height
    body = [f'<line class="chart-axis" x1="{left}" y1="{baseline}" x2="{WIDTH - right}" y2="{baseline}"/>']
    for index, count in enumerate(counts):
        x = left + index * slot
        column = plot_height * count / scale_max
        if column:
            body.append(
                f'<rect class="chart-bar" x="{_num(x + 2)}" y="{_num(baseline - column)}" '
                f'width="{_num(slot - 4)}" height="{_num(column)}"/>'
            )
        body.append(
            f'<text class="chart-value" x="{_num(x + slot / 2)}" y="{_num(baseline - column - 5)}" '
            f'font-size="{SMALL}" text-anchor="middle">{_text(count)}</text>'
        )
    for index, edge in enumerate(edges):
        anchor = "start" if index == 0 else "end" if index == len(edges) - 1 else "middle"
        body.append(
            f'<text class="chart-axis-label" x="{_num(left + index * slot)}" y="{_num(baseline + SMALL + 6)}" '
            f'font-size="{SMALL}" text-anchor="{anchor}">{_text(edge)}</text>'
        )
    return _svg(chart_id=chart_id, title=title, height=height, body=body, kind="histogram")


def cumulative_line(
    *,
    chart_id: str,
    title: str,
    points: Sequence[tuple[str, int | None]],
    marker: tuple[int, str] | None = None,
) -> str:
    """A running total over days: `points` are (day label, total so far), None for days still to
    come (the axis runs on to the deadline, the line stops today). `marker` (index, label) draws a
    dashed vertical line, e.g. at the deadline. Day labels show at the first, the last and a few
    days between."""
    left, right, top, plot_height = 44, 12, FONT + 12, 170
    height = top + plot_height + SMALL + 16
    plot_width = WIDTH - left - right
    known = [value for _label, value in points if value is not None]
    scale_max = _nice_max(max([*known, 0]))
    baseline = top + plot_height
    steps = max(len(points) - 1, 1)

    def x_at(index: int) -> float:
        return left + plot_width * index / steps

    def y_at(value: float) -> float:
        return baseline - plot_height * value / scale_max

    body: list[str] = []
    for fraction in (0, 0.5, 1):
        y = y_at(scale_max * fraction)
        body.append(f'<line class="chart-grid" x1="{left}" y1="{_num(y)}" x2="{WIDTH - right}" y2="{_num(y)}"/>')
        tick = scale_max * fraction
        tick_text = _num(tick) if tick != int(tick) else f"{int(tick):,}"
        body.append(
            f'<text class="chart-axis-label" x="{left - 6}" y="{_num(y + 4)}" font-size="{SMALL}" '
            f'text-anchor="end">{_text(tick_text)}</text>'
        )
    line = [(x_at(i), y_at(value)) for i, (_label, value) in enumerate(points) if value is not None]
    if line:
        coordinates = " ".join(f"{_num(x)},{_num(y)}" for x, y in line)
        area = f"{_num(line[0][0])},{baseline} {coordinates} {_num(line[-1][0])},{baseline}"
        body.append(f'<polygon class="chart-area" points="{area}"/>')
        body.append(f'<polyline class="chart-line" points="{coordinates}"/>')
    shown = _label_indexes(len(points))
    for index in shown:
        anchor = "start" if index == 0 else "end" if index == len(points) - 1 else "middle"
        body.append(
            f'<text class="chart-axis-label" x="{_num(x_at(index))}" y="{_num(baseline + SMALL + 8)}" '
            f'font-size="{SMALL}" text-anchor="{anchor}">{_text(points[index][0])}</text>'
        )
    if marker is not None and points:
        index, label = marker
        x = x_at(min(max(index, 0), len(points) - 1))
        body.append(f'<line class="chart-marker" x1="{_num(x)}" y1="{top - 4}" x2="{_num(x)}" y2="{baseline}"/>')
        anchor = "end" if x > WIDTH / 2 else "start"
        body.append(
            f'<text class="chart-marker-label" x="{_num(x)}" y="{SMALL + 2}" font-size="{SMALL}" '
            f'text-anchor="{anchor}">{_text(label)}</text>'
        )
    return _svg(chart_id=chart_id, title=title, height=height, body=body, kind="line")


def _label_indexes(count: int, most: int = 4) -> list[int]:
    """Which of `count` day labels fit under the axis: the first and the last, and evenly between."""
    if count <= most:
        return list(range(count))
    step = (count - 1) / (most - 1)
    return sorted({round(i * step) for i in range(most)})
