"""Every view shows the same figures for the same period and filters: the dashboard's reads,
``dumbcontacts rank``, the weekly report's data and the notebook functions, on both engines.

The dashboard answers from the daily facts of every day, read once; the others read only the
days and filters they need. Both run the same functions, so the numbers are equal to the bit
(the report rounds costs to whole cents, by design).
"""

import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from dumbcontacts.analysis import (
    defect_trend,
    emerging_defects,
    headline_figures,
    rank_defects,
    verify_fix,
)
from dumbcontacts.analysis.economics.iso_week import week_bounds
from dumbcontacts.analysis.report.data import gather_report
from dumbcontacts.cli import cli
from dumbcontacts.dashboard.filters import Filters
from dumbcontacts.dashboard.reads import (
    read_emerging,
    read_fix,
    read_headline,
    read_ranking,
    read_trend,
)
from dumbcontacts.dashboard.source import DataSource
from dumbcontacts.etl.load import load_paths
from tests.conftest import TEST_SALT
from tests.economics_fixture import PERIOD
from tests.truth import assign_ground_truth, read_truth

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
SINCE, UNTIL = PERIOD
WEEK = "2026-W10"  # the fixture's period: Monday 2 March to Monday 9 March


def _rank_command(url: str, filters: dict) -> list[dict]:
    args = ["--since", SINCE.isoformat(), "--until", UNTIL.isoformat(), "--format", "json"]
    for name, values in filters.items():
        args += [part for value in values for part in (f"--{name}", value)]
    result = CliRunner().invoke(
        cli, ["--warehouse", url, "rank", *args], env={"DUMBCONTACTS_CONFIG": ""}
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _json_rows(frame: pl.DataFrame) -> list[dict]:
    """Rows as the command prints them: unknown figures are null."""
    return [
        {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        for row in frame.to_dicts()
    ]


@pytest.mark.parametrize(
    "filters",
    [{}, {"channel": ["phone"]}, {"channel": ["chat", "email"]}, {"category": ["billing"]},
     {"owner": ["Logistics", "Customer Insight"]}],
)  # fmt: skip
def test_dashboard_command_and_notebook_give_the_same_figures(
    economics, warehouse_url, tmp_path, filters
):
    source = DataSource(economics, recheck_seconds=0, overrides=tmp_path / "o.toml")
    shown = Filters(SINCE, UNTIL, **{name: tuple(values) for name, values in filters.items()})
    asked = {"since": SINCE, "until": UNTIL, **filters}
    channel = filters.get("channel")

    ranking = rank_defects(economics, **asked, as_polars=True)
    assert ranking.height > 0 and ranking["contacts"].sum() > 0
    pd.testing.assert_frame_equal(read_ranking(source, shown), ranking.to_pandas())
    assert _rank_command(warehouse_url, filters) == _json_rows(ranking)
    pd.testing.assert_frame_equal(
        read_headline(source, shown), headline_figures(economics, **asked)
    )
    for defect_id in ("bill", "ship", "unmapped"):
        pd.testing.assert_frame_equal(
            read_trend(source, defect_id, shown),
            defect_trend(economics, defect_id, by_channel=True, **asked),
        )
        for fix_date, days in ((SINCE, 7), (dt.date(2026, 3, 5), 3)):
            pd.testing.assert_frame_equal(
                read_fix(source, defect_id, fix_date, days, tuple(channel or ())),
                verify_fix(economics, defect_id, fix_date, days=days, channel=channel),
            )
    others = {name: values for name, values in filters.items()}
    pd.testing.assert_frame_equal(
        read_emerging(source, shown), emerging_defects(economics, week=WEEK, **others)
    )


def test_the_weekly_report_gives_the_notebooks_figures(economics):
    report = gather_report(economics, WEEK)
    week = {"since": SINCE, "until": UNTIL}
    assert_frame_equal(report.headline, headline_figures(economics, **week, as_polars=True))
    ranking = rank_defects(economics, **week, as_polars=True)
    exact = ["rank", "defect_id", "contacts", "cpx", "repeat_contacts", "change_pct"]
    assert_frame_equal(report.ranking.select(exact), ranking.select(exact))
    assert report.ranking["cost_usd"].to_list() == [round(c, 2) for c in ranking["cost_usd"]]
    assert_frame_equal(report.emerging, emerging_defects(economics, week=WEEK, as_polars=True))
    # The trend's eight weeks, of the costliest mapped defects.
    assert report.trend["defect_id"].unique(maintain_order=True).to_list() == ["bill", "ship"]
    for defect_id in ("bill", "ship"):
        drawn = report.trend.filter(pl.col("defect_id") == defect_id)
        asked = defect_trend(economics, defect_id, since=SINCE - dt.timedelta(weeks=7),
                             until=UNTIL, as_polars=True)  # fmt: skip
        assert_frame_equal(
            drawn.select("period_start", "contacts", "cost_usd"),
            asked.select("period_start", "contacts", "cost_usd"),
        )
        assert drawn["contacts"].sum() == {"bill": 4, "ship": 3}[defect_id]


def test_the_spike_week_is_emerging_in_every_view(warehouse, tmp_path):
    list(load_paths(warehouse, [SAMPLE], salt=TEST_SALT))
    assign_ground_truth(warehouse, read_truth(SAMPLE, warehouse))
    source = DataSource(warehouse, recheck_seconds=0, overrides=tmp_path / "o.toml")
    spike = json.loads((SAMPLE / "ground_truth.json").read_text())["spike"]
    since, until = week_bounds(spike["iso_week"])
    for filters in ({}, {"channel": ["chat"]}, {"category": ["website/app"]}, {"owner": ["x"]}):
        shown = Filters(since, until, **{name: tuple(v) for name, v in filters.items()})
        notebook = emerging_defects(warehouse, week=spike["iso_week"], **filters)
        pd.testing.assert_frame_equal(read_emerging(source, shown), notebook)
        spiking = notebook.loc[notebook["kind"] == "spike", "defect_id"].to_list()
        assert spiking == ([] if filters.get("owner") else [spike["defect_id"]]), filters
    report = gather_report(warehouse, spike["iso_week"]).emerging.to_pandas()
    pd.testing.assert_frame_equal(report, emerging_defects(warehouse, week=spike["iso_week"]))
