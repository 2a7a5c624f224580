"""Schema migrations on both engines: a fresh warehouse records each once, re-opening applies
nothing, a failed migration leaves no trace, and a warehouse made by an older version (built
here with that version's DDL) is upgraded once, its rows kept."""

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from dumbcontacts.etl.migrations import MIGRATIONS, Migration, apply_migrations
from dumbcontacts.etl.schema import (
    contact_links,
    embeddings,
    migrations,
    settings,
    topic_days,
    topics,
)
from dumbcontacts.etl.warehouse import create_warehouse, open_warehouse
from tests.conftest import _engine

ALL = [
    "m001_create_tables",
    "m002_generate_salt",
    "m003_add_topic_overrides",
    "m004_add_changes",
    "m005_add_topic_language_and_category",
    "m006_add_topic_days_and_read_indexes",
]

# The tables as the version before migrations made them: no migrations, contact_links or
# embeddings table, and topics without the override columns (added by ALTER TABLE back then).
OLD_DDL = """
CREATE TABLE contacts (
    contact_id VARCHAR(32) PRIMARY KEY, channel VARCHAR(16) NOT NULL,
    source_system VARCHAR(64) NOT NULL, source_id VARCHAR(256) NOT NULL,
    started_at TIMESTAMP NOT NULL, ended_at TIMESTAMP, customer_key VARCHAR(32),
    order_ref VARCHAR(64), queue VARCHAR(128), agent_key VARCHAR(32),
    disposition_code VARCHAR(128), reason_text TEXT, transcript TEXT, handle_seconds INTEGER,
    language VARCHAR(16), load_id VARCHAR(16) NOT NULL);
CREATE TABLE loads (
    load_id VARCHAR(16) PRIMARY KEY, source TEXT NOT NULL, channel VARCHAR(16) NOT NULL,
    format VARCHAR(16) NOT NULL, content_hash VARCHAR(64) NOT NULL UNIQUE,
    started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL, status VARCHAR(16) NOT NULL,
    rows_read BIGINT NOT NULL, rows_loaded BIGINT NOT NULL, rows_duplicate BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL);
CREATE TABLE rejects (
    load_id VARCHAR(16), record_no BIGINT, reason TEXT NOT NULL, excerpt TEXT,
    PRIMARY KEY (load_id, record_no));
CREATE TABLE business_volumes (
    day DATE, driver VARCHAR(64), count BIGINT NOT NULL, load_id VARCHAR(16) NOT NULL,
    PRIMARY KEY (day, driver));
CREATE TABLE defects (
    defect_id VARCHAR(128) PRIMARY KEY, name TEXT NOT NULL, category VARCHAR(64) NOT NULL,
    owner VARCHAR(128) NOT NULL, action VARCHAR(16) NOT NULL, description TEXT, examples TEXT,
    load_id VARCHAR(16) NOT NULL);
CREATE TABLE settings (key VARCHAR(64) PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE topic_models (
    model_version INTEGER PRIMARY KEY, created_at TIMESTAMP NOT NULL,
    embedder VARCHAR(256) NOT NULL, n_docs INTEGER NOT NULL, n_topics INTEGER NOT NULL,
    outlier_share DOUBLE PRECISION NOT NULL, settings TEXT NOT NULL, is_current BOOLEAN NOT NULL);
CREATE TABLE topics (
    model_version INTEGER, topic_id INTEGER, topic_key VARCHAR(16) NOT NULL, label TEXT NOT NULL,
    keywords TEXT NOT NULL, size INTEGER NOT NULL, defect_id VARCHAR(128),
    mapping_confidence DOUBLE PRECISION NOT NULL, centroid BYTEA NOT NULL,
    PRIMARY KEY (model_version, topic_id));
CREATE TABLE contact_topics (
    contact_id VARCHAR(32), model_version INTEGER, topic_id INTEGER NOT NULL,
    probability DOUBLE PRECISION NOT NULL, PRIMARY KEY (contact_id, model_version));
INSERT INTO settings VALUES ('salt', 'the-old-salt');
"""
OLD_TOPIC = (
    "INSERT INTO topics VALUES (1, 0, 'k0', 'late parcels', 'late,parcel', 12, 'late', 0.8, :c)"
)


