"""The console's SVG charts (handlers/console/charts.py): valid XML, hostile labels
escaped, no style or script, zero values, one bar and sixty."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from handlers.console.charts import Bar, bar_chart, column_chart, share_bar

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '</text><script>alert("x")</script><text style="x">&amp;'


def parsed(markup: Markup) -> ET.Element:
    """The chart as XML (raises on anything malformed)."""
    assert isinstance(markup, Markup)
    root = ET.fromstring(str(markup))  # noqa: S314  # our own output, not untrusted input
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == "100%"
    assert root.get("viewBox", "").startswith("0 0 360 ")
    return root


def no_active_content(root: ET.Element) -> None:
    """Only presentation attributes: no script element, style or event handler."""
    for element in root.iter():
        assert element.tag not in (f"{SVG}script", f"{SVG}style", f"{SVG}foreignObject")
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)


def titles(root: ET.Element) -> list[str]:
    """The per-bar titles (the chart's own title first)."""
    return [t.text or "" for t in root.iter(f"{SVG}title")]


def test_hostile_labels_and_links_are_escaped() -> None:
    """A label or link carrying markup stays text: no script, no style, same text back."""
    bars = [Bar(HOSTILE, 3, href='/x?a=1&b="2"><script>'), Bar("ok", 1)]
    for chart in (
        bar_chart(bars, HOSTILE),
        column_chart(bars, HOSTILE),
        share_bar(bars[0], bars[1], HOSTILE),
    ):
        root = parsed(chart)
        no_active_content(root)
        assert titles(root)[0] == HOSTILE
        assert titles(root)[1] == f"{HOSTILE}: 3"
        links = [a.get("href") for a in root.iter(f"{SVG}a")]
        assert links == ['/x?a=1&b="2"><script>']


def test_each_bar_has_its_value_in_a_title_and_its_link() -> None:
    """Bars keep their order; a bar with a link is an <a>, one without is a group."""
    root = parsed(bar_chart([Bar("Cibeber", 1500, "/r?v=1"), Bar("Bagendung", 20)], "t"))
    assert titles(root)[1:] == ["Cibeber: 1.500", "Bagendung: 20"]
    assert [a.get("href") for a in root.iter(f"{SVG}a")] == ["/r?v=1"]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["Cibeber", "1.500", "Bagendung", "20"]


@pytest.mark.parametrize("count", [0, 1, 60])
def test_zero_values_and_any_number_of_bars(count: int) -> None:
    """All zeros draw no bar lengths but every row; no bars at all is still an SVG."""
    bars = [Bar(f"Kelurahan {n}", 0) for n in range(count)]
    for chart in (bar_chart(bars, "t"), column_chart(bars, "t")):
        root = parsed(chart)
        assert len(titles(root)) == count + 1
        for rect in root.iter(f"{SVG}rect"):
            assert float(rect.get("width", "0")) >= 0
            assert float(rect.get("height", "0")) >= 0
    root = parsed(bar_chart(bars, "t"))
    assert int(root.get("viewBox", "").split()[3]) == max(count, 1) * 22


def test_bar_lengths_are_relative_to_the_largest() -> None:
    """The largest value fills the bar's room; half of it fills half."""
    root = parsed(bar_chart([Bar("a", 10), Bar("b", 5), Bar("c", -3)], "t"))
    filled = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#2f6fb0"]
    widths = [float(r.get("width", "0")) for r in filled]
    assert widths == [188.0, 94.0]  # a negative value draws nothing


def test_many_columns_label_only_some_weeks() -> None:
    """Sixty columns fit in 360 units; labels are spaced so they do not overlap."""
    root = parsed(column_chart([Bar(f"{n}/11", n) for n in range(60)], "t"))
    labels = [t for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "middle"]
    assert 0 < len(labels) <= 9
    xs = [float(t.get("x", "0")) for t in labels]
    assert all(b - a >= 36 for a, b in itertools.pairwise(xs))


def test_share_bar_splits_by_value_and_labels_shares() -> None:
    """Telegram 3 against WhatsApp 1: three quarters and one quarter; both zero: 0 %."""
    root = parsed(share_bar(Bar("Telegram", 3, "/r?p=tg"), Bar("WhatsApp", 1), "t"))
    filled = [r for r in root.iter(f"{SVG}rect") if r.get("fill") != "#e4e7eb"]
    assert [float(r.get("width", "0")) for r in filled] == [270.0, 90.0]
    assert [t.text for t in root.iter(f"{SVG}text")] == ["Telegram 3 (75 %)", "WhatsApp 1 (25 %)"]
    empty = parsed(share_bar(Bar("Telegram", 0), Bar("WhatsApp", 0), "t"))
    assert [t.text for t in empty.iter(f"{SVG}text")] == ["Telegram 0 (0 %)", "WhatsApp 0 (0 %)"]
