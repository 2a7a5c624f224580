"""The real model on the committed sample data: contacts land on the defect that caused them.

This is where the sentence model itself is tested (slow: it loads MiniLM and embeds ~1,000
reasons); every other analysis test uses seeded fake embeddings.
"""

import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select

from dumbcontacts.analysis.economics.ranking import rank_defects
from dumbcontacts.analysis.economics.scope import UNMAPPED
from dumbcontacts.analysis.economics.spikes import spike_flags
from dumbcontacts.analysis.topics.analyze import analyze_contacts
from dumbcontacts.analysis.topics.embeddings import load_minilm
from dumbcontacts.etl.load import load_paths
from dumbcontacts.etl.schema import contact_topics, contacts, topics
from dumbcontacts.etl.warehouse import create_warehouse
from dumbcontacts.settings import CostModel
from tests.conftest import TEST_SALT
from tests.truth import truth_costs

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """The committed sample, loaded and analysed with the real model once for this module."""
    warehouse = create_warehouse(f"duckdb:///{tmp_path_factory.mktemp('real') / 'w.duckdb'}")
    list(load_paths(warehouse, [SAMPLE], salt=TEST_SALT))
    return warehouse, analyze_contacts(warehouse, load_minilm())


def test_sample_contacts_land_on_their_true_defect(analysed):
    warehouse, result = analysed
    query = (
        select(contacts.c.channel, contacts.c.source_id, topics.c.defect_id)
        .join(contact_topics, contact_topics.c.contact_id == contacts.c.contact_id)
        .join(
            topics,
            (topics.c.topic_id == contact_topics.c.topic_id)
            & (topics.c.model_version == contact_topics.c.model_version),
        )
    )
    with warehouse.connect() as conn:
        found = pl.DataFrame(conn.execute(query).all(), orient="row",
                             schema=["channel", "source_id", "found"])  # fmt: skip
    truth = pl.read_csv(SAMPLE / "ground_truth.csv", schema_overrides={"source_id": pl.Utf8})
    joined = truth.join(found, on=["channel", "source_id"], how="left")
    share = (joined["defect_id"] == joined["found"]).fill_null(False).mean()
    assert share >= 0.9, f"only {share:.1%} of contacts on their true defect"
    # Every injected defect is a topic mapped to it.
    assert set(truth["defect_id"]) <= set(result.topics["defect_id"].drop_nulls())


def test_ranking_by_cost_puts_the_true_top_five_first(analysed):
    warehouse, _ = analysed
    truth = truth_costs(SAMPLE, CostModel())
    expected = sorted(truth, key=truth.get, reverse=True)[:5]
    ranked = rank_defects(warehouse, as_polars=True)
    assert ranked.filter(pl.col("defect_id") != UNMAPPED)["defect_id"][:5].to_list() == expected


def test_the_injected_spike_is_flagged_in_its_week_and_no_other(analysed):
    warehouse, _ = analysed
    spike = json.loads((SAMPLE / "ground_truth.json").read_text())["spike"]
    flags = spike_flags(warehouse, as_polars=True).filter(pl.col("flagged"))
    assert flags.select("week", "defect_id").rows() == [(spike["iso_week"], spike["defect_id"])]
