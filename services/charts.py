"""Charts for reports, drawn once with ReportLab's chart library: the same drawing is
written as SVG for the HTML page and placed as vector graphics in the PDF."""

import base64

from reportlab import rl_config
from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

BAR = colors.HexColor("#1d4f91")
WIDTH, HEIGHT = 240, 150
# Attribute checks on every shape cost more than the drawing; our charts are built here only.
rl_config.shapeChecking = 0


def year_group_bars(title: str, shares: dict[int, float | None]) -> Drawing:
    """One bar per year group: the percentage of pupils meeting a benchmark (no pupils in
    a year group draws no bar)."""
    drawing = Drawing(WIDTH, HEIGHT)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 36, 28, WIDTH - 50, HEIGHT - 56
    chart.data = [[round((share or 0) * 100, 1) for share in shares.values()]]
    chart.categoryAxis.categoryNames = [f"Y{yg}" for yg in shares]
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 25
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = "%d"
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    drawing.add(chart)
    drawing.add(String(WIDTH / 2, HEIGHT - 14, title, textAnchor="middle", fontSize=10))
    return drawing


def svg(drawing: Drawing) -> str:
    return renderSVG.drawToString(drawing)


def svg_data_uri(drawing: Drawing) -> str:
    """For an <img>: the page then needs no inline SVG (and its alt text describes it)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg(drawing).encode()).decode()
