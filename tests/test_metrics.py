"""Trends, repeats, verbatims, fix verification, triage and data health, on both engines.

Hand-computed figures refer to tests/economics_fixture.py.
"""

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import text

from dumbcontacts.analysis import (
    CostModel,
    defect_trend,
    load_history,
    model_status,
    rank_defects,
    reject_reasons,
    repeat_contacts,
    spike_flags,
    unmapped_topics,
    verbatims,
    verify_fix,
)
from dumbcontacts.analysis.economics.health import topic_share_warning
from dumbcontacts.etl import load_paths
from dumbcontacts.etl.warehouse import create_warehouse
from tests.economics_fixture import PERIOD
from tests.truth import assign_ground_truth, read_truth, truth_costs

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
SINCE, UNTIL = PERIOD


@pytest.fixture
def sample(warehouse):
    """The committed sample, analysed as its ground truth says."""
    list(load_paths(warehouse, [SAMPLE]))
    assign_ground_truth(warehouse, read_truth(SAMPLE, warehouse))
    return warehouse


def test_weekly_trend_keeps_empty_weeks_and_prices_each(economics):
    trend = defect_trend(economics, "bill", since="2026-02-23", until="2026-03-16", as_polars=True)
    assert trend["period_start"].to_list() == [
        dt.date(2026, 2, 23), dt.date(2026, 3, 2), dt.date(2026, 3, 9)
    ]  # fmt: skip
    assert trend["contacts"].to_list() == [2, 2, 1]
    assert trend["cost_usd"].to_list() == pytest.approx([14.0, 18.0, 1.2])
    assert trend["cpx"].to_list()[:2] == pytest.approx([2.0, 1.0])
    assert trend["cpx"][2] is None  # no orders loaded that week


def test_daily_trend_by_channel(economics):
    trend = defect_trend(
        economics, freq="day", by_channel=True, since=SINCE, until=UNTIL, as_polars=True
    )
    assert trend.height == 7 * 4  # every day x every channel seen
    monday = trend.filter(pl.col("period_start") == SINCE)
    assert dict(monday.select("channel", "contacts").iter_rows()) == {
        "chat": 0, "email": 0, "phone": 1, "social": 0
    }  # fmt: skip


def test_repeat_contacts_per_defect(economics):
    repeats = repeat_contacts(economics, since=SINCE, until=UNTIL, as_polars=True)
    bill = repeats.filter(pl.col("defect_id") == "bill").row(0, named=True)
    # c1 -> c2 after 71 h (phone then chat), c3 -> c6 after 140 h (e-mail then phone)
    assert (bill["contacts"], bill["repeat_contacts"], bill["repeat_rate"]) == (2, 2, 1.0)
    assert bill["cross_channel_repeats"] == 2
    assert bill["mean_hours_to_repeat"] == pytest.approx((71 + 140) / 2)
    assert repeats["defect_id"][0] == "bill"  # highest rate first


def test_verbatims_are_a_seeded_sample_of_the_defect(economics):
    picked = verbatims(economics, "bill", 5, since=SINCE, until=UNTIL, as_polars=True)
    assert sorted(picked["reason_text"]) == ["reason of c1", "reason of c3"]
    again = verbatims(economics, "bill", 1, as_polars=True)
    assert again["contact_id"].to_list() == verbatims(economics, "bill", 1)["contact_id"].tolist()
    assert verbatims(economics, "ship", 1, channel="phone")["contact_id"].tolist() == ["c4"]


def test_fix_verification_compares_cpx_before_and_after(economics):
    check = verify_fix(economics, "bill", "2026-03-02", days=7, as_polars=True)
    assert check["period"].to_list() == ["before", "after"]
    assert check["contacts"].to_list() == [2, 2]
    assert check["driver_count"].to_list() == [1000, 2000]
    assert check["cpx"].to_list() == pytest.approx([2.0, 1.0])
    assert check["change_pct"][1] == pytest.approx(-50.0)
    # Two contacts each side: half the rate, but nowhere near enough to tell from chance.
    after = check.row(1, named=True)
    assert (after["per"], after["rate"], after["verdict"]) == (
        "driver",
        1.0,
        "no detectable change",
    )
    assert (after["rate_ratio"], after["ratio_low"], after["ratio_high"]) == pytest.approx(
        (0.5, 0.0362425, 6.897983), rel=1e-5
    )
    assert after["p_value"] == pytest.approx(0.604938, rel=1e-5)
    with pytest.raises(ValueError, match="days must be at least 1"):
        verify_fix(economics, "bill", "2026-03-02", days=0)


