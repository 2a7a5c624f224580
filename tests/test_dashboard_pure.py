"""The dashboard's pure functions: filters and URLs, formatting, tables and cards (its charts
are tests/test_charts.py)."""

import datetime as dt
import json

import pandas as pd
import pytest
from dash import html

from dumbcontacts.dashboard.cards import (
    defect_figures,
    emerging_callout,
    fix_verdict,
    headline_cards,
    status_cards,
    verbatim_list,
)
from dumbcontacts.dashboard.filters import (
    FilterOptions,
    Filters,
    default_period,
    filter_bar,
    filters_from_controls,
)
from dumbcontacts.dashboard.tables import (
    defect_href,
    format_value,
    frame_table,
    next_sort,
    ranking_table,
    sort_ranking,
)

D = dt.date


def texts(component) -> list[str]:
    """Every string in a component tree, in order."""
    found = []

    def walk(node):
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, list | tuple):
            for child in node:
                walk(child)
        elif hasattr(node, "children"):
            walk(node.children)

    walk(component)
    return found


def find(component, predicate) -> list:
    out = []

    def walk(node):
        if isinstance(node, list | tuple):
            for child in node:
                walk(child)
            return
        if hasattr(node, "to_plotly_json"):
            if predicate(node):
                out.append(node)
            walk(getattr(node, "children", None))

    walk(component)
    return out


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, Filters()),
        ({"since": "2026-09-01", "until": "2026-10-01"}, Filters(D(2026, 9, 1), D(2026, 10, 1))),
        ({"since": "2026-10-01", "until": "2026-09-01"}, Filters()),  # backwards: dropped
        ({"since": "yesterday"}, Filters()),  # not a date: dropped
        ({"channel": "chat"}, Filters(channel=("chat",))),
        ({"channel": ["phone", "chat", "chat"]}, Filters(channel=("chat", "phone"))),
        ({"owner": ["Payments"], "category": "billing"},
         Filters(category=("billing",), owner=("Payments",))),
    ],
)  # fmt: skip
def test_filters_from_the_query_string(query, expected):
    assert Filters.from_query(query) == expected


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(D(2026, 9, 1), D(2026, 10, 1), ("chat", "phone"), ("billing",), ("A & B",)),
        Filters(channel=("social",), owner=("Payments/Risk", "Q=1?")),
    ],
)
def test_filters_survive_the_url(filters):
    from urllib.parse import parse_qs

    search = filters.to_search()
    parsed = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(search[1:]).items()}
    assert Filters.from_query(parsed) == filters
    assert (search == "") == (filters == Filters())


@pytest.mark.parametrize(
    ("controls", "expected"),
    [
        # The default period is kept out of the URL: the view keeps following new data.
        (("2026-10-26", "2026-11-22", None, None, None), Filters()),
        (("2026-10-01", "2026-10-31", ["chat"], [], None),
         Filters(D(2026, 10, 1), D(2026, 11, 1), ("chat",))),
        (("2026-10-01T00:00:00", "2026-10-01", None, ["billing"], ["Payments"]),
         Filters(D(2026, 10, 1), D(2026, 10, 2), (), ("billing",), ("Payments",))),
        (("2026-10-31", "2026-10-01", None, None, None), Filters()),  # backwards
    ],
)  # fmt: skip
def test_filters_from_the_controls(controls, expected):
    default = (D(2026, 10, 26), D(2026, 11, 23))
    assert filters_from_controls(*controls, default) == expected


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (D(2026, 1, 1), D(2026, 11, 22), (D(2026, 10, 26), D(2026, 11, 23))),
        (D(2026, 11, 20), D(2026, 11, 22), (D(2026, 11, 20), D(2026, 11, 23))),  # short data
    ],
)
def test_default_period_is_the_last_four_weeks_of_data(first, last, expected):
    assert default_period(first, last) == expected


def test_filter_bar_shows_the_filters_and_the_inclusive_end_day():
    options = FilterOptions(("phone", "chat"), ("billing",), ("Payments",), D(2026, 1, 1),
                            D(2026, 11, 22))  # fmt: skip
    bar = filter_bar("overview", Filters(D(2026, 9, 1), D(2026, 10, 1), ("chat",)), options)
    [dates] = find(bar, lambda c: getattr(c, "id", None) == "overview-dates")
    assert (dates.start_date, dates.end_date) == ("2026-09-01", "2026-09-30")
    [channel] = find(bar, lambda c: getattr(c, "id", None) == "overview-channel")
    assert channel.value == ["chat"]
    only_channel = filter_bar("defect", Filters(), options, lists=("channel",))
    assert not find(only_channel, lambda c: getattr(c, "id", None) == "defect-owner")


@pytest.mark.parametrize(
    ("value", "kind", "shown"),
    [
        (1234, "int", "1,234"),
        (1234.6, "money", "$1,235"),
        (3.14159, "number", "3.14"),
        (0.1234, "ratio", "12.3%"),
        (12.4, "change", "+12%"),
        (-40.0, "change", "-40%"),
        (303, "seconds", "5m 03s"),
        (pd.Timestamp("2026-11-23 09:15:42"), "datetime", "2026-11-23 09:15 UTC"),
        (None, "int", "–"),
        (float("nan"), "ratio", "–"),
        ("<b>x</b>", "text", "<b>x</b>"),
    ],
)
def test_format_value(value, kind, shown):
    assert format_value(value, kind) == shown


