"""Report charts: one bar per year group, drawn as SVG for pages and embedded as an image."""

import base64
from xml.etree import ElementTree

from services import charts

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    root = ElementTree.fromstring(svg.encode())
    return [t.text for t in root.iter(f"{SVG}text") if t.text]


def test_a_chart_labels_each_year_group_and_its_percentage():
    drawing = charts.year_group_bars("Benchmark 5", {7: 0.5, 8: 0.254, 9: None})

    labels = texts(charts.svg(drawing))

    assert "Benchmark 5" in labels
    assert {"Y7", "Y8", "Y9"} <= set(labels)
    assert "50" in labels and "25" in labels  # bar labels, whole percentages
    assert {"0%", "25%", "50%", "75%", "100%"} <= set(labels)  # the value axis


def test_the_data_uri_carries_the_same_svg():
    drawing = charts.year_group_bars("Benchmark 6", {10: 1.0})

    uri = charts.svg_data_uri(drawing)

    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    assert base64.b64decode(uri[len(prefix) :]).decode() == charts.svg(drawing)
