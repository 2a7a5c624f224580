"""Ranking and headline figures against hand-computed values, on both engines.

Default rates: phone $1.20 and chat $0.80 per handled minute; e-mail $6.00 and social $4.50
per contact without a handle time. Orders: 2,000 in the period, 1,000 the week before.
"""

import math

import pytest

from dumbcontacts.analysis.economics.ranking import headline_figures, rank_defects
from dumbcontacts.settings import ChannelRate, CostModel
from tests.economics_fixture import PERIOD

SINCE, UNTIL = PERIOD


def by_defect(frame):
    return {row["defect_id"]: row for row in frame.to_dicts()}


def test_ranking_matches_hand_computed_figures(economics):
    ranked = rank_defects(economics, since=SINCE, until=UNTIL, as_polars=True)
    assert ranked["defect_id"].to_list() == ["bill", "ship", "unmapped"]
    assert ranked["rank"].to_list() == [1, 2, 3]
    rows = by_defect(ranked)
    bill, ship, unmapped = rows["bill"], rows["ship"], rows["unmapped"]
    # bill: c1 phone 600 s (10 min x 1.20) + c3 e-mail flat 6.00; both followed up within 7 days.
    assert bill["contacts"] == 2 and bill["cost_usd"] == pytest.approx(18.0)
    assert bill["aht_seconds"] == 600 and bill["cpx"] == pytest.approx(1.0)
    assert (bill["repeat_contacts"], bill["repeat_rate"]) == (2, 1.0)
    assert (bill["mix_phone"], bill["mix_email"], bill["mix_chat"]) == (0.5, 0.5, 0.0)
    # the week before: p1 phone 300 s (6.00) + p2 chat 600 s (8.00).
    assert (bill["contacts_prev"], bill["cost_usd_prev"]) == (2, pytest.approx(14.0))
    assert bill["change_pct"] == 0.0
    assert (bill["name"], bill["owner"], bill["action"]) == (
        "Charged twice",
        "Payments",
        "eliminate",
    )
    # ship: c2 chat 300 s (4.00) + c4 phone 120 s (2.40); p3 the week before.
    assert ship["contacts"] == 2 and ship["cost_usd"] == pytest.approx(6.4)
    assert ship["aht_seconds"] == 210 and ship["repeat_rate"] == 0.0
    assert ship["change_pct"] == pytest.approx(100.0)
    # c5: a social post whose topic maps to no defect, at the flat 4.50.
    assert unmapped["contacts"] == 1 and unmapped["cost_usd"] == pytest.approx(4.5)
    assert unmapped["aht_seconds"] is None and math.isnan(unmapped["change_pct"] or math.nan)
    assert ranked["share"].to_list() == [0.4, 0.4, 0.2]
    assert ranked["cumulative_cost_share"][-1] == pytest.approx(1.0)
    assert ranked["cost_share"][0] == pytest.approx(18.0 / 28.9)