@pytest.mark.parametrize(
    ("defect_id", "search", "href"),
    [
        ("billing-double", "", "/defect/billing-double"),
        ("billing-double", "?channel=chat", "/defect/billing-double?channel=chat"),
        ("a/b c", "", "/defect/a%2Fb%20c"),
        ("unmapped", "?channel=chat", "/topics"),
    ],
)
def test_defect_href(defect_id, search, href):
    assert defect_href(defect_id, search) == href


RANKING = pd.DataFrame(
    {
        "rank": [1, 2, 3],
        "defect_id": ["bill", "ship", "unmapped"],
        "name": ["Charged twice", "<i>Late</i>", "Not mapped"],
        "owner": ["Payments", "Logistics", "Customer Insight"],
        "category": ["billing", "shipping", "unmapped"],
        "action": ["eliminate", "automate", "triage"],
        "contacts": [2, 5, 1],
        "cost_usd": [18.0, 9.0, 4.5],
        "cumulative_cost_share": [18 / 31.5, 27 / 31.5, 1.0],
        "cpx": [1.0, 2.5, 0.5],
        "repeat_rate": [1.0, 0.2, 0.0],
        "change_pct": [0.0, float("nan"), -50.0],
    }
)


@pytest.mark.parametrize(
    ("column", "descending", "order"),
    [
        ("contacts", True, ["ship", "bill", "unmapped"]),
        ("contacts", False, ["unmapped", "bill", "ship"]),
        ("change_pct", True, ["bill", "unmapped", "ship"]),  # missing always last
        ("change_pct", False, ["unmapped", "bill", "ship"]),
        ("no-such-column", True, ["bill", "ship", "unmapped"]),
    ],
)
def test_sort_ranking(column, descending, order):
    assert sort_ranking(RANKING, column, descending)["defect_id"].tolist() == order


@pytest.mark.parametrize(
    ("current", "clicked", "expected"),
    [
        (None, "cost_usd", {"column": "cost_usd", "descending": True}),
        ({"column": "cost_usd", "descending": True}, "cost_usd",
         {"column": "cost_usd", "descending": False}),
        ({"column": "cost_usd", "descending": False}, "name",
         {"column": "name", "descending": False}),
    ],
)  # fmt: skip
def test_next_sort(current, clicked, expected):
    assert next_sort(current, clicked) == expected


def test_ranking_table_links_defects_with_the_filters_and_shows_names_as_text():
    table = ranking_table(RANKING, {"column": "contacts", "descending": True}, "?channel=chat")
    links = find(table, lambda c: type(c).__name__ == "Link")
    assert [link.href for link in links] == ["/defect/ship?channel=chat",
                                             "/defect/bill?channel=chat", "/topics"]  # fmt: skip
    assert links[0].children == "<i>Late</i>"  # a string: React shows it as text
    assert "Contacts ▼" in texts(table)
    rows = find(table, lambda c: type(c).__name__ == "Tr")[1:]
    assert texts(rows[0])[-1] == "–" and texts(rows[2])[-1] == "-50%"


def test_frame_table_formats_each_column():
    frame = pd.DataFrame({"n": [1200], "what": ["x"]})
    table = frame_table(frame, [("what", "What", "text"), ("n", "N", "int")])
    assert texts(table) == ["What", "N", "x", "1,200"]


def fix_rows(after: dict) -> pd.DataFrame:
    """verify_fix's two rows, the after one carrying the test's figures."""
    before = {"period": "before", "contacts": 90, "per": "driver", "verdict": None}
    return pd.DataFrame([before, {"period": "after", "contacts": 91, "per": "driver", **after}])


