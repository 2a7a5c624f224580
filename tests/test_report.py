"""The weekly report: the spike shows as emerging, the CSV adds up to ``rank``, the same
warehouse and week give the same bytes, owners get their own defects, text is escaped."""

import datetime as dt
import json
import math
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from dumbcontacts.analysis.economics.iso_week import last_complete_week, week_bounds
from dumbcontacts.analysis.report.csv_cells import escape_cell, ranking_csv
from dumbcontacts.analysis.report.data import (
    EmptyWeek,
    gather_report,
    latest_week_with_contacts,
)
from dumbcontacts.analysis.report.files import report_exists, write_report
from dumbcontacts.cli import cli
from dumbcontacts.etl.load import load_paths
from dumbcontacts.etl.schema import contact_topics, contacts, defects, topics
from tests.conftest import TEST_SALT
from tests.truth import assign_ground_truth, read_truth

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
SPIKE = json.loads((SAMPLE / "ground_truth.json").read_text())["spike"]


@pytest.fixture
def sample_warehouse(warehouse):
    """The committed sample, each contact assigned its true defect."""
    list(load_paths(warehouse, [SAMPLE], salt=TEST_SALT))
    assign_ground_truth(warehouse, read_truth(SAMPLE, warehouse))
    return warehouse


@pytest.mark.parametrize(
    "value, cell",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 555", "'+1 555"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\n=1+2", "'\n=1+2"),
        (" =1+2", "' =1+2"),
        ("＝1+2", "'＝1+2"),  # full-width, as some spreadsheets read it
        ("＋1 555", "'＋1 555"),
        ("－2", "'－2"),
        ("＠SUM(A1)", "'＠SUM(A1)"),
        ("\u3000=1", "'\u3000=1"),  # an ideographic space
        ("Payments", "Payments"),
        ("a=b", "a=b"),
        (-12.5, "-12.5"),  # numbers stay numbers, negative ones too
        (0.1, "0.1"),
        (3, "3"),
        (None, ""),
        (math.nan, ""),
        (True, "true"),
    ],
)
def test_escape_cell(value, cell):
    assert escape_cell(value) == cell


def test_ranking_csv_defuses_formulas_and_keeps_every_digit():
    frame = pl.DataFrame({"name": ["=cmd|'/C calc'!A0", "ok"], "cost_usd": [1 / 3, -2.0]})
    assert ranking_csv(frame) == "name,cost_usd\n'=cmd|'/C calc'!A0,0.3333333333333333\nok,-2.0\n"


@pytest.mark.parametrize(
    "week, bounds",
    [
        ("2026-W38", (dt.date(2026, 9, 14), dt.date(2026, 9, 21))),
        ("2026-W53", (dt.date(2026, 12, 28), dt.date(2027, 1, 4))),
        ("2027-W01", (dt.date(2027, 1, 4), dt.date(2027, 1, 11))),
        ("2026-W54", ValueError),
        ("2025-W53", ValueError),
        ("2026-47", ValueError),
        ("W47", ValueError),
        ("9999-W52", ValueError),
        ("0000-W01", ValueError),
    ],
)
def test_week_bounds(week, bounds):
    if bounds is ValueError:
        with pytest.raises(ValueError):
            week_bounds(week)
    else:
        assert week_bounds(week) == bounds


@pytest.mark.parametrize(
    "today, week",
    [
        (dt.date(2026, 11, 23), "2026-W47"),  # a Monday: the week that just ended
        (dt.date(2026, 11, 29), "2026-W47"),  # a Sunday: this week is not over yet
        (dt.date(2027, 1, 4), "2026-W53"),
        (dt.date(2026, 1, 1), "2025-W52"),
    ],
)
def test_last_complete_week(today, week):
    assert last_complete_week(today) == week


def test_spike_week_report_lists_the_spiking_defect_as_emerging(sample_warehouse, tmp_path):
    written = write_report(sample_warehouse, SPIKE["iso_week"], tmp_path)
    assert written.folder == tmp_path / SPIKE["iso_week"] and report_exists(
        tmp_path, SPIKE["iso_week"]
    )
    data = gather_report(sample_warehouse, SPIKE["iso_week"])
    spikes = data.emerging.filter(pl.col("kind") == "spike")
    assert SPIKE["defect_id"] in spikes["defect_id"].to_list()
    html = (written.folder / "report.html").read_text()
    emerging = html[html.index('<section id="emerging">') : html.index('<section id="trend">')]
    assert f'<span class="muted">{SPIKE["defect_id"]}</span>' in emerging
    assert "<td>more than expected</td>" in emerging
    # A quiet week lists no spike of it.
    quiet = gather_report(sample_warehouse, "2026-W45").emerging
    assert SPIKE["defect_id"] not in quiet.filter(pl.col("kind") == "spike")["defect_id"].to_list()


