"""Charts drawn on the server as inline SVG (no script, nothing to load, CSP-clean): a line
of a period's days against the period before, bars, and a funnel. Only geometry here; the
templates (``templates/insights/charts/``) draw it, and every chart has its table beside it.

Coordinates are in the SVG's own units (``viewBox``); the SVG scales to its box, so the same
chart reads on a 390 px phone and a desk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 320
HEIGHT = 120


@dataclass(frozen=True)
class Line:
    points: str  # "x,y x,y ..." for <polyline>
    area: str  # a closed path under the line, for <path>


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    now: Line
    before: Line | None
    top: int  # the value at the top of the chart
    top_label: str
    first_label: str
    last_label: str
    empty: bool


def _line(values: Sequence[int], top: int) -> Line:
    count = len(values)
    coordinates = []
    for index, value in enumerate(values):
        x = WIDTH * index / (count - 1) if count > 1 else WIDTH / 2
        y = HEIGHT - (HEIGHT * value / top if top else 0)
        coordinates.append(f"{x:.1f},{y:.1f}")
    points = " ".join(coordinates)
    first_x, last_x = coordinates[0].split(",")[0], coordinates[-1].split(",")[0]
    area = f"M{first_x},{HEIGHT} L" + " L".join(coordinates) + f" L{last_x},{HEIGHT} Z"
    return Line(points=points, area=area)


def line_chart(
    values: Sequence[int],
    before: Sequence[int] | None = None,
    *,
    label: Callable[[int], str] = str,
    first_label: str = "",
    last_label: str = "",
) -> LineChart:
    """A line of ``values`` (a period's days), with ``before`` (the period before, same length)
    dashed behind it. ``label`` formats the top value (money, a count)."""
    top = max([*values, *(before or []), 0])
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        now=_line(values, top),
        before=_line(before, top) if before else None,
        top=top,
        top_label=label(top),
        first_label=first_label,
        last_label=last_label,
        empty=top == 0,
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    display: str  # the value as read (Rp150.000, 1.234)
    length: float  # 0..100, the bar's length in the SVG's units


def bars(items: Sequence[tuple[str, int, str]]) -> list[Bar]:
    """Horizontal bars of ``(label, value, display)``, the longest 100."""
    top = max([value for _label, value, _display in items] + [0])
    return [
        Bar(label=label, value=value, display=display, length=round(100 * value / top, 1) if top else 0)
        for label, value, display in items
    ]


@dataclass(frozen=True)
class Step:
    label: str
    value: int
    display: str
    length: float  # 0..100, against the funnel's first step
    rate: float | None  # the share of the step before that reached this one (None for the first)


def funnel(steps: Sequence[tuple[str, int, str]]) -> list[Step]:
    """A funnel of ``(label, value, display)`` steps, each with its rate from the one before."""
    top = max([value for _label, value, _display in steps] + [0])
    made = []
    previous = None
    for label, value, display in steps:
        rate = None if previous is None else (value / previous if previous else None)
        made.append(
            Step(label=label, value=value, display=display, length=round(100 * value / top, 1) if top else 0, rate=rate)
        )
        previous = value
    return made
