"""The charts' geometry: a line spans the chart with the largest value at the top, the period
before on the same scale; bars and funnel steps are lengths against the largest, with rates."""

from insights import charts


def test_a_line_spans_the_chart_and_shares_its_scale_with_the_period_before():
    # given three days, and the three before them that peaked higher
    chart = charts.line_chart([0, 50, 100], [200, 0, 0], label=lambda value: f"Rp{value}")
    # then the top is the higher peak, the line ends at both edges and sits on that scale
    assert (chart.top, chart.top_label, chart.empty) == (200, "Rp200", False)
    assert chart.now.points == "0.0,120.0 160.0,90.0 320.0,60.0"
    assert chart.before.points.startswith("0.0,0.0 ")
    assert chart.now.area.startswith("M0.0,120 L0.0,120.0") and chart.now.area.endswith("L320.0,120 Z")


def test_a_line_of_one_day_or_of_nothing():
    one = charts.line_chart([7])
    nothing = charts.line_chart([0, 0], [0, 0])
    assert one.now.points == "160.0,0.0" and one.before is None
    assert nothing.empty and nothing.now.points == "0.0,120.0 320.0,120.0"


def test_bars_and_a_funnel_are_lengths_against_the_largest_with_rates():
    bars = charts.bars([("Kopi", 300, "Rp300"), ("Teh", 150, "Rp150"), ("Gula", 0, "Rp0")])
    assert [bar.length for bar in bars] == [100.0, 50.0, 0]
    steps = charts.funnel([("seen", 1000, "1,000"), ("tapped", 100, "100"), ("bought", 0, "0"), ("paid", 0, "0")])
    assert [step.length for step in steps] == [100.0, 10.0, 0, 0]
    assert [step.rate for step in steps] == [None, 0.1, 0.0, None]