def test_csv_totals_equal_rank_for_the_same_week(sample_warehouse, warehouse_url, tmp_path):
    written = write_report(sample_warehouse, SPIKE["iso_week"], tmp_path)
    csv = pl.read_csv(written.folder / "ranking.csv", infer_schema_length=None)
    since, until = week_bounds(SPIKE["iso_week"])
    result = CliRunner().invoke(
        cli,
        [
            "--warehouse",
            warehouse_url,
            "rank",
            "--since",
            str(since),
            "--until",
            str(until),
            "--format",
            "json",
        ],  # fmt: skip
        env={"DUMBCONTACTS_SALT": TEST_SALT},
    )
    assert result.exit_code == 0, result.output
    ranked = pl.DataFrame(json.loads(result.output))
    assert csv.height == ranked.height > 10
    assert (
        csv["contacts"].sum()
        == ranked["contacts"].sum()
        == 1000 - _outside(sample_warehouse, since, until)
    )
    # The report shows whole cents; rank gives every digit of the same sums.
    cents = 0.005 + 1e-9  # half a cent, and float noise
    assert math.fsum(csv["cost_usd"]) == pytest.approx(
        math.fsum(ranked["cost_usd"]), abs=cents * csv.height
    )
    by_id = {r["defect_id"]: r for r in ranked.to_dicts()}
    for row in csv.to_dicts():
        other = by_id[row["defect_id"]]
        assert (row["rank"], row["contacts"]) == (other["rank"], other["contacts"])
        assert row["cost_usd"] == pytest.approx(other["cost_usd"], abs=cents)
        assert row["cost_usd"] == round(row["cost_usd"], 2)
        assert row["cost_share"] == pytest.approx(other["cost_share"], abs=1e-4)


def _outside(warehouse, since, until) -> int:
    start, end = (dt.datetime.combine(d, dt.time()) for d in (since, until))
    with warehouse.connect() as conn:
        rows = conn.execute(select(contacts.c.started_at)).scalars().all()
    return sum(not (start <= r < end) for r in rows)


def test_same_warehouse_and_week_give_the_same_bytes(sample_warehouse, tmp_path):
    first = write_report(sample_warehouse, SPIKE["iso_week"], tmp_path / "a")
    for _ in range(3):  # group-by orders vary between calls; the report must not
        second = write_report(sample_warehouse, SPIKE["iso_week"], tmp_path / "b")
        names = [p.relative_to(first.folder) for p in first.files]
        assert names == [p.relative_to(second.folder) for p in second.files]
        for name in names:
            assert (first.folder / name).read_bytes() == (second.folder / name).read_bytes(), name
    html = (first.folder / "report.html").read_text()
    assert html.count("Plotly.newPlot") == 2 and html.count("/**\n* plotly.js v") == 1
    assert 'id="report-pareto"' in html and 'id="report-trend"' in html
    assert "<script src=" not in html and "<link " not in html  # nothing to fetch


def test_each_owner_gets_a_section_and_a_page_of_their_own(sample_warehouse, tmp_path):
    written = write_report(sample_warehouse, SPIKE["iso_week"], tmp_path)
    ranking = pl.read_csv(written.folder / "ranking.csv").filter(pl.col("defect_id") != "unmapped")
    owners = sorted(set(ranking["owner"]))
    pages = sorted((written.folder / "owners").glob("*.html"))
    assert len(pages) == len(owners) > 5
    html = (written.folder / "report.html").read_text()
    for owner in owners:
        assert f"<h3>{owner} — " in html.replace("&amp;", "&")
    payments = (written.folder / "owners" / "payments.html").read_text()
    for row in ranking.to_dicts():
        assert (f"{row['defect_id']} · " in payments) == (row["owner"] == "Payments"), row


def test_text_from_the_data_is_escaped(sample_warehouse, tmp_path):
    week = SPIKE["iso_week"]
    attack = '<img src=x onerror="alert(1)">'
    with sample_warehouse.begin() as conn:
        spiking = select(contact_topics.c.contact_id).join(
            topics, topics.c.topic_id == contact_topics.c.topic_id
        ).where(topics.c.defect_id == SPIKE["defect_id"])  # fmt: skip
        conn.execute(
            update(contacts).where(contacts.c.contact_id.in_(spiking)).values(reason_text=attack)
        )
        conn.execute(
            update(defects)
            .where(defects.c.defect_id == SPIKE["defect_id"])
            .values(name='=HYPERLINK("http://evil")<b>', owner="R&D <Web>")
        )
    written = write_report(sample_warehouse, week, tmp_path)
    html = (written.folder / "report.html").read_text()
    assert attack not in html and "<b>" not in html and "R&D <Web>" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert "R&amp;D &lt;Web&gt;" in html
    assert (written.folder / "owners" / "r-d-web.html").is_file()
    csv = (written.folder / "ranking.csv").read_text()
    assert '\'=HYPERLINK(""http://evil"")<b>' in csv