def test_unmapped_topics_list_size_and_examples(economics):
    topics = unmapped_topics(economics, as_polars=True)
    assert topics["topic_key"].to_list() == ["k2"]
    assert topics["size"].to_list() == [1]
    assert topics["examples"].to_list() == [["reason of c5"]]


def test_data_health_reports_loads_rejects_and_model(warehouse, tmp_path):
    bad = tmp_path / "calls.csv"
    header = (SAMPLE / "calls.csv").read_text().splitlines()[0]
    good = "CALL1,2026-08-03T11:10:27Z,2026-08-03T11:21:38Z,,ACC1,orders,a1,REFUND,,Customer: hi"
    bad.write_text(f"{header}\n{good}\nCALL2,not a time,,,,,,,,\n")
    list(load_paths(warehouse, [bad]))
    history = load_history(warehouse, as_polars=True)
    assert history["rows_rejected"].to_list() == [1]
    assert history["rows_without_reason"].to_list() == [1]  # the caller only said "hi"
    rejects = reject_reasons(warehouse, as_polars=True)
    assert rejects["rejects"].to_list() == [1] and rejects["source"][0].endswith("calls.csv")
    status = model_status(warehouse)
    assert status["model_version"] is None and status["contacts"] == 1
    assert status["contacts_without_reason"] == 1
    assert status["last_load_at"] == history["finished_at"][0]


@pytest.mark.parametrize(
    ("share", "warned"), [(None, None), (0.25, None), (0.3, "one topic holds 30% of contacts")]
)
def test_a_topic_over_a_quarter_of_contacts_is_warned_about(share, warned):
    warning = topic_share_warning(share)
    assert warning == warned if warned is None else warning.startswith(warned + " (over 25%)")


def test_data_health_reads_the_largest_topic_coherence_and_languages(sample):
    status = model_status(sample)
    with sample.connect() as conn:
        sizes = pl.Series(conn.execute(text("SELECT topic_id FROM contact_topics")).scalars())
    counts = sizes.value_counts()["count"]
    assert status["contacts_assigned"] == len(sizes)
    assert status["largest_topic_share"] == pytest.approx(counts.max() / len(sizes))
    assert status["coherence"] == 1.0  # every truth assignment has probability 1
    assert sum(status["language_mix"].values()) == status["contacts"]
    # No true defect is a quarter of the sample: nothing to warn about.
    assert counts.max() / len(sizes) < 0.25 and status["warnings"] == []


def test_a_topic_that_is_no_defect_has_a_row_of_its_own(sample):
    with sample.begin() as conn:
        defect_id = conn.execute(text("SELECT defect_id FROM topics WHERE topic_id = 0")).scalar()
        conn.execute(text("UPDATE topics SET defect_id = 'not_a_defect' WHERE topic_id = 0"))
        members = conn.execute(
            text("SELECT count(*) FROM contact_topics WHERE topic_id = 0")
        ).scalar_one()
    ranked = rank_defects(sample, as_polars=True)
    assert defect_id not in ranked["defect_id"].to_list()
    row = ranked.filter(pl.col("defect_id") == "not_a_defect").row(0, named=True)
    assert row["contacts"] == members and row["category"] == "not_a_defect"


