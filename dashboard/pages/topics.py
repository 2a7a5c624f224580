"""Topics triage: the topics no defect took yet, and every decision on them.

For each topic: assign it to a defect, make a new defect from it (examples pre-filled from
its most central reasons), say it is not a defect, merge it into another topic, or rename
it. Each decision is written to the taxonomy and overrides files and applied to the
warehouse at once (``analysis.topics.decisions``), recorded with who made it, and can be
undone from the list of recent changes.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import MATCH, Input, Output, State, callback, ctx, dcc, html

from dumbcontacts.analysis.economics.scope import NOT_A_DEFECT
from dumbcontacts.analysis.topics.decisions import Decisions, list_changes, operating_system_user
from dumbcontacts.analysis.topics.mapping import current_topics
from dumbcontacts.analysis.topics.overrides import unmapped_topics
from dumbcontacts.dashboard.auth import signed_in_user
from dumbcontacts.dashboard.reads import read_daily
from dumbcontacts.dashboard.source import DataSource, current_source
from dumbcontacts.dashboard.tables import format_value
from dumbcontacts.errors import DumbContactsError
from dumbcontacts.etl.readers.taxonomy import ACTIONS, CATEGORIES

dash.register_page(__name__, path="/topics", title="dumbcontacts: topics triage", name="Topics")

_EXAMPLES = 5  # central reasons shown, and offered as a new defect's example phrases
_RECENT = 5  # changes listed above the topics


def layout(show=None, **_query):
    source = current_source()
    everything = show == "all"
    waiting = source.fetch("triage-topics", _triage_topics, _EXAMPLES, everything)
    catalogue = read_daily(source).catalogue
    catalogue = catalogue.filter(~catalogue["defect_id"].is_in(["unmapped", NOT_A_DEFECT]))
    defects = [
        {"label": f"{row['name']} ({row['owner']})", "value": row["defect_id"]}
        for row in catalogue.sort("name").to_dicts()
    ]
    topics = source.fetch("current-topics", current_topics)
    targets = [
        {"label": f"{row['topic_key']} · {row['label']}", "value": row["topic_key"]}
        for row in topics.filter(topics["merged_into"].is_null()).to_dicts()
    ]
    names = dict(zip(catalogue["defect_id"], catalogue["name"], strict=True))
    names[NOT_A_DEFECT] = "Not a defect"
    waiting_count = int(waiting["defect_id"].is_null().sum())
    intro = html.P(
        [
            f"{waiting_count} topics map to no defect yet. Assign each to a defect, make a new "
            "defect from it, or mark it not a defect. Every decision is saved to "
            f"{source.taxonomy} and {source.overrides}, counts at once, is kept by every "
            "later analyze, and can be undone below. ",
            dcc.Link("Only the topics to triage", href="/topics", id="topics-show-waiting")
            if everything
            else dcc.Link(
                "Show every topic, mapped ones too", href="/topics?show=all", id="topics-show-all"
            ),  # fmt: skip
        ],
        className="text-muted",
    )
    cards = [topic_card(row, defects, targets, names) for row in waiting.to_dicts()]
    if not cards:
        cards = [dbc.Alert("Every topic maps to a defect: nothing to triage.", color="success")]
    return html.Div(
        [html.H2("Topics triage", className="h4"), intro, _changes_panel(source), *cards],
        id="topics-list",
    )


def _triage_topics(warehouse, n_examples: int, everything: bool):
    return unmapped_topics(warehouse, n_examples, include_mapped=everything, as_polars=True)


def topic_card(
    topic: dict, defects: list[dict], targets: list[dict], names: dict[str, str]
) -> dbc.Card:
    """One topic: size, keywords, central reasons (as literal text), its mapping if it has
    one, and the forms."""
    key = topic["topic_key"]
    mapped = topic["defect_id"]
    mapping = html.Div(
        f"Now: {names.get(mapped, mapped)} ({topic['mapped_by'] or 'model'})"
        if mapped
        else "Now: not mapped to a defect",
        className="small mb-1 " + ("text-muted" if mapped else "text-warning"),
    )
    examples = [str(text) for text in topic["examples"]]
    others = [t for t in targets if t["value"] != key]

    def control(kind: str, **props):
        return {"type": f"topics-{kind}", "key": key} | props

    assign = _row(
        dcc.Dropdown(
            id=control("defect"),
            options=defects,
            placeholder="Assign to defect…",
            style={"minWidth": "22rem"},
        ),  # fmt: skip
        dbc.Button("Save", id=control("assign"), color="primary", size="sm"),
        dbc.Button(
            "Not a defect", id=control("ignore"), color="secondary", outline=True, size="sm"
        ),  # fmt: skip
    )
    merge = _row(
        dcc.Dropdown(
            id=control("target"),
            options=others,
            placeholder="Merge into topic…",
            style={"minWidth": "22rem"},
        ),  # fmt: skip
        dbc.Button("Merge", id=control("merge"), color="secondary", outline=True, size="sm"),
        dbc.Input(
            id=control("label"), placeholder="New name", size="sm", style={"maxWidth": "18rem"}
        ),  # fmt: skip
        dbc.Button("Rename", id=control("rename"), color="secondary", outline=True, size="sm"),
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        html.Strong(f"{key} · {topic['label']}"),
                        html.Span(
                            f"{format_value(topic['size'], 'int')} contacts",
                            className="ms-auto text-muted",
                        ),
                    ],
                    className="d-flex",
                ),
                mapping,
                html.Div(
                    f"Category: {topic['category'] or '-'} · Language: "
                    f"{topic['language'] or 'not known'} · Keywords: {topic['keywords']}",
                    className="small text-muted mb-1",
                ),
                html.Ul(
                    [html.Li(t, className="topic-example") for t in examples],
                    className="small mb-2",
                ),  # fmt: skip
                assign,
                merge,
                html.Details(
                    [
                        html.Summary("New defect from this topic", className="small"),
                        _new_defect_form(control, topic["label"], examples),
                    ],  # fmt: skip
                    className="mb-1",
                ),
                html.Div(id=control("status"), className="small"),
            ]
        ),
        className="mb-2",
        id=f"topics-card-{key}",
    )


def _row(*children) -> html.Div:
    return html.Div(list(children), className="d-flex gap-2 align-items-center mb-2")


def _new_defect_form(control, label: str, examples: list[str]) -> html.Div:
    def field(name: str, widget) -> dbc.Row:
        return dbc.Row([dbc.Label(name, width=2, className="small"), dbc.Col(widget)],
                       className="mb-1")  # fmt: skip

    return html.Div(
        [
            field("Name", dbc.Input(id=control("name"), value=label, size="sm")),
            field(
                "Category",
                dcc.Dropdown(
                    id=control("category"), options=list(CATEGORIES), value="other", clearable=False
                ),
            ),  # fmt: skip
            field(
                "Owner",
                dbc.Input(id=control("owner"), placeholder="the team that fixes it", size="sm"),
            ),  # fmt: skip
            field(
                "Action",
                dcc.Dropdown(
                    id=control("action"), options=list(ACTIONS), value="eliminate", clearable=False
                ),
            ),  # fmt: skip
            field("Description", dbc.Input(id=control("description"), size="sm")),
            field(
                "Examples",
                dbc.Textarea(
                    id=control("examples"), value="\n".join(examples), rows=4, className="small"
                ),
            ),  # fmt: skip
            dbc.Button("Create defect", id=control("create"), color="primary", size="sm"),
        ],
        className="border rounded p-2 mt-1",
    )


def _changes_panel(source: DataSource) -> html.Div:
    recent = source.fetch("recent-changes", list_changes, _RECENT)
    items = [
        html.Li(
            f"#{row['change_id']} {row['made_at']:%Y-%m-%d %H:%M} {row['made_by']}: {row['what']}"
            + (f" (undone by #{row['undone_by']})" if row["undone_by"] else "")
        )
        for row in recent.to_dicts()
    ]
    return html.Div(
        [
            html.Div(
                [
                    html.Strong("Recent changes", className="small"),
                    dbc.Button(
                        "Undo the last change",
                        id="topics-undo",
                        size="sm",
                        color="link",
                        disabled=not items,
                    ),  # fmt: skip
                    html.Span(id="topics-undo-status", className="small"),
                ],
                className="d-flex gap-2 align-items-center",
            ),
            html.Ul(items or [html.Li("none yet")], className="small text-muted"),
        ],
        className="mb-3",
        id="topics-changes",
    )


def _decisions(source: DataSource) -> Decisions:
    who = signed_in_user() or operating_system_user()
    return Decisions(source.warehouse, source.taxonomy, source.overrides, who)


@callback(
    Output({"type": "topics-status", "key": MATCH}, "children"),
    Input({"type": "topics-assign", "key": MATCH}, "n_clicks"),
    Input({"type": "topics-ignore", "key": MATCH}, "n_clicks"),
    Input({"type": "topics-merge", "key": MATCH}, "n_clicks"),
    Input({"type": "topics-rename", "key": MATCH}, "n_clicks"),
    Input({"type": "topics-create", "key": MATCH}, "n_clicks"),
    State({"type": "topics-defect", "key": MATCH}, "value"),
    State({"type": "topics-target", "key": MATCH}, "value"),
    State({"type": "topics-label", "key": MATCH}, "value"),
    State({"type": "topics-name", "key": MATCH}, "value"),
    State({"type": "topics-category", "key": MATCH}, "value"),
    State({"type": "topics-owner", "key": MATCH}, "value"),
    State({"type": "topics-action", "key": MATCH}, "value"),
    State({"type": "topics-description", "key": MATCH}, "value"),
    State({"type": "topics-examples", "key": MATCH}, "value"),
    prevent_initial_call=True,
)
def decide(_a, _i, _m, _r, _c, defect_id, target, label, name, category, owner, action,
           description, examples):  # fmt: skip
    kind, key = ctx.triggered_id["type"].removeprefix("topics-"), ctx.triggered_id["key"]
    missing = {
        "assign": not defect_id and "Choose a defect first.",
        "merge": not target and "Choose the topic to merge into first.",
        "rename": not (label or "").strip() and "Type the new name first.",
        "create": not ((name or "").strip() and (owner or "").strip())
        and "A new defect needs a name and an owner.",
    }.get(kind)
    if missing:
        return html.Span(missing, className="text-warning")
    source = current_source()
    decisions = _decisions(source)
    try:
        change = {
            "assign": lambda: decisions.map_topic(key, defect_id),
            "ignore": lambda: decisions.ignore_topic(key),
            "merge": lambda: decisions.merge_topic(key, target),
            "rename": lambda: decisions.rename_topic(key, label),
            "create": lambda: decisions.add_defect(
                {
                    "name": name.strip(),
                    "category": category,
                    "owner": owner.strip(),
                    "action": action,
                    "description": (description or "").strip(),
                    "examples": [e.strip() for e in (examples or "").splitlines() if e.strip()],
                },
                from_topic=key,
            ),  # fmt: skip
        }[kind]()
    except DumbContactsError as error:  # a broken file, a busy warehouse, a bad value
        return html.Span(f"Not saved: {error}", className="text-danger")
    source.invalidate()
    return html.Span(
        [f"Saved (#{change.change_id}): {change.what}. ", dcc.Link("See the ranking", href="/")],
        className="text-success topics-saved",
    )


@callback(
    Output("topics-undo-status", "children"),
    Input("topics-undo", "n_clicks"),
    prevent_initial_call=True,
)
def undo_last(_clicks):
    source = current_source()
    try:
        change = _decisions(source).undo()
    except DumbContactsError as error:
        return html.Span(f"Not undone: {error}", className="text-danger")
    source.invalidate()
    return html.Span(
        [f"Done (#{change.change_id}): {change.what}. ", dcc.Link("Reload", href="/topics")],
        className="text-success",
    )