def test_a_week_without_contacts_is_refused(sample_warehouse, tmp_path):
    with pytest.raises(EmptyWeek, match="no contacts in 2027-W10"):
        write_report(sample_warehouse, "2027-W10", tmp_path)
    assert not report_exists(tmp_path, "2027-W10")


def test_report_command(sample_warehouse, warehouse_url, tmp_path):
    runner = CliRunner()
    env = {"DUMBCONTACTS_SALT": TEST_SALT, "DUMBCONTACTS_WAREHOUSE": warehouse_url}
    result = runner.invoke(cli, ["report", "--week", "2026-W38", "--out", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    assert f"report 2026-W38 written to {tmp_path / '2026-W38'}/" in result.output
    assert "  ranking.csv\n" in result.output and "  report.html\n" in result.output
    for week, message in [
        ("2026-38", "error: --week: not an ISO week"),
        ("9999-W52", "error: --week: 9999-W52 ends after the last day a date can hold"),
        ("9999-W51", "error: --week 9999-W51: outside 1990-01-01 to "),
        ("1989-W52", "error: --week 1989-W52: outside 1990-01-01 to "),
    ]:
        bad = runner.invoke(cli, ["report", "--week", week, "--out", str(tmp_path)], env=env)
        assert bad.exit_code == 2 and bad.output.startswith(message), bad.output
        assert len(bad.output.strip().splitlines()) == 1
    empty = runner.invoke(cli, ["report", "--week", "2025-W10", "--out", str(tmp_path)], env=env)
    assert empty.exit_code == 2
    assert empty.output == (
        "error: no contacts in 2025-W10 (2025-03-03 to 2025-03-09); nothing to report\n"
    )


def test_report_without_a_week_takes_the_last_week_with_contacts(
    sample_warehouse, warehouse_url, tmp_path
):
    """The sample ends on Sunday 2026-11-22: any later week is empty, so it reports W47."""
    assert latest_week_with_contacts(sample_warehouse, dt.date(2026, 11, 16)) == "2026-W46"
    assert latest_week_with_contacts(sample_warehouse, dt.date(2027, 6, 1)) == "2026-W47"
    assert latest_week_with_contacts(sample_warehouse, dt.date(2026, 8, 3)) is None
    env = {"DUMBCONTACTS_SALT": TEST_SALT, "DUMBCONTACTS_WAREHOUSE": warehouse_url}
    result = CliRunner().invoke(cli, ["report", "--out", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "week 2026-W47: the last complete week with contacts (--week chooses another)\n"
        f"report 2026-W47 written to {tmp_path / '2026-W47'}/\n"
    )


def test_a_report_cut_short_is_not_taken_for_written(sample_warehouse, tmp_path, monkeypatch):
    """report.html comes last: a crash before it leaves a week that is written again."""
    import dumbcontacts.analysis.report.files as report_files

    def crash(data):
        raise OSError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(report_files, "render_report", crash)
        with pytest.raises(OSError, match="disk full"):
            write_report(sample_warehouse, SPIKE["iso_week"], tmp_path)
    folder = tmp_path / SPIKE["iso_week"]
    assert (folder / "ranking.csv").is_file() and list((folder / "owners").glob("*.html"))
    assert not report_exists(tmp_path, SPIKE["iso_week"])
    (folder / ".report.html.partial").write_text("half a page")  # as if killed mid-write
    written = write_report(sample_warehouse, SPIKE["iso_week"], tmp_path)
    assert report_exists(tmp_path, SPIKE["iso_week"]) and written.files[-1].name == "report.html"
    assert not list(folder.rglob(".*"))


@pytest.mark.slow
def test_spike_week_with_the_real_model(duckdb_warehouse, tmp_path):
    """The whole chain on the committed sample: load, analyse with MiniLM, report."""
    from dumbcontacts.analysis.topics.analyze import analyze_contacts
    from dumbcontacts.analysis.topics.embeddings import load_minilm

    list(load_paths(duckdb_warehouse, [SAMPLE], salt=TEST_SALT))
    analyze_contacts(duckdb_warehouse, load_minilm())
    written = write_report(duckdb_warehouse, SPIKE["iso_week"], tmp_path)
    html = (written.folder / "report.html").read_text()
    emerging = html[html.index('<section id="emerging">') : html.index('<section id="trend">')]
    assert f'<span class="muted">{SPIKE["defect_id"]}</span>' in emerging
    assert "<td>more than expected</td>" in emerging
