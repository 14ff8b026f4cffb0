"""The console's charts: SVG markup built on the server (the CSP allows no script).

Three shapes: `bar_chart` (horizontal bars, one per label: regions, topics, languages),
`column_chart` (one column per week, oldest left) and `share_bar` (one bar split in two:
Telegram against WhatsApp). Each returns `markupsafe.Markup` to put into a template as it
is. Labels and links are escaped here; the SVG uses presentation attributes only (no
`style`, no script), scales to its container (`width="100%"` and a `viewBox` 360 units
wide: a phone's width), and carries a `<title>` per bar with its label and value, which
browsers show on hover and screen readers read. A bar with a link is an `<a href>` to the
list behind it. Zero values draw no bar but keep their row and value; 60 bars make a tall
chart, not a squeezed one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

WIDTH = 360
ROW = 22  # a horizontal bar's row height
LABEL_WIDTH = 120  # room for a bar's label, left of it
VALUE_WIDTH = 52  # room for its value, right of it
LABEL_CHARS = 18  # longer labels are cut (the full one is in the bar's title)
COLUMN_HEIGHT = 120
COLUMN_FOOT = 18  # room for the week labels under the columns
FONT = 11
BAR, SECOND, EMPTY, INK = "#2f6fb0", "#2a9d6b", "#e4e7eb", "#1f2933"


@dataclass(frozen=True)
class Bar:
    """One bar (or column, or share): its label, value and, optionally, its list's URL."""

    label: str
    value: int
    href: str | None = None


def _number(value: int) -> str:
    """Thousands grouped with a dot, as Indonesian writes them: 100.000."""
    return f"{value:,}".replace(",", ".")


def _short(label: str, chars: int = LABEL_CHARS) -> str:
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "…"


def _svg(height: int, title: str, body: list[Markup]) -> Markup:
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {w} {h}" role="img" '
        'aria-label="{t}" font-family="sans-serif" font-size="{f}"><title>{t}</title>{b}</svg>'
    ).format(w=WIDTH, h=height, t=title, f=FONT, b=Markup("").join(body))


def _rect(x: float, y: float, width: float, height: float, fill: str, opacity: str = "") -> Markup:
    if opacity:
        return Markup(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" fill-opacity="{}"/>'
        ).format(x, y, width, height, fill, opacity)
    return Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>').format(
        x, y, width, height, fill
    )


def _text(x: float, y: float, text: str, anchor: str = "start") -> Markup:
    return Markup('<text x="{}" y="{}" text-anchor="{}" fill="{}">{}</text>').format(
        x, y, anchor, INK, text
    )


def _linked(bar: Bar, shapes: Markup, number: Callable[[int], str]) -> Markup:
    """A bar's shapes with its title, inside a link when it has one."""
    inner = Markup("<title>{}: {}</title>{}").format(bar.label, number(bar.value), shapes)
    if bar.href:
        return Markup('<a href="{}">{}</a>').format(bar.href, inner)
    return Markup("<g>{}</g>").format(inner)


def _scale(bars: Sequence[Bar]) -> int:
    return max([b.value for b in bars if b.value > 0] or [1])


def bar_chart(bars: Sequence[Bar], title: str, number: Callable[[int], str] = _number) -> Markup:
    """Horizontal bars in the given order, their lengths relative to the largest value."""
    top = _scale(bars)
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    body = []
    for n, bar in enumerate(bars):
        y = n * ROW
        length = round(room * max(bar.value, 0) / top, 1)
        middle = round(y + ROW / 2 + FONT / 3, 1)
        shapes = _rect(LABEL_WIDTH, y + 3, room, ROW - 6, EMPTY)
        if length > 0:
            shapes += _rect(LABEL_WIDTH, y + 3, length, ROW - 6, BAR)
        shapes += _text(LABEL_WIDTH - 4, middle, _short(bar.label), "end")
        shapes += _text(LABEL_WIDTH + room + 4, middle, number(bar.value))
        body.append(_linked(bar, shapes, number))
    return _svg(max(len(bars), 1) * ROW, title, body)


def column_chart(
    columns: Sequence[Bar], title: str, number: Callable[[int], str] = _number
) -> Markup:
    """Columns left to right (weeks, oldest first), labelled under them; with many
    columns only every few are labelled, so labels never overlap."""
    top = _scale(columns)
    slot = WIDTH / max(len(columns), 1)
    every = max(1, round(40 / slot))  # a label needs about 40 units
    body = []
    for n, column in enumerate(columns):
        height = round(COLUMN_HEIGHT * max(column.value, 0) / top, 1)
        x, width = round(n * slot + slot * 0.15, 1), round(slot * 0.7, 1)
        shapes = _rect(round(n * slot, 1), 0, round(slot, 1), COLUMN_HEIGHT, "#ffffff", "0")
        if height > 0:
            shapes += _rect(x, round(COLUMN_HEIGHT - height, 1), width, height, BAR)
        else:
            shapes += _rect(x, COLUMN_HEIGHT - 1, width, 1, EMPTY)
        if n % every == 0:
            middle = round(n * slot + slot / 2, 1)
            shapes += _text(middle, COLUMN_HEIGHT + 13, _short(column.label, 6), "middle")
        body.append(_linked(column, shapes, number))
    body.append(_text(2, FONT, number(top if any(c.value > 0 for c in columns) else 0)))
    return _svg(COLUMN_HEIGHT + COLUMN_FOOT, title, body)


def share_bar(
    first: Bar, second: Bar, title: str, number: Callable[[int], str] = _number
) -> Markup:
    """One bar split between two parts (Telegram, WhatsApp), each labelled with its
    value and share; an empty grey bar when both are 0."""
    total = max(first.value, 0) + max(second.value, 0)
    split = round(WIDTH * max(first.value, 0) / total, 1) if total else 0.0
    height = 20

    def part(bar: Bar, x: float, width: float, fill: str, anchor: str, at: float) -> Markup:
        share = round(100 * max(bar.value, 0) / total) if total else 0
        shapes = _rect(x, 0, width, height, fill) if width > 0 else Markup("")
        label = f"{_short(bar.label, 14)} {number(bar.value)} ({share} %)"
        return _linked(bar, shapes + _text(at, height + 15, label, anchor), number)

    rest = round(WIDTH - split, 1) if total else 0.0
    body = [
        _rect(0, 0, WIDTH, height, EMPTY),
        part(first, 0, split, BAR, "start", 0),
        part(second, split, rest, SECOND, "end", WIDTH),
    ]
    return _svg(height + 20, title, body)
