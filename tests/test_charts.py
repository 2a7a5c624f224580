"""The charts every view draws (dashboard, weekly report, notebook), from pandas and polars."""

import datetime as dt

import pandas as pd
import polars as pl
import pytest

from dumbcontacts.analysis.report.charts import fix_figure, pareto_figure, trend_figure

D = dt.date
RANKING = pd.DataFrame(
    {
        "rank": [1, 2, 3],
        "defect_id": ["bill", "ship", "unmapped"],
        "name": ["Charged twice", "<i>Late</i>", "Not mapped"],
        "cost_usd": [18.0, 9.0, 4.5],
    }
)


@pytest.mark.parametrize("kind", ["pandas", "polars"])
def test_pareto_bars_costliest_first_and_cumulative_share_to_one(kind):
    shuffled = RANKING.sample(frac=1, random_state=3)
    bars, line = pareto_figure(shuffled if kind == "pandas" else pl.from_pandas(shuffled)).data
    assert list(bars.x) == ["Charged twice", "<i>Late</i>", "Not mapped"]
    assert list(bars.y) == [18.0, 9.0, 4.5]
    assert list(line.y) == pytest.approx([18 / 31.5, 27 / 31.5, 1.0])
    assert line.yaxis == "y2"


def test_pareto_beyond_the_top_is_one_bar_and_the_line_ends_at_all_cost():
    bars, line = pareto_figure(RANKING, top=2).data
    assert list(bars.x) == ["Charged twice", "<i>Late</i>", "1 other defects"]
    assert list(bars.y) == [18.0, 9.0, 4.5]
    assert list(line.y) == pytest.approx([18 / 31.5, 27 / 31.5, 1.0])


def test_pareto_names_a_defect_without_a_name_by_its_id_and_shortens_long_names():
    ranking = pl.DataFrame(
        {"defect_id": ["a", "b"], "name": [None, "x" * 50], "cost_usd": [5.0, 1.0]}
    )
    bars, _ = pareto_figure(ranking).data
    assert list(bars.x) == ["a", "x" * 37 + "…"]


@pytest.mark.parametrize("frame", [RANKING.head(0), RANKING.assign(cost_usd=0.0)])
def test_pareto_of_nothing_says_so(frame):
    figure = pareto_figure(frame)
    assert not figure.data and "No contacts" in figure.layout.annotations[0].text


TREND = pd.DataFrame(
    {
        "period_start": [D(2026, 3, 2), D(2026, 3, 9)] * 2,
        "channel": ["chat", "chat", "phone", "phone"],
        "contacts": [1, 2, 3, 4],
        "cpx": [0.5, 1.0, 1.5, None],
    }
)


def test_trend_draws_one_line_per_channel_in_the_channels_colours():
    figure = trend_figure(TREND, "contacts", title="Contacts")
    assert [trace.name for trace in figure.data] == ["chat", "phone"]
    assert list(figure.data[1].y) == [3, 4]
    assert [trace.line.color for trace in figure.data] == ["#2ca02c", "#1f77b4"]
    assert figure.layout.title.text == "Contacts"


def test_trend_legend_sits_below_the_plot_and_the_title_below_the_toolbar():
    """However many rows the legend wraps to, it covers neither the title nor the lines."""
    layout = trend_figure(TREND, "contacts", title="Contacts").layout
    assert (layout.legend.orientation, layout.legend.yanchor, layout.legend.y) == (
        "h",
        "top",
        -0.25,
    )
    assert (layout.title.yref, layout.title.y, layout.title.pad.t) == ("container", 1, 30)
    assert layout.margin.t == 60


def test_trend_without_the_column_is_one_line():
    single = trend_figure(TREND[TREND.channel == "chat"].drop(columns="channel"), "cpx")
    assert len(single.data) == 1 and list(single.data[0].y) == [0.5, 1.0]


def test_trend_by_defect_keeps_the_costliest_first_order_of_the_frame():
    trend = pl.DataFrame(
        {
            "period_start": [D(2026, 3, 9), D(2026, 3, 2), D(2026, 3, 2)],
            "name": ["Order late", "Order late", "Charged twice"],
            "contacts": [2, 1, 5],
        }
    )
    figure = trend_figure(trend, by="name")
    assert [trace.name for trace in figure.data] == ["Order late", "Charged twice"]
    assert list(figure.data[0].x) == [D(2026, 3, 2), D(2026, 3, 9)]  # in time order
    assert list(figure.data[0].y) == [1, 2]
    assert list(figure.layout.xaxis.tickvals) == [D(2026, 3, 2), D(2026, 3, 9)]  # each Monday


@pytest.mark.parametrize("frame", [TREND.head(0), TREND.assign(cpx=None)])
def test_trend_of_nothing_says_so(frame):
    figure = trend_figure(frame, "cpx")
    assert not figure.data and "No data" in figure.layout.annotations[0].text


FIX = pd.DataFrame(
    {"period": ["before", "after"], "contacts": [40, 10], "per": ["driver", "driver"],
     "rate": [2.0, 0.5], "verdict": [None, "fall"]}
)  # fmt: skip


@pytest.mark.parametrize(
    ("verdict", "after_colour"),
    [
        ("fall", "#27ae60"),
        ("rise", "#c0392b"),
        ("no detectable change", "#5d6d7e"),
        (None, "#5d6d7e"),
    ],
)
def test_fix_compares_the_rate_and_only_a_detectable_fall_is_green(verdict, after_colour):
    figure = fix_figure(FIX.assign(verdict=[None, verdict]), "shipments")
    bars = figure.data[0]
    assert list(bars.x) == ["before", "after"]
    assert list(bars.y) == [2.0, 0.5]
    assert list(bars.text) == ["40 contacts", "10 contacts"]
    assert list(bars.marker.color) == ["#7f8c8d", after_colour]
    assert figure.layout.yaxis.title.text == "Contacts per 1,000 shipments"


def test_fix_without_driver_units_is_per_day():
    figure = fix_figure(FIX.assign(per="day", rate=[3.0, None]), "shipments")
    assert list(figure.data[0].y) == [3.0, 0.0]  # no days of data after: drawn as nothing
    assert figure.layout.yaxis.title.text == "Contacts per day"
    assert not fix_figure(FIX.assign(contacts=0)).data
