"""Every warehouse table, defined in code (never reflected: duckdb-engine cannot reflect
reliably). A table or column changes here and, for warehouses made before the change, in a
named migration (``dumbcontacts.etl.migrations``).

All timestamps are stored as UTC without a zone; money and time carry their unit in the name.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = [
    "CHANNELS",
    "business_volumes",
    "changes",
    "contact_links",
    "contact_topics",
    "contacts",
    "defects",
    "embeddings",
    "loads",
    "metadata",
    "migrations",
    "rejects",
    "settings",
    "topic_days",
    "topic_models",
    "topics",
]

CHANNELS = ("phone", "email", "chat", "social")

metadata = MetaData()

# One row per conversation a customer starts (docs/architecture.md, "Data flow and grain").
contacts = Table(
    "contacts",
    metadata,
    # md5 of channel|source_system|source_id: loading a record twice can never add a row.
    Column("contact_id", String(32), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("source_system", String(64), nullable=False),
    Column("source_id", String(256), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
    # Salted sha256 of the raw identifiers, so repeats link without storing who it was.
    Column("customer_key", String(32)),
    Column("order_ref", String(64)),
    Column("queue", String(128)),
    Column("agent_key", String(32)),
    Column("disposition_code", String(128)),
    Column("reason_text", Text),
    Column("transcript", Text),
    Column("handle_seconds", Integer),
    Column("language", String(16)),
    Column("load_id", String(16), nullable=False),
)


def _not_duckdb(ddl, target, bind, **kw) -> bool:
    return kw["dialect"].name != "duckdb"


# On DuckDB a primary key is an ART index that more than doubles the cost of a bulk insert
# (docs/architecture.md). There the load's anti-join on contact_id keeps it unique instead, with
# one writer at a time (DuckDB's file lock, and a lock in etl.load). Other engines keep it.
contacts.primary_key.ddl_if(callable_=_not_duckdb)

# On PostgreSQL, what the readers look up by: a period's contacts (the first and last day, a
# week's new topics, sample verbatims) and a model's contacts per topic. DuckDB skips each
# block outside a period by its min/max statistics and keeps no other index (see above).
Index("contacts_started_at", contacts.c.started_at).ddl_if(callable_=_not_duckdb)

loads = Table(
    "loads",
    metadata,
    # The first 16 hex digits of the content hash: the same file always gets the same id.
    Column("load_id", String(16), primary_key=True),
    Column("source", Text, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("format", String(16), nullable=False),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("rows_read", BigInteger, nullable=False),
    Column("rows_loaded", BigInteger, nullable=False),
    Column("rows_duplicate", BigInteger, nullable=False),
    Column("rows_rejected", BigInteger, nullable=False),
)

rejects = Table(
    "rejects",
    metadata,
    Column("load_id", String(16), primary_key=True),
    Column("record_no", BigInteger, primary_key=True),
    Column("reason", Text, nullable=False),
    # Redacted and cut short: a reject must not become a side door for PII.
    Column("excerpt", Text),
)

business_volumes = Table(
    "business_volumes",
    metadata,
    Column("day", Date, primary_key=True),
    Column("driver", String(64), primary_key=True),
    Column("count", BigInteger, nullable=False),
    Column("load_id", String(16), nullable=False),
)

# The defect taxonomy as last loaded: who owns each upstream defect and what to do about it.
defects = Table(
    "defects",
    metadata,
    Column("defect_id", String(128), primary_key=True),
    Column("name", Text, nullable=False),
    Column("category", String(64), nullable=False),
    Column("owner", String(128), nullable=False),
    Column("action", String(16), nullable=False),
    Column("description", Text),
    Column("examples", Text),  # JSON list of example phrases, used to map topics to it
    Column("load_id", String(16), nullable=False),
)

# Each analyst decision on topics and defects (triage page or CLI): who, when, what, and the
# taxonomy and overrides files before and after it, so any decision can be undone.
changes = Table(
    "changes",
    metadata,
    # Numbered by the application, not by the database (DuckDB has no SERIAL).
    Column("change_id", Integer, primary_key=True, autoincrement=False),
    Column("made_at", DateTime, nullable=False),
    Column("made_by", String(128), nullable=False),
    Column("what", Text, nullable=False),
    Column("taxonomy_before", Text, nullable=False),
    Column("taxonomy_after", Text, nullable=False),
    Column("overrides_before", Text, nullable=False),
    Column("overrides_after", Text, nullable=False),
    Column("undoes", Integer),  # the change this one undid, if it is an undo
)

# Warehouse-wide values such as the generated hashing salt.
settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Which schema migrations this warehouse has had (dumbcontacts.etl.migrations), each once.
migrations = Table(
    "migrations",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("applied_at", DateTime, nullable=False),
)

# Analysis: topic models, their topics, and each contact's topic (dumbcontacts.analysis.topics).
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
    # The language its reasons are in (null: not known) and its category, the upper level.
    Column("language", String(16)),
    Column("category", Text),
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

Index(
    "contact_topics_by_topic",
    contact_topics.c.model_version,
    contact_topics.c.topic_id,
    contact_topics.c.contact_id,
).ddl_if(callable_=_not_duckdb)

# Contacts per day, topic (null: none yet) and channel under one model, with their handled
# seconds and repeats (analysis.economics.topic_days): what every figure counts, kept by
# ``analyze`` so a reader maps a few thousand rows to defects instead of every contact.
topic_days = Table(
    "topic_days",
    metadata,
    Column("model_version", Integer, nullable=False),
    Column("day", Date, nullable=False),
    Column("topic_id", Integer),
    Column("channel", String(16), nullable=False),
    Column("contacts", BigInteger, nullable=False),
    Column("handled_seconds", BigInteger),
    Column("unhandled", BigInteger, nullable=False),
    Column("repeats", BigInteger, nullable=False),
    Column("cross_channel", BigInteger),
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

# Every vector ever computed, so each distinct text is embedded once per model
# (dumbcontacts.analysis.topics.embedding_cache).
embeddings = Table(
    "embeddings",
    metadata,
    Column("model", String(128), primary_key=True),
    # sha256 hex of the UTF-8 text: the text itself stays in contacts, never copied here.
    Column("text_hash", String(64), primary_key=True),
    Column("dimension", Integer, nullable=False),
    # Little-endian float32, L2-normalised: np.frombuffer(vector, "<f4").
    Column("vector", LargeBinary, nullable=False),
)
