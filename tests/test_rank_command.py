import csv
import io
import json

import pytest
from click.testing import CliRunner

from dumbcontacts.analysis.economics.ranking import rank_defects
from dumbcontacts.cli import cli
from dumbcontacts.etl.warehouse import create_warehouse, open_warehouse
from tests.economics_fixture import PERIOD, build_economics_warehouse

PERIOD_ARGS = ["--since", PERIOD[0].isoformat(), "--until", PERIOD[1].isoformat()]


@pytest.fixture
def rank(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    build_economics_warehouse(create_warehouse(url))

    def invoke(*args: str, env: dict | None = None):
        result = CliRunner().invoke(
            cli, ["--warehouse", url, "rank", *args], env={"DUMBCONTACTS_CONFIG": "", **(env or {})}
        )
        return result

    return invoke


def test_json_is_a_list_of_defects_with_the_documented_keys(rank):
    result = rank(*PERIOD_ARGS, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    required = {"defect_id", "name", "category", "owner", "action", "contacts", "cost_usd", "cpx",
                "repeat_rate", "change_pct"}  # fmt: skip
    assert all(required <= set(row) for row in rows)
    assert [(r["defect_id"], r["contacts"], round(r["cost_usd"], 2)) for r in rows] == [
        ("bill", 2, 18.0), ("ship", 2, 6.4), ("unmapped", 1, 4.5)
    ]  # fmt: skip
    assert rows[2]["change_pct"] is None  # JSON null, never NaN


def test_csv_matches_the_python_api(rank, tmp_path):
    result = rank(*PERIOD_ARGS, "--format", "csv", "--channel", "phone")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    api = rank_defects(open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}"), since=PERIOD[0],
                       until=PERIOD[1], channel="phone")  # fmt: skip
    assert [r["defect_id"] for r in rows] == api["defect_id"].tolist()
    assert [float(r["cost_usd"]) for r in rows] == api["cost_usd"].tolist()


def test_table_has_headline_and_one_line_per_defect(rank):
    result = rank(*PERIOD_ARGS)
    lines = result.output.splitlines()
    assert lines[0].startswith("5 contacts · $29 · dumb contacts 40%")
    assert "Charged twice" in lines[3] and lines[3].split()[0] == "1"
    assert len(lines) == 3 + 3


def test_cost_rates_come_from_the_config_file(rank, tmp_path):
    (tmp_path / "costs.toml").write_text("[costs.phone]\nper_minute_usd = 3.0\n")
    result = rank(*PERIOD_ARGS, "--format", "json", env={"DUMBCONTACTS_CONFIG": "costs.toml"})
    costs = {row["defect_id"]: row["cost_usd"] for row in json.loads(result.output)}
    assert costs["bill"] == pytest.approx(10 * 3.0 + 6.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last week"], "error: --since 'last week': not a date (YYYY-MM-DD)"),
        (["--since", "2026-03-09", "--until", "2026-03-02"], "must be after since"),
        # Absurd dates are refused as absurd times are at load: the plausibility window.
        (["--since", "0001-01-01"], "error: --since 0001-01-01: outside 1990-01-01 to "),
        (["--until", "9999-12-31"], "error: --until 9999-12-31: outside 1990-01-01 to "),
        (["--since", "1989-12-31"], "error: --since 1989-12-31: outside 1990-01-01 to "),
    ],
)
def test_bad_input_is_one_line(rank, args, message):
    result = rank(*args)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_the_window_is_a_setting(rank, tmp_path):
    (tmp_path / "window.toml").write_text('[load]\nearliest = "2026-03-01"\n')
    env = {"DUMBCONTACTS_CONFIG": "window.toml"}
    result = rank("--since", "2026-02-28", env=env)
    assert result.exit_code == 2 and "outside 2026-03-01 to" in result.output
    assert rank(*PERIOD_ARGS, env=env).exit_code == 0
