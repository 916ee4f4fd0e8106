"""core.charts: plain data in, SVG out — well-formed, labelled for assistive technology, escaped, and
without scripts or style attributes (a strict CSP is coming)."""

import xml.etree.ElementTree as ET

import pytest

from core import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse_svg(text: str) -> ET.Element:
    """Parse an SVG the project drew itself; XMLSyntaxError (ParseError) if it is not well-formed."""
    return ET.fromstring(text)  # noqa: S314 - our own output, not untrusted input


def drawings():
    return {
        "bars": charts.horizontal_bars(
            chart_id="funnel",
            title="신청 단계별 현황",
            rows=[("신청 시작", 220, "220 (100%)"), ("제출 완료", 201, "201 (91%)"), ("선정", None, "아직")],
        ),
        "bars with a reference": charts.horizontal_bars(
            chart_id="round-1-evaluators",
            title="평가위원별 평균",
            rows=[("김평가", 86.5, "86.50"), ("이심사", 34, "34.00")],
            max_value=100,
            reference=(60.25, "회차 평균 60.25"),
        ),
        "histogram": charts.histogram(
            chart_id="round-1-scores", title="평가 점수 분포", counts=[0, 1, 5, 2], edges=["0", "25", "50", "75", "100"]
        ),
        "line": charts.cumulative_line(
            chart_id="submissions",
            title="일별 누적 제출",
            points=[("12/1", 1), ("12/2", 1), ("12/3", 3), ("12/4", None)],
            marker=(3, "마감 12/4"),
        ),
    }


@pytest.mark.parametrize("kind", list(drawings()))
def test_each_chart_is_well_formed_svg_labelled_by_its_title(kind):
    svg = drawings()[kind]

    root = parse_svg(svg)

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("viewBox").startswith("0 0 480 ")
    assert root.get("width") is None and root.get("height") is None  # it scales to its container


@pytest.mark.parametrize("kind", list(drawings()))
def test_no_chart_carries_a_script_or_a_style_attribute(kind):
    root = parse_svg(drawings()[kind])

    for element in root.iter():
        assert not element.tag.endswith("script")
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)


def test_labels_are_escaped():
    svg = charts.horizontal_bars(
        chart_id="x", title='R&D "<script>"', rows=[("<script>alert(1)</script>", 1, "1 & 2\x07")]
    )

    root = parse_svg(svg)

    assert "<script>" not in svg
    assert root.find(f"{SVG}title").text == 'R&D "<script>"'
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["<script>alert(1)</script>", "1 & 2"]


def test_an_unsafe_chart_id_becomes_a_safe_one():
    root = parse_svg(charts.histogram(chart_id='a" onload="x', title="t", counts=[1], edges=["0", "1"]))

    assert root.get("aria-labelledby") == "a-onload-x-title"


def test_bars_are_as_long_as_their_values():
    root = parse_svg(
        charts.horizontal_bars(chart_id="f", title="t", rows=[("a", 100, "100"), ("b", 50, "50"), ("c", 0, "0")])
    )

    bars = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect") if rect.get("class") == "chart-bar"]
    assert bars == [340, 170]  # a zero draws no bar


def test_whiskers_span_from_the_low_to_the_high_value():
    root = parse_svg(
        charts.horizontal_bars(
            chart_id="e",
            title="t",
            rows=[("a", 50, "50 ± 10"), ("b", 80, "80")],
            max_value=100,
            whiskers=[(40, 60), None],
        )
    )

    whiskers = [path.get("d") for path in root.iter(f"{SVG}path") if path.get("class") == "chart-whisker"]
    assert len(whiskers) == 1
    assert whiskers[0].startswith("M136 ") and "H204" in whiskers[0]  # 40 % and 60 % of 340


def test_a_row_without_a_value_draws_no_bar_but_says_so():
    root = parse_svg(charts.horizontal_bars(chart_id="f", title="t", rows=[("selected", None, "not yet")]))

    assert not [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "chart-bar"]
    assert "not yet" in [t.text for t in root.iter(f"{SVG}text")]


def test_the_line_stops_at_the_last_known_day_and_the_marker_stands_at_the_deadline():
    root = parse_svg(
        charts.cumulative_line(
            chart_id="s", title="t", points=[("1", 0), ("2", 2), ("3", 4), ("4", None), ("5", None)], marker=(4, "D")
        )
    )

    line = root.find(f"{SVG}polyline").get("points").split()
    assert len(line) == 3
    marker = next(el for el in root.iter(f"{SVG}line") if el.get("class") == "chart-marker")
    assert marker.get("x1") == "468"  # the right end of the axis: the fifth of five days
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-marker-label"] == ["D"]


def test_a_histogram_needs_one_more_edge_than_counts():
    with pytest.raises(ValueError, match="one more edge"):
        charts.histogram(chart_id="h", title="t", counts=[1, 2], edges=["0", "1"])


def test_an_empty_chart_is_still_well_formed():
    for svg in (
        charts.horizontal_bars(chart_id="a", title="t", rows=[]),
        charts.cumulative_line(chart_id="b", title="t", points=[]),
        charts.histogram(chart_id="c", title="t", counts=[0, 0], edges=["0", "1", "2"]),
    ):
        parse_svg(svg)
