"""Pure component builders for figures that are not tables: headline cards, the emerging
defects call-out, verbatims (unit-tested). Text is passed as strings, never as HTML."""

from __future__ import annotations

import math

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from dumbcontacts.analysis.economics.rate_ratio import FALL, RISE
from dumbcontacts.dashboard.tables import defect_href, format_value
from dumbcontacts.settings import CPX_DRIVER

__all__ = [
    "HEADLINES",
    "defect_figures",
    "describe_fix",
    "emerging_callout",
    "fix_verdict",
    "headline_cards",
    "status_cards",
    "verbatim_list",
]

# metric -> (label, kind) of the headline figures, in order.
HEADLINES = {
    "contacts": ("Contacts", "int"),
    "cost_usd": ("Cost", "money"),
    "dumb_share": ("Dumb-contact share", "ratio"),
    "cpx": ("Contacts per 1,000 {driver}", "number"),
    "repeat_rate": ("Repeat rate", "ratio"),
}


def headline_cards(headline: pd.DataFrame, driver: str = CPX_DRIVER) -> dbc.Row:
    """One card per metric: its value and its change against the previous period. For every
    one of these, up is bad, so a rise is red and a fall green."""
    by_metric = {row["metric"]: row for row in headline.to_dict("records")}
    cards = []
    for metric, (label, kind) in HEADLINES.items():
        row = by_metric.get(metric, {})
        change = row.get("change_pct")
        if change is None or pd.isna(change):
            note, tone = "no previous period to compare", "text-muted"
        else:
            note = f"{format_value(change, 'change')} vs previous period"
            tone = "text-danger" if change > 0 else "text-success" if change < 0 else "text-muted"
        title = label.format(driver=driver)
        body = dbc.CardBody(
            [
                html.Div(title, className="small text-muted"),
                html.Div(
                    format_value(row.get("value"), kind),
                    className="fs-3 fw-semibold",
                    id=f"overview-headline-{metric}",
                ),
                html.Div(note, className=f"small {tone}"),
            ]
        )
        cards.append(dbc.Col(dbc.Card(body, className="h-100"), xs=12, sm=6, lg=True))
    return dbc.Row(cards, className="g-2 mb-3")


def emerging_callout(emerging: pd.DataFrame, search: str = "") -> html.Div:
    """Defects with more contacts than expected in the period's last week, and new topics, or
    nothing to report. The flag counts, it does not explain: the wording says how many more,
    never why."""
    if emerging.empty:
        return dbc.Alert(
            "No defect had more contacts than expected in the last week of this period.",
            color="light",
        )
    items = []
    for row in emerging.to_dict("records"):
        if row.get("kind") == "spike":
            target = dcc.Link(str(row["name"]), href=defect_href(row["defect_id"], search))
            detail = (
                f" ({row['owner']}): {format_value(row['contacts'], 'int')} contacts in "
                f"{row['week']} vs about {format_value(row['expected'], 'int')} expected"
            )
            items.append(html.Li([html.Strong("More than expected: "), target, detail]))
        else:
            label = row.get("topic_key") if pd.isna(row.get("label")) else row["label"]
            detail = f": {format_value(row.get('contacts'), 'int')} contacts in {row['week']}"
            unmapped = pd.isna(row.get("defect_id"))
            where = dcc.Link("triage", href="/topics") if unmapped else None
            items.append(
                html.Li(
                    [html.Strong("New topic: "), str(label), detail]
                    + ([" (", where, ")"] if where else [])
                )
            )
    return dbc.Alert(
        [html.Div("Emerging this week", className="fw-semibold"), html.Ul(items, className="mb-0")],
        color="warning",
    )


def verbatim_list(verbatims: pd.DataFrame) -> html.Div:
    """Customers' own (redacted) words, as literal text: markup in a reason stays visible."""
    if verbatims.empty:
        return html.P("No reason texts in this period.", className="text-muted")
    quotes = []
    for row in verbatims.to_dict("records"):
        when = pd.Timestamp(row["started_at"]).strftime("%Y-%m-%d")
        quotes.append(
            html.Figure(
                [
                    html.Blockquote(
                        html.P(str(row["reason_text"]), className="mb-0 verbatim-text"),
                        className="blockquote fs-6",
                    ),
                    html.Figcaption(f"{row['channel']}, {when}", className="blockquote-footer"),
                ],
                className="mb-3",
            )
        )
    return html.Div(quotes, id="defect-verbatims")


def defect_figures(row: dict | None, driver: str = CPX_DRIVER) -> dbc.Row:
    """The defect's figures for the period (from its ranking row)."""
    row = row or {}
    figures = (
        ("Contacts", row.get("contacts", 0), "int"),
        ("Cost", row.get("cost_usd", 0.0), "money"),
        (f"Contacts per 1,000 {driver}", row.get("cpx"), "number"),
        ("Repeat-contact share", row.get("repeat_rate"), "ratio"),
        ("Average handle time", row.get("aht_seconds"), "seconds"),
        ("Change in contacts", row.get("change_pct"), "change"),
    )
    return dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(label, className="small text-muted"),
                            html.Div(format_value(value, kind), className="fs-5 fw-semibold"),
                        ]
                    ),
                    className="h-100",
                ),
                xs=6,
                md=4,
                xl=2,
            )  # fmt: skip
            for label, value, kind in figures
        ],
        className="g-2 mb-3",
        id="defect-figures",
    )