@pytest.mark.parametrize(
    ("after", "sentence", "tone"),
    [
        (
            {"rate_ratio": 0.52, "ratio_low": 0.45, "ratio_high": 0.59, "verdict": "fall"},
            "Contacts per 1,000 shipments fell 48% (95% interval 41–55%) after this date: "
            "a detectable fall.",
            "text-success",
        ),
        (
            {"rate_ratio": 2.0, "ratio_low": 1.5655, "ratio_high": 2.5688, "verdict": "rise"},
            "Contacts per 1,000 shipments rose 100% (95% interval 57–157%) after this date: "
            "a detectable rise.",
            "text-danger",
        ),
        (  # 90 contacts before, 91 after: a 1 % move is noise, and not green
            {"rate_ratio": 1.0111, "ratio_low": 0.7472, "ratio_high": 1.3685,
             "verdict": "no detectable change"},
            "No detectable change: contacts per 1,000 shipments changed +1% after this date "
            "(95% interval -25% to +37%).",
            "text-body",
        ),
        (
            {"rate_ratio": 0.997, "ratio_low": 0.77, "ratio_high": 1.30,
             "verdict": "no detectable change"},
            "No detectable change: contacts per 1,000 shipments were about the same after this "
            "date (95% interval -23% to +30%).",
            "text-body",
        ),
        (
            {"rate_ratio": float("inf"), "ratio_low": 0.9164, "ratio_high": float("inf"),
             "verdict": "no detectable change"},
            "No detectable change: contacts per 1,000 shipments rose from none after this date "
            "(95% interval -8% to no upper limit).",
            "text-body",
        ),
        (
            {"rate_ratio": 0.4, "ratio_low": 0.19, "ratio_high": 0.8, "verdict": "fall",
             "per": "day"},
            "Contacts per day (no shipments volumes to divide by) fell 60% (95% interval "
            "20–81%) after this date: a detectable fall.",
            "text-success",
        ),
        (
            {"rate_ratio": None, "ratio_low": None, "ratio_high": None,
             "verdict": "no detectable change"},
            "No contacts on either side of this date to compare.",
            "text-body",
        ),
        (
            {"rate_ratio": None, "ratio_low": None, "ratio_high": None, "verdict": None},
            "Not enough data on both sides of this date to compare.",
            "text-body",
        ),
    ],
)  # fmt: skip
def test_fix_verdict_says_whether_the_change_is_more_than_noise(after, sentence, tone):
    verdict = fix_verdict(fix_rows(after), "shipments")
    assert (verdict.children, verdict.className) == (sentence, tone)


def test_headline_cards_show_values_and_colour_a_rise_red():
    headline = pd.DataFrame(
        {
            "metric": ["contacts", "cost_usd", "dumb_share", "cpx", "repeat_rate"],
            "value": [1200.0, 5432.1, 0.41, 3.21, 0.074],
            "previous": [1000.0, 6000.0, 0.41, 3.0, None],
            "change_pct": [20.0, -9.5, 0.0, 7.0, None],
        }
    )
    cards = headline_cards(headline, driver="shipments")
    shown = texts(cards)
    for value in ("1,200", "$5,432", "41.0%", "3.21", "7.4%"):
        assert value in shown
    assert "Contacts per 1,000 shipments" in shown
    assert "no previous period to compare" in shown
    notes = find(
        cards,
        lambda c: isinstance(c.children, str) and c.children.endswith("vs previous period"),
    )
    tones = [n.className.split()[-1] for n in notes]
    assert tones == ["text-danger", "text-success", "text-muted", "text-danger"]


def test_emerging_callout_links_spikes_and_points_new_topics_to_triage():
    emerging = pd.DataFrame(
        [
            {"kind": "spike", "week": "2026-W47", "defect_id": "bill", "name": "Charged twice",
             "owner": "Payments", "contacts": 40, "expected": 12.4, "topic_key": None,
             "label": None},
            {"kind": "new_topic", "week": "2026-W47", "defect_id": None, "name": None,
             "owner": None, "contacts": 7, "expected": None, "topic_key": "T0042",
             "label": "gift cards"},
        ]
    )  # fmt: skip
    callout = emerging_callout(emerging, "?channel=chat")
    hrefs = [link.href for link in find(callout, lambda c: type(c).__name__ == "Link")]
    assert hrefs == ["/defect/bill?channel=chat", "/topics"]
    assert texts(callout)[1:4] == [
        "More than expected: ",
        "Charged twice",
        " (Payments): 40 contacts in 2026-W47 vs about 12 expected",
    ]
    assert texts(emerging_callout(emerging.head(0))) == [
        "No defect had more contacts than expected in the last week of this period."
    ]


def test_verbatims_are_literal_text():
    reason = "<script>alert(1)</script><b>bold</b>"
    frame = pd.DataFrame(
        {"contact_id": ["c1"], "started_at": [pd.Timestamp("2026-03-02 10:00")],
         "channel": ["chat"], "reason_text": [reason]}
    )  # fmt: skip
    listing = verbatim_list(frame)
    [paragraph] = find(listing, lambda c: "verbatim-text" in (getattr(c, "className", "") or ""))
    assert paragraph.children == reason  # a plain string: Dash renders it as text, not HTML
    assert isinstance(paragraph, html.P)
    assert "<script>" not in json.dumps(
        [n.to_plotly_json()["type"] for n in find(listing, lambda c: True)]
    )
    assert "chat, 2026-03-02" in texts(listing)


def test_defect_figures_and_status_cards_handle_missing_values():
    shown = texts(defect_figures(None))
    assert shown.count("–") == 4 and "0" in shown and "$0" in shown
    status = {"model_version": None, "contacts": 0, "contacts_assigned": 0}
    assert "none yet" in texts(status_cards(status))
    status |= {"contacts": 1_204, "contacts_without_reason": 102}
    assert "102 (8.5%)" in texts(status_cards(status))
    status |= {"largest_topic_share": 0.31, "coherence": 0.8123}
    status |= {"language_mix": {"en": 96, "es": 2, "fr": 1, "de": 1}}
    shown = texts(status_cards(status))
    assert "31.0%" in shown and "0.81" in shown
    assert "en 96% · es 2% · fr 1%" in shown and "de" not in shown