def test_sample_costs_are_the_cost_model_on_the_generated_handle_times(sample):
    """Exact: the ranking prices each true defect's generated handle times at the rates."""
    costs = CostModel()
    ranked = rank_defects(sample, costs=costs, as_polars=True)
    expected = truth_costs(SAMPLE, costs)
    got = dict(ranked.select("defect_id", "cost_usd").iter_rows())
    assert got.keys() == expected.keys()
    for defect_id, cost in expected.items():
        assert got[defect_id] == pytest.approx(cost, rel=1e-12, abs=1e-9), defect_id
    assert ranked["defect_id"][:5].to_list() == sorted(expected, key=expected.get)[::-1][:5]


def test_sample_spike_week_is_the_only_flag(sample):
    flags = spike_flags(sample, as_polars=True).filter(pl.col("flagged"))
    assert flags.select("week", "defect_id").rows() == [("2026-W38", "website-checkout-error")]


@pytest.mark.postgres
def test_duckdb_and_postgresql_give_the_same_answers(tmp_path, postgres_url):
    from tests.conftest import _reset_postgres

    _reset_postgres(postgres_url)
    engines = [
        create_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}"),
        create_warehouse(postgres_url),
    ]
    for engine in engines:
        list(load_paths(engine, [SAMPLE]))
        assign_ground_truth(engine, read_truth(SAMPLE, engine))
    questions = [
        lambda w: rank_defects(w, as_polars=True),
        lambda w: rank_defects(
            w, since="2026-09-14", until="2026-09-28", channel="chat", as_polars=True
        ),  # fmt: skip
        lambda w: rank_defects(w, category=["shipping", "billing"], order="cpx", as_polars=True),
        lambda w: defect_trend(w, by_channel=True, as_polars=True),
        lambda w: repeat_contacts(w, as_polars=True),
        lambda w: spike_flags(w, as_polars=True),
        lambda w: verbatims(w, "billing-double-charge", 3, as_polars=True),
    ]
    for ask in questions:
        duck, postgres = (ask(engine) for engine in engines)
        assert duck.columns == postgres.columns
        assert duck.equals(postgres) or _close(duck, postgres)


def _close(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    from polars.testing import assert_frame_equal

    # Engines sum floating point in their own order: means of time gaps differ in the 8th digit.
    assert_frame_equal(a, b, check_dtypes=False, rel_tol=1e-6)
    return True


def test_emerging_lists_the_week_spike_and_topics_new_since_the_last_model(sample):
    from sqlalchemy import insert, update

    from dumbcontacts.analysis import emerging_defects
    from dumbcontacts.etl.schema import contact_topics, topic_models, topics

    with sample.begin() as conn:  # version 2: same topics, plus one nobody raised before
        conn.execute(update(topic_models).values(is_current=False))
        model = conn.execute(topic_models.select()).mappings().one()
        conn.execute(insert(topic_models).values({**model, "model_version": 2, "is_current": True}))
        old = conn.execute(topics.select()).mappings().all()
        conn.execute(insert(topics), [{**t, "model_version": 2} for t in old])
        new = {"model_version": 2, "topic_id": 99, "topic_key": "T0099", "label": "gift cards"}
        conn.execute(insert(topics).values({**old[0], **new}))
        picked = conn.execute(contact_topics.select()).mappings().all()
        conn.execute(insert(contact_topics), [{**p, "model_version": 2} for p in picked])
    emerging = emerging_defects(sample, week="2026-W38", as_polars=True)
    assert emerging.select("kind", "defect_id", "topic_key").rows() == [
        ("spike", "website-checkout-error", None),
        ("new_topic", old[0]["defect_id"], "T0099"),
    ]
    assert emerging["week"].unique().to_list() == ["2026-W38"]
    quiet = emerging_defects(sample, week="2026-W40", as_polars=True)
    assert quiet["kind"].to_list() == ["new_topic"]


def test_the_same_question_gives_the_same_bits(sample):
    first = rank_defects(sample, since="2026-09-14", until="2026-09-28", as_polars=True)
    assert all(
        rank_defects(sample, since="2026-09-14", until="2026-09-28", as_polars=True).equals(first)
        for _ in range(3)
    )
    assert defect_trend(sample, "nobody-has-this", as_polars=True)["contacts"].sum() == 0