def fix_verdict(fix, driver: str = CPX_DRIVER) -> html.P:
    """One sentence on the change in the tested rate after the fix date, with its 95 %
    interval and whether it is more than noise. Only a detectable fall is green, a
    detectable rise red; no detectable change stays plain."""
    after = fix[fix["period"] == "after"].to_dict("records")
    row = after[0] if after else {}
    verdict = None if pd.isna(row.get("verdict")) else row["verdict"]
    return html.P(
        describe_fix(row, driver),
        className=_FIX_TONES.get(verdict, "text-body"),
        id="defect-fix-sentence",
    )


_FIX_TONES = {FALL: "text-success", RISE: "text-danger"}


def describe_fix(after: dict, driver: str = CPX_DRIVER) -> str:
    """The sentence of ``fix_verdict`` from the after row of ``verify_fix``."""
    if pd.isna(after.get("verdict")):
        return "Not enough data on both sides of this date to compare."
    if pd.isna(after.get("rate_ratio")):
        return "No contacts on either side of this date to compare."
    if after.get("per") == "driver":
        what = f"Contacts per 1,000 {driver}"
    else:
        what = f"Contacts per day (no {driver} volumes to divide by)"
    ratio, low, high = after["rate_ratio"], after["ratio_low"], after["ratio_high"]
    if after["verdict"] == FALL:
        return (
            f"{what} fell {_percent(1 - ratio)} (95% interval {(1 - high) * 100:.0f}–"
            f"{_percent(1 - low)}) after this date: a detectable fall."
        )
    if after["verdict"] == RISE:
        return (
            f"{what} rose {_percent(ratio - 1)} (95% interval {_upward(low, high)}) after this "
            "date: a detectable rise."
        )
    if math.isinf(ratio):
        moved = "rose from none"
    elif round((ratio - 1) * 100) == 0:
        moved = "were about the same"
    else:
        moved = f"changed {_signed(ratio - 1)}"
    return (
        f"No detectable change: {what[0].lower()}{what[1:]} {moved} after this date (95% "
        f"interval {_signed(low - 1)} to {_signed(high - 1)})."
    )


def _percent(share: float) -> str:
    return f"{share * 100:.0f}%"


def _signed(share: float) -> str:
    """+15%, -12%, 0% (never "-0%"), or no upper limit."""
    if math.isinf(share):
        return "no upper limit"
    return "0%" if round(share * 100) == 0 else format_value(share * 100, "change")


def _upward(low: float, high: float) -> str:
    """A rise's interval, open-ended when there were no contacts before."""
    if math.isinf(high):
        return f"at least {_percent(low - 1)}"
    return f"{(low - 1) * 100:.0f}–{_percent(high - 1)}"


def _count_and_share(count: int | None, total: int) -> str:
    if count is None:
        return format_value(None, "int")
    share = f" ({format_value(count / total, 'ratio')})" if total else ""
    return f"{format_value(count, 'int')}{share}"


def _language_mix(mix: dict[str, int], shown: int = 3) -> str:
    """ "en 96% · es 2% · fr 1%": the most common languages' shares of contacts."""
    total = sum(mix.values())
    if not total:
        return format_value(None, "text")
    return " · ".join(f"{lang} {n / total:.0%}" for lang, n in list(mix.items())[:shown])


def status_cards(status: dict) -> dbc.Row:
    """The model and coverage figures of ``dumbcontacts.analysis.economics.health.model_status``."""
    contacts, assigned = status.get("contacts") or 0, status.get("contacts_assigned") or 0
    version = status.get("model_version")
    figures = (
        ("Model version", f"v{version}" if version is not None else "none yet"),
        ("Fitted", format_value(status.get("created_at"), "datetime")),
        ("Topics", format_value(status.get("n_topics"), "int")),
        ("Outliers when fitted", format_value(status.get("outlier_share"), "ratio")),
        ("Contacts", format_value(contacts, "int")),
        ("With a topic", format_value(assigned / contacts if contacts else None, "ratio")),
        ("Without a reason", _count_and_share(status.get("contacts_without_reason"), contacts)),
        ("Largest topic", format_value(status.get("largest_topic_share"), "ratio")),
        ("Coherence", format_value(status.get("coherence"), "number")),
        ("Languages", _language_mix(status.get("language_mix") or {})),
        ("Last load", format_value(status.get("last_load_at"), "datetime")),
    )
    return dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(label, className="small text-muted"),
                            html.Div(value, className="fs-6 fw-semibold"),
                        ]  # fmt: skip
                    ),
                    className="h-100",
                ),
                xs=6,
                md=3,
                xl=True,
            )  # fmt: skip
            for label, value in figures
        ],
        className="g-2",
        id="health-status",
    )
