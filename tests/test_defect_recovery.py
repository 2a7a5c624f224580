"""The real model on the committed sample data: contacts land on the defect that caused them.

This is where the sentence model itself is tested (slow: it loads MiniLM and embeds ~1,000
reasons); every other analysis test uses seeded fake embeddings.
"""

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select

from analysis.analyze import analyze_contacts
from analysis.embeddings import load_minilm
from analysis.schema import contact_topics, topics
from etl.load import load_paths
from etl.schema import contacts
from etl.warehouse import open_warehouse
from tests.conftest import TEST_SALT

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"

pytestmark = pytest.mark.slow


def test_sample_contacts_land_on_their_true_defect(tmp_path):
    warehouse = open_warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    list(load_paths(warehouse, [SAMPLE], salt=TEST_SALT))
    result = analyze_contacts(warehouse, load_minilm())
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