def test_headline_figures_match_hand_computed_values(economics):
    figures = headline_figures(economics, since=SINCE, until=UNTIL, as_polars=True)
    got = {row["metric"]: row for row in figures.to_dicts()}
    expected = {  # metric: (period, week before)
        "contacts": (5, 3),
        "cost_usd": (28.9, 14.0 + 6.0),
        "dumb_share": (2 / 5, 2 / 3),
        "cpx": (2.5, 3.0),
        "repeat_rate": (2 / 5, 0.0),
    }
    for metric, (value, previous) in expected.items():
        assert got[metric]["value"] == pytest.approx(value), metric
        assert got[metric]["previous"] == pytest.approx(previous), metric
    assert got["contacts"]["change_pct"] == pytest.approx(100 * (5 - 3) / 3)
    assert got["repeat_rate"]["change_pct"] is None  # nothing to compare against


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        # a repeat on another channel still counts: c1 (phone) was followed by a chat.
        ({"channel": "phone"}, {"bill": (1, 12.0, 1), "ship": (1, 2.4, 0)}),
        ({"channel": ["chat", "social"]}, {"ship": (1, 4.0, 0), "unmapped": (1, 4.5, 0)}),
        ({"category": "shipping"}, {"ship": (2, 6.4, 0)}),
        ({"owner": ["Payments"]}, {"bill": (2, 18.0, 2)}),
        ({"since": "2026-03-04"}, {"ship": (2, 6.4, 0), "unmapped": (1, 4.5, 0)}),
        # the week before: nobody came back within 7 days.
        (
            {"since": "2026-02-23", "until": "2026-03-02"},
            {"bill": (2, 14.0, 0), "ship": (1, 6.0, 0)},
        ),
    ],
)
def test_filters_narrow_the_ranking(economics, filters, expected):
    period = {"since": SINCE, "until": UNTIL} | filters
    rows = by_defect(rank_defects(economics, **period, as_polars=True))
    assert {
        key: (row["contacts"], round(row["cost_usd"], 2), row["repeat_contacts"])
        for key, row in rows.items()
    } == expected


def test_costs_follow_the_cost_model_without_a_reload(economics):
    rates = dict(CostModel().rates) | {"phone": ChannelRate(per_minute_usd=3.0, flat_usd=0.0)}
    ranked = rank_defects(
        economics, since=SINCE, until=UNTIL, costs=CostModel(rates), as_polars=True
    )
    rows = by_defect(ranked)
    assert rows["bill"]["cost_usd"] == pytest.approx(10 * 3.0 + 6.0)
    assert rows["ship"]["cost_usd"] == pytest.approx(4.0 + 2 * 3.0)


def test_repeat_window_and_driver_are_settings(economics):
    # c2 came back 3 days after c1, c6 six days after c3: a 4-day window keeps only c1's.
    rows = by_defect(
        rank_defects(economics, since=SINCE, until=UNTIL, repeat_days=4, as_polars=True)
    )
    assert rows["bill"]["repeat_contacts"] == 1
    rows = by_defect(
        rank_defects(economics, since=SINCE, until=UNTIL, driver="shipments", as_polars=True)
    )
    assert rows["bill"]["cpx"] is None  # no shipments loaded: CPX is unknown, not zero


def test_open_ends_cover_every_contact(economics):
    ranked = rank_defects(economics, as_polars=True)
    assert ranked["contacts"].sum() == 9


def test_order_by_contacts_breaks_ties_by_id(economics):
    ranked = rank_defects(economics, since=SINCE, until=UNTIL, order="contacts")
    assert ranked["defect_id"].tolist() == ["bill", "ship", "unmapped"]


def test_pandas_by_default_polars_on_request(economics):
    import pandas as pd
    import polars as pl

    assert isinstance(rank_defects(economics), pd.DataFrame)
    assert isinstance(rank_defects(economics, as_polars=True), pl.DataFrame)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"order": "size"}, "order must be one of"),
        ({"since": "2026-03-09", "until": "2026-03-02"}, "must be after since"),
        ({"since": "last week"}, "not a date"),
    ],
)
def test_bad_arguments_raise_one_clear_error(economics, kwargs, message):
    with pytest.raises(ValueError, match=message):
        rank_defects(economics, **kwargs)


def test_contacts_never_analysed_rank_as_unmapped(warehouse):
    from dumbcontacts.etl import load_paths

    list(load_paths(warehouse, ["sample_data/chats.jsonl"]))
    ranked = rank_defects(warehouse, as_polars=True)
    assert ranked["defect_id"].to_list() == ["unmapped"]
    assert ranked["contacts"][0] == 245


def test_an_empty_scope_is_an_empty_ranking_not_an_error(economics):
    assert rank_defects(economics, channel="fax", as_polars=True).is_empty()
    figures = headline_figures(economics, owner="Nobody", as_polars=True)
    assert figures.filter(figures["metric"] == "contacts")["value"].to_list() == [0.0]
