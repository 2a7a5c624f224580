"""Analysis tables, on the warehouse's metadata: topic models, topics, assignments."""

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    inspect,
    text,
)

from dumbcontacts.etl.schema import metadata

__all__ = [
    "contact_links",
    "contact_topics",
    "create_analysis_tables",
    "topic_models",
    "topics",
]

topic_models = Table(
    "topic_models",
    metadata,
    # Numbered by analyze itself, not by the database (DuckDB has no SERIAL).
    Column("model_version", Integer, primary_key=True, autoincrement=False),
    Column("created_at", DateTime, nullable=False),
    Column("embedder", String(256), nullable=False),
    Column("n_docs", Integer, nullable=False),
    Column("n_topics", Integer, nullable=False),
    Column("outlier_share", Float, nullable=False),
    Column("settings", Text, nullable=False),
    Column("is_current", Boolean, nullable=False),
)

topics = Table(
    "topics",
    metadata,
    Column("model_version", Integer, primary_key=True, autoincrement=False),
    Column("topic_id", Integer, primary_key=True, autoincrement=False),
    # Stable across refits: a topic that still means the same thing keeps its key.
    Column("topic_key", String(16), nullable=False),
    Column("label", Text, nullable=False),
    Column("keywords", Text, nullable=False),
    Column("size", Integer, nullable=False),
    # The effective mapping and label, after the analyst's overrides; rewritten on every run.
    Column("defect_id", String(128)),  # null: unmapped, a candidate new defect
    Column("mapping_confidence", Float, nullable=False),
    Column("mapped_by", String(16)),  # "similarity", "override", or null when unmapped
    Column("merged_into", String(16)),  # the topic_key this topic is counted as, if merged
    # What the model itself said, kept so an edited or removed override can be undone.
    Column("auto_label", Text),
    Column("auto_defect_id", String(128)),
    Column("auto_confidence", Float),
    # Unit vector, little-endian float32: new contacts are assigned by cosine to it.
    Column("centroid", LargeBinary, nullable=False),
)

contact_topics = Table(
    "contact_topics",
    metadata,
    Column("contact_id", String(32), primary_key=True),
    Column("model_version", Integer, primary_key=True),
    Column("topic_id", Integer, nullable=False),
    Column("probability", Float, nullable=False),
)

# Each contact followed up by the same customer, with that next contact (analysis.economics.links);
# derived from contacts, remade whole when they change.
contact_links = Table(
    "contact_links",
    metadata,
    Column("contact_id", String(32), nullable=False),
    Column("next_started_at", DateTime, nullable=False),
    Column("next_channel", String(16), nullable=False),
)


def create_analysis_tables(conn: Connection) -> None:
    metadata.create_all(conn, tables=[topic_models, topics, contact_topics])
    # Warehouses made before a column existed get it added; new columns are all nullable.
    present = {column["name"] for column in inspect(conn).get_columns("topics")}
    for column in topics.columns:
        if column.name not in present:
            kind = column.type.compile(dialect=conn.dialect)
            conn.execute(text(f"ALTER TABLE topics ADD COLUMN {column.name} {kind}"))