def _build_old_warehouse(url: str) -> None:
    engine = _engine(url)
    with engine.begin() as conn:
        for statement in OLD_DDL.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        conn.execute(sa.text(OLD_TOPIC), {"c": b"\x00\x00\x80\x3f"})
    engine.dispose()


def _recorded(warehouse) -> list[tuple]:
    with warehouse.connect() as conn:
        query = select(migrations.c.name, migrations.c.applied_at).order_by(migrations.c.name)
        return [tuple(row) for row in conn.execute(query)]


def _columns(warehouse, table: str) -> list[str]:
    query = sa.text(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = :table ORDER BY ordinal_position"
    )
    with warehouse.connect() as conn:
        return list(conn.execute(query, {"table": table}).scalars())


def _indexes(warehouse) -> set[str]:
    """The readers' indexes (PostgreSQL only: DuckDB keeps none, see etl.schema)."""
    if warehouse.dialect == "duckdb":
        return set()
    query = sa.text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
    with warehouse.connect() as conn:
        return set(conn.execute(query).scalars()) & {
            "contacts_started_at",
            "contact_topics_by_topic",
        }


def test_migrations_are_named_in_order():
    assert [m.name for m in MIGRATIONS] == ALL


def test_a_new_warehouse_records_every_migration_once(warehouse_url):
    warehouse = create_warehouse(warehouse_url)
    recorded = _recorded(warehouse)
    assert [name for name, _ in recorded] == ALL
    assert apply_migrations(warehouse) == []
    open_warehouse(warehouse_url)
    create_warehouse(warehouse_url)
    assert _recorded(warehouse) == recorded  # same names, same times: nothing ran again
    assert _columns(warehouse, "topics") == [c.name for c in topics.columns]
    assert _columns(warehouse, "topic_days") == [c.name for c in topic_days.columns]
    assert _indexes(warehouse) == (
        set()
        if warehouse.dialect == "duckdb"
        else {"contacts_started_at", "contact_topics_by_topic"}
    )


def test_an_old_warehouse_is_upgraded_once_and_keeps_its_rows(warehouse_url):
    _build_old_warehouse(warehouse_url)
    warehouse = open_warehouse(warehouse_url)  # reading an old warehouse upgrades it
    recorded = _recorded(warehouse)
    assert [name for name, _ in recorded] == ALL
    assert _columns(warehouse, "topics") == [
        *("model_version", "topic_id", "topic_key", "label", "keywords", "size", "defect_id"),
        *("mapping_confidence", "centroid", "mapped_by", "merged_into", "auto_label"),
        *("auto_defect_id", "auto_confidence", "language", "category"),
    ]
    with warehouse.begin() as conn:
        old = select(topics.c.topic_key, topics.c.label, topics.c.mapped_by, topics.c.auto_label)
        assert conn.execute(old).all() == [("k0", "late parcels", None, None)]
        conn.execute(topics.update().values(mapped_by="override", auto_label="late"))
        assert conn.execute(old).all() == [("k0", "late parcels", "override", "late")]
        salt = select(settings.c.value).where(settings.c.key == "salt")
        assert conn.execute(salt).scalar_one() == "the-old-salt"
        for table in (contact_links, embeddings, topic_days):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0
    assert _indexes(warehouse) == (
        set()
        if warehouse.dialect == "duckdb"
        else {"contacts_started_at", "contact_topics_by_topic"}
    )
    assert apply_migrations(create_warehouse(warehouse_url)) == []
    assert _recorded(warehouse) == recorded


def test_a_failed_migration_leaves_no_trace(warehouse_url):
    warehouse = create_warehouse(warehouse_url)

    def add_then_fail(conn):
        conn.exec_driver_sql("ALTER TABLE topics ADD COLUMN half_done TEXT")
        raise RuntimeError("crash mid-migration")

    with pytest.raises(RuntimeError, match="crash mid-migration"):
        apply_migrations(warehouse, [*MIGRATIONS, Migration("m999_half_done", add_then_fail)])
    assert [name for name, _ in _recorded(warehouse)] == ALL
    assert "half_done" not in _columns(warehouse, "topics")

    def add(conn):
        conn.exec_driver_sql("ALTER TABLE topics ADD COLUMN half_done TEXT")

    steps = [*MIGRATIONS, Migration("m999_half_done", add)]
    assert apply_migrations(warehouse, steps) == ["m999_half_done"]
    assert _columns(warehouse, "topics")[-1] == "half_done"
